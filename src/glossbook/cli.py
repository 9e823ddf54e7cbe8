"""The ``glossbook`` command: parses arguments, dispatches to one module per verb.

Verb modules are imported only when used, so ``--help`` stays fast. Exit codes: 0 done,
1 the book's content has errors, 2 the command line was wrong.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__
from .errors import ContentError, GlossbookError

VERBS = {
    "build": "Build the book's editions into build/ (HTML now; PDF and EPUB as they land).",
    "clean": "Delete the build cache (laid-out print pages kept between builds).",
    "new": "Create a new book project with two example entries.",
    "preview": "Serve the book as HTML from memory, rebuilt and reloaded live as you edit.",
}


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glossbook",
        description="Print and ebook publishing for reference books.",
    )
    parser.add_argument("--version", action="version", version=f"glossbook {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND")
    for verb, help_text in VERBS.items():
        sub = verbs.add_parser(verb, help=help_text, description=help_text)
        module = importlib.import_module(f".commands.{verb}", __package__)
        module.add_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.verb is None:
        parser.print_help(sys.stderr)
        return 2
    module = importlib.import_module(f".commands.{args.verb}", __package__)
    from .console import console, report_problems

    try:
        return int(module.execute(args) or 0)
    except ContentError as error:
        report_problems(error.problems)
        console.print(
            f"[bold red]Build failed:[/] {len(error.problems)} "
            f"error{'s' if len(error.problems) != 1 else ''}; nothing was written."
        )
        return error.exit_code
    except GlossbookError as error:
        console.print(f"[bold red]error:[/] {error}", highlight=False)
        return error.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
