"""Joining the documents of the book into one PDF (pikepdf): pages in reading order, links
between documents, named destinations, the outline (bookmarks), page labels and dates.

Each document was written by WeasyPrint on its own: its links to anchors of other documents
point at named destinations (``/Dest (anchor)``) that it only stood in for; here every name
gets the page and position where its anchor really stands, first occurrence in reading
order winning, as WeasyPrint does in one document.

The join copies, it does not rewrite: each piece's pages, then its bookmarks and named
destinations, each in one copy (pikepdf points their pages at the pages copied), and its
compressed streams are written as they were read (only the small ones the numbers add are
compressed), the other objects packed in object streams. Python touches each document, each
bookmark at the top of one and each name, never each page (but to stamp it).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from ...model import PrintLayout


@dataclass
class Piece:
    """A document to join: its PDF bytes, the anchors it really holds, and the PDF of its
    page numbers to draw over its pages (a stamped document, ``stamp.py``)."""

    pdf: bytes
    anchors: set[str]
    numbers: bytes | None = None


def join(
    pieces: list[Piece],
    page_map: PrintLayout,
    created: str,
    spent: list[Any] | None = None,
    counts: list[int] | None = None,
) -> bytes:
    """One PDF of the pieces, in order; the first piece's metadata is the book's. ``spent``:
    where to keep the PDFs opened, rather than free them on the way; ``counts``: where to
    list each piece's page count."""
    import pikepdf

    out = pikepdf.Pdf.open(io.BytesIO(pieces[0].pdf))
    names: dict[str, Any] = {}
    outline = _Outline(out)
    for number, piece in enumerate(pieces):
        source = out if number == 0 else pikepdf.Pdf.open(io.BytesIO(piece.pdf))
        if spent is not None:
            spent.append(source)
        if piece.numbers is not None:
            stamp(source, piece.numbers, spent)
        if counts is not None:
            counts.append(len(source.pages))
        if number:
            # Each page copied and appended as ``out.pages.extend`` does, less its lookup of
            # every page of ``out`` for each page appended (what ``add_blank_page`` calls).
            for page in source.pages:
                out._add_page(page.obj, first=False)
        # Copied after its pages, a piece's destinations point at their copies.
        for name, dest in destinations(source, into=out):
            if name in piece.anchors and isinstance(dest, pikepdf.Array):
                names.setdefault(name, dest)
        if number:
            outline.add(source)
    array = []
    for name in sorted(names):
        array += [pikepdf.String(name), names[name]]
    out.Root.Names = pikepdf.Dictionary(Dests=pikepdf.Dictionary(Names=pikepdf.Array(array)))
    out.Root.PageLabels = page_labels(page_map)
    date = _pdf_date(created)
    out.docinfo[pikepdf.Name.CreationDate] = date
    out.docinfo[pikepdf.Name.ModDate] = date
    return saved(out)


def stamped(pdf: bytes, numbers: bytes) -> bytes:
    """A document's PDF with its numbers drawn over its pages."""
    import pikepdf

    out = pikepdf.Pdf.open(io.BytesIO(pdf))
    stamp(out, numbers)
    return saved(out)


def stamp(pdf: Any, numbers: bytes, spent: list[Any] | None = None) -> None:
    """Draw each page of ``numbers`` over the same page of ``pdf`` (pages of one size);
    ``spent``: as ``join``'s."""
    import pikepdf

    over = pikepdf.Pdf.open(io.BytesIO(numbers))
    if spent is not None:
        spent.append(over)
    if len(over.pages) != len(pdf.pages):
        raise ValueError("the numbers document has not as many pages as its document")
    # The page's own content stays as it is, still compressed (it is copied, not rewritten,
    # when saved), between a "q" and a "Q" and the numbers: streams shared by the pages.
    opening = pdf.make_indirect(pikepdf.Stream(pdf, b"q\n"))
    closings: dict[bytes, Any] = {}
    free = 0  # the pages may share their resources: the names taken only grow
    for page, numbered in zip(pdf.pages, over.pages, strict=True):
        form = pdf.copy_foreign(numbered.as_form_xobject())
        # As ``Page.add_overlay``, under a name of our own (its names are random: the same
        # book would not give the same bytes).
        taken = page.obj.get("/Resources", {}).get("/XObject", {})
        while f"/Numbers{free}" in taken:
            free += 1
        name = f"/Numbers{free}"
        page.add_resource(form, pikepdf.Name.XObject, name=pikepdf.Name(name))
        placed = page.calc_form_xobject_placement(
            form, pikepdf.Name(name), pikepdf.Rectangle(page.trimbox)
        )
        if placed not in closings:
            closings[placed] = pdf.make_indirect(pikepdf.Stream(pdf, b"Q\n" + placed))
        contents = page.obj.Contents
        own = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        page.obj.Contents = pikepdf.Array([opening, *own, closings[placed]])


def page_labels(page_map: PrintLayout) -> Any:
    """The /PageLabels of the printed folios: roman in the front, arabic from the body."""
    import pikepdf

    body = next((p.number for p in page_map.pages if p.section != "front"), None)
    numbers = pikepdf.Array([0, pikepdf.Dictionary(S=pikepdf.Name.r)])
    if body is not None:
        numbers.extend([body - 1, pikepdf.Dictionary(S=pikepdf.Name.D)])
    return pikepdf.Dictionary(Nums=numbers)


def destinations(pdf: Any, into: Any = None) -> list[tuple[str, Any]]:
    """The named destinations of ``pdf``; with ``into``, another PDF that its pages were
    copied into, as copied there (whole, in one copy: they point at the copied pages)."""
    import pikepdf

    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return []
    dests = names.Dests
    if into is not None and into is not pdf:
        dests = into.copy_foreign(pdf.make_indirect(dests))
    return [(str(k), v) for k, v in pikepdf.NameTree(dests).items()]


class _Outline:
    """The joined outline: each piece's bookmarks copied whole, after the last one's."""

    def __init__(self, pdf: Any) -> None:
        import pikepdf

        self.pdf = pdf
        root = pdf.Root.get("/Outlines")
        if root is None:
            root = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines, Count=0))
            pdf.Root.Outlines = root
        self.root = root

    def add(self, source: Any) -> None:
        """The bookmarks of ``source``, whose pages were copied into the joined PDF (their
        destinations then point at the copies)."""
        theirs = source.Root.get("/Outlines")
        if theirs is None or "/First" not in theirs:
            return
        copy = self.pdf.copy_foreign(theirs)
        first = last = copy.First
        while True:
            last.Parent = self.root
            if "/Next" not in last:
                break
            last = last.Next
        if "/First" in self.root:
            self.root.Last.Next = first
            first.Prev = self.root.Last
        else:
            self.root.First = first
        self.root.Last = last
        # The items shown: the top-level ones and the children of those open.
        self.root.Count = int(self.root.get("/Count", 0)) + int(copy.get("/Count", 0))


def saved(pdf: Any) -> bytes:
    """The PDF's bytes: its streams copied as they are (compressed ones not decoded and
    compressed again), its other objects in compressed object streams; the same bytes for
    the same PDF (``deterministic_id``)."""
    import pikepdf

    buffer = io.BytesIO()
    pdf.save(
        buffer,
        deterministic_id=True,
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return buffer.getvalue()


def _pdf_date(created: str) -> str:
    """``2026-11-25T10:00:00Z`` → ``D:20261125100000Z``."""
    moment = dt.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("D:%Y%m%d%H%M%SZ")
