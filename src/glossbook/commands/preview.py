"""``glossbook preview [PATH] [--port 8000] [--host 127.0.0.1] [--open]``: serve the book live.

The HTML edition is served from memory (nothing is written to build/), rebuilt when a file
of the book changes, and open pages reload at the reader's place or show the errors.
"""

from __future__ import annotations

import argparse
import errno
import traceback
from typing import TYPE_CHECKING

from ..errors import UsageError
from . import add_book_path, book_folder

if TYPE_CHECKING:
    from ..preview import Outcome

ALIASES = ("serve",)  # the name MkDocs and mdBook users type
EXAMPLE = "glossbook preview my-glossary --open      # or: glossbook serve"
DESCRIPTION = """\
Serves the HTML edition on http://127.0.0.1:8000/ (this machine only) without writing to
build/. When an entry, the bibliography, glossbook.toml or a style changes, the changed
entries are read again and open pages reload; errors show in the page with file:line.
Each chapter page links to a print view: that chapter as a PDF."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_book_path(parser)
    parser.add_argument(
        "--port", "-p", type=int, default=8000, help="port to listen on; 0 picks a free one"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on (default: 127.0.0.1, this machine only)",
    )
    parser.add_argument("--open", action="store_true", help="open the preview in a browser")


def execute(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from ..config import CONFIG_FILE
    from ..console import console
    from ..preview import Preview
    from ..preview.server import is_loopback

    root = book_folder(args)
    if not (root / CONFIG_FILE).is_file():
        raise UsageError(
            f"'{args.path}' is not a book project: it has no {CONFIG_FILE}. "
            "Start one with 'glossbook new'."
        )
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port number (0 to 65535).")
    preview = Preview(root, host=args.host, port=args.port, on_build=_report)
    try:
        with console.status("Reading the book…"):
            url = preview.start()
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UsageError(
                f"port {args.port} is in use; choose another with --port (0 picks a free one)."
            ) from None
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {error.strerror}") from None
    title = preview.state.site.title or "the book"
    console.print(
        f"Previewing “{escape(title)}” at [bold]{escape(url)}[/] (Ctrl-C to stop)", highlight=False
    )
    if not is_loopback(args.host):
        console.print(
            f"[yellow]Listening on {escape(args.host)}: other machines can read this preview.[/]",
            highlight=False,
        )
    if args.open:
        import webbrowser

        webbrowser.open(url)
    try:
        preview.wait()
    except KeyboardInterrupt:
        pass
    finally:
        preview.stop()
    console.print("Preview stopped.")
    return 0


def _report(outcome: Outcome) -> None:
    """Print one build's result: its time, or its problems."""
    from ..console import console, report_problems

    what = "Built" if outcome.build == 1 else "Rebuilt"
    if outcome.changed:
        names = sorted(p.name for p in outcome.changed)
        what += f" after a change to {', '.join(names[:3])}" + ("…" if len(names) > 3 else "")
    if outcome.error is not None:
        console.print(
            "".join(traceback.format_exception(outcome.error)), markup=False, highlight=False
        )
    if outcome.ok:
        report_problems(outcome.warnings)
        alone = " (the edited entry alone)" if outcome.partial else ""
        console.print(f"{what} in {outcome.seconds:.2f} s{alone}.", highlight=False)
    else:
        report_problems(outcome.problems)
        count = len(outcome.problems)
        console.print(
            f"[bold red]{what}: {count} error{'s' if count != 1 else ''}[/]; "
            "the preview shows them and keeps the last good pages.",
            highlight=False,
        )
