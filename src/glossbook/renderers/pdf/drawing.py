"""The parts of the print edition and their HTML: one template per part, numbers filled in.

A part is a fragment of a document (the prelims, the contents, a front-matter page, a
chapter, a back-matter page, the references, the index). ``Drawing`` renders a part's
fragment and wraps fragments in the ``pdf/book.html`` shell; ``with_page_numbers`` gives the
links that print a page number of a target in another document its folio (``data-page``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html as htmllib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ... import __version__
from ...model import Book, Chapter, IndexLocator, MatterPage
from ...shown import entry_shown, pickled_digest, templates_digest, text_digest
from ...theme import Theme
from .typography import guide_chars, typeset

PLACEHOLDER = "0"  # a digit of a page number shown before the target's page is known
PAGE_LINKS = ("xref", "page-ref", "page-number", "toc-link")

_FOOTNOTES = re.compile(
    r'(?:<hr class="footnotes-sep"\s*/?>\s*)?<section class="footnotes">.*?</section>\s*', re.S
)
_FOOTNOTE_ITEM = re.compile(r'<li id="(fn-[^"]+)" class="footnote-item">(.*?)</li>', re.S)
_BACKREF = re.compile(r'\s*<a href="#fnref-[^"]*" class="footnote-backref">.*?</a>', re.S)
_FOOTNOTE_REF = re.compile(
    r'<sup class="footnote-ref"><a href="#(fn-[^"]+)" id="(fnref-[^"]+)">([^<]*)</a></sup>'
)
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_ID = re.compile(r'\sid="([^"]+)"')
_LINK = re.compile(r"<a\s[^>]*>")
_CLASS = re.compile(r'\sclass="([^"]*)"')
_FRAGMENT = re.compile(r'\shref="#([^"]+)"')


@dataclass
class Part:
    """One part of the book: a fragment of a document, drawn from its own template."""

    kind: str  # prelims, contents, front, chapter, back, references, index
    section: str  # "front", "body" or "back": how its pages are numbered
    anchor: str  # the id of its first element
    template: str
    context: dict[str, object] = field(default_factory=dict)


def parts(book: Book) -> list[Part]:
    """The parts of the print edition in reading order."""
    result = [
        Part("prelims", "front", "half-title", "pdf/prelims.html"),
        Part("contents", "front", "contents", "pdf/contents.html"),
    ]
    for page in book.front:
        result.append(Part("front", "front", page.anchor, "pdf/matter.html", {"page": page}))
    body: list[Part] = []
    for chapter in book.chapters:
        body.append(
            Part("chapter", "body", chapter.anchor, "pdf/chapter.html", {"chapter": chapter})
        )
    for page in book.back:
        body.append(Part("back", "back", page.anchor, "pdf/matter.html", {"page": page}))
    if book.references:
        body.append(Part("references", "back", "references", "pdf/references.html"))
    if book.index:
        body.append(Part("index", "back", "names-index", "pdf/index.html"))
    for part in result + body:
        part.context["first"] = bool(body) and part is body[0]  # where folio 1 falls
    return result + body


def printed(context: dict[str, object]) -> dict[str, object]:
    """A part's context as the print templates show it: footnotes at their references."""
    chapter, page = context.get("chapter"), context.get("page")
    if isinstance(chapter, Chapter):
        entries = [dataclasses.replace(e, html=inline_footnotes(e.html)) for e in chapter.entries]
        return {**context, "chapter": dataclasses.replace(chapter, entries=entries)}
    if isinstance(page, MatterPage):
        return {**context, "page": dataclasses.replace(page, html=inline_footnotes(page.html))}
    return context


