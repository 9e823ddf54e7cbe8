"""The book's sources, checked without rendering anything.

Everything ``glossbook build`` would report (every load and pass error and warning), and
what an editor looks for before sign-off: entries that cite no source, other names two
entries share (a reader looking one up lands on two), images without a text description,
entries no other entry links to, and definitions too long to take in at a glance.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..config import load_config
from ..errors import ContentError, Problem, Problems
from ..loader import load_book
from ..model import Book
from ..passes import run_passes
from . import Result

MAX_DEFINITION_WORDS = 120  # a definition is the entry's first paragraph: a glance, not a page
_IMAGE_WITHOUT_ALT = re.compile(r"!\[\s*\]\s*[(\[]")


def load(root: Path) -> tuple[Book | None, list[Problem]]:
    """The book after every pass, and every error and warning found on the way; the book is
    None when errors stop it before the passes (as ``build`` would stop)."""
    problems = Problems()
    try:
        config = load_config(root)
        book = load_book(config, problems)
    except ContentError as error:
        return None, [*problems.items, *error.problems]
    if problems.errors:
        return None, problems.items
    run_passes(book, problems)
    return book, problems.items


def sources(root: Path) -> tuple[Book | None, Result]:
    """Load and pass problems, then the editorial lints on a book that loaded."""
    book, found = load(root)
    result = Result("sources", list(found))
    if book is None:
        result.note = "the book has errors: the editorial checks need it to load"
        return None, result
    result.problems += editorial(book)
    result.note = f"{len(book.entries)} entries, {len(book.bibliography)} works"
    return book, result


def editorial(book: Book) -> list[Problem]:
    problems = Problems()
    _unsourced(book, problems)
    _shared_names(book, problems)
    _images_without_alt(book, problems)
    _unlinked(book, problems)
    _long_definitions(book, problems)
    return problems.items


def _unsourced(book: Book, problems: Problems) -> None:
    for entry in book.entries:
        if not entry.sources and not entry.citations:
            problems.warning(
                entry.file,
                entry.line,
                f"the entry '{entry.title}' names no source and cites no work.",
                "Add sources: [key, …] to its front matter, or cite a work in its text.",
            )


def _shared_names(book: Book, problems: Problems) -> None:
    owners: dict[str, list[str]] = {}
    for entry in book.entries:
        for name in entry.other_names:
            owners.setdefault(name.casefold(), []).append(entry.title)
    for entry in book.entries:
        for name in entry.other_names:
            titles = owners[name.casefold()]
            if len(titles) > 1 and titles[0] == entry.title:  # reported once, at the first
                problems.warning(
                    entry.file,
                    entry.line,
                    f"the other name '{name}' is also an other name of "
                    f"{', '.join(repr(t) for t in titles[1:])}.",
                    "Keep it in one entry, or make the names distinct: a reader who looks it "
                    "up in the index lands on both.",
                )


def _images_without_alt(book: Book, problems: Problems) -> None:
    settings = book.settings.get("accessibility") or {}
    claimed = isinstance(settings, dict) and bool(settings.get("conformance"))
    for document in book.documents():
        path = book.root / document.file
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for number, line in enumerate(lines, 1):
            if not _IMAGE_WITHOUT_ALT.search(line):
                continue
            message = "this image has no alt text, so a reader who cannot see it learns nothing."
            hint = "Describe the picture between the brackets: ![what it shows](file.svg)."
            if claimed:  # the book claims WCAG conformance, which this image breaks
                problems.error(document.file, number, message, hint + " (WCAG 1.1.1)")
            else:
                problems.warning(document.file, number, message, hint)


def _unlinked(book: Book, problems: Problems) -> None:
    if len(book.entries) < 2:
        return
    linked: set[str] = set()
    for document in book.documents():
        linked.update(x.slug for x in document.xrefs if x.slug)
    for entry in book.entries:
        linked.update(slug for slug in entry.related if slug != entry.slug)
    for entry in book.entries:
        if entry.slug not in linked:
            problems.warning(
                entry.file,
                entry.line,
                f"no other entry links to '{entry.title}'.",
                f"Link to it with [[{entry.title}]] or name it under related: in an entry "
                "that discusses it.",
            )


def _long_definitions(book: Book, problems: Problems) -> None:
    for entry in book.entries:
        words = len(entry.definition.split())
        if words > MAX_DEFINITION_WORDS:
            problems.warning(
                entry.file,
                entry.line,
                f"the definition of '{entry.title}' runs to {words} words "
                f"(at most {MAX_DEFINITION_WORDS}).",
                "Keep the first paragraph to the definition; move the rest into a section.",
            )


def uncited(book: Book) -> Result:
    """Works of the bibliography no entry cites: the citations pass's public result (the
    works read from the ``.bib`` and the references it formatted)."""
    cited = {reference.key for reference in book.references}
    result = Result("uncited works")
    for work in book.bibliography.values():
        if work.key in cited:
            continue
        title = str(work.csl.get("title") or "")
        result.problems.append(
            Problem(
                book.bibliography_file,
                work.line,
                f"'{work.key}' ({title[:60]}) is never cited.",
                "Cite it, or remove it from the bibliography.",
                "warning",
            )
        )
    result.note = f"{len(book.bibliography)} works, {len(cited)} cited"
    return result
