"""The ``glossbook`` command: parses arguments, dispatches to one module per verb.

Each verb is a module ``commands/<verb>.py`` with ``add_arguments(parser)`` and
``execute(args)``; it may also define ``EXAMPLE`` (one command line, shown in its help and in
``glossbook --help``), ``DESCRIPTION`` (a paragraph for its own ``--help``) and ``ALIASES``
(other names for the verb). ``VERBS`` lists the verbs with their one-line summaries.

Verb modules are imported only when used, so ``--help`` stays fast. Exit codes: 0 done,
1 the book's content has errors, 2 the command line was wrong.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from .errors import ContentError, GlossbookError

VERBS = {
    "build": "Build the book's editions: the HTML edition, the print PDF and the EPUB 3.",
    "clean": "Delete the build cache (laid-out print pages kept between builds).",
    "new": "Create a new book project with two example entries.",
    "preview": "Serve the book as HTML from memory, rebuilt and reloaded live as you edit.",
    "import": "Turn a folder of Markdown pages (Jekyll, Hugo, MkDocs, Obsidian) into a book.",
}
MODULES = {"import": "import_"}  # verbs that are Python keywords

DESCRIPTION = """\
Print and ebook publishing for reference books: a folder of Markdown entries and a
BibTeX bibliography in; an HTML edition, a print-ready PDF and an EPUB 3 out."""


def _module(verb: str) -> ModuleType:
    return importlib.import_module(f".commands.{MODULES.get(verb, verb)}", __package__)


def example(verb: str, module: ModuleType | None = None) -> str:
    """The verb's example command line (its module's ``EXAMPLE``, else the bare verb)."""
    return getattr(module or _module(verb), "EXAMPLE", f"glossbook {verb}")


class _Version(argparse.Action):
    """``--version``: glossbook's version and those of the engines a bug report needs."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from .versions import versions

        parser.exit(message="\n".join(versions()) + "\n")


def make_parser() -> argparse.ArgumentParser:
    modules = {verb: _module(verb) for verb in VERBS}
    examples = "\n".join(f"  {example(verb, module)}" for verb, module in modules.items())
    parser = argparse.ArgumentParser(
        prog="glossbook",
        description=DESCRIPTION,
        epilog=f"examples:\n{examples}\n\n'glossbook COMMAND --help' describes each command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version",
        action=_Version,
        nargs=0,
        help="show the versions of glossbook, WeasyPrint, pandoc and ICU, and exit",
    )
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND")
    for verb, module in modules.items():
        summary = VERBS[verb]
        aliases = list(getattr(module, "ALIASES", ()))
        description = summary
        if hasattr(module, "DESCRIPTION"):
            description += f"\n\n{module.DESCRIPTION}"
        if aliases:
            description += f"\n\nAlso called: {', '.join(aliases)}."
        sub = verbs.add_parser(
            verb,
            aliases=aliases,
            help=summary,
            description=description,
            epilog=f"example:\n  {example(verb, module)}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(command=verb)
        module.add_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .logs import install

    install()
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.verb is None:
        parser.print_help(sys.stderr)
        return 2
    module = _module(args.command)
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
