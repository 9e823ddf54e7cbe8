"""``glossbook check [PATH] [--built] [--uncited] [--format json]``: what a publisher checks
before signing the book off.

Without ``--built`` it reads the book without rendering it and reports every error and
warning a build would, plus the editorial lints of ``checks/lint.py``. With ``--built`` it
also validates the editions it finds in ``build/`` (or ``--out``): the HTML edition's links,
the PDF's fonts, text layer, page labels and printed page numbers, and the EPUB with
EPUBCheck and DAISY Ace. A validator that cannot run here is reported as skipped.

Exit codes: 0 nothing found, 1 problems found (errors or warnings), 2 the command line was
wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..checks import Result, timed
from ..errors import UsageError
from ..model import Book
from . import add_book_path, book_folder

OUTPUT_FORMATS = ("human", "json")
EXAMPLE = "glossbook check my-glossary --built --format json"
DESCRIPTION = """\
Exit codes: 0 nothing found, 1 problems found (errors or warnings), 2 the command line was
wrong. A validator that cannot run here (no Java, no pdftotext, DAISY Ace not installed) is
listed as skipped."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_book_path(parser)
    parser.add_argument(
        "--built",
        action="store_true",
        help="also validate the editions in build/: links, PDF fonts, text and page numbers, "
        "EPUBCheck, DAISY Ace",
    )
    parser.add_argument(
        "--out", "-o", default=None, help="where the editions are (default: PATH/build)"
    )
    parser.add_argument(
        "--uncited", action="store_true", help="list the works of the bibliography never cited"
    )
    parser.add_argument(
        "--format",
        "-f",
        default="human",
        choices=OUTPUT_FORMATS,
        help="human (default) or json, for CI",
    )


def execute(args: argparse.Namespace) -> int:
    from ..checks import lint

    root = book_folder(args)
    out = Path(args.out) if args.out else root / "build"
    if args.out and not out.is_dir():
        raise UsageError(f"'{args.out}' is not a folder.")
    start = time.perf_counter()
    results: list[Result] = []
    book, sources = _status(args, "Reading the book…", lambda: lint.sources(root))
    sources.seconds = time.perf_counter() - start
    results.append(sources)
    if args.uncited and book is not None:
        results.append(timed("uncited works", lambda: lint.uncited(book)))
    if args.built:
        jobs = built_checks(book, root, out)
        # All at once: EPUBCheck (Java) and Ace (Node, Chromium) are other processes, the
        # long poles; the checks in Python wait on pdftotext or share this process.
        with ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool:
            futures = [pool.submit(timed, name, job) for name, job in jobs]
            results += _status(
                args, "Checking the built editions…", lambda: [f.result() for f in futures]
            )
    seconds = time.perf_counter() - start
    problems = sum(len(r.problems) for r in results)
    if args.format == "json":
        data = {
            "book": str(root),
            "ok": problems == 0,
            "problems": problems,
            "seconds": round(seconds, 3),
            "checks": [r.to_json() for r in results],
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    else:
        _report(results, problems, seconds)
    return 1 if problems else 0


def _status(args: argparse.Namespace, message: str, run: Callable):  # type: ignore[no-untyped-def,type-arg]
    from ..console import console

    if args.format == "json":
        return run()
    with console.status(message):
        return run()


def built_checks(
    book: Book | None, root: Path, out: Path
) -> list[tuple[str, Callable[[], Result]]]:
    """The checks of every edition found in ``out``, each a (name, job) to run."""
    from ..checks import ace, epubcheck, links, pdf

    slug = book.metadata.slug if book is not None else _slug(root, out)
    jobs: list[tuple[str, Callable[[], Result]]] = []
    html = out / "html"
    pdf_file = out / f"{slug}.pdf"
    epub_file = out / f"{slug}.epub"
    layout_file = out / f"{slug}.layout.json"
    if not any(p.exists() for p in (html, pdf_file, epub_file)):
        return [("editions", lambda: _nothing_built(out))]
    if html.is_dir():
        jobs.append(("html links", lambda: links.check(html)))
    if pdf_file.is_file():
        layout = pdf.read_layout(layout_file) if layout_file.is_file() else None
        jobs.append(("pdf fonts and labels", lambda: pdf.check_fonts_and_labels(pdf_file, layout)))
        if book is not None:
            jobs.append(("pdf text layer", lambda: pdf.check_text(book, pdf_file)))
        if book is not None and layout is not None:
            jobs.append(
                ("pdf page numbers", lambda: pdf.check_page_numbers(book, pdf_file, layout))
            )
        elif layout is None:
            jobs.append(
                (
                    "pdf page numbers",
                    lambda: Result(
                        "pdf page numbers", skipped=f"no {layout_file.name} beside the PDF"
                    ),
                )
            )
    if epub_file.is_file():
        jobs.append(("epubcheck", lambda: epubcheck.check(epub_file)))
        jobs.append(("ace", lambda: ace.check(epub_file)))
    return jobs


def _slug(root: Path, out: Path) -> str:
    """The editions' file name when the book does not load: from the config, else the one
    EPUB or PDF in ``out``."""
    from ..config import load_config
    from ..errors import ContentError

    try:
        return str(load_config(root).get("book", "slug"))
    except ContentError:
        found = sorted(out.glob("*.epub")) or sorted(out.glob("*.pdf"))
        return found[0].stem if found else "book"


def _nothing_built(out: Path) -> Result:
    from ..errors import Problem

    problem = Problem(
        str(out),
        None,
        "no edition to check: no html/, PDF or EPUB here.",
        "Run 'glossbook build' first, or give the folder with --out.",
    )
    return Result("editions", [problem])


def _report(results: list[Result], problems: int, seconds: float) -> None:
    from rich.markup import escape

    from ..console import console, report_problems

    for result in results:
        took = f" [dim]({result.seconds:.1f} s)[/]"
        if result.status == "skipped":
            console.print(f"[yellow]–[/] {escape(result.name)}: skipped, {escape(result.skipped)}")
        elif result.status == "passed":
            console.print(f"[green]✓[/] {escape(result.name)}: {escape(result.note)}{took}")
        else:
            count = len(result.problems)
            console.print(
                f"[red]✗[/] {escape(result.name)}: {count} problem{'s' if count != 1 else ''}"
                + (f" ({escape(result.note)})" if result.note else "")
                + took
            )
            report_problems(result.problems)
    if problems:
        console.print(
            f"[bold red]{problems} problem{'s' if problems != 1 else ''}[/] "
            f"found in {seconds:.1f} s."
        )
    else:
        console.print(f"[bold green]No problems[/] found in {seconds:.1f} s.")
