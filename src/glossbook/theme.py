"""The theme: templates and stylesheets, from the book's ``styles/`` first, then glossbook's.

A book overrides any file of the built-in theme by putting a file at the same relative path
in its own ``styles/`` folder (``styles/templates/partials/entry.html``,
``styles/css/html.css``...), as mdBook's ``theme/`` and MkDocs' ``custom_dir`` do.
"""

from __future__ import annotations

import contextlib
import functools
import traceback
from collections.abc import Hashable, Iterator
from difflib import get_close_matches
from pathlib import Path

import jinja2
import jinja2.bccache

from .errors import ContentError, Problem, Problems
from .sources import is_ignored

BUILTIN = Path(__file__).parent / "styles"
BOOK_STYLES = "styles"


class Theme:
    def __init__(self, root: Path) -> None:
        self.folders = [root / BOOK_STYLES, BUILTIN]
        # What renderers derive from the theme's files (the print stylesheets once checked),
        # kept as long as the theme: the preview makes a new one when ``styles/`` changes.
        self.derived: dict[Hashable, object] = {}
        own = self.folders[0] / "templates"
        # The book's templates by name: a template added or removed is a new environment.
        listing = tuple(sorted(str(p) for p in own.rglob("*"))) if own.is_dir() else ()
        self.env = _environment(tuple(str(f / "templates") for f in self.folders), listing)
        self.env.bytecode_cache = _COMPILED[0] if _COMPILED else None

    def render(self, template: str, **context: object) -> str:
        """Render a template; an error in one of the book's own templates is a ContentError
        at its file and line (errors in glossbook's own templates are bugs, raised as such).
        """
        try:
            return self.env.get_template(template).render(**context)
        except Exception as error:
            problem = self._book_problem(error)
            if problem is None:
                raise
            raise ContentError([problem]) from error

    def _book_problem(self, error: BaseException) -> Problem | None:
        styles = self.folders[0].resolve()
        located: tuple[Path, int | None] | None = None
        filename = getattr(error, "filename", None)
        if isinstance(error, jinja2.TemplateSyntaxError) and filename:
            located = (Path(filename), error.lineno)
        for frame in traceback.extract_tb(error.__traceback__):
            if Path(frame.filename).resolve().is_relative_to(styles):
                located = (Path(frame.filename), frame.lineno)
        if located is None:
            return None
        path, line = located
        try:
            shown = f"{BOOK_STYLES}/{path.resolve().relative_to(styles).as_posix()}"
        except ValueError:
            return None
        kind = "syntax error" if isinstance(error, jinja2.TemplateSyntaxError) else "error"
        message = getattr(error, "message", None) or str(error) or type(error).__name__
        return Problem(
            shown,
            line,
            f"template {kind}: {message}.",
            "Fix this template of the book's own styles, or delete it to use glossbook's.",
        )

    def own_templates(self) -> bool:
        """Whether the book overrides any template (a file under ``styles/templates/``)."""
        folder = self.folders[0] / "templates"
        return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))

    def file(self, relative: str) -> Path:
        """The book's version of a theme file if it has one, else the built-in one."""
        for folder in self.folders:
            candidate = folder / relative
            if candidate.is_file():
                return candidate
        raise FileNotFoundError(relative)


_COMPILED: list[jinja2.BytecodeCache] = []  # where this process keeps compiled templates


class _Compiled(jinja2.FileSystemBytecodeCache):
    """Compiled templates in a folder: a file that cannot be read or written is compiled
    again (the cache only saves time)."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError, TypeError):
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


@contextlib.contextmanager
def compiled_in(folder: Path | None) -> Iterator[None]:
    """While in it, keep the templates as Jinja compiles them in ``folder`` (the build
    cache's), for the builds to come: each process would compile every template it renders
    from its source (a tenth of a second of a build). A template is compiled again when its
    source changes (Jinja compares it); a file is written whole or not at all."""
    kept = list(_COMPILED)
    if folder is not None:
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
    _COMPILED[:] = [_Compiled(str(folder))] if folder is not None else []
    try:
        yield
    finally:
        _COMPILED[:] = kept


@functools.lru_cache(maxsize=8)
def _environment(folders: tuple[str, ...], listing: tuple[str, ...]) -> jinja2.Environment:
    """One Jinja environment for every theme of a book in this process, so that a build's
    renderers (and the preview's rebuilds) compile each template once. Jinja reloads a
    template whose file changed (``auto_reload``); ``listing``, the book's own template
    files, keys the environment, so one added that overrides a built-in template is seen."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(folders)),
        autoescape=jinja2.select_autoescape(["html", "xhtml", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


TEMPLATE_SUFFIXES = (".html", ".xhtml", ".xml")
TEXT_SUFFIXES = (*TEMPLATE_SUFFIXES, ".css", ".js", ".csl")


def check_styles(root: Path, problems: Problems) -> None:
    """Check the book's ``styles/`` before anything is rendered: every template must parse
    (a syntax error names its file and line), and a file that overrides nothing because it
    is at the wrong path is a warning naming the path it was probably meant for."""
    folder = root / BOOK_STYLES
    if not folder.is_dir():
        return
    builtin = sorted(p.relative_to(BUILTIN).as_posix() for p in BUILTIN.rglob("*") if p.is_file())
    by_name: dict[str, list[str]] = {}
    for relative in builtin:
        by_name.setdefault(Path(relative).name, []).append(relative)
    env = Theme(root).env
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or is_ignored(path, folder):
            continue
        relative = path.relative_to(folder).as_posix()
        shown = f"{BOOK_STYLES}/{relative}"
        if relative.startswith("templates/") and path.suffix in TEMPLATE_SUFFIXES:
            try:
                source = path.read_text(encoding="utf-8")
                env.parse(source, name=relative.removeprefix("templates/"), filename=str(path))
            except jinja2.TemplateSyntaxError as error:
                problems.error(
                    shown,
                    error.lineno,
                    f"template syntax error: {error.message}.",
                    "Fix this template of the book's own styles, or delete it to use glossbook's.",
                )
            except (OSError, UnicodeDecodeError) as error:
                problems.error(
                    shown, None, f"this template cannot be read: {error}.", "Save it as UTF-8."
                )
        if relative in builtin:
            continue
        meant = by_name.get(path.name) or []
        in_place = relative.split("/")[0] in ("templates", "css", "fonts", "csl")
        if meant or (path.suffix.lower() in TEXT_SUFFIXES and not in_place):
            nearest = meant or get_close_matches(relative, builtin, n=1, cutoff=0.3)
            hint = (
                f"Did you mean {BOOK_STYLES}/{nearest[0]}?"
                if nearest
                else f"Overridable files: {BOOK_STYLES}/templates/…, {BOOK_STYLES}/css/…."
            )
            problems.warning(
                shown,
                None,
                f"this file overrides nothing: glossbook has no {shown.partition('/')[2]}.",
                hint,
            )
