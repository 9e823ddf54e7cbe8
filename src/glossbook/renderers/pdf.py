"""The print edition: ``<slug>.pdf``, laid out with CSS paged media by WeasyPrint, and its
page map ``<slug>.layout.json`` (a ``PrintLayout``: each page's folio and its anchors).

Parts and documents
-------------------
The book is a sequence of *parts*, each an HTML fragment drawn from its own template in
``templates/pdf/``: the prelims (half-title, title and copyright pages), the contents, each
front-matter page, each chapter, each back-matter page, the references and the index.
``css/print.css`` lays them out: page geometry, running heads, folios, footnotes and page
references. Shared entry fragments are only adapted for print: each footnote's text moves
to its reference, where ``float: footnote`` sets it at the foot of the page.

Parts are laid out in *sheaves*: groups of parts laid out as one WeasyPrint document (in the
``pdf/book.html`` shell), whose pages are then joined into one PDF (``Document.copy``, which
keeps links, anchors and bookmarks across documents). A part depends on the others only
through (a) the folio it starts on and (b) the page numbers of anchors it refers to in
other documents:

- every sheaf opens on a recto and knows its first folio (a generated ``@page :first {
  counter-reset: page N }``); a blank page is added after a sheaf that ends on a recto;
- a link that prints a page number (classes ``xref``, ``page-ref``, ``page-number``,
  ``toc-link``) to an anchor in another sheaf carries that page's folio in ``data-page``,
  which print.css shows where ``target-counter()`` cannot see the target;
- layout runs to a fixed point: each round lays out again only the sheaves whose HTML or
  first folio changed since the numbers they show became known, until none does.

Today there are three sheaves: the body (chapters and back matter, from folio 1, where
``target-counter()`` resolves cross-references), the apparatus (references and index) and
the front (prelims, contents, front matter; roman folios). Laid out in that order, the
contents and the index print real page numbers after one round, and the index lists a
page once even when a term occurs twice on it. The page map is read from the real layout.

Chapters laid out independently: a chapter per sheaf is the same mechanism with a finer
grouping (see ``sheaves``): each chapter knows its first folio and the numbers it shows, so
chapters can be laid out on their own and joined. In one process it does not pay yet:
forward cross-references only get their numbers in the next round, their widths move page
breaks, and a chapter that changes length shifts every later one, so the body is laid out
two to four times; on the 200-entry benchmark book five rounds took 2.4 times the single body
document and chapter lengths still oscillated (a rule such as "a chapter never shrinks:
pad it with a blank page" would end that). WeasyPrint documents cannot cross processes, so
the parallel version lays chapters out in worker processes with provisional numbers,
exchanges only page maps between rounds, and joins PDF files (pypdf) instead of pages.

Folios: front matter counts in lower-case roman from the half-title; the page counter
restarts at 1 on the first chapter's opening page (the ``body-start`` page group) and runs
through the back matter. Running heads: verso the book's title, recto the dictionary guide
words ``string(guide, start)`` and ``string(guide, last)``: the entry standing at the head of
the page (continuing from the previous page, or the first to begin there) and the last entry
to begin on it, so that a reader who turns pages looking for a headword finds every entry
with text on the page inside the range.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import html as htmllib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import tinycss2

from .. import __version__
from ..errors import ContentError, Problem, UsageError
from ..fetcher import fetcher
from ..model import Book, Entry, IndexLocator, MatterPage, PrintLayout, PrintPage
from ..output import staged_file
from ..theme import BOOK_STYLES, BUILTIN, Theme

LOG = logging.getLogger("glossbook.pdf")

STYLESHEET = "css/print.css"
DEFAULT_TRIM = ("6in", "9in")
DEFAULT_BLEED = "3mm"
VARIANTS = ("pdf/a-1b", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/ua-1")
MAX_ROUNDS = 5
PLACEHOLDER = "00"  # the page number shown before the target's page is known
PAGE_LINKS = ("xref", "page-ref", "page-number", "toc-link")
BUILTIN_FAMILIES = {"linux libertine o", "linux libertine mono o"}
GENERIC_FAMILIES = {
    *("serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "math"),
    *("emoji", "fangsong", "ui-serif", "ui-sans-serif", "ui-monospace", "ui-rounded"),
    *("inherit", "initial", "unset", "revert", "revert-layer"),
}

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
_LENGTH = re.compile(r"^\d+(?:\.\d+)?(?:mm|cm|in|pt|px)$")
_POSITION = re.compile(r"\s*at (\d+):(\d+)")
_URL = re.compile(r"""url\(\s*(['"]?)([^'")\s]+)\1\s*\)""")


# --- parts ------------------------------------------------------------------------------


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
        result.append(
            Part("front", "front", page.anchor, "pdf/matter.html", {"page": _matter(page)})
        )
    body: list[Part] = []
    for chapter in book.chapters:
        printed = dataclasses.replace(chapter, entries=[_entry(e) for e in chapter.entries])
        body.append(
            Part("chapter", "body", chapter.anchor, "pdf/chapter.html", {"chapter": printed})
        )
    for page in book.back:
        body.append(Part("back", "back", page.anchor, "pdf/matter.html", {"page": _matter(page)}))
    if book.references:
        body.append(Part("references", "back", "references", "pdf/references.html"))
    if book.index:
        body.append(Part("index", "back", "names-index", "pdf/index.html"))
    for part in result + body:
        part.context["first"] = bool(body) and part is body[0]  # where folio 1 falls
    return result + body


def _entry(entry: Entry) -> Entry:
    return dataclasses.replace(entry, html=inline_footnotes(entry.html))


def _matter(page: MatterPage) -> MatterPage:
    return dataclasses.replace(page, html=inline_footnotes(page.html))


def inline_footnotes(fragment: str) -> str:
    """Move each footnote's text from the list at the end of a fragment to its reference.

    ``<sup class="footnote-ref"><a href="#fn-x-1" …>`` becomes ``<span class="footnote"
    id="fn-x-1">text</span>``, which print.css floats to the foot of the page; a second
    reference to the same note stays a superscript link to it.
    """
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

    def __init__(self, book: Book, theme: Theme, created: str) -> None:
        self.book = book
        self.theme = theme
        self.created = created
        self.titles = {e.slug: e.title for e in book.entries}
        self._fragments: dict[int, str] = {}

    def part(self, part: Part, labels: dict[str, str]) -> str:
        """A part's HTML fragment; the index lists each printed page once when pages are known."""
        uses_labels = part.kind == "index"
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
            **part.context,
        )
        if not uses_labels:
            self._fragments[key] = text
        return text

    def document(self, fragments: list[str]) -> str:
        return self.theme.render(
            "pdf/book.html",
            book=self.book,
            parts=fragments,
            keywords=keywords(self.book),
            created=self.created,
            version=__version__,
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


def with_page_numbers(text: str, labels: dict[str, str]) -> str:
    """Give links that print a page number and point outside this document a ``data-page``."""
    own = set(_ID.findall(text))

    def sub(match: re.Match[str]) -> str:
        tag = match.group(0)
        classes = _CLASS.search(tag)
        href = _FRAGMENT.search(tag)
        if not classes or not href or href.group(1) in own or "data-page=" in tag:
            return tag
        if not set(classes.group(1).split()) & set(PAGE_LINKS):
            return tag
        page = htmllib.escape(labels.get(href.group(1), PLACEHOLDER))
        return f'{tag[:-1].rstrip("/ ")} data-page="{page}"{" /" if tag.endswith("/>") else ""}>'

    return _LINK.sub(sub, text)


# --- stylesheets, and problems in a book's own ------------------------------------------


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def captured_warnings() -> Iterator[list[logging.LogRecord]]:
    """Collect what WeasyPrint logs (warnings and errors) while the block runs."""
    handler = _Records()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


def page_setup(book: Book, *, press: bool, bleed: str) -> str:
    """The stylesheet placed before print.css: trim size and, for the press, bleed and marks."""
    width, height = book.settings.get("trim") or DEFAULT_TRIM  # type: ignore[misc]
    rules = f"@page {{ size: {width} {height}; }}\n"
    if press:
        rules += f"@page {{ bleed: {bleed}; marks: crop; }}\n"
    return rules


def stylesheets(
    book: Book, theme: Theme, fonts: Any, counters: Any, *, press: bool, bleed: str
) -> list[Any]:
    """The page set-up and print.css, as WeasyPrint ``CSS`` objects.

    When print.css is the book's own, everything WeasyPrint reports while reading it (syntax
    errors, unknown properties, fonts that cannot be loaded), every missing font file and
    every font family it names that is neither declared nor installed is raised as a
    ContentError located at ``styles/css/print.css:line``.
    """
    from weasyprint import CSS

    path = theme.file(STYLESHEET)
    text = path.read_text(encoding="utf-8")
    own = path.resolve().is_relative_to((book.root / BOOK_STYLES).resolve())
    if own:
        text = _theme_urls(text, path, book.root)
    sheets = [CSS(string=page_setup(book, press=press, bleed=bleed), font_config=fonts)]
    with captured_warnings() as records:
        sheets.append(
            CSS(
                string=text,
                base_url=path.as_uri(),
                font_config=fonts,
                counter_style=counters,
                url_fetcher=fetcher(book.root),
            )
        )
    if not own:
        for record in records:
            LOG.warning("WeasyPrint, in glossbook's %s: %s", STYLESHEET, record.getMessage())
        return sheets
    shown = path.relative_to(book.root).as_posix()
    problems = _missing_font_files(text, path, shown)
    missing = {p.line for p in problems}
    for record in records:
        problem = _css_problem(record, text, shown)
        if "@font-face cannot be loaded" not in problem.message or problem.line not in missing:
            problems.append(problem)
    problems += _unknown_fonts(text, shown)
    if problems:
        raise ContentError(sorted(problems, key=lambda p: p.line or 0))
    return sheets


def _theme_urls(text: str, path: Path, root: Path) -> str:
    """Point relative ``url()``s the book's styles folder lacks at glossbook's own styles.

    A book that overrides print.css keeps the built-in fonts: ``url(../fonts/
    LinLibertine_R.otf)`` resolves in the book's ``styles/`` first, then in glossbook's.
    """
    styles = (root / BOOK_STYLES).resolve()

    def sub(match: re.Match[str]) -> str:
        target = match.group(2)
        if ":" in target or target.startswith(("/", "#")):
            return match.group(0)
        local = (path.parent / target).resolve()
        if local.exists() or not local.is_relative_to(styles):
            return match.group(0)
        builtin = BUILTIN / local.relative_to(styles)
        return f'url("{builtin.as_uri()}")' if builtin.exists() else match.group(0)

    return _URL.sub(sub, text)


def _css_problem(record: logging.LogRecord, text: str, shown: str) -> Problem:
    """A WeasyPrint warning about the book's stylesheet, located at its line."""
    message = " ".join(record.getMessage().split())
    line = None
    position = _POSITION.search(message)
    family = re.search(r"Font-face '([^']+)'", message)
    quoted = re.search(r"'([^']+)'", message)
    if position:
        line = int(position.group(1))
        message = message[: position.start()] + message[position.end() :]
    elif family:
        line = _font_face_line(text, family.group(1))
        message = f"the font '{family.group(1)}' of this @font-face cannot be loaded"
    elif quoted:
        line = _rule_line(text, quoted.group(1))
    return Problem(
        shown,
        line,
        f"CSS: {message.rstrip('.')}.",
        "Fix the stylesheet: the print edition ignores what it cannot read.",
    )


def _rule_line(text: str, prelude: str) -> int | None:
    """The line of the rule whose selector WeasyPrint quotes in a message."""
    wanted = " ".join(prelude.split())
    for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        prelude_text = " ".join(tinycss2.serialize(getattr(rule, "prelude", [])).split())
        if rule.type == "qualified-rule" and prelude_text == wanted:
            return rule.source_line
    return None


def _font_face_line(text: str, family: str) -> int | None:
    for rule in _font_faces(text):
        for decl in tinycss2.parse_blocks_contents(rule.content):
            if decl.type != "declaration" or decl.lower_name != "font-family":
                continue
            if any(name == family for name, _ in _families(decl.value)):
                return rule.source_line
    return None


def _missing_font_files(text: str, path: Path, shown: str) -> list[Problem]:
    """``@font-face`` sources naming files that do not exist, at their lines."""
    problems = []
    for rule in _font_faces(text):
        for token in _walk(rule.content):
            target = ""
            if token.type == "url":
                target = token.value
            elif token.type == "function" and token.lower_name == "url" and token.arguments:
                target = getattr(token.arguments[0], "value", "")
            if not target or target.startswith(("data:", "http:", "https:")):
                continue
            if target.startswith("file:"):
                file = Path(url2pathname(urlsplit(target).path))
            else:
                file = path.parent / target
            if not file.is_file():
                problems.append(
                    Problem(
                        shown,
                        token.source_line,
                        f"the font file '{target}' does not exist.",
                        "Put the font in the book's styles/fonts/ and point src: url(…) at it, "
                        "relative to the stylesheet.",
                    )
                )
    return problems


def _unknown_fonts(text: str, shown: str) -> list[Problem]:
    """Font families the stylesheet names that are neither declared nor installed."""
    declared = set(BUILTIN_FAMILIES)
    for rule in _font_faces(text):
        for decl in tinycss2.parse_blocks_contents(rule.content):
            if decl.type == "declaration" and decl.lower_name == "font-family":
                declared.update(name.casefold() for name, _ in _families(decl.value))
    named: list[tuple[str, int]] = []
    for decl in _declarations(tinycss2.parse_stylesheet(text, skip_comments=True)):
        if decl.lower_name == "font-family":
            named += _families(decl.value)
        elif decl.lower_name == "font":
            named += _families(_after_size(decl.value))
    problems = []
    for name, line in named:
        key = name.casefold()
        if key in GENERIC_FAMILIES or key in declared:
            continue
        declared.add(key)  # report each family once
        if not _installed(name):
            problems.append(
                Problem(
                    shown,
                    line,
                    f"the font '{name}' is neither declared with @font-face nor installed.",
                    "Declare it with @font-face (font files in the book's styles/fonts/) "
                    "or name an installed font.",
                )
            )
    return problems


def _font_faces(text: str) -> list[Any]:
    return [
        rule
        for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
        if rule.type == "at-rule" and rule.lower_at_keyword == "font-face" and rule.content
    ]


def _declarations(rules: list[Any]) -> Iterator[Any]:
    """Every declaration of a stylesheet, including those nested in @page and @media."""
    for rule in rules:
        content = getattr(rule, "content", None)
        if not content or getattr(rule, "lower_at_keyword", None) == "font-face":
            continue
        items = tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True)
        for item in items:
            if item.type == "declaration":
                yield item
            elif item.type in ("at-rule", "qualified-rule"):
                yield from _declarations([item])


def _families(tokens: list[Any]) -> list[tuple[str, int]]:
    """``"Linux Libertine O", Georgia, serif`` → each family name with its line."""
    result: list[tuple[str, int]] = []
    words: list[str] = []
    line = 0
    for token in [*tokens, None]:
        if token is None or (token.type == "literal" and token.value == ","):
            if words:
                result.append((" ".join(words), line))
            words = []
        elif token.type in ("string", "ident"):
            if not words:
                line = token.source_line
            words.append(token.value)
        elif token.type == "function":  # var(…), env(…): not a family name
            words = []
    return result


def _after_size(tokens: list[Any]) -> list[Any]:
    """The family list of a ``font`` shorthand: what follows the size (and line height)."""
    significant = [t for t in tokens if t.type not in ("whitespace", "comment")]
    for n, token in enumerate(significant):
        if token.type in ("dimension", "percentage"):
            rest = significant[n + 1 :]
            if rest and rest[0].type == "literal" and rest[0].value == "/":
                rest = rest[2:]
            return rest
    return []


def _walk(tokens: list[Any]) -> Iterator[Any]:
    for token in tokens:
        yield token
        if token.type in ("() block", "[] block", "{} block"):
            yield from _walk(token.content)


def _installed(family: str) -> bool:
    """Whether fontconfig knows a font family by this name (True if it cannot be asked)."""
    try:
        from weasyprint.text.ffi import ffi, fontconfig
    except ImportError:  # pragma: no cover - WeasyPrint's internals moved: do not block
        return True
    config = fontconfig.FcInitLoadConfigAndFonts()
    try:
        pattern = fontconfig.FcPatternCreate()
        fontconfig.FcPatternAddString(pattern, b"family", family.encode())
        fontconfig.FcConfigSubstitute(config, pattern, fontconfig.FcMatchPattern)
        fontconfig.FcDefaultSubstitute(pattern)
        result = ffi.new("FcResult *")
        match = fontconfig.FcFontMatch(config, pattern, result)
        fontconfig.FcPatternDestroy(pattern)
        if match == ffi.NULL:
            return False
        value = ffi.new("FcChar8 **")
        names = []
        while fontconfig.FcPatternGetString(match, b"family", len(names), value) == 0:
            names.append(ffi.string(value[0]).decode("utf-8", "replace").casefold())
        fontconfig.FcPatternDestroy(match)
        return family.casefold() in names
    finally:
        fontconfig.FcConfigDestroy(config)


# --- layout -----------------------------------------------------------------------------


@dataclass
class Sheaf:
    """Parts laid out together as one WeasyPrint document, and what that layout gave."""

    name: str
    parts: list[Part]
    front: bool = False  # numbered in roman from the first page of the book
    first_folio: int = 1
    key: tuple[str, int] = ("", 0)  # the HTML and first folio it was laid out with
    document: Any = None
    blank_after: bool = False  # a blank page follows, so that the next sheaf opens on a recto

    @property
    def pages(self) -> list[Any]:
        return list(self.document.pages) if self.document is not None else []


def sheaves(all_parts: list[Part]) -> list[Sheaf]:
    """How the parts are grouped into documents, in reading order.

    A chapter per document is one line away (``[Sheaf(p.anchor, [p]) for p in body]``);
    see the module's docstring for why it waits for a parallel pool.
    """
    apparatus_kinds = ("references", "index")
    front = Sheaf("front", [p for p in all_parts if p.section == "front"], front=True)
    body = Sheaf(
        "body", [p for p in all_parts if p.section != "front" and p.kind not in apparatus_kinds]
    )
    apparatus = Sheaf("apparatus", [p for p in all_parts if p.kind in apparatus_kinds])
    return [s for s in (front, body, apparatus) if s.parts]


def layout(
    book: Book,
    *,
    press: bool = False,
    variant: str | None = None,
    bleed: str = DEFAULT_BLEED,
) -> tuple[bytes, PrintLayout]:
    """Lay out the print edition: the PDF's bytes and its page map."""
    from weasyprint import CSS, HTML
    from weasyprint.css.counters import CounterStyle
    from weasyprint.text.fonts import FontConfiguration

    if variant is not None and variant not in VARIANTS:
        raise UsageError(f"unknown PDF variant '{variant}'; choose from: {', '.join(VARIANTS)}.")
    if not _LENGTH.match(bleed):
        raise UsageError(f"the bleed '{bleed}' is not a length; give one such as 3mm or 0.125in.")
    theme = Theme(book.root)
    fonts, counters = FontConfiguration(), CounterStyle()
    sheets = stylesheets(book, theme, fonts, counters, press=press, bleed=bleed)
    drawing = Drawing(book, theme, creation_date())
    base_url = book.root.resolve().as_uri() + "/"
    all_parts = parts(book)
    groups = sheaves(all_parts)
    labels: dict[str, str] = {}

    def lay_out(sheaf: Sheaf, text: str) -> None:
        extra = []
        if sheaf.first_folio != 1:
            extra = [CSS(string=f"@page :first {{ counter-reset: page {sheaf.first_folio}; }}")]
        with captured_warnings() as records:
            sheaf.document = HTML(
                string=text, base_url=base_url, url_fetcher=fetcher(book.root)
            ).render(stylesheets=sheets + extra, font_config=fonts, counter_style=counters)
        for record in records:
            LOG.warning("WeasyPrint: %s", record.getMessage())
        sheaf.key = (text, sheaf.first_folio)

    # The front is laid out last in each round: it shows the most page numbers of others.
    order = [s for s in groups if not s.front] + [s for s in groups if s.front]
    for _round in range(MAX_ROUNDS):
        changed = False
        for sheaf in order:
            _number(groups)
            fragments = [drawing.part(part, labels) for part in sheaf.parts]
            text = with_page_numbers(drawing.document(fragments), labels)
            if (text, sheaf.first_folio) == sheaf.key:
                continue
            started = time.perf_counter()
            lay_out(sheaf, text)
            LOG.debug(
                "round %d: laid out %s from folio %d: %d pages in %.2f s",
                _round + 1,
                sheaf.name,
                sheaf.first_folio,
                len(sheaf.pages),
                time.perf_counter() - started,
            )
            changed = True
            _number(groups)
            labels.update(_labels(sheaf))
        if not changed:
            break
    else:
        LOG.warning("page numbers did not settle after %d layouts", MAX_ROUNDS)

    blank = None
    if any(s.blank_after for s in groups):
        with captured_warnings():
            blank = (
                HTML(string="<html><body></body></html>", url_fetcher=fetcher(book.root))
                .render(stylesheets=sheets, font_config=fonts, counter_style=counters)
                .pages[0]
            )
    pages: list[Any] = []
    for sheaf in groups:
        pages += sheaf.pages
        if sheaf.blank_after:
            pages.append(blank)
    page_map = read_layout(all_parts, groups)
    joined = groups[0].document.copy(pages)
    options: dict[str, object] = {"pdf_identifier": _pdf_identifier(book)}
    if variant:
        options["pdf_variant"] = variant
    with captured_warnings() as records:
        pdf = joined.write_pdf(finisher=_page_labels(page_map), **options)
    for record in records:
        LOG.warning("WeasyPrint: %s", record.getMessage())
    return pdf, page_map


def _number(groups: list[Sheaf]) -> None:
    """Give each sheaf its first folio and blank page from the page counts known so far."""
    folio = 1
    for sheaf in groups:
        count = len(sheaf.pages)
        if sheaf.front:
            sheaf.first_folio = 1
            sheaf.blank_after = count % 2 == 1
            continue
        sheaf.first_folio = folio
        folio += count
        sheaf.blank_after = count % 2 == 1 and sheaf is not groups[-1]
        folio += sheaf.blank_after


def _labels(sheaf: Sheaf) -> dict[str, str]:
    """The folio of the page each anchor of a laid-out sheaf first stands on."""
    result: dict[str, str] = {}
    for n, page in enumerate(sheaf.pages):
        label = _roman(n + 1) if sheaf.front else str(sheaf.first_folio + n)
        for anchor in page.anchors:
            result.setdefault(anchor, label)
    return result


def read_layout(all_parts: list[Part], groups: list[Sheaf]) -> PrintLayout:
    """The page map of the joined pages: folios and the anchors first standing on each page.

    A page with no printed folio (the prelims, blank pages) has an empty label.
    """
    starts = {part.anchor: part for part in all_parts}
    seen: set[str] = set()
    result: list[PrintPage] = []
    kind, section = "prelims", "front"
    number = 0
    for sheaf in groups:
        for n, page in enumerate(sheaf.pages):
            number += 1
            anchors = [a for a in page.anchors if a not in seen]
            seen.update(anchors)
            for anchor in anchors:
                if anchor in starts:
                    kind, section = starts[anchor].kind, starts[anchor].section
            label = _roman(number) if sheaf.front else str(sheaf.first_folio + n)
            if kind == "prelims" or _is_blank(page):
                label = ""
            result.append(PrintPage(number=number, label=label, anchors=anchors, section=section))
        if sheaf.blank_after:
            number += 1
            result.append(PrintPage(number=number, label="", section=section))
    return PrintLayout(pages=result)


def _is_blank(page: Any) -> bool:
    page_type = getattr(getattr(page, "_page_box", None), "page_type", None)
    return bool(getattr(page_type, "blank", False))


def _roman(number: int) -> str:
    numerals = [
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ]  # fmt: skip
    out = ""
    for value, letters in numerals:
        count, number = divmod(number, value)
        out += letters * count
    return out


def _page_labels(page_map: PrintLayout) -> Callable[[Any, Any], None]:
    """A WeasyPrint finisher giving the PDF the page labels of the printed folios."""

    def finish(document: Any, pdf: Any) -> None:
        import pydyf

        body = next((p.number for p in page_map.pages if p.section != "front"), None)
        numbers = pydyf.Array([0, pydyf.Dictionary({"S": "/r"})])
        if body is not None:
            numbers.extend([body - 1, pydyf.Dictionary({"S": "/D"})])
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": numbers})

    return finish


def _pdf_identifier(book: Book) -> bytes:
    """A stable file identifier: the same book gives the same ID (reproducible builds)."""
    meta = book.metadata
    seed = f"{meta.slug}\0{meta.identifier}\0{meta.title}"
    return hashlib.md5(seed.encode(), usedforsecurity=False).hexdigest().encode()


def render_chapter(book: Book, anchor: str) -> bytes:
    """One chapter alone as a PDF, with the print stylesheet: the preview's page view.

    The chapter starts on the folio it has in the book when the book's print layout is
    known (``book.print_layout``), else on folio 1; page numbers it shows of other
    chapters come from that layout too. The book is not changed.
    """
    from weasyprint import CSS, HTML
    from weasyprint.css.counters import CounterStyle
    from weasyprint.text.fonts import FontConfiguration

    part = next((p for p in parts(book) if p.kind == "chapter" and p.anchor == anchor), None)
    if part is None:
        raise KeyError(anchor)
    labels: dict[str, str] = {}
    for page in book.print_layout.pages if book.print_layout else []:
        for name in page.anchors:
            labels.setdefault(name, page.label)
    theme = Theme(book.root)
    fonts, counters = FontConfiguration(), CounterStyle()
    sheets = stylesheets(book, theme, fonts, counters, press=False, bleed=DEFAULT_BLEED)
    first = labels.get(anchor, "1")
    if first.isdigit() and first != "1":
        sheets.append(CSS(string=f"@page :first {{ counter-reset: page {first}; }}"))
    drawing = Drawing(book, theme, creation_date())
    text = with_page_numbers(drawing.document([drawing.part(part, labels)]), labels)
    with captured_warnings():
        document = HTML(
            string=text,
            base_url=book.root.resolve().as_uri() + "/",
            url_fetcher=fetcher(book.root),
        ).render(stylesheets=sheets, font_config=fonts, counter_style=counters)
        return document.write_pdf()


def layout_json(page_map: PrintLayout) -> str:
    """The page map as JSON: ``{"pages": [{"number", "label", "anchors", "section"}, …]}``.

    ``PrintLayout(pages=[PrintPage(**page) for page in data["pages"]])`` reads it back.
    """
    data: dict[str, object] = {"generator": f"glossbook {__version__}"}
    data.update(dataclasses.asdict(page_map))
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def render(
    book: Book,
    out: Path,
    *,
    press: bool = False,
    variant: str | None = None,
    bleed: str = DEFAULT_BLEED,
) -> Path:
    """Write ``out/<slug>.pdf`` (``<slug>-press.pdf`` with bleed and crop marks for the press)
    and ``out/<slug>.layout.json``; return the PDF's path. A failed build changes nothing."""
    slug = book.metadata.slug
    target = out / (f"{slug}-press.pdf" if press else f"{slug}.pdf")
    pdf, page_map = layout(book, press=press, variant=variant, bleed=bleed)
    with staged_file(target) as staged_pdf, staged_file(out / f"{slug}.layout.json") as staged:
        staged_pdf.write_bytes(pdf)
        staged.write_text(layout_json(page_map), encoding="utf-8")
    book.print_layout = page_map
    return target
