"""The layout cache: each laid-out document (its PDF's bytes and page map), stored under
the hash of everything that can change it (``Job.key``: its HTML, first folio, stylesheets,
the files it refers to, glossbook's version).

Content-addressed files under ``<cache>/layout/``: ``<key>.json`` (the page map) and
``<key>.pdf``, each written to a temporary file and renamed, so a cache shared by parallel
builds never holds half a file. A damaged entry is a miss.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ...model import Book
from .worker import Job, Laid

FORMAT = 3


def cache_folder(book: Book, out: Path | None = None) -> Path:
    """The build cache: ``cache`` of ``[build]`` in glossbook.toml (relative to the book), or
    ``.cache`` in the output folder (``build/.cache``)."""
    settings: Any = book.settings.get("build") or {}
    return folder_of(book.root, str(settings.get("cache") or ""), out)


def folder_of(root: Path, configured: str = "", out: Path | None = None) -> Path:
    if configured:
        return root / configured
    return (out if out is not None else root / "build") / ".cache"


class LayoutCache:
    """``pdfs=False``: a document found is read without its PDF (only its page map is
    wanted: the EPUB's page list)."""

    def __init__(self, folder: Path, *, pdfs: bool = True) -> None:
        self.folder = folder / "layout"
        self.pdfs = pdfs
        self.hits = 0
        self.misses = 0

    def _paths(self, key: str) -> tuple[Path, Path]:
        base = self.folder / key[:2] / key
        return base.with_suffix(".json"), base.with_suffix(".pdf")

    def get(self, job: Job) -> Laid | None:
        meta, pdf = self._paths(job.key())
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError(meta)
            laid = Laid(job.name, data["anchors"], data["blank"], None, data["warnings"])
            laid.stamps = data.get("stamps")
            laid.starts = data.get("starts", [])
            if job.write and self.pdfs:
                laid.pdf = pdf.read_bytes()
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        return laid

    def put(self, job: Job, laid: Laid) -> None:
        meta, pdf = self._paths(job.key())
        meta.parent.mkdir(parents=True, exist_ok=True)
        if laid.pdf is not None:
            _write(pdf, laid.pdf)
        data = {
            "format": FORMAT,
            "name": laid.name,
            "anchors": laid.anchors,
            "blank": laid.blank,
            "warnings": laid.warnings,
            "stamps": laid.stamps,
            "starts": laid.starts,
        }
        _write(meta, json.dumps(data, ensure_ascii=False).encode())

    def last(self) -> dict[str, Any] | None:
        """The numbers of the last layout remembered (digits, labels, first folios)."""
        try:
            data = json.loads((self.folder / "last.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and data.get("format") == FORMAT else None

    def remember(self, numbers: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"format": FORMAT, **numbers}
        _write(self.folder / "last.json", json.dumps(data, ensure_ascii=False).encode())


def _write(path: Path, data: bytes) -> None:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
