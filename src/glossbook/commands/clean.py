"""``glossbook clean [PATH] [--out DIR]``: delete the build cache (the laid-out print pages
kept between builds); the editions stay."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from . import add_book_path, book_folder


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_book_path(parser)
    parser.add_argument(
        "--out",
        "-o",
        default=None,
        help="the output folder it was built into (default: PATH/build)",
    )


def execute(args: argparse.Namespace) -> int:
    from ..config import load_config
    from ..console import console
    from ..renderers.pdf.cache import folder_of

    root = book_folder(args)
    config = load_config(root)
    folder = folder_of(root, config.get("build", "cache"), Path(args.out) if args.out else None)
    if not folder.is_dir():
        console.print(f"No build cache at {folder}: nothing to delete.")
        return 0
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    shutil.rmtree(folder)
    console.print(f"Deleted the build cache {folder} ({size / 1e6:.1f} MB).")
    return 0
