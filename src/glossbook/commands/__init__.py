"""The verbs of the command line, one module each (``add_arguments``, ``execute``), and what
the verbs that work on an existing book share: its folder as an optional ``PATH``."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UsageError


def add_book_path(parser: argparse.ArgumentParser) -> None:
    """The optional ``PATH`` argument: the book's folder, by default the working folder."""
    parser.add_argument("path", nargs="?", default=".", help="the book's folder (default: .)")


def book_folder(args: argparse.Namespace) -> Path:
    """The book's folder given as ``PATH``, which must be a folder."""
    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"'{args.path}' is not a folder.")
    return root
