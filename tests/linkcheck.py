"""Check that every link of a set of HTML pages resolves, as a reader's click would."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (attribute, value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src") and value is not None:
                self.links.append((name, value))


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def broken_links(folder: Path, pattern: str = "*.html") -> tuple[list[str], int]:
    """Every href/src of every page that does not reach an existing file and anchor."""
    pages = {p: parse(p) for p in sorted(folder.rglob(pattern))}
    broken: list[str] = []
    count = 0
    for path, page in pages.items():
        for attribute, value in page.links:
            count += 1
            url = urlparse(value)
            if url.scheme in ("http", "https", "mailto"):
                continue
            target = (path.parent / unquote(url.path)).resolve() if url.path else path.resolve()
            where = f"{path.relative_to(folder)}: {attribute}={value!r}"
            if not target.is_file():
                broken.append(f"{where} (no such file)")
                continue
            if url.fragment:
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(url.fragment) not in ids:
                    broken.append(f"{where} (no such anchor)")
    return broken, count
