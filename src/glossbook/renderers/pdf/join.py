"""Joining the documents of the book into one PDF (pikepdf): pages in reading order, links
between documents, named destinations, the outline (bookmarks), page labels and dates.

Each document was written by WeasyPrint on its own: its links to anchors of other documents
point at named destinations (``/Dest (anchor)``) that it only stood in for; here every name
gets the page and position where its anchor really stands, first occurrence in reading
order winning, as WeasyPrint does in one document.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
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


def join(pieces: list[Piece], page_map: PrintLayout, created: str) -> bytes:
    """One PDF of the pieces, in order; the first piece's metadata is the book's."""
    import pikepdf

    out = pikepdf.Pdf.open(io.BytesIO(pieces[0].pdf))
    outline: list[Any] = []
    names: dict[str, tuple[int, Any, Any]] = {}
    offset = 0
    for number, piece in enumerate(pieces):
        source = out if number == 0 else pikepdf.Pdf.open(io.BytesIO(piece.pdf))
        if piece.numbers is not None:
            stamp(source, piece.numbers)
        index = {page.obj.objgen: n for n, page in enumerate(source.pages)}
        count = len(source.pages)
        for name, dest in destinations(source):
            page = index.get(dest[0].objgen) if len(dest) >= 4 else None
            if name in piece.anchors and page is not None:
                names.setdefault(name, (offset + page, dest[2], dest[3]))
        with source.open_outline() as tree:
            outline += [_moved(item, index, offset) for item in tree.root]
        if number:
            with warnings.catch_warnings():  # the names are joined above
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                out.pages.extend(source.pages)
        offset += count
    array = pikepdf.Array()
    for name in sorted(names):
        page, x, y = names[name]
        array.append(pikepdf.String(name))
        array.append(pikepdf.Array([out.pages[page].obj, pikepdf.Name.XYZ, x, y, 0]))
    out.Root.Names = pikepdf.Dictionary(Dests=pikepdf.Dictionary(Names=array))
    with out.open_outline() as tree:
        tree.root[:] = outline
    out.Root.PageLabels = page_labels(page_map)
    date = _pdf_date(created)
    out.docinfo[pikepdf.Name.CreationDate] = date
    out.docinfo[pikepdf.Name.ModDate] = date
    buffer = io.BytesIO()
    out.save(buffer, deterministic_id=True)
    return buffer.getvalue()


def stamped(pdf: bytes, numbers: bytes) -> bytes:
    """A document's PDF with its numbers drawn over its pages."""
    import pikepdf

    out = pikepdf.Pdf.open(io.BytesIO(pdf))
    stamp(out, numbers)
    buffer = io.BytesIO()
    out.save(buffer, deterministic_id=True)
    return buffer.getvalue()


def stamp(pdf: Any, numbers: bytes) -> None:
    """Draw each page of ``numbers`` over the same page of ``pdf`` (pages of one size)."""
    import pikepdf

    over = pikepdf.Pdf.open(io.BytesIO(numbers))
    if len(over.pages) != len(pdf.pages):
        raise ValueError("the numbers document has not as many pages as its document")
    for page, numbered in zip(pdf.pages, over.pages, strict=True):
        form = pdf.copy_foreign(numbered.as_form_xobject())
        # As ``Page.add_overlay``, under a name of our own (its names are random: the same
        # book would not give the same bytes).
        taken = page.obj.get("/Resources", {}).get("/XObject", {})
        name = next(n for n in (f"/Numbers{k}" for k in range(len(taken) + 1)) if n not in taken)
        page.add_resource(form, pikepdf.Name.XObject, name=pikepdf.Name(name))
        placed = page.calc_form_xobject_placement(
            form, pikepdf.Name(name), pikepdf.Rectangle(page.trimbox)
        )
        page.contents_add(b"q\n", prepend=True)
        page.contents_add(b"Q\n" + placed)
        page.contents_coalesce()


def page_labels(page_map: PrintLayout) -> Any:
    """The /PageLabels of the printed folios: roman in the front, arabic from the body."""
    import pikepdf

    body = next((p.number for p in page_map.pages if p.section != "front"), None)
    numbers = pikepdf.Array([0, pikepdf.Dictionary(S=pikepdf.Name.r)])
    if body is not None:
        numbers.extend([body - 1, pikepdf.Dictionary(S=pikepdf.Name.D)])
    return pikepdf.Dictionary(Nums=numbers)


def destinations(pdf: Any) -> list[tuple[str, Any]]:
    import pikepdf

    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return []
    return [(str(k), v) for k, v in pikepdf.NameTree(names.Dests).items()]


def _moved(item: Any, index: dict[tuple[int, int], int], offset: int) -> Any:
    """An outline item of a piece, pointing at its page in the joined document."""
    import pikepdf

    dest = item.destination
    page, left, top = 0, None, None
    if isinstance(dest, pikepdf.Array) and len(dest) >= 4:
        page = index.get(dest[0].objgen, 0)
        left, top = float(dest[2]), float(dest[3])
    moved = pikepdf.OutlineItem(
        item.title, offset + page, pikepdf.PageLocation.XYZ, left=left, top=top
    )
    moved.is_closed = item.is_closed
    moved.children = [_moved(child, index, offset) for child in item.children]
    return moved


def _pdf_date(created: str) -> str:
    """``2026-11-25T10:00:00Z`` → ``D:20261125100000Z``."""
    moment = dt.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("D:%Y%m%d%H%M%SZ")
