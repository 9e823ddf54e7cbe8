"""An edited chapter laid out again from the page where the edit begins, not from its start.

A chapter's pages depend only on what comes before them, so after an edit to one of its
entries every page before the edited entry is still true. A page that an entry opens (its
first box is that entry's start, begun there: ``pagestarts.page_opens``) depends only on the
entries from there on and on which side of the spread it is: its running head is its own
entry's guide word, its footnotes its own, and the page numbers are stamped afterwards
(``stamp.py``), so no counter carries into it. Such pages are where a chapter can be cut.

So the chapter is laid out again as a *window*: the chapter's own document with the entries
before the last such page at or before the edit left out, and the entries past the page
after the first such page past the edit left out too. The window opens with the chapter's
heading (its running strings and page group) and the entry before, emptied, on a page of
their own, and a break puts the first entry on a page of the side it had: those first pages
are dropped. The window's pages are the
chapter's from there, up to the first page past the edit that the same entry opens on the
same side in the last layout and in the window alike, with the same anchors on it: from
there on, the chapter's pages are the last layout's. The chapter is the last layout's pages
before the cut, the window's, then the last layout's again (``splice``), and it is cached
under the whole chapter's job, as if it had been laid out whole. A window that finds no
such page is laid out again to the chapter's end; an edit before the first page an entry
opens is laid out from the chapter's start (as far as a window); a change to the chapter's
heading, or anything unexpected: the whole chapter.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from typing import Any

from .join import destinations, saved
from .worker import Job, Laid

_ENTRY = re.compile(r'<article class="entry" id="([^"]+)"')
_END = "</article>"


@dataclass(frozen=True)
class Chunks:
    """A chapter document cut at its entries: ``head`` (up to the first entry), each entry
    (its id and HTML), ``tail`` (after the last)."""

    head: str
    entries: tuple[tuple[str, str], ...]
    tail: str

    def digests(self) -> list[list[str]]:
        """What the cache remembers of a layout: each part's hash, head first, tail last."""
        parts = [("", self.head), *self.entries, ("", self.tail)]
        return [[name, _sha(text)] for name, text in parts]

    def window(self, start: int, stop: int, side: str) -> str:
        """The document of entries ``start`` to ``stop``, the first on a page of ``side``:
        after the entry before it, emptied (so that it stands as it stood, after an entry,
        without laying out pages that are dropped), with a break to a page of that side."""
        anchor, before = self.entries[start - 1]
        opening = f'<article class="entry" id="{anchor}"'
        tag = before[: before.index(">") + 1]  # (a quoted ">" is written &gt;)
        before = tag.replace(opening, f'{opening} style="break-after: {side}"', 1) + _END
        body = "".join(text for _, text in self.entries[start:stop])
        return self.head + before + body + self.tail

    def first(self, stop: int) -> str:
        """The document of the entries before ``stop``."""
        return self.head + "".join(text for _, text in self.entries[:stop]) + self.tail


def chunks(html: str) -> Chunks | None:
    """The document cut at its entries, or None (no entries, or not as the theme's
    ``partials/entry.html`` writes them)."""
    starts = [(m.start(), m.group(1)) for m in _ENTRY.finditer(html)]
    end = html.rfind(_END)
    if not starts or end < starts[-1][0]:
        return None
    end += len(_END)
    bounds = [position for position, _ in starts[1:]] + [end]
    entries = tuple(
        (anchor, html[position:stop])
        for (position, anchor), stop in zip(starts, bounds, strict=True)
    )
    return Chunks(html[: starts[0][0]], entries, html[end:])


@dataclass
class Window:
    """A window's job and how its pages fit the last layout."""

    job: Job
    cut: int  # the last layout's page the window begins on
    new_from: int  # the first entry past the edit (the same as in the last layout)
    whole: bool  # the window runs to the chapter's end
    names: list[str]  # the new chapter's entries


def window(
    job: Job, old: Laid, remembered: list[list[str]], *, to_end: bool = False
) -> Window | None:
    """The window to lay out for ``job`` (a chapter) given its last layout ``old`` and the
    digests it was laid out from; None when the whole chapter is to be laid out."""
    new = chunks(job.html)
    if new is None or not old.opens or len(old.opens) != old.count or old.pdf is None:
        return None
    digests = new.digests()
    if digests[0] != remembered[0] or digests[-1] != remembered[-1]:
        return None  # the heading or the end changed: the whole chapter
    before, after = remembered[1:-1], digests[1:-1]
    same = 0
    while same < min(len(before), len(after)) and before[same] == after[same]:
        same += 1
    if same == len(before) == len(after):
        return None  # nothing differs (not a miss of this chapter's entries)
    tail = 0
    while tail < min(len(before), len(after)) - same and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    old_index = {name: n for n, (name, _) in enumerate(before)}
    # The cut: the last page opened by an unchanged entry at or before the first change.
    cut = max(
        (n for n, name in enumerate(old.opens) if name in old_index and old_index[name] <= same),
        default=0,
    )
    if cut == 0 or old_index[old.opens[cut]] == 0:
        cut = 0  # an edit before any page an entry opens: from the chapter's start
    start = old_index[old.opens[cut]] if cut else 0
    new_from = len(after) - tail  # first entry past the edit, in the new chapter
    shift = len(before) - len(after)
    stop = len(after)
    if not to_end:
        # Entries as far as the page after the first one past the edit (in the last layout)
        # that an entry opens: where the window can meet the last layout again.
        ended = _first_page(old, before[new_from + shift][0]) if new_from < len(after) else None
        meet = None
        if ended is not None:
            later = {name for name, _ in before[new_from + shift :]}
            meet = next((p for p in range(ended, old.count - 2) if old.opens[p] in later), None)
        if meet is not None:
            last = old.anchors[meet + 1]
            reach = max((old_index[a] for a in last if a in old_index), default=len(before) - 1)
            stop = min(len(after), max(reach - shift + 1, new_from + 1))
    side = "left" if cut % 2 else "right"  # a document opens on a recto: page 0 is right
    text = new.window(start, stop, side) if cut else new.first(stop)
    name = f"{job.name} (from {old.opens[cut] or 'its start'})"  # as the progress shows it
    sub = dataclasses.replace(job, name=name, html=text, cost=len(text))
    names = [name for name, _ in after]
    return Window(sub, cut, new_from, stop == len(after), names)


