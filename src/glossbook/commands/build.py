"""``glossbook build [PATH] [--format …] [--out DIR] [--open]``: write the book's editions."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..output import Staging, checkpoint, environment_failure, settle
from . import add_book_path, book_folder

if TYPE_CHECKING:
    from ..entrycache import DiskEntryCache
    from ..model import Book

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
    add_book_path(parser)
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
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="print layout worker processes (default: one per core)",
    )
    parser.add_argument(
        "--executor",
        choices=("local", "dask"),
        default=None,
        help="where the print layout runs: local processes, or a Dask cluster (default: local)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="URL",
        help="the Dask scheduler for --executor dask, e.g. tcp://HOST:8786",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="make every edition anew (no print page, HTML page or parsed entry kept from "
        "earlier builds), and leave the build cache as it is",
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
    """Build; the print layout's workers start first, loading WeasyPrint while the book is
    read (``executors.start_early``), when the PDF is built on this machine."""
    from ..renderers.pdf import executors

    if "pdf" in parse_formats(args.format):
        settings = _build_settings(book_folder(args))
        if (args.executor or settings.get("executor") or "local") == "local":
            with contextlib.suppress(UsageError):  # reported where the layout starts
                executors.start_early(args.jobs or settings.get("jobs") or None)
    try:
        return _execute(args)
    except BaseException:
        executors.stop_early(failed=True)
        raise
    finally:
        executors.stop_early()


def _execute(args: argparse.Namespace) -> int:
    from ..console import console, report_problems
    from ..pipeline import prepare
    from ..progress import LayoutProgress

    root = book_folder(args)
    formats = parse_formats(args.format)
    if (args.press or args.pdf_variant) and "pdf" not in formats:
        raise UsageError("--press and --pdf-variant apply to the pdf edition: add it to --format.")
    out = Path(args.out) if args.out else root / "build"
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {args.jobs}.")
    if args.executor == "dask" and not args.scheduler and not _configured_scheduler(root):
        raise UsageError("--executor dask needs --scheduler tcp://HOST:PORT.")
    start = time.perf_counter()
    settle(out)  # a swap cut short by a killed build is completed first
    parsed = None if args.no_cache else entry_cache(root, out)
    with console.status("Reading the book…"):
        # absolute: WeasyPrint needs file URLs
        book, warnings = prepare(root.resolve(), parsed, offline=args.offline)
    from ..renderers.pdf.cache import cache_folder
    from ..theme import compiled_in

    compiled = None if args.no_cache else cache_folder(book, out) / "templates"
    made: dict[str, Path] = {}
    beside: Beside | None = None
    # (the templates as compiled kept in the build cache, for the next build)
    with compiled_in(compiled), Staging(out) as staging:
        try:
            for name in formats:
                checkpoint()
                renderer = importlib.import_module(FORMATS[name])
                options: dict[str, object] = {}
                if name == "pdf":
                    options = {"press": args.press, "variant": args.pdf_variant}
                if name in ("html", "epub"):
                    options = cache_options(args, book, out)
                if name == "html" and "pdf" in formats:
                    # Written while the print layout's workers work (this process waits).
                    beside = Beside(partial(renderer.render, book, staging.path, **options))
                    continue
                if name == "epub" and book.print_layout is None:
                    # The page list maps the ebook to the print pages: the print edition's
                    # page map, laid out but not joined (a warm build cache holds it: then
                    # nothing is laid out again).
                    pdf = importlib.import_module(FORMATS["pdf"])
                    with LayoutProgress(console) as progress:
                        layout_options = print_options(args, book, out, progress)
                        book.print_layout = pdf.page_map(book, **layout_options)
                if name == "epub" and "epub" in made:
                    continue  # made while the PDF was joined
                if name == "pdf":
                    if beside is not None:
                        options["before_join"] = beside.wait
                    if "epub" in formats:
                        options["while_joining"] = partial(
                            _epub_beside, book, staging.path, made, cache_options(args, book, out)
                        )
                    with LayoutProgress(console) as progress:
                        shown = progress if beside is None else Starting(progress, beside)
                        options.update(print_options(args, book, out, shown))
                        made[name] = renderer.render(book, staging.path, **options)
                else:
                    with console.status(f"Writing the {name} edition…"):
                        made[name] = renderer.render(book, staging.path, **options)
                if beside is not None and name == "pdf":
                    made["html"] = beside.result()
            made = {name: made[name] for name in formats}
            if parsed is not None:
                parsed.save()
        except OSError as error:
            raise environment_failure(error, out) from None
        finally:
            if beside is not None:
                beside.settle()  # done writing before its staging folder is removed
        staging.commit()
        paths = {name: out / path.relative_to(staging.path) for name, path in made.items()}
        written = [_shown(path) for path in paths.values()]
        report_problems(warnings)  # still inside: an interrupt now is held, not raised
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


def cache_options(args: argparse.Namespace, book: Book, out: Path) -> dict[str, object]:
    """The HTML and EPUB renderers' build cache (none with --no-cache)."""
    if args.no_cache:
        return {}
    from ..renderers.pdf.cache import cache_folder

    return {"cache": cache_folder(book, out)}


