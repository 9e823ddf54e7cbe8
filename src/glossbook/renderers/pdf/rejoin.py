"""Joining again after an edit: the last joined PDF, its changed documents' pages replaced.

After a one-entry edit, a chapter or two are laid out again and every other document is
the one the last build joined. The join (``join.py``) opens every document of the book;
here the last PDF joined is opened instead (kept in the build cache, ``layout/joined.pickle``,
with a mark of each document it was joined from: the hashes of its PDF, its numbers and its
anchors, and its page count), and the pages of each document whose mark changed are
replaced by its new ones, stamped with their numbers. The named destinations and bookmarks
that pointed at the old pages are pointed at the new ones, where the new pages put them;
the page labels and dates are set again.

Only when that is the same book as a whole join: the same documents in the same order, a
few of them changed, none the first (whose metadata are the book's), each with as many
pages as before, the same anchors and bookmarks of the same titles. Otherwise, and
without a cache, the documents are joined whole. The PDF written then holds the objects a
whole join writes, no more (pikepdf writes those it reaches from the PDF's root: the
replaced pages leave nothing reachable behind them), though numbered in another order in
the file: a test compares the two object for object.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ... import __version__, picklefile
from ...model import PrintLayout
from .join import Piece, _pdf_date, destinations, join, page_labels, saved, stamp

FORM = 1
LIMIT = 4  # documents replaced at most; more changed, and the book is joined whole

_SPENT: list[Any] = []  # what the last ``join_in_worker`` opened, freed when the next starts


@dataclass
class Joined:
    """The last PDF joined: its bytes, the mark and page count of each document, its date."""

    pdf: bytes
    marks: list[tuple[str, str, str]]
    counts: list[int]
    created: str


def mark(piece: Piece) -> tuple[str, str, str]:
    """What identifies a document in a join: its PDF, its numbers, its anchors."""

    def digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()[:32]

    numbers = digest(piece.numbers) if piece.numbers is not None else ""
    return digest(piece.pdf), numbers, digest("\0".join(sorted(piece.anchors)).encode())


def join_in_worker(
    pieces: list[Piece], page_map: PrintLayout, created: str, cache: Path | None = None
) -> bytes:
    """``joined`` on a worker of the layout pool, whose result the build waits for: the PDFs
    it opened are not freed before the result goes back (freeing them takes a fifth of the
    join) but when the next join starts; a worker of the pool ends without freeing them."""
    _SPENT.clear()
    return joined(pieces, page_map, created, cache, spent=_SPENT)


def joined(
    pieces: list[Piece],
    page_map: PrintLayout,
    created: str,
    cache: Path | None,
    spent: list[Any] | None = None,
) -> bytes:
    """The book's PDF: the last one joined with its changed documents replaced when the
    build cache ``cache`` holds one that allows it, else the documents joined whole; kept
    in the cache for the next build."""
    if cache is None:
        return join(pieces, page_map, created, spent=spent)
    file = cache / "layout" / "joined.pickle"
    marks = [mark(piece) for piece in pieces]
    last: Joined | None = picklefile.load(file, __version__, FORM)
    pdf, counts = None, None
    if last is not None:
        if last.marks == marks and last.created == created:
            return last.pdf  # the same book, the same day (SOURCE_DATE_EPOCH)
        if len(last.marks) == len(marks):
            changed = [
                n for n, (old, new) in enumerate(zip(last.marks, marks, strict=True)) if old != new
            ]
        else:
            changed = [0]  # not the same documents
        if 0 not in changed and len(changed) <= LIMIT:
            pdf = replaced(last, pieces, marks, changed, page_map, created, spent)
            counts = last.counts
    if pdf is None:
        counts = []
        pdf = join(pieces, page_map, created, spent=spent, counts=counts)
    assert counts is not None
    if last is None or last.pdf != pdf:
        file.parent.mkdir(parents=True, exist_ok=True)
        picklefile.save(file, __version__, FORM, Joined(pdf, marks, counts, created))
    return pdf


def replaced(
    last: Joined,
    pieces: list[Piece],
    marks: list[tuple[str, str, str]],
    changed: list[int],
    page_map: PrintLayout,
    created: str,
    spent: list[Any] | None = None,
) -> bytes | None:
    """The last PDF with the pages of the documents ``changed`` replaced (``marks``: each
    document's, as ``mark`` gives it), or None when that would not be the whole join's book."""
    import pikepdf

    out = pikepdf.Pdf.open(io.BytesIO(last.pdf))
    if spent is not None:
        spent.append(out)
    names = out.Root.Names.Dests.Names
    named = {str(names[n]): n + 1 for n in range(0, len(names), 2)}
    items = _bookmarks(out.Root.get("/Outlines"))
    for number in changed:
        piece = pieces[number]
        source = pikepdf.Pdf.open(io.BytesIO(piece.pdf))
        if spent is not None:
            spent.append(source)
        start, count = sum(last.counts[:number]), last.counts[number]
        if len(source.pages) != count or last.marks[number][2] != marks[number][2]:
            return None
        if piece.numbers is not None:
            stamp(source, piece.numbers, spent)
        old = {out.pages[start + n].objgen: n for n in range(count)}
        theirs = [i for i in items if _page_of(i.get("/Dest")) in old]
        new = _bookmarks(source.Root.get("/Outlines"))
        if [str(i.Title) for i in theirs] != [str(i.Title) for i in new]:
            return None
        if any(_page_of(i.get("/Dest")) is None for i in new):
            return None
        for n in range(count):
            out.pages[start + n] = source.pages[n]
        copies = [out.pages[start + n].obj for n in range(count)]
        pages = {page.objgen: n for n, page in enumerate(source.pages)}
        for item, fresh in zip(theirs, new, strict=True):
            dest = fresh.Dest
            item.Dest = pikepdf.Array([copies[pages[dest[0].objgen]], *list(dest)[1:]])
        dests = dict(destinations(source, into=out))
        for name, where in named.items():
            if _page_of(names[where]) in old:
                dest = dests.get(name)
                if name not in piece.anchors or not isinstance(dest, pikepdf.Array):
                    return None
                names[where] = dest
    out.Root.PageLabels = page_labels(page_map)
    date = _pdf_date(created)
    out.docinfo[pikepdf.Name.CreationDate] = date
    out.docinfo[pikepdf.Name.ModDate] = date
    return saved(out)


def _page_of(dest: Any) -> tuple[int, int] | None:
    """The page (its object's number) an explicit destination points at, or None."""
    import pikepdf

    if isinstance(dest, pikepdf.Array) and len(dest) and isinstance(dest[0], pikepdf.Dictionary):
        return dest[0].objgen
    return None


def _bookmarks(root: Any) -> list[Any]:
    """The outline's items in reading order (each before its children)."""
    found: list[Any] = []
    stack = [root.First] if root is not None and "/First" in root else []
    while stack:
        item = stack.pop()
        found.append(item)
        if "/Next" in item:
            stack.append(item.Next)
        if "/First" in item:
            stack.append(item.First)
    return found
