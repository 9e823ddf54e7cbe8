"""The index: every entry title, every other name, and every term marked in the text.

- A title line points to its entry; an other name points to its entries ("empathy gap —
  Emotional Misattunement"); a name shared by two entries lists both.
- An other name equal to another entry's title becomes a "see also" on that title's line.
- A marked term (``[oxytocin]{.index}``, ``[…]{index="hormones!oxytocin"}``) lists every
  place it occurs; ``main!sub`` makes a sub-entry one level deep. A mark whose term is a
  title or other name joins that line.
Lines are collated by the book's language (case and accents do not scatter them) and grouped
under letter headings. Locators are anchors: each renderer turns them into links or pages.
"""

from __future__ import annotations

from collections import defaultdict

from ..collation import SYMBOLS_HEADING, Collation
from ..errors import Problems
from ..model import Book, Entry, IndexGroup, IndexLine, IndexLocator
from ..slugs import slugify, unique


def run(book: Book, problems: Problems) -> None:
    collation = Collation(book.metadata.language)
    entries = [e for c in book.chapters for e in c.entries]
    lines: dict[str, IndexLine] = {}  # by case-folded term

    def line_for(term: str) -> IndexLine:
        return lines.setdefault(term.casefold(), IndexLine(term=term, locators=[]))

    for entry in entries:
        line = line_for(entry.title)
        line.term, line.is_title = entry.title, True
        line.locators.insert(0, _loc(entry))
    for entry in entries:
        for name in entry.other_names:
            line = line_for(name)
            if line.is_title:
                if line.locators[0].slug != entry.slug and all(
                    s.slug != entry.slug for s in line.see_also
                ):
                    line.see_also.append(_loc(entry))
            elif all(loc.slug != entry.slug for loc in line.locators):
                line.locators.append(_loc(entry))
    for doc in book.documents():
        for mark in doc.index_marks:
            place = IndexLocator(slug=doc.slug, title=doc.title, anchor=mark.anchor)
            line = line_for(mark.term)
            if mark.sub:
                sub = next(
                    (s for s in line.subentries if s.term.casefold() == mark.sub.casefold()),
                    None,
                )
                if sub is None:
                    sub = IndexLine(term=mark.sub, locators=[])
                    line.subentries.append(sub)
                sub.places.append(place)
            else:
                line.places.append(place)
    for line in lines.values():
        line.subentries.sort(key=lambda s: (collation.key(s.term), s.term))
    collation.prepare([line.term for line in lines.values()])
    groups: dict[str, list[IndexLine]] = defaultdict(list)
    for line in sorted(lines.values(), key=lambda item: (collation.key(item.term), item.term)):
        groups[collation.heading(line.term)].append(line)
    taken = {e.slug for e in book.entries} | {c.anchor for c in book.chapters}
    book.index = []
    for n, heading in enumerate(sorted(groups, key=collation.heading_key)):
        name = "symbols" if heading == SYMBOLS_HEADING else slugify(heading) or str(n)
        anchor = unique(f"index-{name}", taken)
        book.index.append(IndexGroup(heading=heading, anchor=anchor, lines=groups[heading]))


def _loc(entry: Entry) -> IndexLocator:
    return IndexLocator(slug=entry.slug, title=entry.title)
