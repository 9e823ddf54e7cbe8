"""``glossbook.toml``: the book's settings, read and validated against a typed schema.

Every option is declared once below with its type, default and meaning (the README's
reference is written from this table). Validation collects every problem, each located at
the line of the offending key, before the build stops.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .collation import Collation
from .errors import Problems, did_you_mean
from .images import check_image
from .rawhtml import POLICIES
from .remote import POLICIES as REMOTE_POLICIES
from .slugs import slugify
from .sources import control_character, decode_utf8, unreadable

CONFIG_FILE = "glossbook.toml"

ORDERS = ("alphabetical", "category", "explicit")

# Named trim sizes (width, height) in CSS units.
TRIM_SIZES = {
    "6x9": ("6in", "9in"),
    "a5": ("148mm", "210mm"),
    "a4": ("210mm", "297mm"),
    "royal": ("156mm", "234mm"),
    "demy": ("138mm", "216mm"),
    "letter": ("8.5in", "11in"),
    "us-trade": ("6in", "9in"),
    "digest": ("5.5in", "8.5in"),
}
_LENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mm|cm|in|pt)\s*$")


@dataclass(frozen=True)
class Option:
    kind: type | tuple[type, ...]
    default: Any
    doc: str
    required: bool = False


SCHEMA: dict[str, dict[str, Option]] = {
    "book": {
        "title": Option(str, "", "The book's title.", required=True),
        "subtitle": Option(str, "", "Subtitle, shown on the title page."),
        "authors": Option(list, [], "Authors or editors, as they appear on the title page."),
        "language": Option(str, "en", "BCP 47 language tag; sets collation and hyphenation."),
        "publisher": Option(str, "", "Publisher's name."),
        "identifier": Option(str, "", "ISBN (978-…) or another unique identifier."),
        "date": Option(str, "", "Publication date, YYYY or YYYY-MM-DD."),
        "edition": Option(str, "", "Edition statement, e.g. 'First edition'."),
        "rights": Option(str, "", "Copyright or licence statement."),
        "description": Option(str, "", "A short description of the book."),
        "slug": Option(str, "", "File name of the editions; default: the title, slugified."),
        "cover": Option(str, "", "Cover image for the ebook (JPEG, PNG or SVG), in the book."),
    },
    "contents": {
        "order": Option(
            str, "alphabetical", "alphabetical, category, or explicit (with [[contents.chapters]])."
        ),
        "front_matter": Option(list, [], "Markdown files placed before the entries."),
        "back_matter": Option(list, [], "Markdown files placed after the entries."),
        "chapters": Option(list, [], "Explicit chapters: each a table with title and entries."),
        "backlinks": Option(
            bool, True, "true or false: end each entry with the entries that refer to it."
        ),
    },
    "citations": {
        "bibliography": Option(str, "bibliography.bib", "The BibTeX file, relative to the book."),
        "style": Option(str, "chicago-author-date", "CSL style name or path to a .csl file."),
    },
    "markdown": {
        "raw_html": Option(
            str,
            "sanitize",
            "sanitize (keep harmless elements such as sup, br, details; drop the rest with a "
            "warning), escape (show HTML as text) or error.",
        ),
    },
    "images": {
        "remote": Option(
            str,
            "download",
            "download (fetch http(s) images once into remote-images/), link (the HTML "
            "edition links the URL, print and ebook show a placeholder) or error.",
        ),
    },
    "print": {
        "trim_size": Option(
            str, "6x9", "Named size (6x9, a5, royal, letter, ...) or 'WIDTH x HEIGHT' with units."
        ),
        "running_heads": Option(
            str,
            "guide-words",
            "guide-words (the chapters' heads: verso the first entry on the page, recto the "
            "last), title (verso the book's title, recto the chapter's) or none (the folio "
            "alone).",
        ),
    },
    "accessibility": {
        "conformance": Option(
            str,
            "",
            "The EPUB's conformance claim, e.g. 'EPUB Accessibility 1.1 - WCAG 2.1 Level AA'; "
            "only with certified_by, the party that evaluated the book.",
        ),
        "certified_by": Option(str, "", "Who evaluated the EPUB's accessibility."),
        "certifier_credential": Option(str, "", "The evaluator's credential, if any."),
        "certifier_report": Option(str, "", "URL of the evaluation report, if published."),
    },
    "build": {
        "jobs": Option(int, 0, "Print layout worker processes; 0: one per core (--jobs)."),
        "executor": Option(str, "local", "local, or dask for a Dask cluster (--executor)."),
        "scheduler": Option(str, "", "The Dask scheduler, tcp://HOST:PORT (--scheduler)."),
        "cache": Option(
            str, "", "The build cache folder, relative to the book; default build/.cache."
        ),
    },
}

# Conformance claims EPUB Accessibility 1.1 defines (§ 5.1): the only values a claim may take.
CONFORMANCE_CLAIMS = tuple(
    f"EPUB Accessibility 1.1 - WCAG {version} Level {level}"
    for version in ("2.0", "2.1", "2.2")
    for level in ("A", "AA", "AAA")
)

CHAPTER_KEYS = {"title", "entries"}


@dataclass
class ExplicitChapter:
    title: str
    entries: list[str]
    line: int
    entry_lines: list[int] = field(default_factory=list)


@dataclass
class Config:
    root: Path
    file: str
    values: dict[str, dict[str, Any]]
    chapters: list[ExplicitChapter] = field(default_factory=list)
    trim: tuple[str, str] = ("6in", "9in")
    given: dict[str, set[str]] = field(default_factory=dict)  # keys the file sets

    def get(self, section: str, key: str) -> Any:
        return self.values[section][key]

    def line_of(self, section: str, key: str) -> int | None:
        return _line_of(self.root / CONFIG_FILE, section, key)


def load_config(root: Path) -> Config:
    """Read and validate ``glossbook.toml`` in ``root``; raise ContentError listing problems."""
    path = root / CONFIG_FILE
    problems = Problems()
    if path.is_dir():
        problems.error(CONFIG_FILE, None, *unreadable(path, IsADirectoryError()))
        problems.raise_if_errors()
    if not path.is_file():
        problems.error(
            CONFIG_FILE,
            None,
            f"no {CONFIG_FILE} in this folder, so it is not a glossbook project.",
            "Run 'glossbook new PATH' to start one, or give the path of an existing book.",
        )
        problems.raise_if_errors()
    try:
        raw_bytes = path.read_bytes()
    except OSError as error:
        problems.error(CONFIG_FILE, None, *unreadable(path, error))
        problems.raise_if_errors()
    text = decode_utf8(raw_bytes, CONFIG_FILE, problems)
    problems.raise_if_errors()
    assert text is not None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        problems.error(
            CONFIG_FILE,
            int(match.group(1)) if match else None,
            f"this is not valid TOML: {exc}.",
            "Check quotes, brackets and '=' on that line.",
        )
        problems.raise_if_errors()

    def where(section: str, key: str | None = None) -> int | None:
        return _line_of_text(text, section, key)

    values: dict[str, dict[str, Any]] = {}
    for section, raw in data.items():
        if not isinstance(raw, dict) and section not in SCHEMA:
            owner = next((name for name, keys in SCHEMA.items() if section in keys), None)
            problems.error(
                CONFIG_FILE,
                where(section),
                f"the key '{section}' stands outside any [section].",
                f"Move it under [{owner}]."
                if owner
                else f"Keys belong in a section: {', '.join(f'[{n}]' for n in SCHEMA)}.",
            )
        elif section not in SCHEMA:
            problems.error(
                CONFIG_FILE,
                where(section),
                f"unknown section [{section}].",
                did_you_mean(section, set(SCHEMA)) or f"Valid sections: {', '.join(SCHEMA)}.",
            )
        elif not isinstance(raw, dict):
            problems.error(CONFIG_FILE, where(section), f"'{section}' must be a [{section}] table.")
    for section, options in SCHEMA.items():
        raw = data.get(section, {})
        raw = raw if isinstance(raw, dict) else {}
        values[section] = {}
        for key in raw:
            if key not in options:
                problems.error(
                    CONFIG_FILE,
                    where(section, key),
                    f"unknown key '{key}' in [{section}].",
                    did_you_mean(key, set(options)) or f"Valid keys: {', '.join(options)}.",
                )
        for key, option in options.items():
            if key not in raw:
                if option.required:
                    problems.error(
                        CONFIG_FILE,
                        where(section),
                        f"[{section}] has no '{key}'.",
                        f'Add {key} = "…" ({option.doc})',
                    )
                values[section][key] = option.default
                continue
            value = raw[key]
            if option.kind is str and isinstance(value, int | float | dt.date | dt.time):
                # TOML dates and numbers (date = 2026-11-25, edition = 2) read as text.
                value = str(value)
            if not isinstance(value, option.kind):
                problems.error(
                    CONFIG_FILE,
                    where(section, key),
                    f"[{section}] {key} must be {_kind_name(option.kind)}, "
                    f"not {_kind_name(type(value))}.",
                    option.doc,
                )
                value = option.default
            if (
                option.kind is list
                and key != "chapters"
                and not all(isinstance(v, str) for v in value)
            ):
                problems.error(
                    CONFIG_FILE,
                    where(section, key),
                    f"[{section}] {key} must be a list of strings.",
                    option.doc,
                )
                value = option.default
            if isinstance(value, str) and (found := control_character(value)):
                problems.error(
                    CONFIG_FILE,
                    where(section, key),
                    f"[{section}] {key} holds an invisible control character ({found[1]}).",
                    "Remove it (an escape such as \\u0007 makes one).",
                )
            values[section][key] = value

    config = Config(root=root, file=CONFIG_FILE, values=values)
    config.given = {section: set(raw) for section, raw in data.items() if isinstance(raw, dict)}
    _check_book(config, text, data, problems)
    _check_contents(config, text, data, problems)
    _check_print(config, text, problems)
    _check_choices(config, text, problems)
    _check_accessibility(config, text, problems)
    problems.raise_if_errors()
    return config


def _check_book(config: Config, text: str, data: dict[str, Any], problems: Problems) -> None:
    book = config.values["book"]
    if "title" in data.get("book", {}) and not book["title"].strip():
        problems.error(CONFIG_FILE, _line_of_text(text, "book", "title"), "[book] title is empty.")
    language = book["language"]
    if not _known_language(language):
        problems.error(
            CONFIG_FILE,
            _line_of_text(text, "book", "language"),
            f"unknown language '{language}'.",
            "Use a BCP 47 tag such as 'en', 'en-GB', 'de' or 'sv'.",
        )
    cover = book["cover"]
    if cover:
        _check_cover(config, cover, _line_of_text(text, "book", "cover"), problems)
    date = book["date"]
    if date and not _valid_date(date):
        problems.error(
            CONFIG_FILE,
            _line_of_text(text, "book", "date"),
            f"the date '{date}' is not a date glossbook can use.",
            "Write the year (2026) or the full date as YYYY-MM-DD (2026-11-25).",
        )
    if not book["slug"]:
        book["slug"] = slugify(book["title"]) or "book"
    elif not re.fullmatch(r"[a-z0-9][a-z0-9-]*", book["slug"]):
        problems.error(
            CONFIG_FILE,
            _line_of_text(text, "book", "slug"),
            f"slug '{book['slug']}' must be lower-case letters, digits and hyphens.",
            f'Try slug = "{slugify(book["slug"])}".',
        )


def _known_language(language: str) -> bool:
    if not re.fullmatch(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*", language):
        return False  # ICU itself fails on some malformed tags
    try:
        return Collation.is_known_language(language)
    except Exception:  # ICUError on tags ICU cannot parse
        return False


def _check_cover(config: Config, cover: str, line: int | None, problems: Problems) -> None:
    root = config.root.resolve()
    path = (root / cover).resolve()
    hint = "Give the path of a JPEG, PNG, GIF, WebP or SVG file inside the book's folder."
    if not path.is_relative_to(root):
        problems.error(
            CONFIG_FILE, line, f"the cover '{cover}' lies outside the book's folder.", hint
        )
    elif not path.is_file():
        problems.error(CONFIG_FILE, line, f"the cover '{cover}' does not exist.", hint)
    elif (reason := check_image(path)) is not None:
        problems.error(CONFIG_FILE, line, f"the cover '{cover}' cannot be used: {reason}.", hint)


def _valid_date(value: str) -> bool:
    if re.fullmatch(r"\d{4}", value):
        return True
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _check_contents(config: Config, text: str, data: dict[str, Any], problems: Problems) -> None:
    contents = config.values["contents"]
    raw_chapters = contents["chapters"]
    if contents["order"] not in ORDERS:
        problems.error(
            CONFIG_FILE,
            _line_of_text(text, "contents", "order"),
            f"unknown chapter order '{contents['order']}'.",
            did_you_mean(contents["order"], set(ORDERS)) or f"Use one of: {', '.join(ORDERS)}.",
        )
    if raw_chapters and "order" not in data.get("contents", {}):
        contents["order"] = "explicit"
    if raw_chapters and contents["order"] != "explicit":
        problems.error(
            CONFIG_FILE,
            _line_of_text(text, "contents", "order"),
            f"chapters are listed but order is '{contents['order']}'.",
            'Set order = "explicit", or remove the [[contents.chapters]] tables.',
        )
    if contents["order"] == "explicit" and not raw_chapters:
        problems.error(
            CONFIG_FILE,
            _line_of_text(text, "contents", "order"),
            "order is 'explicit' but no chapters are listed.",
            'Add [[contents.chapters]] tables, each with title = "…" and entries = ["slug", …].',
        )
    chapter_lines = [
        i + 1 for i, line in enumerate(text.splitlines()) if line.strip() == "[[contents.chapters]]"
    ]
    for n, raw in enumerate(raw_chapters):
        line = chapter_lines[n] if n < len(chapter_lines) else _line_of_text(text, "contents")
        if not isinstance(raw, dict):
            problems.error(CONFIG_FILE, line, "each chapter must be a [[contents.chapters]] table.")
            continue
        for key in raw:
            if key not in CHAPTER_KEYS:
                problems.error(
                    CONFIG_FILE,
                    _line_after(text, line, key),
                    f"unknown key '{key}' in a chapter.",
                    did_you_mean(key, CHAPTER_KEYS) or "A chapter has 'title' and 'entries'.",
                )
        title, entries = raw.get("title"), raw.get("entries")
        if not isinstance(title, str) or not title.strip():
            problems.error(CONFIG_FILE, line, "this chapter has no title.", 'Add title = "…".')
            title = ""
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            problems.error(
                CONFIG_FILE,
                line,
                f"chapter '{title}' needs entries = [\"slug\", …], a list of entry slugs.",
            )
            entries = []
        entries_line = _line_after(text, line, "entries") or line
        config.chapters.append(
            ExplicitChapter(
                title=title,
                entries=list(entries),
                line=line or 0,
                entry_lines=_item_lines(text, entries_line, entries),
            )
        )


def _check_print(config: Config, text: str, problems: Problems) -> None:
    raw = config.values["print"]["trim_size"]
    trim = parse_trim_size(raw)
    if trim is None:
        problems.error(
            CONFIG_FILE,
            _line_of_text(text, "print", "trim_size"),
            f"trim size '{raw}' is not understood.",
            f"Use a name ({', '.join(TRIM_SIZES)}) or 'WIDTH x HEIGHT' such as '6in x 9in'.",
        )
    elif (reason := _trim_out_of_range(trim)) is not None:
        problems.error(
            CONFIG_FILE,
            _line_of_text(text, "print", "trim_size"),
            f"trim size '{raw}' {reason}.",
            f"Each side must be {TRIM_MIN_MM:g}-{TRIM_MAX_MM:g} mm (3-20 in), the longer "
            f"side at most {TRIM_MAX_RATIO:g} times the shorter; named sizes: "
            f"{', '.join(TRIM_SIZES)}.",
        )
    else:
        config.trim = trim


def _check_accessibility(config: Config, text: str, problems: Problems) -> None:
    """A conformance claim must be one EPUB Accessibility 1.1 defines and must name who
    evaluated the book: glossbook never certifies a book on the author's behalf."""
    a11y = config.values["accessibility"]
    claim, certifier = a11y["conformance"].strip(), a11y["certified_by"].strip()
    if claim and claim not in CONFORMANCE_CLAIMS:
        problems.error(
            CONFIG_FILE,
            _line_of_text(text, "accessibility", "conformance"),
            f"'{claim}' is not a conformance claim EPUB Accessibility 1.1 defines.",
            did_you_mean(claim, set(CONFORMANCE_CLAIMS))
            or f"Use one of: {', '.join(CONFORMANCE_CLAIMS)}.",
        )
    if claim and not certifier:
        problems.error(
            CONFIG_FILE,
            _line_of_text(text, "accessibility", "conformance"),
            "a conformance claim needs the name of whoever evaluated the book.",
            'Add certified_by = "…" to [accessibility], or remove the claim.',
        )
    for key in ("certified_by", "certifier_credential", "certifier_report"):
        if a11y[key].strip() and not claim:
            problems.error(
                CONFIG_FILE,
                _line_of_text(text, "accessibility", key),
                f"[accessibility] {key} is given but the book claims no conformance.",
                'Add conformance = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA" (or the level '
                "that was evaluated), or remove the key.",
            )
    report = a11y["certifier_report"].strip()
    if report and not re.match(r"https?://\S+$", report):
        problems.error(
            CONFIG_FILE,
            _line_of_text(text, "accessibility", "certifier_report"),
            f"certifier_report '{report}' is not a web address.",
            "Give the report's URL (https://…).",
        )


