"""The pipeline: load → model → passes, ending in a finished ``Book`` for the renderers."""

from __future__ import annotations

from pathlib import Path

from .config import load_config
from .errors import Problem, Problems
from .loader import EntryCache, load_book
from .model import Book
from .passes import run_passes


def prepare(
    root: Path, cache: EntryCache | None = None, *, offline: bool = False
) -> tuple[Book, list[Problem]]:
    """Read and check the whole book; raise ContentError listing every error found.

    With a ``cache`` (the preview keeps one), unchanged entries are not parsed again.
    ``offline``: remote images not downloaded before become placeholders, with a warning.
    """
    problems = Problems()
    config = load_config(root)
    book = load_book(config, problems, cache, offline=offline)
    problems.raise_if_errors()  # passes on half-read entries would report ghosts
    run_passes(book, problems)
    problems.raise_if_errors()
    return book, problems.warnings
