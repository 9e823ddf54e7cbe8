"""``glossbook build [PATH] [--format …] [--out DIR] [--open]``: write the book's editions."""

from __future__ import annotations

import argparse
import importlib
import time
from pathlib import Path

from ..errors import UsageError

EXAMPLE = "glossbook build my-glossary --format html,pdf --open"
DESCRIPTION = """\
Writes into PATH/build/: html/ (the HTML edition: contents, one page per chapter,
references, index), <slug>.pdf (the print edition, laid out with CSS paged media, and
<slug>.layout.json, its page map) and <slug>.epub (EPUB 3, with the print pages as its
page list). Content errors are listed as file:line and nothing is written (exit 1)."""

# Renderer modules by format, in the order a full build writes them: the EPUB's page list
# comes from the PDF's layout, so the PDF goes first.
FORMATS = {
    "html": "glossbook.renderers.html",
    "pdf": "glossbook.renderers.pdf",
    "epub": "glossbook.renderers.epub",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=".", help="the book's folder (default: .)")
    parser.add_argument(
        "--format",
        "-f",
        default=None,
        help=f"comma-separated editions to build: {', '.join(FORMATS)} (default: all)",
    )
    parser.add_argument("--out", "-o", default=None, help="output folder (default: PATH/build)")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="fetch no remote images: those not downloaded before show a placeholder",
    )
    parser.add_argument(
        "--press",
        action="store_true",
        help="PDF for the printer: 3 mm bleed and crop marks (writes <slug>-press.pdf)",
    )
    parser.add_argument(
        "--pdf-variant",
        default=None,
        metavar="VARIANT",
        help="a PDF standard: pdf/ua-1 (tagged), pdf/a-2b, pdf/a-3b, ...",
    )
    parser.add_argument(
        "--open",
        action="store_true",
        help="open what was built: the HTML edition's contents page, else the PDF or EPUB",
    )


def parse_formats(value: str | None) -> list[str]:
    if value is None:
        return list(FORMATS)
    wanted = [f.strip().lower() for f in value.split(",") if f.strip()]
    for name in wanted:
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
    if (args.press or args.pdf_variant) and "pdf" not in formats:
        raise UsageError("--press and --pdf-variant apply to the pdf edition: add it to --format.")
    out = Path(args.out) if args.out else root / "build"
    start = time.perf_counter()
    with console.status("Reading the book…"):
        book, warnings = prepare(root, offline=args.offline)
    written: list[str] = []
    paths: dict[str, Path] = {}
    for name in formats:
        renderer = importlib.import_module(FORMATS[name])
        options: dict[str, object] = {}
        if name == "pdf":
            options = {"press": args.press, "variant": args.pdf_variant}
        if name == "epub" and book.print_layout is None:
            # The page list maps the ebook to the print pages: lay the print edition out.
            with console.status("Laying out the print pages for the ebook's page list…"):
                pdf = importlib.import_module(FORMATS["pdf"])
                book.print_layout = pdf.layout(book)[1]
        with console.status(f"Writing the {name} edition…"):
            path = renderer.render(book, out, **options)
        paths[name] = path
        written.append(_shown(path))
    report_problems(warnings)
    seconds = time.perf_counter() - start
    entries = len(book.entries)
    console.print(
        f"Built {', '.join(formats)} of “{book.metadata.title}” "
        f"({entries} entr{'y' if entries == 1 else 'ies'}, {len(book.chapters)} chapters) "
        f"→ {', '.join(written)} in {seconds:.1f} s"
        + (f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else "")
    )
    if args.open:
        _open(paths)
    return 0


def opened(paths: dict[str, Path]) -> Path:
    """What ``--open`` shows: the HTML edition's contents page, else the PDF, else the EPUB."""
    if "html" in paths:
        return paths["html"] / "index.html"
    return paths["pdf"] if "pdf" in paths else paths["epub"]


def _open(paths: dict[str, Path]) -> None:
    import webbrowser

    from ..console import console

    target = opened(paths).resolve()
    if not webbrowser.open(target.as_uri()):
        console.print(f"No browser could be started; open {target} yourself.", highlight=False)


def _shown(path: Path) -> str:
    try:
        shown = path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        shown = path
    return f"{shown}/" if path.is_dir() else str(shown)
