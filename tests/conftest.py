"""Shared test helpers: small books written into temporary folders, and the CLI in-process."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from glossbook.cli import main

REPO = Path(__file__).resolve().parent.parent
SAMPLE = ("glossbook.toml", "manuscript", "front", "back", "bibliography.bib")


def copy_sample(to: Path) -> Path:
    """The sample book (the repository's own) copied into ``to``."""
    to.mkdir(parents=True, exist_ok=True)
    for name in SAMPLE:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, to / name)
        else:
            shutil.copy2(source, to / name)
    return to


MINIMAL_CONFIG = """\
[book]
title = "Test Book"
authors = ["A. Tester"]
language = "en"
"""


def entry_text(title: str, body: str = "Body text.", **front: str) -> str:
    lines = ["---", f"title: {title}"]
    lines += [f"{key}: {value}" for key, value in front.items()]
    lines += ["---", body, ""]
    return "\n".join(lines)


BookFactory = Callable[..., Path]


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``{relative path: text or bytes}`` under ``root``; return ``root``."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def make_book(tmp_path: Path) -> BookFactory:
    """Write a book project: ``make_book({"manuscript/a.md": "...", ...}, config=...)``."""

    def make(files: dict[str, str], config: str = MINIMAL_CONFIG, name: str = "book") -> Path:
        root = tmp_path / name
        root.mkdir()
        (root / "glossbook.toml").write_text(textwrap.dedent(config), encoding="utf-8")
        (root / "manuscript").mkdir()
        return write_files(root, files)

    return make


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str]]:
    """Run ``glossbook ARGS`` in-process; return (exit code, what it printed)."""

    def run(*args: str) -> tuple[int, str]:
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse's own usage errors and --version
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return code, " ".join((captured.err + captured.out).split())

    return run


@pytest.fixture(autouse=True, scope="session")
def _citeproc_cache_outside_the_repository(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Books built from the repository (the sample book) keep their citeproc cache in a
    temporary folder, never in the repository's build/."""
    import os

    os.environ["GLOSSBOOK_CITEPROC_CACHE"] = str(tmp_path_factory.mktemp("citeproc-cache"))
