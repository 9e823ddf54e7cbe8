"""Backlinks: each entry learns which entries cross-reference it ("Referred to in").

An entry refers to another when its own text (body or infobox) holds a ``[[…]]`` link to it;
the ``related`` list ("See also") is the author's own pointer and does not count, nor does
an entry's link to itself. The referring entries are collated by title in the book's
language, as every list a reader scans is. Runs after the cross-references pass, which
resolved each link to its entry; ``[contents] backlinks = false`` turns it off.
"""

from __future__ import annotations

from ..collation import Collation
from ..errors import Problems
from ..model import Book


def run(book: Book, problems: Problems) -> None:
    for entry in book.entries:
        entry.backlinks = []
    if not book.settings.get("backlinks", True):
        return
    by_slug = {e.slug: e for e in book.entries}
    referrers: dict[str, set[str]] = {}
    for entry in book.entries:
        for xref in entry.xrefs:
            if xref.slug and xref.slug != entry.slug and xref.slug in by_slug:
                referrers.setdefault(xref.slug, set()).add(entry.slug)
    collation = Collation(book.metadata.language)
    for slug, sources in referrers.items():
        by_slug[slug].backlinks = sorted(
            sources, key=lambda s: (collation.key(by_slug[s].title), by_slug[s].title, s)
        )
