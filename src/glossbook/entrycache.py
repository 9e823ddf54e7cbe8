"""Parsed entries kept on disk between builds (``<build cache>/entries.pickle``): the
preview's ``EntryCache``, with each file known by the hash of its content rather than its
modification time, saved after a build. An entry whose file is unchanged is not parsed
again; a cache written by another glossbook version, or damaged, is ignored."""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from . import __version__
from .loader import EntryCache

FILE = "entries.pickle"
FORMAT = 2  # each entry pickled on its own (EntryCache)


class DiskEntryCache(EntryCache):
    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.file = folder / FILE
        self.hashes: dict[Path, str] = {}
        try:
            version, form, language, entries = pickle.loads(self.file.read_bytes())
        except (OSError, pickle.UnpicklingError, ValueError, TypeError, EOFError, AttributeError):
            return
        if version == __version__ and form == FORMAT:
            self.language, self.entries = language, entries

    def signature(self, path: Path) -> object:
        """The hash of the file's content."""
        if path not in self.hashes:
            self.hashes[path] = hashlib.sha256(path.read_bytes()).hexdigest()
        return self.hashes[path]

    def save(self) -> None:
        """Write the cache (atomically: a parallel build never reads half of it)."""
        self.file.parent.mkdir(parents=True, exist_ok=True)
        kept = {path: item for path, item in self.entries.items() if path in self.hashes}
        data = pickle.dumps((__version__, FORMAT, self.language, kept))
        fd, name = tempfile.mkstemp(prefix=f".{FILE}.", dir=self.file.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(name, self.file)
