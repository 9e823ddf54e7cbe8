"""The pipeline: load → model → passes, ending in a finished ``Book`` for the renderers."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from .config import load_config
from .errors import Problem, Problems
from .loader import EntryCache, entry_renderer, load_book, read_entry
from .model import Book, Chapter, Entry
from .passes import outline, run_entry_passes, run_passes
from .theme import check_styles


def prepare(
    root: Path, cache: EntryCache | None = None, *, offline: bool = False
) -> tuple[Book, list[Problem]]:
    """Read and check the whole book; raise ContentError listing every error found.

    With a ``cache`` (the preview keeps one), unchanged entries are not parsed again.
    ``offline``: remote images not downloaded before become placeholders, with a warning.
    """
    problems = Problems()
    config = load_config(root)
    check_styles(root, problems)
    book = load_book(config, problems, cache, offline=offline)
    problems.raise_if_errors()  # passes on half-read entries would report ghosts
    run_passes(book, problems)
    problems.raise_if_errors()
    return book, problems.warnings


def prepare_edit(
    book: Book, changed: Iterable[Path], cache: EntryCache
) -> tuple[Book, list[Problem]] | None:
    """``book`` (made by ``prepare`` with ``cache``, or by this) with the entries whose files
    are in ``changed`` read again, when the edit stays inside them: each changed file is an
    entry of the book whose ``outline`` (names, links, citations, figure count, index marks)
    and images are what they were. Only those entries are parsed and resolved against the
    book; ``book`` is not changed. Returns the new book and the edited entries' warnings, or
    None when anything else may have changed (another file, an entry added, removed or
    renamed, an outline changed, an error): then ``prepare`` the whole book, which reports as
    usual. The anchors of the entries' blocks and sections may change: the caller that
    places anchors checks those added or removed against the book (``Pages.follow``).
    """
    root = book.root.resolve()
    paths = {Path(p) for p in changed}
    if not paths:
        return None
    by_file = {e.file: e for e in book.entries}  # as shown: relative to the book, posix
    config = load_config(book.root)
    renderer = entry_renderer(config)
    problems = Problems()
    edited: dict[str, Entry] = {}
    for path in paths:
        inside = path.is_relative_to(root)
        built = by_file.get(path.relative_to(root).as_posix()) if inside else None
        if built is None:
            return None
        source = book.root / built.file  # as load_book knows it (and the cache)
        previous = cache.previous(source)
        if previous is None or not source.is_file():
            return None
        before, before_assets = previous
        entry, assets = read_entry(source, built.file, renderer, book.root, problems, cache)
        if entry is None or problems.errors or assets != before_assets:
            return None
        if outline(entry) != outline(before):
            return None
        run_entry_passes(book, entry, built, problems)
        if problems.errors:
            return None
        edited[entry.slug] = entry
    chapters = [
        Chapter(c.anchor, c.title, [edited.get(e.slug, e) for e in c.entries])
        if any(e.slug in edited for e in c.entries)
        else c
        for c in book.chapters
    ]
    entries = [edited.get(e.slug, e) for e in book.entries]
    return dataclasses.replace(book, entries=entries, chapters=chapters), problems.warnings
