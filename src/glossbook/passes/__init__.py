"""Book-level passes: each takes the whole book, fills in what needs it, and reports problems.

The order is declared here once. A pass never imports a renderer; what it learns it writes
into the model as plain data.

``outline`` and ``run_entry_passes`` serve an edit that stays inside one entry (the
preview): when an entry read again has the same outline as before, nothing the passes make
of the rest of the book can change, and the entry alone is resolved against the book
already built.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from ..errors import Problems
from ..model import Book, Entry
from . import anchors, backlinks, chapters, citations, crossrefs, figures, index

Pass = Callable[[Book, Problems], None]

PASSES: list[tuple[str, Pass]] = [
    ("chapters", chapters.run),
    ("cross-references", crossrefs.run),
    ("backlinks", backlinks.run),
    ("figures", figures.run),
    ("citations", citations.run),
    ("index", index.run),
    ("anchors", anchors.run),
]


def run_passes(book: Book, problems: Problems) -> None:
    for _name, run in PASSES:
        run(book, problems)


def outline(entry: Entry) -> Hashable:
    """What the passes read of a freshly loaded entry beyond its own page: its names (the
    chapters, the index, links to it), what it links to and cites (backlinks, citeproc's
    run over every cluster), its number of figures (the numbering of every later one) and
    its index marks. Its body text, its definition, its infobox values and the anchors of
    its blocks and sections are not in it (the preview checks anchors it adds or removes
    against the rest of the book itself)."""
    return (
        entry.title,
        tuple(entry.categories),
        tuple(entry.other_names),
        tuple(entry.related),
        tuple((x.target, x.text) for x in entry.xrefs),
        tuple(c.raw for c in entry.citations),
        tuple(c.raw for c in entry.source_citations),
        len(entry.figures),
        tuple((m.term, m.sub, m.anchor) for m in entry.index_marks),
    )


def run_entry_passes(book: Book, entry: Entry, built: Entry, problems: Problems) -> None:
    """Finish ``entry``, read again with the same ``outline`` as its version ``built`` in
    ``book`` (whose passes have run): its links resolved against the book, its backlinks,
    figure numbers and formatted citations those of ``built``."""
    crossrefs.resolve_document(entry, crossrefs.Resolver(book), problems)
    entry.backlinks = list(built.backlinks)
    figures.number_document(entry, built.figures[0].number if built.figures else 1)
    citations.refill(entry, built)
