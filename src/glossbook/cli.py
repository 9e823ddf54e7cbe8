"""The ``glossbook`` command: parses arguments, dispatches to one module per verb.

Each verb is a module ``commands/<verb>.py`` with ``add_arguments(parser)`` and
``execute(args)``; it may also define ``EXAMPLE`` (one command line, shown in its help and in
``glossbook --help``), ``DESCRIPTION`` (a paragraph for its own ``--help``) and ``ALIASES``
(other names for the verb). ``VERBS`` lists the verbs with their one-line summaries.

Verb modules are imported only when used, so ``--help`` stays fast. Exit codes: 0 done,
1 the book's content has errors, 2 the command line was wrong, 3 the machine stopped the
build (disk full, read-only or unwritable folder), 70 an unexpected error (a bug: the
message says so, and ``--debug`` shows where), 130 interrupted by Ctrl-C, 143 by SIGTERM.
The whole command runs under one handler: no traceback reaches the user without --debug.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any

from .errors import ContentError, EnvironmentFailure, GlossbookError, Terminated

EXIT_BUG = 70  # EX_SOFTWARE
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

VERBS = {
    "build": "Build the book's editions: the HTML edition, the print PDF and the EPUB 3.",
    "check": "Check the book without building it; with --built, validate the editions in build/.",
    "clean": "Delete the build cache (laid-out print pages kept between builds).",
    "new": "Create a new book project with two example entries.",
    "styles": "List the CSL citation styles a book can name (any style of the CSL repository).",
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
    parser.add_argument(
        "--debug", action="store_true", help="show the full trace of an unexpected error"
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
    from .output import COMMITTED

    COMMITTED.clear()
    try:
        with sigterm_raises():
            return int(module.execute(args) or 0)
    except EnvironmentFailure as error:
        report_problems(error.problems)
        console.print("[bold red]Build failed[/]; the previous build is untouched.")
        return error.exit_code
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
    except KeyboardInterrupt as interrupt:
        return _interrupted(args.command, interrupt)
    except Exception as error:  # a bug: one short message, the trace on request
        interrupt = _interrupt_in(error)
        if interrupt is not None:
            return _interrupted(args.command, interrupt)
        if args.debug:
            console.print_exception()
        else:
            from rich.markup import escape

            console.print(
                f"[bold red]internal error:[/] {escape(type(error).__name__)}: "
                f"{escape(str(error))}. This is a bug in glossbook; run the command again "
                "with --debug (glossbook --debug ...) to see where it happened, and report it.",
                soft_wrap=True,
            )
        return EXIT_BUG


def _interrupted(command: str, interrupt: KeyboardInterrupt) -> int:
    from .console import console
    from .output import COMMITTED

    if command == "build" and COMMITTED:
        console.print("Interrupted after the new build was put in place.")
    elif command == "build":
        console.print("Interrupted; the previous build is untouched.")
    else:
        console.print("Interrupted.")
    return EXIT_TERMINATED if isinstance(interrupt, Terminated) else EXIT_INTERRUPTED


def _interrupt_in(error: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM that caused ``error``, if one did: Python wraps what is raised
    in some places (a class being defined: "Error calling __set_name__") in an error of its
    own."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """While the command runs, SIGTERM raises ``Terminated`` (a KeyboardInterrupt), so the
    clean-up that Ctrl-C gets runs for it too. Both are noted as well: one raised inside a
    finaliser is swallowed by Python (silently here), and the build raises it again at its
    next checkpoint."""
    from .output import PENDING

    PENDING.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        kind = Terminated if signum == signal.SIGTERM else KeyboardInterrupt
        PENDING.append(kind)
        raise kind()

    def unraisable(info: Any) -> None:
        if info.exc_type is None or not issubclass(info.exc_type, KeyboardInterrupt):
            hook(info)

    hook = sys.unraisablehook
    sys.unraisablehook = unraisable
    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        sys.unraisablehook = hook


if __name__ == "__main__":
    sys.exit(main())