RUNNING_HEADS = ("guide-words", "title", "none")
CHOICES = {
    ("markdown", "raw_html"): POLICIES,
    ("images", "remote"): REMOTE_POLICIES,
    ("print", "running_heads"): RUNNING_HEADS,
}


def _check_choices(config: Config, text: str, problems: Problems) -> None:
    for (section, key), choices in CHOICES.items():
        value = config.values[section][key]
        if value not in choices:
            problems.error(
                CONFIG_FILE,
                _line_of_text(text, section, key),
                f"[{section}] {key} = '{value}' is not one of {', '.join(choices)}.",
                did_you_mean(value, set(choices)) or SCHEMA[section][key].doc,
            )
            config.values[section][key] = SCHEMA[section][key].default


TRIM_MIN_MM, TRIM_MAX_MM, TRIM_MAX_RATIO = 76.0, 508.0, 3.0
_MM = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72}


def _trim_out_of_range(trim: tuple[str, str]) -> str | None:
    sides = []
    for length in trim:
        match = _LENGTH.match(length)
        assert match is not None  # parse_trim_size accepted it
        sides.append(float(match.group(1)) * _MM[match.group(2)])
    if min(sides) < TRIM_MIN_MM:
        return "is too small for a book page"
    if max(sides) > TRIM_MAX_MM:
        return "is too large for a book page"
    if max(sides) / min(sides) > TRIM_MAX_RATIO:
        return "makes strip-shaped pages"
    return None


