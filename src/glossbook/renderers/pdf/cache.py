"""The layout cache: each laid-out document (its PDF's bytes and page map), stored under
the hash of everything that can change it (``Job.key``: its HTML, first folio, stylesheets,
the files it refers to, glossbook's version).

Content-addressed files under ``<cache>/layout/``: ``<key>.json`` (the page map) and
``<key>.pdf``, each written to a temporary file and renamed, so a cache shared by parallel
builds never holds half a file. A damaged entry is a miss. ``<cache>/layout/prior/`` names,
for each chapter, the key of its last layout and the hashes of the parts it was laid out
from, from which an edited chapter is laid out again only from the edit on (``resume.py``).
``<cache>/layout/drawn.pickle`` keeps the documents' HTML as drawn (``Drawn``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ... import __version__, picklefile
from ...model import Book
from .stamp import Stamps
from .worker import Job, Laid

FORMAT = 4


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
        """The job's layout, or None; its PDF read when the job writes one and the cache
        reads PDFs."""
        return self._get(job.key(), job.name, job.write and self.pdfs)

    def _get(self, key: str, name: str, with_pdf: bool) -> Laid | None:
        meta, pdf = self._paths(key)
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError(meta)
            laid = Laid(name, data["anchors"], data["blank"], None, data["warnings"])
            laid.stamps = _stamps_read(data.get("stamps"))
            laid.starts = data.get("starts", [])
            laid.opens = data.get("opens", [])
            if with_pdf:
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
            "stamps": _stamps_written(laid.stamps),
            "starts": laid.starts,
            "opens": laid.opens,
        }
        _write(meta, json.dumps(data, ensure_ascii=False).encode())

    def prior(self, job: Job) -> tuple[Laid, list[list[str]]] | None:
        """The last layout of ``job``'s document (with its PDF) in the same context (every
        input but the HTML, ``Job.context``), and the digests of the parts it was laid out
        from (``resume.py``), or None."""
        try:
            data = json.loads(self._prior(job.name).read_text(encoding="utf-8"))
            if data["context"] != job.context():
                return None
            laid = self._get(str(data["key"]), job.name, True)
            return (laid, data["parts"]) if laid is not None else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def remember_prior(self, job: Job, parts: list[list[str]]) -> None:
        """Remember ``job`` as the last layout of its document (a warm build writes
        nothing)."""
        path = self._prior(job.name)
        record = {"key": job.key(), "context": job.context(), "parts": parts}
        data = json.dumps(record).encode()
        with contextlib.suppress(OSError):
            if path.read_bytes() == data:
                return
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, data)

    def _prior(self, name: str) -> Path:
        return self.folder / "prior" / f"{hashlib.sha256(name.encode()).hexdigest()[:32]}.json"

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


class Drawn:
    """Documents' HTML as the last build drew it, by the hash of all it shows and of its
    numbers (``Plan.text``): drawing a chapter's HTML from its entries costs a good part of a
    build after a one-entry edit. ``<cache>/layout/drawn.pickle`` holds what the last build
    used, no more (``save``); a damaged file, or one of another glossbook, reads as empty."""

    FORM = 1

    def __init__(self, folder: Path) -> None:
        self.file = folder / "layout" / "drawn.pickle"
        self.kept: dict[str, str] = picklefile.load(self.file, __version__, self.FORM) or {}
        self.used: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        text = self.kept.get(key)
        if text is not None:
            self.used[key] = text
        return text

    def put(self, key: str, text: str) -> None:
        self.used[key] = text

    def save(self) -> None:
        """Keep what this build used (a build that drew nothing new writes nothing)."""
        if self.used.keys() != self.kept.keys():
            self.file.parent.mkdir(parents=True, exist_ok=True)
            picklefile.save(self.file, __version__, self.FORM, self.used)
            self.kept = dict(self.used)


def _stamps_written(stamps: Stamps | None) -> Stamps | None:
    """A stamped layout's number boxes as kept: the boxes' styles (long, and few) in a table
    of their own, each box naming its style by its place there (a chapter's boxes wrote a
    megabyte of the same styles, which a build after an edit read for every chapter)."""
    if stamps is None:
        return None
    styles: dict[str, int] = {}
    pages = [
        [{**box, "style": styles.setdefault(box["style"], len(styles))} for box in boxes]
        for boxes in stamps["pages"]
    ]
    return {**stamps, "pages": pages, "styles": list(styles)}


def _stamps_read(kept: Stamps | None) -> Stamps | None:
    if kept is None or "styles" not in kept:
        return kept  # (as an earlier glossbook of this format kept them)
    styles = kept.pop("styles")
    for boxes in kept["pages"]:
        for box in boxes:
            box["style"] = styles[box["style"]]
    return kept


def _write(path: Path, data: bytes) -> None:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
