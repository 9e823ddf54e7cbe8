"""What glossbook's own templates show of the book, hashed: the keys of the build caches that
keep rendered HTML (the HTML edition's pages, the print edition's documents).

A key holds everything a template shows of the book (an entry's title, names, infobox, the
hash of its HTML, the titles of its see-also links…) and the templates' own text, so that a
page or document is rendered again exactly when what it shows changed. Only glossbook's own
templates are known this way: a book's templates may show any part of the book anywhere, so
with them nothing is kept (``templates_digest`` is empty).
"""

from __future__ import annotations

import functools
import hashlib
import pickle
from pathlib import Path

from .model import Entry
from .theme import BUILTIN, Theme


def entry_shown(entry: Entry, titles: dict[str, str]) -> list[object]:
    """What the built-in templates show of an entry (``partials/entry.html``,
    ``partials/infobox.html``)."""
    return [
        entry.anchor,
        entry.title,
        entry.other_names,
        entry.categories,
        [[row.label, row.values] for row in entry.infobox],
        text_digest(entry.html),
        [[c.html, c.raw] for c in entry.source_citations],
        [[slug, titles.get(slug)] for slug in entry.related],
        [[slug, titles.get(slug)] for slug in entry.backlinks],
    ]


def templates_digest(theme: Theme) -> str:
    """The hash of glossbook's own templates; empty when the book has templates of its own."""
    return "" if theme.own_templates() else _builtin_templates()


@functools.cache
def _builtin_templates() -> str:
    return files_digest(BUILTIN / "templates")  # installed files: the same all along


def pickled_digest(value: object) -> str:
    """The hash of ``value`` pickled: many times faster than walking it in Python, and the
    same for the same value made the same way (a value made otherwise, sharing its parts
    otherwise, may pickle otherwise: a page rendered again, no wrong page)."""
    return hashlib.blake2b(pickle.dumps(value, protocol=5), digest_size=16).hexdigest()


def text_digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def files_digest(folder: Path) -> str:
    """The hash of the files under ``folder``, with their paths."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
