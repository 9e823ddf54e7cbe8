"""Laying out one document with WeasyPrint: the worker's entry point, and the one place that
calls WeasyPrint to lay out and write.

A ``Job`` is plain data (the document's HTML, its stylesheets as text, the folio of its first
page, and, for workers without the book's files, every file it refers to), so it can go to a
process of a local pool or to a machine of a Dask cluster; ``lay_out`` returns a ``Laid``:
the anchors standing on each page, which pages are blank, and the PDF's bytes.
"""

from __future__ import annotations

import atexit
import dataclasses
import hashlib
import mimetypes
import resource
from dataclasses import dataclass, field
from typing import Any

from ... import __version__, collector
from ...theme import BUILTIN
from . import (
    atlas,
    backgrounds,
    columns,
    computed,
    fitting,
    fontsetup,
    leaders,
    parsing,
    shaped,
    stamp,
    used,
)
from .css import Sheet, captured_warnings
from .pagestarts import page_opens, page_starts
from .stamp import Stamps, record

# glossbook's own styles/, where it is installed (as named, and with its links resolved)
_BUILTIN = sorted({BUILTIN.as_uri(), BUILTIN.resolve().as_uri()}, key=len, reverse=True)


@dataclass(frozen=True)
class Job:
    """One WeasyPrint document to lay out."""

    name: str  # the anchor of its first part: what messages and the progress name
    html: str
    sheets: tuple[Sheet, ...]
    base_url: str
    first_folio: int = 1  # the page counter of its first page
    write: bool = True  # False: only the page map is wanted (a provisional layout)
    stamp: bool = False  # its page numbers left out, recorded to be drawn later (stamp.py)
    only_folios: bool = False  # with ``stamp``: its folios alone (its text's numbers true)
    identifier: bytes = b""  # the PDF's file identifier
    digests: tuple[tuple[str, str], ...] = ()  # each file it refers to (URL, SHA-256)
    tall: str = ""  # a numbers document: the stylesheet that lays it out on one tall page
    files: tuple[tuple[str, bytes], ...] = field(default=(), compare=False)  # shipped files
    cost: int = field(default=0, compare=False)  # its estimated work: the longest go first

    def key(self) -> str:
        """Everything that can change the layout, hashed: the job's cache key.

        Where glossbook is installed is not part of it (its styles' folder is named by a
        placeholder; the files the job reads from it are in by their content), so a cache
        stays warm across installs of one version. The book's folder is: a link to one of
        its files is written into the PDF with the folder's address."""
        digest = self._digest()
        digest.update(self._portable(self.html).encode())
        return digest.hexdigest()

    def context(self) -> str:
        """Everything that can change the layout but the document's HTML, hashed: two
        layouts of one context differ only where their HTML does (``resume.py``)."""
        return self._digest().hexdigest()

    def _digest(self) -> Any:
        portable = self._portable
        digest = hashlib.sha256(f"glossbook {__version__}\0layout 4\0".encode())
        for sheet in self.sheets:
            digest.update(portable(f"{sheet.base_url}\0{sheet.text}\0").encode())
        stamped = f"{self.stamp}{' folios' if self.only_folios else ''}"
        options = f"{self.base_url}\0{self.first_folio}\0{self.write}\0{stamped}\0{self.tall}\0"
        digest.update(portable(options).encode())
        digest.update(self.identifier + b"\0")
        for url, sha in self.digests:
            digest.update(portable(f"{url}\0{sha}\0").encode())
        return digest

    @staticmethod
    def _portable(text: str) -> str:
        for address in _BUILTIN:
            text = text.replace(address, "glossbook-styles:")
        return text


@dataclass
class Laid:
    """What a layout gave: per page the anchors standing on it (all of them, in order) and
    whether it is blank; the PDF's bytes when asked for; what WeasyPrint reported."""

    name: str
    anchors: list[list[str]]
    blank: list[bool]
    pdf: bytes | None = None
    warnings: list[str] = field(default_factory=list)
    peak_mib: float = 0.0  # the peak memory of the process that laid it out (0: cached)
    stamps: Stamps | None = None  # a stamped layout's number boxes (None: not stampable)
    starts: list[list[str]] = field(default_factory=list)  # per page (pagestarts.py)
    opens: list[str] = field(default_factory=list)  # per page, the entry opening it (stamped)

    @property
    def count(self) -> int:
        return len(self.anchors)


