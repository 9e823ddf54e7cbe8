"""The print stylesheet: the page set-up, print.css, and problems in a book's own print.css
located at ``styles/css/print.css:line`` (syntax, unknown properties, missing fonts)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

import tinycss2

from ...errors import ContentError, Problem
from ...model import Book
from ...theme import BOOK_STYLES, BUILTIN, Theme

LOG = logging.getLogger("glossbook.pdf")

STYLESHEET = "css/print.css"
DEFAULT_TRIM = ("6in", "9in")
BUILTIN_FAMILIES = {"linux libertine o", "linux libertine mono o"}
GENERIC_FAMILIES = {
    *("serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "math"),
    *("emoji", "fangsong", "ui-serif", "ui-sans-serif", "ui-monospace", "ui-rounded"),
    *("inherit", "initial", "unset", "revert", "revert-layer"),
}
_POSITION = re.compile(r"\s*at (\d+):(\d+)")
_URL = re.compile(r"""url\(\s*(['"]?)([^'")\s]+)\1\s*\)""")
_FAILED_IMPORT = re.compile(r"^Failed to load stylesheet at (\S+) : (\w+): ")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def captured_warnings() -> Iterator[list[logging.LogRecord]]:
    """Collect what WeasyPrint logs (warnings and errors) while the block runs."""
    handler = _Records()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


# A link that prints its folio as its text (``data-folio``: the index, once its pages are
# known) generates none: whatever print.css says of its class's ::after, a book's own too.
# (A generated number costs WeasyPrint a style and a box of its own: a quarter of the layout
# of an index, which is a link to a page a line.)
FOLIO_LINKS = "a[data-folio]::after { content: none !important; }\n"


def page_setup(book: Book, *, press: bool, bleed: str) -> str:
    """The stylesheet placed before print.css: trim size and, for the press, bleed and
    marks; links that print their folio as their text (``FOLIO_LINKS``)."""
    width, height = book.settings.get("trim") or DEFAULT_TRIM  # type: ignore[misc]
    rules = FOLIO_LINKS + f"@page {{ size: {width} {height}; }}\n"
    if press:
        rules += f"@page {{ bleed: {bleed}; marks: crop; }}\n"
    return rules


@dataclass(frozen=True)
class Sheet:
    """A stylesheet as data (its text, and the URL its relative ``url()``s resolve against),
    so that a layout worker on another process or machine can read it."""

    text: str
    base_url: str = ""


def sources(book: Book, theme: Theme, *, press: bool, bleed: str) -> list[Sheet]:
    """The page set-up and print.css, as the layout workers receive them."""
    path = theme.file(STYLESHEET)
    text = path.read_text(encoding="utf-8")
    if path.resolve().is_relative_to((book.root / BOOK_STYLES).resolve()):
        text = _theme_urls(text, path, book.root)
    return [Sheet(page_setup(book, press=press, bleed=bleed)), Sheet(text, path.as_uri())]


def check(
    book: Book, theme: Theme, *, press: bool, bleed: str, memo: Path | None = None
) -> list[Sheet]:
    """The stylesheets, once read by WeasyPrint here so that problems in a book's own
    print.css stop the build before any layout (see ``stylesheets``).

    A check that passed is remembered with ``theme`` (for this book and page set-up), with
    the warnings it gave, which a later check repeats: the preview keeps its theme until a
    style changes, so its print views after each rebuild do not read the stylesheets again.
    ``memo``: the build cache's folder. A check that passed is remembered there under the
    hash of all it read (the sheets, the files of the book's ``styles/``, glossbook's and
    WeasyPrint's versions), with the warnings it gave, which a later build repeats instead
    of reading the stylesheets again (and importing WeasyPrint only for that). A check that
    failed is never remembered: it fails again, with its messages, until the CSS is fixed.
    """
    key = (STYLESHEET, str(book.root), page_setup(book, press=press, bleed=bleed))
    remembered = theme.derived.get(key)
    if isinstance(remembered, tuple):
        sheets, messages = remembered
        for message in messages:
            LOG.warning("%s", message)
        return list(sheets)
    sheets = sources(book, theme, press=press, bleed=bleed)
    record = memo / "css" / f"{_check_key(book, sheets)}.json" if memo else None
    if record is not None:
        try:
            messages = [str(m) for m in json.loads(record.read_text(encoding="utf-8"))]
            for message in messages:
                LOG.warning("%s", message)
            theme.derived[key] = (sheets, messages)
            return list(sheets)
        except (OSError, ValueError, TypeError):
            pass
    from weasyprint.css.counters import CounterStyle
    from weasyprint.text.fonts import FontConfiguration

    handler = _Records()
    LOG.addHandler(handler)
    try:
        stylesheets(book, theme, FontConfiguration(), CounterStyle(), press=press, bleed=bleed)
    finally:
        LOG.removeHandler(handler)
    messages = [r.getMessage() for r in handler.records]
    theme.derived[key] = (sheets, messages)
    if record is not None:
        with contextlib.suppress(OSError):
            record.parent.mkdir(parents=True, exist_ok=True)
            temporary = record.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(messages), encoding="utf-8")
            os.replace(temporary, record)
    return list(sheets)


def _check_key(book: Book, sheets: list[Sheet]) -> str:
    """The hash of everything the stylesheet check reads."""
    from importlib.metadata import version

    from ... import __version__

    digest = hashlib.sha256(f"{__version__}\0{version('weasyprint')}".encode())
    for sheet in sheets:
        digest.update(f"\0{sheet.base_url}\0{sheet.text}".encode())
    styles = book.root / BOOK_STYLES
    for path in sorted(styles.rglob("*")) if styles.is_dir() else []:
        with contextlib.suppress(OSError):
            stat = path.stat()
            digest.update(f"\0{path}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def stylesheets(
    book: Book, theme: Theme, fonts: Any, counters: Any, *, press: bool, bleed: str
) -> list[Any]:
    """The page set-up and print.css, as WeasyPrint ``CSS`` objects.

    When print.css is the book's own, everything WeasyPrint reports while reading it (syntax
    errors, unknown properties, fonts that cannot be loaded), every missing font file and
    every font family it names that is neither declared nor installed is raised as a
    ContentError located at ``styles/css/print.css:line``.
    """
    from weasyprint import CSS

    from ...fetcher import fetcher

    path = theme.file(STYLESHEET)
    text = path.read_text(encoding="utf-8")
    own = path.resolve().is_relative_to((book.root / BOOK_STYLES).resolve())
    if own:
        text = _theme_urls(text, path, book.root)
    sheets = [CSS(string=page_setup(book, press=press, bleed=bleed), font_config=fonts)]
    with captured_warnings() as records:
        sheets.append(
            CSS(
                string=text,
                base_url=path.as_uri(),
                font_config=fonts,
                counter_style=counters,
                url_fetcher=fetcher(book.root),  # the book's own files only, never the network
            )
        )
    if not own:
        for record in records:
            LOG.warning("WeasyPrint, in glossbook's %s: %s", STYLESHEET, record.getMessage())
        return sheets
    shown = path.relative_to(book.root).as_posix()
    problems = _missing_font_files(text, path, shown)
    missing = {p.line for p in problems}
    for record in records:
        problem = _import_problem(record, text, path, book.root) or _css_problem(
            record, text, shown
        )
        if "@font-face cannot be loaded" not in problem.message or problem.line not in missing:
            problems.append(problem)
    problems += _unknown_fonts(text, shown)
    if problems:
        raise ContentError(sorted(problems, key=lambda p: p.line or 0))
    return sheets


def _theme_urls(text: str, path: Path, root: Path) -> str:
    """Point relative ``url()``s the book's styles folder lacks at glossbook's own styles.

    A book that overrides print.css keeps the built-in fonts: ``url(../fonts/
    LinLibertine_R.otf)`` resolves in the book's ``styles/`` first, then in glossbook's.
    """
    styles = (root / BOOK_STYLES).resolve()

    def sub(match: re.Match[str]) -> str:
        target = match.group(2)
        if ":" in target or target.startswith(("/", "#")):
            return match.group(0)
        local = (path.parent / target).resolve()
        if local.exists() or not local.is_relative_to(styles):
            return match.group(0)
        builtin = BUILTIN / local.relative_to(styles)
        return f'url("{builtin.as_uri()}")' if builtin.exists() else match.group(0)

    return _URL.sub(sub, text)


def _css_problem(record: logging.LogRecord, text: str, shown: str) -> Problem:
    """A WeasyPrint warning about the book's stylesheet, located at its line."""
    message = " ".join(record.getMessage().split())
    line = None
    position = _POSITION.search(message)
    family = re.search(r"Font-face '([^']+)'", message)
    quoted = re.search(r"'([^']+)'", message)
    if position:
        line = int(position.group(1))
        message = message[: position.start()] + message[position.end() :]
    elif family:
        line = _font_face_line(text, family.group(1))
        message = f"the font '{family.group(1)}' of this @font-face cannot be loaded"
    elif quoted:
        line = _rule_line(text, quoted.group(1))
    return Problem(
        shown,
        line,
        f"CSS: {message.rstrip('.')}.",
        "Fix the stylesheet: the print edition ignores what it cannot read.",
    )


def _import_problem(record: logging.LogRecord, text: str, path: Path, root: Path) -> Problem | None:
    """A stylesheet that an ``@import`` names and WeasyPrint could not read, located at that
    rule (in print.css or a stylesheet of the book it imports): refused (the network, files
    outside the book), missing, or unreadable."""
    failed = _FAILED_IMPORT.match(" ".join(record.getMessage().split()))
    if failed is None:
        return None
    url, error = failed.groups()
    file, line, named = _importing_rule(url, text, path, root, set())
    named = named or url
    if error == "Refused":
        name = urlsplit(url).path.rsplit("/", 1)[-1] or "more.css"
        message = (
            f"the stylesheet '{named}' imported here is not read: a build reads only the "
            "book's own files (no network address, no file outside the book)."
        )
        todo = (
            "Copy that stylesheet into the book's styles/css/ and import it by a path "
            f'relative to this one (@import "{name}";), or paste its rules in here.'
        )
    elif url.startswith("file:") and not local_path(url).exists():
        message = f"the stylesheet '{named}' imported here does not exist."
        todo = "Fix the path (relative to this stylesheet), or add the file."
    else:
        message = f"the stylesheet '{named}' imported here cannot be read ({error})."
        todo = "Check that file, or remove the @import."
    shown = file.relative_to(root).as_posix() if file.is_relative_to(root) else str(file)
    return Problem(shown, line, message, todo)


def _importing_rule(
    url: str, text: str, path: Path, root: Path, seen: set[Path]
) -> tuple[Path, int | None, str]:
    """The stylesheet, line and written target of the ``@import`` naming ``url``: in
    ``text`` (the sheet at ``path``) or in a sheet of the book it imports; else ``path``
    itself, with no line."""
    seen.add(path)
    for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        if rule.type != "at-rule" or rule.lower_at_keyword != "import":
            continue
        named = _import_target(rule.prelude)
        if named is None:
            continue
        absolute = urljoin(path.as_uri(), named)
        if absolute == url:
            return path, rule.source_line, named
        nested = local_path(absolute) if absolute.startswith("file:") else None
        if (
            nested is None
            or nested in seen
            or not nested.is_file()
            or not nested.resolve().is_relative_to(root.resolve())
        ):
            continue
        try:
            inner = nested.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found = _importing_rule(url, inner, nested, root, seen)
        if found[1] is not None:
            return found
    return path, None, ""


def _import_target(prelude: list[Any]) -> str | None:
    """What an ``@import`` names: ``"x.css"``, ``url(x.css)`` or ``url("x.css")``."""
    for token in prelude:
        if token.type in ("url", "string"):
            return str(token.value)
        if token.type == "function" and token.lower_name == "url" and token.arguments:
            return str(getattr(token.arguments[0], "value", "")) or None
    return None


def local_path(url: str) -> Path:
    """The file a ``file:`` URL names."""
    return Path(url2pathname(urlsplit(url).path))


def _rule_line(text: str, prelude: str) -> int | None:
    """The line of the rule whose selector WeasyPrint quotes in a message."""
    wanted = " ".join(prelude.split())
    for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        prelude_text = " ".join(tinycss2.serialize(getattr(rule, "prelude", [])).split())
        if rule.type == "qualified-rule" and prelude_text == wanted:
            return rule.source_line
    return None


def _font_face_line(text: str, family: str) -> int | None:
    for rule in _font_faces(text):
        for decl in tinycss2.parse_blocks_contents(rule.content):
            if decl.type != "declaration" or decl.lower_name != "font-family":
                continue
            if any(name == family for name, _ in _families(decl.value)):
                return rule.source_line
    return None


def _missing_font_files(text: str, path: Path, shown: str) -> list[Problem]:
    """``@font-face`` sources naming files that do not exist, at their lines."""
    problems = []
    for rule in _font_faces(text):
        for token in _walk(rule.content):
            target = ""
            if token.type == "url":
                target = token.value
            elif token.type == "function" and token.lower_name == "url" and token.arguments:
                target = getattr(token.arguments[0], "value", "")
            if not target or target.startswith(("data:", "http:", "https:")):
                continue
            if target.startswith("file:"):
                file = Path(url2pathname(urlsplit(target).path))
            else:
                file = path.parent / target
            if not file.is_file():
                problems.append(
                    Problem(
                        shown,
                        token.source_line,
                        f"the font file '{target}' does not exist.",
                        "Put the font in the book's styles/fonts/ and point src: url(…) at it, "
                        "relative to the stylesheet.",
                    )
                )
    return problems


def _unknown_fonts(text: str, shown: str) -> list[Problem]:
    """Font families the stylesheet names that are neither declared nor installed."""
    declared = set(BUILTIN_FAMILIES)
    for rule in _font_faces(text):
        for decl in tinycss2.parse_blocks_contents(rule.content):
            if decl.type == "declaration" and decl.lower_name == "font-family":
                declared.update(name.casefold() for name, _ in _families(decl.value))
    named: list[tuple[str, int]] = []
    for decl in _declarations(tinycss2.parse_stylesheet(text, skip_comments=True)):
        if decl.lower_name == "font-family":
            named += _families(decl.value)
        elif decl.lower_name == "font":
            named += _families(_after_size(decl.value))
    problems = []
    for name, line in named:
        key = name.casefold()
        if key in GENERIC_FAMILIES or key in declared:
            continue
        declared.add(key)  # report each family once
        if not _installed(name):
            problems.append(
                Problem(
                    shown,
                    line,
                    f"the font '{name}' is neither declared with @font-face nor installed.",
                    "Declare it with @font-face (font files in the book's styles/fonts/) "
                    "or name an installed font.",
                )
            )
    return problems


def _font_faces(text: str) -> list[Any]:
    return [
        rule
        for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
        if rule.type == "at-rule" and rule.lower_at_keyword == "font-face" and rule.content
    ]


def _declarations(rules: list[Any]) -> Iterator[Any]:
    """Every declaration of a stylesheet, including those nested in @page and @media."""
    for rule in rules:
        content = getattr(rule, "content", None)
        if not content or getattr(rule, "lower_at_keyword", None) == "font-face":
            continue
        items = tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True)
        for item in items:
            if item.type == "declaration":
                yield item
            elif item.type in ("at-rule", "qualified-rule"):
                yield from _declarations([item])