def _epub_beside(
    book: Book, folder: Path, made: dict[str, Path], options: dict[str, Any], page_map: Any
) -> None:
    """The EPUB, made with the print edition's page map while the PDF is joined."""
    from ..renderers import epub

    book.print_layout = page_map
    made["epub"] = epub.render(book, folder, **options)


class Beside:
    """A renderer run on a thread of its own, beside the print layout: the layout's work is
    done by worker processes while this one mostly waits for them, so the HTML edition costs
    the build no time of its own. ``start`` starts it (when the first documents go to the
    workers: before, this process draws them, and the two would share the interpreter's
    lock); ``wait`` starts it if need be and waits for it (before the join), ``result`` also
    raises what it raised; a build that fails waits for it too (``settle``), so that it
    writes nothing after the staging folder is removed."""

    def __init__(self, work: Callable[[], Path]) -> None:
        self.work = work
        self.value: Path | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="glossbook-html", daemon=True)

    def start(self) -> None:
        if self.thread.ident is None:
            self.thread.start()

    def _run(self) -> None:
        try:
            self.value = self.work()
        except BaseException as error:  # raised again in the build's own thread
            self.error = error

    def wait(self) -> None:
        self.start()
        self.thread.join()

    def settle(self) -> None:
        """Wait for it if it started (a build that fails: nothing it writes may outlive
        the staging folder)."""
        if self.thread.ident is not None:
            self.thread.join()

    def result(self) -> Path:
        self.wait()
        if self.error is not None:
            raise self.error
        assert self.value is not None
        return self.value


class Starting:
    """The layout's progress, which also starts ``beside`` when documents are first sent to
    be laid out."""

    def __init__(self, progress: Any, beside: Beside) -> None:
        self.progress = progress
        self.beside = beside

    def start(self, what: str, total: int) -> None:
        self.beside.start()
        self.progress.start(what, total)

    def grow(self, count: int) -> None:
        self.progress.grow(count)

    def advance(self, laid: Any) -> None:
        self.progress.advance(laid)


def _configured_scheduler(root: Path) -> str:
    from ..config import load_config

    return str(load_config(root).get("build", "scheduler"))


def _build_settings(root: Path) -> dict[str, Any]:
    """``[build]`` of the book's glossbook.toml (empty if it cannot be read: the build then
    reports why)."""
    from ..config import load_config
    from ..errors import GlossbookError

    try:
        settings = load_config(root).values.get("build")
    except (GlossbookError, OSError):
        return {}
    return settings if isinstance(settings, dict) else {}


def entry_cache(root: Path, out: Path) -> DiskEntryCache:
    """The parsed entries of the last build, from the build cache."""
    from ..config import load_config
    from ..entrycache import DiskEntryCache
    from ..renderers.pdf.cache import folder_of

    return DiskEntryCache(folder_of(root, load_config(root).get("build", "cache"), out))


def print_options(
    args: argparse.Namespace, book: Book, out: Path, progress: object
) -> dict[str, object]:
    """How the print layout runs: the command line's options, else ``[build]`` of
    glossbook.toml."""
    from ..renderers.pdf.cache import cache_folder

    settings: Any = book.settings.get("build") or {}
    return {
        "jobs": args.jobs if args.jobs is not None else (settings.get("jobs") or None),
        "executor_kind": args.executor or settings.get("executor") or "local",
        "scheduler": args.scheduler or settings.get("scheduler") or "",
        "cache": None if args.no_cache else cache_folder(book, out),
        "progress": progress,
    }


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
