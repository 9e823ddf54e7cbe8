"""One document laid out by a worker (``worker.lay_out``): what it leaves behind."""

from __future__ import annotations

import gc

from glossbook.renderers.pdf import worker
from glossbook.renderers.pdf.css import Sheet
from glossbook.renderers.pdf.worker import Job

SHEET = "@page { size: A6; } .note { float: footnote; } p { text-align: justify; }"


def test_a_laid_out_document_is_freed_without_the_cycle_collector() -> None:
    """Its layout context and its pages (a page with a footnote area) are in no reference
    cycle once the job is done: the collector would walk every box and style again."""
    text = "A paragraph of words set in lines to fill the pages of the document. " * 40
    notes = "".join(f'<p>{text}<span class="note">A note {n}.</span></p>' for n in range(6))
    job = Job("doc", f"<html><body>{notes}</body></html>", (Sheet(SHEET, ""),), "")
    worker.lay_out(job)  # the imports and caches of a first layout
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        laid = worker._lay_out(job)
        gc.collect()
        left = {type(thing).__name__ for thing in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert laid.count > 2 and laid.pdf
    assert "LayoutContext" not in left
    assert "PageBox" not in left and "FootnoteAreaBox" not in left
