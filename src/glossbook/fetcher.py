"""What WeasyPrint may read while it lays out the print edition: the book's files only.

WeasyPrint fetches every URL a stylesheet or page names (``@import``, ``url(…)`` for
images and fonts), by default over the network too. A build reads only the book's own
files and glossbook's theme: ``fetcher(root)`` gives WeasyPrint a URL fetcher that serves
``file:`` URLs inside those two folders and ``data:`` URLs, and refuses everything else
(``http:``, ``https:``, ``ftp:``, files elsewhere on the machine) without opening it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from .theme import BUILTIN


class Refused(ValueError):
    """A URL outside the book; WeasyPrint reports it as a resource it could not load."""


def allowed(url: str, bases: tuple[Path, ...]) -> bool:
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "data":
        return True
    if scheme != "file":
        return False
    parsed = urlparse(url)
    if parsed.netloc not in ("", "localhost"):
        return False
    try:
        path = Path(url2pathname(unquote(parsed.path))).resolve()
    except (OSError, RuntimeError, ValueError):
        return False
    return any(path.is_relative_to(base) for base in bases)


def fetcher(root: Path) -> Any:
    """A WeasyPrint URL fetcher that reads only ``root``'s files and glossbook's theme."""
    bases = (root.resolve(), BUILTIN.resolve())

    def check(url: str) -> None:
        if not allowed(url, bases):
            raise Refused(
                f"glossbook reads only the book's own files, not {url.split('?')[0][:200]}"
            )

    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint before 68: fetchers are functions
        from weasyprint import default_url_fetcher

        def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
            check(url)
            return default_url_fetcher(url, *args, **kwargs)

        return fetch

    class BookFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            check(url)
            return super().fetch(url, headers)

    return BookFetcher(allowed_protocols=("file", "data"), allow_redirects=False)
