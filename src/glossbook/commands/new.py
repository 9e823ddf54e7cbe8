"""``glossbook new PATH``: start a book project that builds as it is."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from ..errors import UsageError

SKELETON = Path(__file__).resolve().parent.parent / "skeleton"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="folder to create (must not exist, or be empty)")
    parser.add_argument("--title", default=None, help="the book's title (default: from PATH)")


def execute(args: argparse.Namespace) -> int:
    from ..console import console

    target = Path(args.path)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"'{args.path}' already exists and is not empty; choose a new folder.")
    title = args.title or target.resolve().name.replace("-", " ").replace("_", " ").title()
    shutil.copytree(
        SKELETON, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    (target / "gitignore").rename(target / ".gitignore")
    config = target / "glossbook.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("__TITLE__", title.replace('"', '\\"')),
        encoding="utf-8",
    )
    console.print(
        f"Created the book “{title}” in {args.path}/. Build it with: glossbook build {args.path}"
    )
    return 0