# Each process keeps the stylesheets it has read (fonts are loaded once per process), until
# ``release``: the layout pool's workers end with the layout, and the executor that lays out
# in the build's own process releases them when it closes (their fonts are in the build's
# temporary folder). They go before the interpreter winds down (WeasyPrint's fonts clean up
# after themselves with modules that would be gone by then).
_SHEETS: dict[tuple[Sheet, ...], tuple[Any, Any, list[Any]]] = {}
atexit.register(_SHEETS.clear)


def release() -> None:
    """Let the stylesheets (and their fonts) go."""
    _SHEETS.clear()


def lay_out(job: Job) -> Laid:
    """Lay the job's document out (and write its PDF when ``job.write``)."""
    with collector.paused():
        return _lay_out(job)


def lay_out_shipped(job: Job, urls: tuple[str, ...], *data: bytes) -> Laid:
    """``lay_out`` on a worker that was sent the job's files apart (a Dask cluster gets each
    file once, not with every job)."""
    return lay_out(dataclasses.replace(job, files=tuple(zip(urls, data, strict=True))))


def _lay_out(job: Job) -> Laid:
    _install()
    with captured_warnings() as records:
        laid = (_lay_out_atlas(job) or _lay_out_tall(job)) if job.tall else None
        if laid is None:
            laid = _lay_out_pages(job)
    laid.warnings = [record.getMessage() for record in records]
    laid.peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return laid


def _lay_out_pages(job: Job) -> Laid:
    document = _render(job)
    anchors = [list(page.anchors) for page in document.pages]
    blank = [_is_blank(page) for page in document.pages]
    starts = page_starts(document)
    pdf = None
    stamps = record(document, only_folios=job.only_folios) if job.stamp else None
    opens = page_opens(document, anchors) if job.stamp and not job.only_folios else []
    if job.write:
        _anchor_other_documents(document)
        pdf = document.write_pdf(pdf_identifier=job.identifier or None)
    _unlink(document)
    return Laid(job.name, anchors, blank, pdf, stamps=stamps, starts=starts, opens=opens)


def _lay_out_atlas(job: Job) -> Laid | None:
    """A numbers document drawn from the atlas of its texts (``atlas.py``); None if it
    cannot be (then it is laid out on a tall page)."""
    made = atlas.texts(job.html)
    if made is None:
        return None
    document = _render(dataclasses.replace(job, html=made.html), tall=True)
    tops = atlas.line_tops(document, made.lines)
    pdf = document.write_pdf(pdf_identifier=job.identifier or None) if tops else None
    _unlink(document)
    drawn = atlas.pages(pdf, made, tops) if pdf and tops else None
    return _numbers(job, drawn, len(made.pages)) if drawn is not None else None


def _lay_out_tall(job: Job) -> Laid | None:
    """A numbers document laid out on one tall page, cut into its pages (``stamp.cut``);
    None if it cannot be cut (then it is laid out a page each)."""
    document = _render(job, tall=True)
    pdf = document.write_pdf(pdf_identifier=job.identifier or None)
    _unlink(document)
    cut = stamp.cut(pdf, job.html)
    if cut is None:
        return None
    return _numbers(job, *cut)


def _numbers(job: Job, pdf: bytes, count: int) -> Laid:
    """A numbers document's layout: ``count`` pages, none blank, no anchors."""
    return Laid(job.name, [[] for _ in range(count)], [False] * count, pdf)


# What this package changes in WeasyPrint's layout and drawing, each installed once per
# process (each module says what, and leaves a WeasyPrint it does not know as it is); and
# those of them that keep what they made for the document being laid out, until ``clear``.
_PATCHES = (parsing, leaders, columns, shaped, used, fontsetup, computed, backgrounds)
_KEEPING = (used, fontsetup, backgrounds)

# The layout contexts WeasyPrint made since the last ``_unlink`` (``_install``).
_CONTEXTS: list[Any] = []


def _install() -> None:
    """Have WeasyPrint's documents keep their layout context in ``_CONTEXTS`` (once per
    process), so that ``_unlink`` can reach it."""
    from weasyprint.document import Document

    made = Document.__dict__["_build_layout_context"].__func__
    if getattr(made, "kept", False):
        return

    def kept(cls: Any, *args: Any, **kwargs: Any) -> Any:
        context = made(cls, *args, **kwargs)
        _CONTEXTS.append(context)
        return context

    kept.kept = True  # type: ignore[attr-defined]
    Document._build_layout_context = classmethod(kept)


