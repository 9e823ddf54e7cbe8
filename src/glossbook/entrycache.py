"""Parsed entries kept on disk between builds (``<build cache>/entries.pickle``): the
preview's ``EntryCache``, with each file known by the hash of its content rather than its
modification time, saved after a build. An entry whose file is unchanged is not parsed
again; a cache written by another glossbook version, or damaged, is ignored."""

from __future__ import annotations

import copy
import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from . import __version__
from .errors import Problem
from .loader import EntryCache
from .model import Entry

FILE = "entries.pickle"


class DiskEntryCache(EntryCache):
    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.file = folder / FILE
        self.hashes: dict[Path, str] = {}
        try:
            version, language, entries = pickle.loads(self.file.read_bytes())
        except (OSError, pickle.UnpicklingError, ValueError, TypeError, EOFError, AttributeError):
            return
        if version == __version__:
            self.language, self.entries = language, entries

    def get(self, path: Path, language: str) -> tuple[Entry, dict[str, Path], list[Problem]] | None:
        if language != self.language:
            self.entries.clear()
            self.language = language
        cached = self.entries.get(path)
        if cached is None or cached[0] != self._hash(path):
            return None
        _, entry, assets, warnings = cached
        if not all(p.is_file() for p in assets.values()):
            return None
        return copy.deepcopy(entry), assets, warnings

    def put(
        self, path: Path, entry: Entry, assets: dict[str, Path], warnings: list[Problem]
    ) -> None:
        self.entries[path] = (self._hash(path), copy.deepcopy(entry), assets, warnings)  # type: ignore[assignment]

    def _hash(self, path: Path) -> str:
        if path not in self.hashes:
            self.hashes[path] = hashlib.sha256(path.read_bytes()).hexdigest()
        return self.hashes[path]

    def save(self) -> None:
        """Write the cache (atomically: a parallel build never reads half of it)."""
        self.file.parent.mkdir(parents=True, exist_ok=True)
        kept = {path: item for path, item in self.entries.items() if path in self.hashes}
        data = pickle.dumps((__version__, self.language, kept))
        fd, name = tempfile.mkstemp(prefix=f".{FILE}.", dir=self.file.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(name, self.file)
