"""``glossbook build [PATH] [--format …] [--out DIR]``: write the book's editions."""

from __future__ import annotations

import argparse
import importlib
import time
from pathlib import Path

from ..errors import UsageError

# Renderer modules by format, in the order a full build writes them.
FORMATS = {"html": "glossbook.renderers.html"}
PLANNED = ("pdf", "epub")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=".", help="the book's folder (default: .)")
    parser.add_argument(
        "--format",
        "-f",
        default=None,
        help=f"comma-separated editions to build: {', '.join(FORMATS)} (default: all)",
    )
    parser.add_argument("--out", "-o", default=None, help="output folder (default: PATH/build)")


def parse_formats(value: str | None) -> list[str]:
    if value is None:
        return list(FORMATS)
    wanted = [f.strip().lower() for f in value.split(",") if f.strip()]
    for name in wanted:
        if name in PLANNED:
            raise UsageError(f"the {name} edition is not available in this version of glossbook.")
        if name not in FORMATS:
            raise UsageError(f"unknown format '{name}'; choose from: {', '.join(FORMATS)}.")
    if not wanted:
        raise UsageError("--format names no edition.")
    return [name for name in FORMATS if name in wanted]


def execute(args: argparse.Namespace) -> int:
    from ..console import console, report_problems
    from ..pipeline import prepare

    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"'{args.path}' is not a folder.")
    formats = parse_formats(args.format)
    out = Path(args.out) if args.out else root / "build"
    start = time.perf_counter()
    with console.status("Reading the book…"):
        book, warnings = prepare(root)
    written: list[str] = []
    for name in formats:
        with console.status(f"Writing the {name} edition…"):
            renderer = importlib.import_module(FORMATS[name])
            path = renderer.render(book, out)
        written.append(_shown(path, root))
    report_problems(warnings)
    seconds = time.perf_counter() - start
    entries = len(book.entries)
    console.print(
        f"Built {', '.join(formats)} of “{book.metadata.title}” "
        f"({entries} entr{'y' if entries == 1 else 'ies'}, {len(book.chapters)} chapters) "
        f"→ {', '.join(written)} in {seconds:.1f} s"
        + (f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else "")
    )
    return 0


def _shown(path: Path, root: Path) -> str:
    try:
        shown = path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        shown = path
    return f"{shown}/" if path.is_dir() else str(shown)