def _unlink(document: Any) -> None:
    """Break the reference cycles that keep a laid-out document's boxes and styles alive
    once it is dropped, so that they are freed at once, not by the cycle collector (which
    walked a chapter's hundreds of thousands of objects after each job, a twentieth of its
    layout): the layout context refers to itself (its image loader), and each page's
    footnote area to its page. The document is not to be used after this."""
    from weasyprint.formatting_structure import boxes

    for context in _CONTEXTS:
        context.__dict__.clear()
    _CONTEXTS.clear()
    for kept in _KEEPING:
        kept.clear()
    for page in document.pages:
        for child in page._page_box.children:
            if isinstance(child, boxes.FootnoteAreaBox):
                child.page = None


def write_joined(jobs: list[Job], **options: Any) -> bytes:
    """Lay the jobs out in this process and write them as one PDF with WeasyPrint's own join
    (``Document.copy``), which keeps a tagged PDF's structure: the PDF/A and PDF/UA
    variants. ``options`` go to ``write_pdf``."""
    try:
        with captured_warnings():
            documents = [_render(job) for job in jobs]
            pages = [page for document in documents for page in document.pages]
            return documents[0].copy(pages).write_pdf(**options)
    finally:
        release()  # their fonts are in the build's temporary folder


def _render(job: Job, *, tall: bool = False) -> Any:
    """The job's WeasyPrint document: its HTML laid out with its stylesheets, the page
    counter starting at its first folio; ``tall``: with the job's ``tall`` stylesheet."""
    from weasyprint import CSS, HTML

    fetcher = _fetcher(dict(job.files))
    fonts, counters, sheets = _stylesheets(job.sheets, fetcher)
    if job.first_folio != 1:
        sheets = [*sheets, CSS(string=f"@page :first {{ counter-reset: page {job.first_folio}; }}")]
    if tall:
        sheets = [*sheets, CSS(string=job.tall)]
    html = HTML(string=job.html, base_url=job.base_url, url_fetcher=fetcher)
    for patch in _PATCHES:
        patch.install()
    for kept in _KEEPING:
        kept.clear()
    return fitting.render(html, stylesheets=sheets, font_config=fonts, counter_style=counters)


def load() -> None:
    """Import WeasyPrint (half a second) and pikepdf now: a worker started before it has work
    (``executors.start_early``)."""
    import pikepdf  # noqa: F401
    import weasyprint  # noqa: F401


def read_sheets(sources: tuple[Sheet, ...]) -> None:
    """Read the stylesheets and their fonts now (a worker warming up, ``Pool.warm``)."""
    _stylesheets(sources, _fetcher({}))


def _stylesheets(sources: tuple[Sheet, ...], fetcher: Any) -> tuple[Any, Any, list[Any]]:
    from weasyprint import CSS
    from weasyprint.css.counters import CounterStyle
    from weasyprint.text.fonts import FontConfiguration

    key = sources
    if key not in _SHEETS:
        fonts, counters = FontConfiguration(), CounterStyle()
        with captured_warnings():  # the parent has read them and reported their problems
            sheets = [
                CSS(
                    string=sheet.text,
                    base_url=sheet.base_url or None,
                    url_fetcher=fetcher,
                    font_config=fonts,
                    counter_style=counters,
                )
                for sheet in sources
            ]
        while len(_SHEETS) >= 2:  # the body's and the numbers' sheets of this build kept
            del _SHEETS[next(iter(_SHEETS))]
        _SHEETS[key] = (fonts, counters, sheets)
    return _SHEETS[key]


def _fetcher(files: dict[str, bytes]) -> Any:
    """WeasyPrint's URL fetcher, answering from the shipped files first."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class Shipped(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            data = files.get(url.split("?")[0].split("#")[0])
            if data is None:
                if not url.startswith(("data:", "file:")):
                    # A build reads only the book's own files: never the network.
                    raise ValueError(f"not fetched: {url} (a build reads no network address)")
                return super().fetch(url, headers)
            kind = mimetypes.guess_type(url)[0] or "application/octet-stream"
            return URLFetcherResponse(url, data, {"Content-Type": kind})

    return Shipped()


def _anchor_other_documents(document: Any) -> None:
    """Keep links to anchors laid out in other documents: WeasyPrint drops a link whose
    target it cannot find, so each such target gets a stand-in anchor here (on the first
    page), which the join replaces with the real destination."""
    known = {name for page in document.pages for name in page.anchors}
    for page in document.pages:
        for kind, target, *_ in page.links:
            if kind == "internal" and target not in known:
                document.pages[0].anchors[target] = (0, 0, 0, 0)
                known.add(target)


def _is_blank(page: Any) -> bool:
    page_type = getattr(getattr(page, "_page_box", None), "page_type", None)
    return bool(getattr(page_type, "blank", False))
