"""The standalone HTML edition: a contents page and one page per chapter, in ``html/``.

Fragments use one anchor namespace for the whole book (``#attachment-theory``); this
renderer splits the book into files and rewrites every ``href="#anchor"`` to the file that
holds the anchor, so links work across pages.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import __version__, search
from ..model import Book
from ..output import staged_folder
from ..remote import linked_images
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


def render_pages(book: Book, theme: Theme, stylesheets: list[str]) -> dict[str, str]:
    """Render every page to a string, keyed by file name, links already rewritten."""
    listing = pages(book)
    titles = {e.slug: e.title for e in book.entries}
    rendered: dict[str, str] = {}
    for n, page in enumerate(listing):
        rendered[page.file] = theme.render(
            page.template,
            book=book,
            titles=titles,
            version=__version__,
            stylesheets=stylesheets,
            page_title=page.title if n else "",
            body_class=page.template.split("/")[-1].removesuffix(".html"),
            prev=listing[n - 1] if n > 0 else None,
            next=listing[n + 1] if n + 1 < len(listing) else None,
            **page.context,
        )
    return link_pages({file: linked_images(text) for file, text in rendered.items()})


def link_pages(rendered: dict[str, str]) -> dict[str, str]:
    """Point every ``#anchor`` link at the page that holds the anchor."""
    home: dict[str, str] = {}
    for file, text in rendered.items():
        for anchor in _ID.findall(text):
            home.setdefault(anchor, file)

    def relink(file: str, text: str) -> str:
        def sub(match: re.Match[str]) -> str:
            anchor = match.group(1)
            target = home.get(anchor)
            if target is None or target == file:
                return match.group(0)
            return f'href="{target}#{anchor}"'

        return _HREF.sub(sub, text)

    return {file: relink(file, text) for file, text in rendered.items()}


def entry_pages(book: Book) -> dict[str, str]:
    """The page file that holds each entry, by slug."""
    return {e.slug: f"{c.anchor}.html" for c in book.chapters for e in c.entries}


def search_files(book: Book) -> dict[str, Callable[[], bytes]]:
    """How to make the search index and the entries' data (``search.makers``), by path in
    the edition."""
    return search.makers(book, entry_pages(book))


def render(book: Book, out: Path) -> Path:
    """Write the HTML edition into ``out/html`` and return that folder."""
    theme = Theme(book.root)
    target = out / FOLDER
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
        for relative, make in search_files(book).items():
            (staging / relative).write_bytes(make())
        for file, text in render_pages(book, theme, ["css/html.css"]).items():
            (staging / file).write_text(text, encoding="utf-8")
    return target
