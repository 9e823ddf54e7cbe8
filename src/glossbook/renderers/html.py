"""The standalone HTML edition: a contents page and one page per chapter, in ``html/``.

Fragments use one anchor namespace for the whole book (``#attachment-theory``); this
renderer splits the book into files and rewrites every ``href="#anchor"`` to the file that
holds the anchor, so links work across pages.

With a build cache (``render(cache=…)``: ``build/.cache`` unless ``--no-cache``), a build
keeps what it made under ``<cache>/html/`` for the next, so that an edit inside one entry
costs little more than that entry:

- ``pages.pickle``: each page as written, with the anchors it holds and the page each of
  its links pointed at, under the hash of all it shows (``Pages.key``: a chapter's entries
  as the built-in templates show them and the titles of their see-also links, or the
  contents, the index, the references; its neighbours in the pager, the book's metadata,
  the templates' text, glossbook's version). A page found is written as it is while each
  of its links still points at the same page, else its links are rewritten. Only with
  glossbook's own templates: a book's templates may show any part of the book on any
  page, so its pages are all rendered every time.
- ``search-words.pickle``: the words of each entry's search fields (``search.Counted``).

Each file holds what the last build used (only), is written whole (a temporary file
renamed), and is ignored when damaged or written by another glossbook version.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .. import __version__, picklefile, search
from ..model import Book, Chapter, Entry, MatterPage
from ..output import staged_folder
from ..remote import linked_images
from ..shown import entry_shown, pickled_digest, templates_digest, text_digest
from ..theme import Theme

FOLDER = "html"
_ID = re.compile(r'\sid="([^"]+)"')
_HREF = re.compile(r'href="#([^"]*)"')


@dataclass
class Page:
    file: str
    title: str
    template: str
    context: dict[str, object]
    anchor: str


def pages(book: Book) -> list[Page]:
    """The pages of the edition in reading order (the preview serves the same list)."""
    result = [Page("index.html", "Contents", "html/contents.html", {}, "contents")]
    for page in book.front:
        result.append(
            Page(f"{page.slug}.html", page.title, "html/matter.html", {"page": page}, page.anchor)
        )
    for chapter in book.chapters:
        result.append(
            Page(
                f"{chapter.anchor}.html",
                chapter.title,
                "html/chapter.html",
                {"chapter": chapter},
                chapter.anchor,
            )
        )
    for page in book.back:
        result.append(
            Page(f"{page.slug}.html", page.title, "html/matter.html", {"page": page}, page.anchor)
        )
    if book.references:
        result.append(
            Page(
                "references.html",
                "References",
                "html/references.html",
                {"anchor": "references"},
                "references",
            )
        )
    if book.index:
        result.append(
            Page(
                "names-index.html",
                "Index",
                "html/names-index.html",
                {"anchor": "names-index"},
                "names-index",
            )
        )
    return result


def render_pages(
    book: Book, theme: Theme, stylesheets: list[str], cache: PageCache | None = None
) -> dict[str, str]:
    """Render every page to a string, keyed by file name, links already rewritten (also
    to any anchor a book's own templates add). ``cache``: pages rendered before (see the
    module); a page found there is taken as it is when each of its links still points at
    the page it pointed at."""
    rendered = Pages(book, theme, stylesheets)
    cache = cache if cache is not None else PageCache()
    found = {file: cache.find(rendered, file) for file in rendered}
    texts = {file: rendered.unlinked(file) for file, kept in found.items() if kept is None}
    for file, kept in found.items():
        for anchor in kept.ids if kept is not None else _ID.findall(texts[file]):
            rendered.homes.setdefault(anchor, file)
    result: dict[str, str] = {}
    homes = rendered.homes
    for file, kept in found.items():
        if kept is None or any(homes.get(a) != page for a, page in kept.links.items()):
            text = texts[file] if file in texts else rendered.unlinked(file)
            links = {anchor: homes.get(anchor) for anchor in _HREF.findall(text)}
            kept = Kept(_ID.findall(text), links, rendered.relink(file, text))
        cache.keep(file, kept)
        result[file] = kept.text
    return result


class Pages(Mapping[str, str]):
    """The edition's pages by file name, each rendered the first time it is asked for and
    then kept (the preview: a rebuild renders only the pages a reader opens).

    Links go to the page that holds their anchor, known from the book itself (each
    document's anchors, the references' and the index's), not from the rendered pages."""

    def __init__(
        self,
        book: Book,
        theme: Theme,
        stylesheets: list[str],
        homes: dict[str, str] | None = None,
    ) -> None:
        self.book, self.theme, self.stylesheets = book, theme, stylesheets
        self.listing = pages(book)
        self.numbers = {page.file: n for n, page in enumerate(self.listing)}
        self.titles = {e.slug: e.title for e in book.entries}
        self.homes = anchor_homes(book) if homes is None else homes
        self._done: dict[str, str] = {}
        self._targets: Counter[str] | None = None  # see link_targets
        self._templates: str | None = None  # see key
        self._lock = threading.Lock()

    def follow(self, previous: Pages, slugs: Iterable[str]) -> bool:
        """Carry over what ``previous`` made, when this book is its book with the entries
        ``slugs`` edited inside (same pages, titles and links between entries, see
        ``pipeline.prepare_edit``): the pages not showing them as ``previous`` rendered
        them, the page of each anchor, with those the edit added or removed. False, and
        nothing carried, when the edit could change another page: an anchor it adds is
        held elsewhere in the book, or one it adds or removes is the target of a link."""
        edited = set(slugs)
        before = {e.slug: e for e in previous.book.entries if e.slug in edited}
        homes = previous.homes
        stale: set[str] = set()
        for entry in self.book.entries:
            if entry.slug not in edited:
                continue
            page = homes[entry.anchor]
            stale.add(page)
            old, new = _ids(before[entry.slug].html), _ids(entry.html)
            if old == new:
                continue
            added, removed = set(new) - set(old), set(old) - set(new)
            if len(set(new)) < len(new) or any(anchor in homes for anchor in added):
                return False
            targets, own = previous.link_targets(), Counter(_link_targets(before[entry.slug]))
            if any(targets[anchor] > own[anchor] for anchor in added | removed):
                return False  # a link elsewhere points at it
            homes = dict(homes) if homes is previous.homes else homes
            for anchor in removed:
                if homes.get(anchor) == page:
                    del homes[anchor]
            homes.update(dict.fromkeys(added, page))
        with previous._lock:
            done = {f: text for f, text in previous._done.items() if f not in stale}
        with self._lock:
            self.homes = homes
            self._done.update(done)
            if previous._targets is not None:
                self._targets = previous._targets.copy()
                for slug in edited:
                    self._targets.subtract(_link_targets(before[slug]))
                    self._targets.update(_link_targets(self.book.entry(slug)))
        return True

    def link_targets(self) -> Counter[str]:
        """How many ``href="#…"`` of the book's documents point at each anchor (made once)."""
        with self._lock:
            if self._targets is None:
                self._targets = Counter(
                    t for doc in self.book.documents() for t in _link_targets(doc)
                )
            return self._targets

    def __getitem__(self, file: str) -> str:
        if file not in self.numbers:
            raise KeyError(file)  # a page the edition does not have
        with self._lock:
            if file not in self._done:
                self._done[file] = self.relink(file, self.unlinked(file))
            return self._done[file]

    def __contains__(self, file: object) -> bool:
        return file in self.numbers  # without rendering it

    def __iter__(self) -> Iterator[str]:
        return iter(self.numbers)

    def __len__(self) -> int:
        return len(self.numbers)

    def check(self) -> None:
        """Render one page of each template now, so that a book's broken template is an
        error of the build, not of a later request."""
        first: dict[str, str] = {}
        for page in self.listing:
            first.setdefault(page.template, page.file)
        for file in first.values():
            self[file]

    def unlinked(self, file: str) -> str:
        """The page rendered, its links still ``#anchor``."""
        n = self.numbers[file]
        listing, page = self.listing, self.listing[n]
        text = self.theme.render(
            page.template,
            book=self.book,
            titles=self.titles,
            version=__version__,
            stylesheets=self.stylesheets,
            page_title=page.title if n else "",
            body_class=page.template.split("/")[-1].removesuffix(".html"),
            prev=listing[n - 1] if n > 0 else None,
            next=listing[n + 1] if n + 1 < len(listing) else None,
            **page.context,
        )
        return linked_images(text)

    def key(self, file: str) -> bytes | None:
        """The hash of all a page shows with glossbook's own templates (what keys it in
        the build cache); None when the book has templates of its own."""
        with self._lock:
            if self._templates is None:
                self._templates = templates_digest(self.theme)
        if not self._templates:
            return None
        n, listing = self.numbers[file], self.listing
        page = listing[n]
        neighbours = [listing[n - 1] if n > 0 else None]
        neighbours.append(listing[n + 1] if n + 1 < len(listing) else None)
        shown = [
            __version__,
            file,
            self._templates,
            self.stylesheets,
            vars(self.book.metadata),
            [page.title if n else "", page.template, page.anchor],
            [[p.file, p.title] if p else None for p in neighbours],
            self._shown(page),
        ]
        return hashlib.blake2b(json.dumps(shown, default=str).encode(), digest_size=16).digest()

    def _shown(self, page: Page) -> object:
        """What the built-in templates show of the book on ``page`` (beside the page's
        own title, its neighbours and the book's metadata)."""
        book = self.book
        matter, chapter = page.context.get("page"), page.context.get("chapter")
        if isinstance(chapter, Chapter):
            entries = [entry_shown(entry, self.titles) for entry in chapter.entries]
            return [chapter.anchor, chapter.title, entries]
        if isinstance(matter, MatterPage):
            return [matter.kind, matter.anchor, matter.title, text_digest(matter.html)]
        if page.template == "html/references.html":
            return pickled_digest(book.references)  # (all there is of them)
        if page.template == "html/names-index.html":
            return pickled_digest(book.index)
        matters = [[[p.anchor, p.title] for p in pages] for pages in (book.front, book.back)]
        chapters = [
            [c.anchor, c.title, [[e.anchor, e.title] for e in c.entries]] for c in book.chapters
        ]
        return [matters, chapters, bool(book.references), bool(book.index)]  # the contents

    def relink(self, file: str, text: str) -> str:
        """Point every ``#anchor`` link at the page that holds the anchor."""

        def sub(match: re.Match[str]) -> str:
            anchor = match.group(1)
            target = self.homes.get(anchor)
            if target is None or target == file:
                return match.group(0)
            return f'href="{target}#{anchor}"'

        return _HREF.sub(sub, text)


class Kept(NamedTuple):
    """A page as the build cache keeps it."""

    ids: list[str]  # the anchors it holds, in order
    links: dict[str, str | None]  # the anchor of each of its links, and the page that held it
    text: str  # the page, its links rewritten


class PageCache:
    """Chapter pages made by the last build, by ``Pages.key`` (``pages.pickle`` in
    ``folder``, see the module); with no folder, none."""

    FILE = "pages.pickle"
    FORMAT = 1

    def __init__(self, folder: Path | None = None) -> None:
        self.file = None if folder is None else folder / self.FILE
        self.known: dict[bytes, Kept] = {}
        self.used: dict[bytes, Kept] = {}
        self.keys: dict[str, bytes] = {}  # this build's, by page file
        self.changed = False
        known = picklefile.load(self.file, __version__, self.FORMAT)
        if isinstance(known, dict):
            self.known = known

    def find(self, pages: Pages, file: str) -> Kept | None:
        """The page as the last build made it, if it is one to keep and was kept."""
        key = None if self.file is None else pages.key(file)
        if key is None:
            return None
        self.keys[file] = key
        return self.known.get(key)

    def keep(self, file: str, kept: Kept) -> None:
        key = self.keys.get(file)
        if key is not None:
            self.used[key] = kept
            self.changed = self.changed or self.known.get(key) is not kept

    def save(self) -> None:
        """Write the pages of this build (only), unless the file holds them already."""
        if self.file is None or not (self.changed or self.used.keys() != self.known.keys()):
            return
        picklefile.save(self.file, __version__, self.FORMAT, self.used)


def _ids(fragment: str) -> list[str]:
    return _ID.findall(" " + fragment)


def _link_targets(doc: Entry | MatterPage) -> list[str]:
    """The anchors a document's own links point at (its body and its infobox)."""
    values = [v for row in doc.infobox for v in row.values] if isinstance(doc, Entry) else []
    return [t for text in (doc.html, *values) for t in _HREF.findall(text)]


def anchor_homes(book: Book) -> dict[str, str]:
    """The page file of every anchor a link can point at, from the book: each front or back
    page's and chapter's anchors and those written in their documents, the references',
    the index's (the first page holding an anchor wins, as in reading order)."""
    homes: dict[str, str] = {}

    def add(file: str, anchors: Iterable[str]) -> None:
        for anchor in anchors:
            homes.setdefault(anchor, file)

    for page in pages(book):
        matter, chapter = page.context.get("page"), page.context.get("chapter")
        if isinstance(matter, MatterPage):
            add(page.file, [page.anchor, *_ID.findall(" " + matter.html)])
        elif isinstance(chapter, Chapter):
            add(page.file, [chapter.anchor])
            for entry in chapter.entries:
                add(page.file, [entry.anchor, *_ID.findall(" " + entry.html)])
        elif page.anchor == "references":
            add(page.file, ["references", *(f"ref-{ref.key}" for ref in book.references)])
        elif page.anchor == "names-index":
            add(page.file, ["names-index", *(group.anchor for group in book.index)])
    return homes


def entry_pages(book: Book) -> dict[str, str]:
    """The page file that holds each entry, by slug."""
    return {e.slug: f"{c.anchor}.html" for c in book.chapters for e in c.entries}


def search_files(
    book: Book, counted: search.Counted | None = None
) -> dict[str, Callable[[], bytes]]:
    """How to make the search index and the entries' data (``search.makers``), by path in
    the edition."""
    return search.makers(book, entry_pages(book), counted)


def render(book: Book, out: Path, cache: Path | None = None) -> Path:
    """Write the HTML edition into ``out/html`` and return that folder. ``cache``: the
    build cache folder, read and written (see the module), or None for none."""
    theme = Theme(book.root)
    target = out / FOLDER
    kept = PageCache(None if cache is None else cache / FOLDER)
    counted = search.Counted(None if cache is None else cache / FOLDER / search.WORDS_FILE)
    with staged_folder(target) as staging:
        (staging / "css").mkdir()
        shutil.copyfile(theme.file("css/html.css"), staging / "css" / "html.css")
        for relative, source in book.assets.items():
            destination = staging / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
        (staging / "js").mkdir(exist_ok=True)
        for relative in search.THEME_FILES:
            shutil.copyfile(theme.file(relative), staging / relative)
        for relative, make in search_files(book, counted).items():
            (staging / relative).write_bytes(make())
        for file, text in render_pages(book, theme, ["css/html.css"], kept).items():
            (staging / file).write_text(text, encoding="utf-8")
    kept.save()
    counted.save()
    return target
