"""Python's cycle collector held off while a large piece of work makes its objects.

Laying a document out, building the search index or the EPUB makes hundreds of thousands to
millions of objects; the collector, running every few hundred allocations, walks every
live object of the process again and again meanwhile (a tenth to a third of the work).
``paused`` turns it off for the work and, with ``young``, collects what the work left (the
youngest generation only: a full collection would walk the whole process).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused(*, young: bool = True) -> Iterator[None]:
    """The collector off inside; after, on again (if it was) and, with ``young``, run on the
    youngest generation."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
        if young:
            gc.collect(0)
