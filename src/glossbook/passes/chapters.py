"""Chapters: group the entries and order them (alphabetical, by category, or as listed)."""

from __future__ import annotations

from collections import defaultdict

from ..collation import SYMBOLS_HEADING, Collation
from ..config import CONFIG_FILE
from ..errors import Problems, did_you_mean
from ..model import Book, Chapter, Entry
from ..slugs import slugify, unique

UNCATEGORISED = "Other Topics"


def run(book: Book, problems: Problems) -> None:
    collation = Collation(book.metadata.language)
    collation.prepare([e.title for e in book.entries])
    order = book.settings.get("order", "alphabetical")
    if order == "explicit":
        groups = _explicit(book, problems)
    elif order == "category":
        groups = _by_category(book.entries, collation)
    else:
        groups = _alphabetical(book.entries, collation)
    taken = {e.slug for e in book.entries} | {p.slug for p in book.front + book.back}
    book.chapters = [
        Chapter(anchor=unique(_chapter_anchor(title), taken), title=title, entries=entries)
        for title, entries in groups
        if entries
    ]


def _chapter_anchor(title: str) -> str:
    if title == SYMBOLS_HEADING:
        return "chapter-symbols"
    return f"chapter-{slugify(title) or 'x'}"


def _alphabetical(entries: list[Entry], collation: Collation) -> list[tuple[str, list[Entry]]]:
    by_letter: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_letter[collation.heading(entry.title)].append(entry)
    return [
        (letter, sorted(by_letter[letter], key=lambda e: collation.key(e.title)))
        for letter in sorted(by_letter, key=collation.heading_key)
    ]


def _by_category(entries: list[Entry], collation: Collation) -> list[tuple[str, list[Entry]]]:
    by_category: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_category[entry.categories[0] if entry.categories else UNCATEGORISED].append(entry)
    names = sorted((c for c in by_category if c != UNCATEGORISED), key=collation.key)
    if UNCATEGORISED in by_category:
        names.append(UNCATEGORISED)
    return [
        (name, sorted(by_category[name], key=lambda e: collation.key(e.title))) for name in names
    ]


def _explicit(book: Book, problems: Problems) -> list[tuple[str, list[Entry]]]:
    by_slug = {e.slug: e for e in book.entries}
    by_title = {e.title.casefold(): e for e in book.entries}
    placed: dict[str, str] = {}
    groups: list[tuple[str, list[Entry]]] = []
    for chapter in book.settings.get("chapters", []):  # type: ignore[union-attr]
        members: list[Entry] = []
        for name, line in zip(chapter.entries, chapter.entry_lines, strict=False):
            entry = by_slug.get(name) or by_title.get(name.casefold())
            if entry is None:
                problems.error(
                    CONFIG_FILE,
                    line,
                    f"chapter '{chapter.title}' lists '{name}', which is no entry.",
                    did_you_mean(name, set(by_slug))
                    or "Use the entry's slug: its file name without .md.",
                )
                continue
            if entry.slug in placed:
                problems.error(
                    CONFIG_FILE,
                    line,
                    f"'{name}' is already in chapter '{placed[entry.slug]}'.",
                    "An entry belongs to one chapter: remove one of the two.",
                )
                continue
            placed[entry.slug] = chapter.title
            members.append(entry)
        groups.append((chapter.title, members))
    for entry in book.entries:
        if entry.slug not in placed:
            problems.error(
                entry.file,
                None,
                f"entry '{entry.slug}' is in no chapter of glossbook.toml.",
                "Add its slug to the entries of a [[contents.chapters]] table.",
            )
    return groups
