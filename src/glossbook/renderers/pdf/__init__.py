"""The print edition: ``<slug>.pdf``, laid out with CSS paged media by WeasyPrint, and its
page map ``<slug>.layout.json`` (a ``PrintLayout``: each page's folio and its anchors).

The book is laid out as many small WeasyPrint documents (the front, each chapter, each
back-matter page, the references, the index), in parallel on the cores of this machine or
on a Dask cluster, and joined into one PDF with its links, named destinations, outline and
page labels. WeasyPrint's cost per page grows with the document, so small documents are
cheaper even on one core. Each body document is laid out once, with its page numbers left
out of boxes of fixed width (so that numbers cannot move lines); when every folio is known,
its true numbers are laid out as a small document and stamped over its pages at the join.
A laid-out document is cached under the hash of everything that can change it.

Modules, one job each:

- ``drawing``: the parts of the book and their HTML (templates in ``templates/pdf/``), the
  numbers links print (``data-page``), footnotes moved to their references;
- ``css``: the page set-up and print.css, and problems in a book's own print.css located at
  its lines;
- ``worker``: one document laid out and written by WeasyPrint (the worker's entry point and
  the one place that calls WeasyPrint's layout);
- ``plan``: which documents, laid out in which waves with which numbers; folios, the page
  map;
- ``stamp``: the number boxes of a body document recorded, its numbers documents;
- ``atlas``: a numbers document drawn from its texts, each laid out once;
- ``executors``: this process, a local process pool or a Dask cluster;
- ``cache``: laid-out documents by content hash;
- ``resume``: an edited chapter laid out again from the page where the edit begins;
- ``join``: the documents joined into one PDF (pikepdf);
- ``rejoin``: after an edit, the last PDF joined with its changed documents' pages replaced;
- ``leaders``: a dot leader drawn as one text, not one a dot;
- ``columns``: a multi-column page's columns set once, not for a trial and again;
- ``typography``: guide words short enough for the head, break opportunities in URLs.

Folios: front matter counts in lower-case roman from the half-title; the page counter
restarts at 1 on the first chapter's opening page and runs through the back matter. Every
document opens on a recto; a blank page follows one that ends on a recto. Running heads:
in the chapters, dictionary guide words on both pages: verso the folio and
``string(guide, start)`` (the entry standing at the head of the page, continuing from the
previous page, or the first to begin there), recto ``string(guide, last)`` (the last entry
to begin on it) and the folio, each folio in a margin box of its own; ``typography`` gives
each entry its guide word (whole words) and each URL its break opportunities.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ... import __version__
from ...errors import UsageError
from ...model import Book, PrintLayout
from ...output import staged_file
from ...theme import Theme
from .cache import Drawn, LayoutCache, cache_folder
from .css import DEFAULT_TRIM, LOG, STYLESHEET, check, page_setup, stylesheets
from .drawing import Drawing, creation_date, inline_footnotes, parts
from .executors import OnDemand, executor
from .join import page_labels, stamped
from .plan import Plan, Progress
from .rejoin import join_in_worker, joined
from .worker import lay_out, write_joined

__all__ = [
    "DEFAULT_BLEED",
    "DEFAULT_TRIM",
    "LOG",
    "STYLESHEET",
    "VARIANTS",
    "Theme",
    "inline_footnotes",
    "layout",
    "layout_json",
    "logging",
    "page_map",
    "page_setup",
    "render",
    "render_chapter",
    "stylesheets",
]

DEFAULT_BLEED = "3mm"
VARIANTS = ("pdf/a-1b", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/ua-1")
_LENGTH = re.compile(r"^\d+(?:\.\d+)?(?:mm|cm|in|pt|px)$")


def layout(
    book: Book,
    *,
    press: bool = False,
    variant: str | None = None,
    bleed: str = DEFAULT_BLEED,
    jobs: int | None = None,
    executor_kind: str = "local",
    scheduler: str = "",
    cache: Path | None = None,
    progress: Progress | None = None,
    before_join: Callable[[], None] | None = None,
    while_joining: Callable[[PrintLayout], None] | None = None,
) -> tuple[bytes, PrintLayout]:
    """Lay out the print edition: the PDF's bytes and its page map.

    ``jobs`` worker processes (default: the machine's cores), or the workers of the Dask
    cluster at ``scheduler`` with ``executor_kind="dask"``; ``cache``: the folder of the
    layout cache (none: every document is laid out); ``before_join``: called when every
    document is laid out, before they are joined in this process (the build waits there for
    work it runs on another thread: pikepdf holds the interpreter's lock while it joins), or
    while a worker joins them; ``while_joining``:
    called with the page map while a worker of the pool joins the documents (the build's
    EPUB, made meanwhile), or after the join where there is no pool.
    """
    if variant is not None and variant not in VARIANTS:
        raise UsageError(f"unknown PDF variant '{variant}'; choose from: {', '.join(VARIANTS)}.")
    if not _LENGTH.match(bleed):
        raise UsageError(f"the bleed '{bleed}' is not a length; give one such as 3mm or 0.125in.")
    with executor(executor_kind, jobs, scheduler) as runner:
        if cache is None and hasattr(runner, "warm"):
            # Every document is to be laid out: every worker loads WeasyPrint now, while
            # this process reads the stylesheets.
            runner.warm(None, runner.workers)
        theme = Theme(book.root)
        sheets = check(book, theme, press=press, bleed=bleed, memo=cache)
        created = creation_date()
        drawing = Drawing(book, theme, created)
        plan = Plan(
            book,
            drawing,
            sheets,
            parts(book),
            identifier=_pdf_identifier(book),
            runner=runner,
            cache=LayoutCache(cache) if cache else None,
            drawn=Drawn(cache) if cache else None,
            progress=progress,
            dated=variant is not None,
            stamp=variant is None,  # a tagged PDF is written whole by WeasyPrint
        )
        if hasattr(runner, "warm"):  # its forkserver has started meanwhile
            runner.warm(tuple(sheets))
        plan.run()
        page_map = plan.page_map()
        if variant is None and while_joining is not None and hasattr(runner, "submit"):
            joining = runner.submit(join_in_worker, plan.pieces(), page_map, created, cache)
            if before_join is not None:
                before_join()
            while_joining(page_map)
            return joining.result(), page_map
        if before_join is not None:
            before_join()
    if variant is None:
        pdf = joined(plan.pieces(), page_map, created, cache)
    else:
        # A tagged PDF's structure cannot be joined from pieces: WeasyPrint joins and writes.
        pdf = write_joined(
            plan.final_jobs(),
            pdf_identifier=_pdf_identifier(book),
            pdf_variant=variant,
            finisher=_labels_finisher(page_map),
        )
    if while_joining is not None:
        while_joining(page_map)
    return pdf, page_map


def page_map(
    book: Book,
    *,
    jobs: int | None = None,
    executor_kind: str = "local",
    scheduler: str = "",
    cache: Path | None = None,
    progress: Progress | None = None,
) -> PrintLayout:
    """The print edition's page map alone, as ``layout`` gives it (the EPUB's page list).

    The documents are the jobs ``layout`` lays out, so both fill and read the same cache;
    they are not joined, a cached document's PDF is not read, and the executor starts only
    when a document is not in the cache: a warm cache lays out and starts nothing.
    """
    theme = Theme(book.root)
    sheets = check(book, theme, press=False, bleed=DEFAULT_BLEED, memo=cache)
    with OnDemand(executor_kind, jobs, scheduler) as runner:
        plan = Plan(
            book,
            Drawing(book, theme, creation_date()),
            sheets,
            parts(book),
            identifier=_pdf_identifier(book),
            runner=runner,
            cache=LayoutCache(cache, pdfs=False) if cache else None,
            drawn=Drawn(cache) if cache else None,
            progress=progress,
        )
        plan.run()
    return plan.page_map()


def _labels_finisher(page_map: PrintLayout) -> Any:
    """A WeasyPrint finisher giving the PDF the page labels of the printed folios."""

    def finish(document: Any, pdf: Any) -> None:
        import pydyf

        labels = page_labels(page_map)
        numbers = pydyf.Array()
        for n, item in enumerate(labels.Nums):
            numbers.append(int(item) if n % 2 == 0 else pydyf.Dictionary({"S": str(item.S)}))
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": numbers})

    return finish


def _pdf_identifier(book: Book) -> bytes:
    """A stable file identifier: the same book gives the same ID (reproducible builds)."""
    meta = book.metadata
    seed = f"{meta.slug}\0{meta.identifier}\0{meta.title}"
    return hashlib.md5(seed.encode(), usedforsecurity=False).hexdigest().encode()


def render_chapter(book: Book, anchor: str, theme: Theme | None = None) -> bytes:
    """One chapter alone as a PDF, with the print stylesheet: the preview's page view.

    The chapter starts on the folio it has in the book when the book's print layout is
    known (``book.print_layout``), else on folio 1; page numbers it shows of other
    chapters come from that layout too. A chapter the build's layout cache holds with the
    same numbers is not laid out again. The book is not changed. ``theme``: the caller's,
    kept between calls (the preview's), so that its print stylesheet is checked once.
    """
    part = next((p for p in parts(book) if p.kind == "chapter" and p.anchor == anchor), None)
    if part is None:
        raise KeyError(anchor)
    labels: dict[str, str] = {}
    pages = book.print_layout.pages if book.print_layout else []
    for page in pages:
        for name in page.anchors:
            labels.setdefault(name, page.label)
    theme = theme or Theme(book.root)
    sheets = check(book, theme, press=False, bleed=DEFAULT_BLEED)
    first = labels.get(anchor, "1")
    plan = Plan(
        book,
        Drawing(book, theme),
        sheets,
        parts(book),
        identifier=_pdf_identifier(book),
        runner=None,  # type: ignore[arg-type]
    )
    plan.digits = body_digits(book.print_layout) or plan.digits
    unit = next(u for u in plan.units if u.name == anchor)
    unit.first_folio = int(first) if first.isdigit() else 1
    cache = LayoutCache(cache_folder(book))
    # A build's stamped layout, and its numbers (laid out here if the build made others).
    laid = cache.get(plan.job(unit, {}, 1, stamp=True))
    if laid is not None and laid.stamps is not None and laid.pdf is not None:
        unit.laid = laid
        numbers_job = plan.numbers_job(unit, labels)
        numbers = cache.get(numbers_job) or lay_out(numbers_job)
        assert numbers.pdf is not None
        return stamped(laid.pdf, numbers.pdf)
    job = plan.job(unit, labels, unit.first_folio)
    laid = cache.get(job) or lay_out(job)
    assert laid.pdf is not None
    return laid.pdf


def body_digits(page_map: PrintLayout | None) -> int:
    """The digits of the last folio of the body (before the references and the index)."""
    last = 0
    for page in page_map.pages if page_map else []:
        if {"references", "names-index"} & set(page.anchors):
            break
        if page.label.isdigit():
            last = int(page.label)
    return len(str(last)) if last else 0


def layout_json(page_map: PrintLayout) -> str:
    """The page map as JSON: ``{"pages": [{"number", "label", "anchors", "section",
    "starts"}, …]}``.

    ``PrintLayout(pages=[PrintPage(**page) for page in data["pages"]])`` reads it back.
    """
    # A page a line, each written by json's C encoder (indented, json writes it in Python:
    # a tenth of a second for a 2,000-page book).
    pages = ",\n  ".join(json.dumps(vars(page), ensure_ascii=False) for page in page_map.pages)
    generator = json.dumps(f"glossbook {__version__}")
    listed = f"[\n  {pages}\n ]" if pages else "[]"
    return f'{{\n "generator": {generator},\n "pages": {listed}\n}}\n'


def render(
    book: Book,
    out: Path,
    *,
    press: bool = False,
    variant: str | None = None,
    bleed: str = DEFAULT_BLEED,
    **options: Any,
) -> Path:
    """Write ``out/<slug>.pdf`` (``<slug>-press.pdf`` with bleed and crop marks for the press)
    and ``out/<slug>.layout.json``; return the PDF's path. A failed build changes nothing.
    ``options``: those of ``layout`` (jobs, executor, cache, progress)."""
    slug = book.metadata.slug
    target = out / (f"{slug}-press.pdf" if press else f"{slug}.pdf")
    pdf, page_map = layout(book, press=press, variant=variant, bleed=bleed, **options)
    with staged_file(target) as staged_pdf, staged_file(out / f"{slug}.layout.json") as staged:
        staged_pdf.write_bytes(pdf)
        staged.write_text(layout_json(page_map), encoding="utf-8")
    book.print_layout = page_map
    return target
