"""The index of other names: every title and alias, collated, pointing to its entries."""

from __future__ import annotations

from collections import defaultdict

from ..collation import SYMBOLS_HEADING, Collation
from ..errors import Problems
from ..model import Book, Entry, IndexGroup, IndexLine, IndexLocator
from ..slugs import slugify, unique


def run(book: Book, problems: Problems) -> None:
    collation = Collation(book.metadata.language)
    entries = [e for c in book.chapters for e in c.entries]
    # One line per term, whatever its case: "Empathy gap" and "empathy gap" meet.
    aliases: dict[str, tuple[str, list[Entry]]] = {}
    for entry in entries:
        for name in entry.other_names:
            key = name.casefold()
            if key == entry.title.casefold():
                continue
            term, owners = aliases.setdefault(key, (name, []))
            if entry not in owners:
                owners.append(entry)
    lines: list[IndexLine] = []
    for entry in entries:
        line = IndexLine(term=entry.title, locators=[_loc(entry)], is_title=True)
        if entry.title.casefold() in aliases:
            # An alias that is another entry's title: "see also" those entries.
            _, owners = aliases.pop(entry.title.casefold())
            line.see_also = [_loc(o) for o in owners if o is not entry]
        lines.append(line)
    for term, owners in aliases.values():
        lines.append(IndexLine(term=term, locators=[_loc(o) for o in owners]))
    collation.prepare([line.term for line in lines])
    groups: dict[str, list[IndexLine]] = defaultdict(list)
    for line in sorted(lines, key=lambda item: (collation.key(item.term), item.term)):
        groups[collation.heading(line.term)].append(line)
    taken: set[str] = set()
    book.index = []
    for n, heading in enumerate(sorted(groups, key=collation.heading_key)):
        name = "symbols" if heading == SYMBOLS_HEADING else slugify(heading) or str(n)
        anchor = unique(f"index-{name}", taken)
        book.index.append(IndexGroup(heading=heading, anchor=anchor, lines=groups[heading]))


def _loc(entry: Entry) -> IndexLocator:
    return IndexLocator(slug=entry.slug, title=entry.title)
