"""A build cache's file of pickled data, stamped with what wrote it: the version of its
writer and the form of its data. A file of another version or form, damaged or missing reads
as nothing (the cache is then cold); a file is written whole or not at all."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from .output import staged_file

_UNREADABLE = (OSError, pickle.UnpicklingError, ValueError, TypeError, EOFError, AttributeError)


def load(file: Path | None, version: str, form: int) -> Any:
    """What ``save`` wrote to ``file`` with this version and form, or None."""
    if file is None:
        return None
    try:
        written, written_form, data = pickle.loads(file.read_bytes())
    except _UNREADABLE:
        return None
    return data if written == version and written_form == form else None


def save(file: Path, version: str, form: int, data: Any) -> None:
    """Write ``data`` to ``file`` (to a staged file renamed into place: a parallel build never
    reads half of it)."""
    with staged_file(file) as staging:
        staging.write_bytes(pickle.dumps((version, form, data)))