def inline_footnotes(fragment: str) -> str:
    """Move each footnote's text from the list at the end of a fragment to its reference.

    ``<sup class="footnote-ref"><a href="#fn-x-1" …>`` becomes ``<span class="footnote"
    id="fn-x-1">text</span>``, which print.css floats to the foot of the page; a second
    reference to the same note stays a superscript link to it.
    """
    if '<section class="footnotes">' not in fragment:  # most entries: a fast look first
        return fragment
    match = _FOOTNOTES.search(fragment)
    if match is None:
        return fragment
    notes: dict[str, str] = {}
    for item in _FOOTNOTE_ITEM.finditer(match.group(0)):
        body = _BACKREF.sub("", item.group(2)).strip()
        paragraphs = [p.strip() for p in _PARAGRAPH.findall(body)] or [body]
        if len(paragraphs) == 1:
            notes[item.group(1)] = paragraphs[0]
        else:
            notes[item.group(1)] = "".join(
                f'<span class="footnote-para">{p}</span>' for p in paragraphs
            )
    text = fragment[: match.start()] + fragment[match.end() :]
    placed: set[str] = set()

    def place(ref: re.Match[str]) -> str:
        note = ref.group(1)
        if note in placed or note not in notes:
            label = htmllib.escape(ref.group(3).strip("[]"))
            return f'<sup class="footnote-ref"><a href="#{note}">{label}</a></sup>'
        placed.add(note)
        return f'<span class="footnote" id="{note}">{notes[note]}</span>'

    return _FOOTNOTE_REF.sub(place, text)


def keywords(book: Book) -> list[str]:
    """The PDF's keywords: every category of the book's entries, in order of first use."""
    seen: dict[str, None] = {}
    for entry in book.entries:
        for category in entry.categories:
            seen.setdefault(category, None)
    return list(seen)


def creation_date() -> str:
    """Now, or ``SOURCE_DATE_EPOCH`` when set (reproducible builds), as a W3C date in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = (
        dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        if epoch.isdigit()
        else dt.datetime.now(tz=dt.UTC)
    )
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _identifier(identifier: str) -> str:
    digits = identifier.replace("-", "").replace(" ", "")
    if re.fullmatch(r"97[89]\d{10}|\d{9}[\dXx]", digits):
        return f"ISBN {identifier}"
    return identifier


class Drawing:
    """Renders parts and documents from the theme's templates."""

    def __init__(self, book: Book, theme: Theme, created: str = "") -> None:
        self.book = book
        self.theme = theme
        self.created = created  # the documents' date; empty: the join sets it
        self.titles = {e.slug: e.title for e in book.entries}
        self._fragments: dict[int, str] = {}
        self._shown: dict[int, str | None] = {}
        self._shell: str | None = None
        self.guide_limit = guide_chars(book.settings.get("trim"))  # type: ignore[arg-type]

    def part(self, part: Part, labels: dict[str, str]) -> str:
        """A part's HTML fragment; the index lists each printed page once when pages are known,
        and it and the references print the pages known as text (``pdf/folios.html``)."""
        uses_labels = part.kind in ("index", "references")
        key = id(part)
        if not uses_labels and key in self._fragments:
            return self._fragments[key]
        meta = self.book.metadata
        text = self.theme.render(
            part.template,
            book=self.book,
            titles=self.titles,
            version=__version__,
            year=meta.date[:4],
            identifier=_identifier(meta.identifier),
            page_runs=_runs(labels),
            folio=lambda target: labels.get(target, ""),
            **printed(part.context),
        )
        text = typeset(text, self.guide_limit)
        if not uses_labels:
            self._fragments[key] = text
        return text

    def shown(self, part: Part) -> str | None:
        """The hash of all ``part`` shows of the book with glossbook's own templates, the page
        numbers aside (``shown.py``): what keys its document's drawing in the build cache,
        with the numbers. None where that is not known or not worth it: a book with
        templates of its own, and the small parts (the prelims, the contents, a matter page,
        the references)."""
        if id(part) not in self._shown:
            self._shown[id(part)] = self._shown_now(part)
        return self._shown[id(part)]

    def _shown_now(self, part: Part) -> str | None:
        templates = templates_digest(self.theme)
        chapter = part.context.get("chapter")
        if not templates:
            return None
        if part.kind == "chapter" and isinstance(chapter, Chapter):
            entries = [entry_shown(entry, self.titles) for entry in chapter.entries]
            what: object = [chapter.anchor, chapter.title, entries]
        elif part.kind == "index":
            what = pickled_digest(self.book.index)
        else:
            return None
        context = [part.kind, part.template, part.context.get("first"), self.guide_limit]
        return text_digest(json.dumps([__version__, templates, context, what], default=str))

    def shell(self) -> str:
        """The hash of what ``pdf/book.html`` shows of the book around the parts (its
        creation date aside)."""
        if self._shell is None:
            running = self.book.settings.get("running_heads") or "guide-words"
            shell = [vars(self.book.metadata), keywords(self.book), running]
            self._shell = text_digest(json.dumps(shell, default=str))
        return self._shell

    def document(self, fragments: list[str], digits: int = 0, *, dated: bool = False) -> str:
        """A document of these fragments; ``digits``: how many digits the widest folio a
        cross-reference can print has (the width of the box it is printed in); ``dated``:
        with the creation date in its metadata."""
        return self.theme.render(
            "pdf/book.html",
            book=self.book,
            parts=fragments,
            keywords=keywords(self.book),
            created=self.created if dated else "",
            version=__version__,
            digits=digits,
            running_heads=self.book.settings.get("running_heads") or "guide-words",
        )