def splice(win: Window, old: Laid, laid: Laid) -> Laid | None:
    """The chapter's layout: the last layout's pages before the cut, the window's, and the
    last layout's from where they meet again; None when they do not meet (lay out further)."""
    # The window's pages before the cut's (the heading's, the entry before, a blank one).
    drop = 0
    if win.cut:
        drop = next((n for n, name in enumerate(laid.opens) if name == old.opens[win.cut]), 0)
        if not drop or drop % 2 != win.cut % 2:
            return None
    if laid.pdf is None:
        return None
    if laid.stamps is None or old.stamps is None or laid.stamps["size"] != old.stamps["size"]:
        return None
    index = {name: n for n, name in enumerate(win.names)}
    meet: tuple[int, int] | None = None
    if not win.whole:
        for page in range(drop + 1, laid.count - 1):  # a page followed by another: whole
            name = laid.opens[page]
            if not name or index.get(name, -1) < win.new_from:
                continue
            again = next((n for n, o in enumerate(old.opens) if o == name), None)
            if again is None or again <= win.cut or (again - win.cut) % 2 != (page - drop) % 2:
                continue
            if laid.anchors[page] == old.anchors[again] and laid.starts[page] == old.starts[again]:
                meet = (page, again)
                break
        if meet is None:
            return None
    stop, resume = meet if meet else (laid.count, old.count)
    ranges = [(old, 0, win.cut), (laid, drop, stop), (old, resume, old.count)]
    pdf = _pdf(ranges)

    def pages(field: str) -> list[Any]:
        return [x for source, a, b in ranges for x in getattr(source, field)[a:b]]

    stamps = dict(old.stamps, pages=[p for s, a, b in ranges for p in s.stamps["pages"][a:b]])
    reported = list(dict.fromkeys([*old.warnings, *laid.warnings]))
    return Laid(
        old.name,
        pages("anchors"),
        pages("blank"),
        pdf,
        reported,
        laid.peak_mib,
        stamps,
        pages("starts"),
        pages("opens"),
    )


def _pdf(ranges: list[tuple[Laid, int, int]]) -> bytes:
    """One PDF of page ranges of laid-out documents, with their named destinations and
    outline (whose items nest by depth, as in each source)."""
    import pikepdf

    out = pikepdf.new()
    names: dict[str, Any] = {}
    flat: list[tuple[int, Any, int, float | None, float | None]] = []
    opened: dict[int, Any] = {}
    for source, first, stop in ranges:
        if first >= stop:
            continue
        assert source.pdf is not None
        if id(source) not in opened:
            opened[id(source)] = pikepdf.Pdf.open(io.BytesIO(source.pdf))
        pdf = opened[id(source)]
        offset = len(out.pages) - first
        where = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
        for name, dest in destinations(pdf):
            page = where.get(dest[0].objgen) if len(dest) >= 4 else None
            if page is not None and first <= page < stop:
                names.setdefault(name, (offset + page, dest[2], dest[3]))
        with pdf.open_outline() as tree:
            for depth, item in _flat(tree.root):
                page, left, top = _target(item, where)
                if first <= page < stop:
                    flat.append((depth, item, offset + page, left, top))
        with warnings.catch_warnings():  # the names are kept above
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            out.pages.extend(pdf.pages[first:stop])
    # A list made into one array: extending a pikepdf.Array copies it (a chapter's thousand
    # names took a second).
    array = []
    objects = [page.obj for page in out.pages]  # (out.pages[n] looks every page up)
    for name in sorted(names):
        page, x, y = names[name]
        array += [pikepdf.String(name), pikepdf.Array([objects[page], pikepdf.Name.XYZ, x, y, 0])]
    out.Root.Names = pikepdf.Dictionary(Dests=pikepdf.Dictionary(Names=pikepdf.Array(array)))
    roots: list[Any] = []
    stack: list[tuple[int, Any]] = []
    for depth, item, page, left, top in flat:
        moved = pikepdf.OutlineItem(item.title, page, pikepdf.PageLocation.XYZ, left=left, top=top)
        moved.is_closed = item.is_closed
        while stack and stack[-1][0] >= depth:
            stack.pop()
        (stack[-1][1].children if stack else roots).append(moved)
        stack.append((depth, moved))
    with out.open_outline() as tree:
        tree.root[:] = roots
    return saved(out)


def _flat(items: list[Any], depth: int = 0) -> list[tuple[int, Any]]:
    result = []
    for item in items:
        result.append((depth, item))
        result += _flat(list(item.children), depth + 1)
    return result


def _target(item: Any, where: dict[tuple[int, int], int]) -> tuple[int, float | None, float | None]:
    import pikepdf

    dest = item.destination
    if isinstance(dest, pikepdf.Array) and len(dest) >= 4:
        return where.get(dest[0].objgen, -1), float(dest[2]), float(dest[3])
    return -1, None, None


def _first_page(laid: Laid, anchor: str) -> int | None:
    return next((n for n, page in enumerate(laid.anchors) if anchor in page), None)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
