"""One build of the preview: the rendered pages and the files they may load, as a snapshot.

A ``Site`` is made whole by ``build_site`` (the same ``prepare`` and ``render_pages`` as
``glossbook build``, kept in memory), or from the last one by ``edited_site`` after an edit
inside one entry (its chapter's page rendered again, the others kept), and never changed
afterwards, so the server can swap the current one for a new one in a single assignment: a
request sees the old book or the new book, never half of each. ``failure`` turns any
exception of a rebuild into located problems for the overlay.
"""

from __future__ import annotations

import dataclasses
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ..errors import ContentError, Problem
from ..loader import EntryCache
from ..model import Book
from ..pipeline import prepare
from ..renderers import html as html_edition
from ..renderers.html import Pages, pages, search_files
from ..search import THEME_FILES
from ..theme import BUILTIN, Theme

PACKAGE = Path(__file__).resolve().parent.parent
STYLESHEET = "css/html.css"  # the theme's screen stylesheet, at the same path as in build/


@dataclass(frozen=True)
class Site:
    """The last good build: pages by file name and the files those pages may load."""

    token: str  # new for every good build; an open page reloads when it changes
    title: str = ""
    pages: Mapping[str, str] = field(default_factory=dict)  # "chapter-a.html" -> HTML
    files: Mapping[str, Path] = field(default_factory=dict)  # URL path -> file on disk
    generated: Mapping[str, bytes] = field(default_factory=dict)  # URL path -> made on demand
    bases: tuple[Path, ...] = ()  # folders a served file must resolve into
    chapters: Mapping[str, str] = field(default_factory=dict)  # page file -> chapter anchor
    book: Book | None = None

    def chapter_anchors(self) -> set[str]:
        return set(self.chapters.values())


def build_site(
    root: Path, cache: EntryCache, token: str, theme: Theme | None = None
) -> tuple[Site, list[Problem]]:
    """Read the book and render every page of the HTML edition in memory.

    ``theme`` may be the previous build's (its compiled templates are reused; Jinja
    reloads a template whose file changed). Returns the site and the build's warnings;
    raises ``ContentError`` (or anything else the pipeline raises) when the book cannot be
    built.
    """
    book, warnings = prepare(root, cache)
    theme = theme or Theme(root)
    rendered = Pages(book, theme, [STYLESHEET])  # each page rendered when first asked for
    rendered.check()
    files = {**book.assets, STYLESHEET: theme.file(STYLESHEET)}
    files |= {relative: theme.file(relative) for relative in THEME_FILES}
    chapters = {p.file: p.anchor for p in pages(book) if p.template == "html/chapter.html"}
    site = Site(
        token=token,
        title=book.metadata.title,
        pages=rendered,
        files=MappingProxyType(files),
        generated=OnDemand(search_files(book)),
        bases=(root.resolve(), BUILTIN.resolve()),
        chapters=MappingProxyType(chapters),
        book=book,
    )
    return site, warnings


def edited_site(site: Site, book: Book, token: str, slugs: Iterable[str]) -> Site | None:
    """``site`` for ``book``, its book with the entries ``slugs`` edited inside (their
    outlines unchanged, see ``pipeline.prepare_edit``): the pages showing them are rendered
    again when asked for, the others kept (``Pages.follow``); the search data is made anew.
    None when the site must be built anew: it was not made by ``build_site``, the book has
    templates of its own (which may show any part of an entry on any page), or the edit
    adds or removes an anchor that another page may show (``Pages.follow``)."""
    previous = site.pages
    if not isinstance(previous, html_edition.Pages) or previous.theme.own_templates():
        return None
    rendered = Pages(book, previous.theme, previous.stylesheets, homes=previous.homes)
    if not rendered.follow(previous, slugs):
        return None
    return dataclasses.replace(
        site, token=token, pages=rendered, generated=OnDemand(search_files(book)), book=book
    )


class OnDemand(Mapping[str, bytes]):
    """Files made the first time they are asked for, then kept: the search index costs a
    rebuild nothing until a reader searches (one thread makes each file; others wait)."""

    def __init__(self, makers: Mapping[str, Callable[[], bytes]]) -> None:
        self._makers = dict(makers)
        self._made: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> bytes:
        make = self._makers[name]  # KeyError for a name it cannot make
        with self._lock:
            if name not in self._made:
                self._made[name] = make()
            return self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def failure(error: BaseException, root: Path) -> list[Problem]:
    """The problems to show for a failed rebuild: the located ones of a ``ContentError``,
    else one problem placed at the deepest line of the book's own files in the traceback
    (a template under ``styles/``, say), or at glossbook when there is none."""
    if isinstance(error, ContentError) and error.problems:
        return list(error.problems)
    file, line = _book_location(error, root.resolve())
    name = type(error).__name__
    detail = str(error).strip().replace(f"{root.resolve()}/", "")  # no machine paths shown
    if file:
        hint = "Check this file; the full traceback is in the terminal running the preview."
    else:
        hint = "This looks like a bug in glossbook; the traceback is in the terminal."
    return [
        Problem(
            file or "glossbook",
            line,
            f"the book could not be rebuilt: {name}{': ' + detail if detail else ''}",
            hint,
        )
    ]


def _book_location(error: BaseException, root: Path) -> tuple[str, int | None]:
    """The project file and line nearest to where ``error`` was raised, if any."""
    candidates: list[tuple[str, int | None]] = []
    for frame in traceback.extract_tb(error.__traceback__):
        candidates.append((frame.filename, frame.lineno))
    # Template syntax errors (jinja2) carry the template file and line themselves.
    filename = getattr(error, "filename", None)
    if isinstance(filename, str):
        lineno = getattr(error, "lineno", None)
        candidates.append((filename, lineno if isinstance(lineno, int) else None))
    for filename, lineno in reversed(candidates):
        try:
            path = Path(filename).resolve()
        except (OSError, ValueError):
            continue
        if _is_library(path):
            continue
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix(), lineno
    return "", None


def _is_library(path: Path) -> bool:
    """Code, not the book: glossbook itself and installed packages (a book's folder may
    hold a virtual environment, as glossbook's own repository does)."""
    if path.is_relative_to(PACKAGE) and not path.is_relative_to(BUILTIN.resolve()):
        return True
    return any(part in ("site-packages", "dist-packages") for part in path.parts)