def _distinct(labels: dict[str, str]) -> Callable[[list[IndexLocator]], list[IndexLocator]]:
    """Locators in page order, each page once (all of them, as given, while pages are unknown)."""

    def distinct(locators: list[IndexLocator]) -> list[IndexLocator]:
        if not all(loc.target in labels for loc in locators):
            return locators
        by_page = {labels[loc.target]: loc for loc in reversed(locators)}
        return [by_page[page] for page in sorted(by_page, key=_page_order)]

    return distinct


def _runs(labels: dict[str, str]) -> Callable[[list[IndexLocator]], list[list[IndexLocator]]]:
    """Locators as runs of consecutive pages, each page once: 12, 13, 14 → one run 12–14."""
    distinct = _distinct(labels)

    def runs(locators: list[IndexLocator]) -> list[list[IndexLocator]]:
        result: list[list[IndexLocator]] = []
        for loc in distinct(locators):
            label = labels.get(loc.target, "")
            last = labels.get(result[-1][-1].target, "") if result else ""
            if label.isdigit() and last.isdigit() and int(label) == int(last) + 1:
                result[-1].append(loc)
            else:
                result.append([loc])
        return result

    return runs


def _page_order(label: str) -> tuple[int, int]:
    """Front matter (roman) before the body (arabic)."""
    if label.isdigit():
        return (1, int(label))
    values = [_ROMAN.get(c, 0) for c in label]
    total = sum(-v if v < next_ else v for v, next_ in zip(values, [*values[1:], 0], strict=True))
    return (0, total)


_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}


def with_page_numbers(
    text: str, labels: dict[str, str], digits: int = 2, *, every: bool = False
) -> str:
    """Give links that print a page number a ``data-page``: the target's folio, or
    ``digits`` placeholder digits while it is not known. Only links out of this document,
    unless ``every``: then also those to its own anchors, so that WeasyPrint resolves no
    ``target-counter()`` (which makes it paginate again, and can move footnotes)."""
    own = set() if every else set(_ID.findall(text))

    def sub(match: re.Match[str]) -> str:
        tag = match.group(0)
        classes = _CLASS.search(tag)
        href = _FRAGMENT.search(tag)
        # (a link with data-folio prints its folio as its text)
        numbered = "data-page=" in tag or "data-folio=" in tag
        if not classes or not href or href.group(1) in own or numbered:
            return tag
        if not set(classes.group(1).split()) & set(PAGE_LINKS):
            return tag
        page = htmllib.escape(labels.get(href.group(1), PLACEHOLDER * digits))
        return f'{tag[:-1].rstrip("/ ")} data-page="{page}"{" /" if tag.endswith("/>") else ""}>'

    return _LINK.sub(sub, text)


def roman(number: int) -> str:
    """A folio of the front matter: 1 → i, 14 → xiv."""
    numerals = [
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ]  # fmt: skip
    out = ""
    for value, letters in numerals:
        count, number = divmod(number, value)
        out += letters * count
    return out