def _families(tokens: list[Any]) -> list[tuple[str, int]]:
    """``"Linux Libertine O", Georgia, serif`` → each family name with its line."""
    result: list[tuple[str, int]] = []
    words: list[str] = []
    line = 0
    for token in [*tokens, None]:
        if token is None or (token.type == "literal" and token.value == ","):
            if words:
                result.append((" ".join(words), line))
            words = []
        elif token.type in ("string", "ident"):
            if not words:
                line = token.source_line
            words.append(token.value)
        elif token.type == "function":  # var(…), env(…): not a family name
            words = []
    return result


def _after_size(tokens: list[Any]) -> list[Any]:
    """The family list of a ``font`` shorthand: what follows the size (and line height)."""
    significant = [t for t in tokens if t.type not in ("whitespace", "comment")]
    for n, token in enumerate(significant):
        if token.type in ("dimension", "percentage"):
            rest = significant[n + 1 :]
            if rest and rest[0].type == "literal" and rest[0].value == "/":
                rest = rest[2:]
            return rest
    return []


def _walk(tokens: list[Any]) -> Iterator[Any]:
    for token in tokens:
        yield token
        if token.type in ("() block", "[] block", "{} block"):
            yield from _walk(token.content)


def _installed(family: str) -> bool:
    """Whether fontconfig knows a font family by this name (True if it cannot be asked)."""
    try:
        from weasyprint.text.ffi import ffi, fontconfig
    except ImportError:  # pragma: no cover - WeasyPrint's internals moved: do not block
        return True
    config = fontconfig.FcInitLoadConfigAndFonts()
    try:
        pattern = fontconfig.FcPatternCreate()
        fontconfig.FcPatternAddString(pattern, b"family", family.encode())
        fontconfig.FcConfigSubstitute(config, pattern, fontconfig.FcMatchPattern)
        fontconfig.FcDefaultSubstitute(pattern)
        result = ffi.new("FcResult *")
        match = fontconfig.FcFontMatch(config, pattern, result)
        fontconfig.FcPatternDestroy(pattern)
        if match == ffi.NULL:
            return False
        value = ffi.new("FcChar8 **")
        names = []
        while fontconfig.FcPatternGetString(match, b"family", len(names), value) == 0:
            names.append(ffi.string(value[0]).decode("utf-8", "replace").casefold())
        fontconfig.FcPatternDestroy(match)
        return family.casefold() in names
    finally:
        fontconfig.FcConfigDestroy(config)