def parse_trim_size(value: str) -> tuple[str, str] | None:
    """``"a5"`` → ("148mm", "210mm"); ``"6in x 9in"`` → ("6in", "9in"); else None."""
    named = TRIM_SIZES.get(value.strip().lower())
    if named:
        return named
    parts = re.split(r"\s*[x×]\s*|\s+", value.strip().lower())
    if len(parts) != 2:
        return None
    sizes = [_LENGTH.match(p) for p in parts]
    if not all(sizes):
        return None
    return (parts[0].replace(" ", ""), parts[1].replace(" ", ""))


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", list: "a list", dict: "a table", int: "a number", bool: "true or false"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def _line_of(path: Path, section: str, key: str | None) -> int | None:
    try:
        return _line_of_text(path.read_text(encoding="utf-8"), section, key)
    except OSError:
        return None


def _line_of_text(text: str, section: str, key: str | None = None) -> int | None:
    """The line of ``[section]`` or of ``key =`` inside it (1-based), if written."""
    current = ""
    header_line = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", stripped)
        if header:
            current = header.group(1).split(".")[0].strip().strip('"')
            if current == section and header_line is None:
                header_line = number
            continue
        if current == section and key and re.match(rf"^\"?{re.escape(key)}\"?\s*=", stripped):
            return number
        if not current and key is None and re.match(rf"^{re.escape(section)}\s*[.=]", stripped):
            return number
    return header_line


def _line_after(text: str, start: int | None, key: str) -> int | None:
    """The first line at or after ``start`` that sets ``key``."""
    lines = text.splitlines()
    for number in range(start or 1, len(lines) + 1):
        if re.match(rf"^\s*{re.escape(key)}\s*=", lines[number - 1]):
            return number
    return start


def _item_lines(text: str, start: int, items: list[str]) -> list[int]:
    """For each string of a TOML list starting at line ``start``, the line it stands on."""
    lines = text.splitlines()
    found: list[int] = []
    number = start
    for item in items:
        needle = f'"{item}"'
        probe = number
        while (
            probe <= len(lines)
            and needle not in lines[probe - 1]
            and f"'{item}'" not in lines[probe - 1]
        ):
            probe += 1
        if probe <= len(lines):
            number = probe
        found.append(number)
    return found
