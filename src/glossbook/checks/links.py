"""Every link of the HTML edition, followed as a reader's click would be: each ``href`` and
``src`` must reach a file of the edition and, with a ``#fragment``, an element with that id.
Links to the web (http, https, mailto) are not fetched."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..errors import Problem
from . import Result

EXTERNAL = ("http", "https", "mailto", "tel", "data")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, int]] = []  # (attribute, value, line)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src") and value is not None:
                self.links.append((name, value, self.getpos()[0]))


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def broken(folder: Path, pattern: str = "*.html") -> tuple[list[Problem], int]:
    """Every href/src of every page that does not reach an existing file and anchor, and
    how many links were followed."""
    pages = {p: parse(p) for p in sorted(folder.rglob(pattern))}
    found: list[Problem] = []
    count = 0
    for path, page in pages.items():
        for attribute, value, line in page.links:
            count += 1
            url = urlparse(value)
            if url.scheme in EXTERNAL:
                continue
            target = (path.parent / unquote(url.path)).resolve() if url.path else path.resolve()
            shown = path.relative_to(folder.parent).as_posix()
            if not target.is_file():
                found.append(
                    Problem(shown, line, f"{attribute}={value!r} names no file of the edition.")
                )
                continue
            if url.fragment:
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(url.fragment) not in ids:
                    found.append(
                        Problem(shown, line, f"{attribute}={value!r} names no anchor of its page.")
                    )
    return found, count


def broken_links(folder: Path, pattern: str = "*.html") -> tuple[list[str], int]:
    """``broken`` as plain strings, for tests that compare lists."""
    found, count = broken(folder, pattern)
    return [str(p) for p in found], count


def check(folder: Path) -> Result:
    found, count = broken(folder)
    pages = sum(1 for _ in folder.rglob("*.html"))
    return Result(
        "html links",
        found,
        note=f"{count} links on {pages} pages",
        skipped="" if pages else f"no HTML pages in {folder}",
    )
