"""``glossbook new PATH [--title …] [--author …] [--language …]``: start a book project.

The project builds as it is: two example entries, a preface and a bibliography.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from ..errors import UsageError

SKELETON = Path(__file__).resolve().parent.parent / "skeleton"
DEFAULT_AUTHOR = "Your Name"

EXAMPLE = 'glossbook new my-glossary --title "My Glossary" --author "Ada Writer" --language en'
DESCRIPTION = """\
Creates PATH with glossbook.toml (title, authors and language filled in), two example
entries in manuscript/, a preface and bibliography.bib, ready for 'glossbook build PATH'."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="folder to create (must not exist, or be empty)")
    parser.add_argument("--title", default=None, help="the book's title (default: from PATH)")
    parser.add_argument(
        "--author",
        action="append",
        default=None,
        metavar="NAME",
        help="an author; repeat for several (default: a placeholder to replace)",
    )
    parser.add_argument(
        "--language",
        default="en",
        metavar="TAG",
        help="the book's language, a BCP 47 tag such as en, en-GB, de or sv (default: en)",
    )


def _toml(value: str) -> str:
    """A TOML basic string (JSON's string escapes are valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def execute(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from ..collation import Collation
    from ..console import console

    target = Path(args.path)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"'{args.path}' already exists and is not empty; choose a new folder.")
    title = args.title or target.resolve().name.replace("-", " ").replace("_", " ").title()
    if not title.strip():
        raise UsageError("--title is empty; give the book's title.")
    authors = [a.strip() for a in args.author or [DEFAULT_AUTHOR]]
    if not all(authors):
        raise UsageError("--author is empty; give an author's name.")
    if not Collation.is_known_language(args.language):
        raise UsageError(
            f"unknown language '{args.language}'; use a BCP 47 tag such as en, en-GB, de or sv."
        )
    fields = {
        "__TITLE__": _toml(title),
        "__AUTHORS__": "[" + ", ".join(_toml(a) for a in authors) + "]",
        "__LANGUAGE__": _toml(args.language),
        "__RIGHTS__": _toml(f"© {', '.join(authors)}. All rights reserved."),
    }
    shutil.copytree(
        SKELETON, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    (target / "gitignore").rename(target / ".gitignore")
    config = target / "glossbook.toml"
    text = config.read_text(encoding="utf-8")
    for placeholder, value in fields.items():
        text = text.replace(placeholder, value)
    config.write_text(text, encoding="utf-8")
    console.print(
        f"Created the book “{escape(title)}” in {escape(args.path)}/. "
        f"Build it with: glossbook build {escape(args.path)}",
        highlight=False,
    )
    return 0
