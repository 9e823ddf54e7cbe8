"""Book-level passes: each takes the whole book, fills in what needs it, and reports problems.

The order is declared here once. A pass never imports a renderer; what it learns it writes
into the model as plain data.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import Problems
from ..model import Book
from . import backlinks, chapters, citations, crossrefs, figures, index

Pass = Callable[[Book, Problems], None]

PASSES: list[tuple[str, Pass]] = [
    ("chapters", chapters.run),
    ("cross-references", crossrefs.run),
    ("backlinks", backlinks.run),
    ("figures", figures.run),
    ("citations", citations.run),
    ("index", index.run),
]


def run_passes(book: Book, problems: Problems) -> None:
    for _name, run in PASSES:
        run(book, problems)
