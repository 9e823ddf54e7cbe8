"""Reading the manuscript: Markdown files with YAML front matter, with line numbers kept.

This is the load stage for text: it splits each file into front matter and body, reads the
front matter with every value's line (so later messages can point at it), and checks the
keys an entry may have. It knows nothing of Markdown or of the book's structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problems, did_you_mean

ENTRY_KEYS = ("title", "category", "other_names", "sources", "related", "infobox")
MATTER_KEYS = ("title",)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_FENCE = re.compile(r"^---\s*$")
# Characters no edition can carry (XML 1.0 forbids them): C0 controls but tab and line ends,
# DEL, C1 controls, and the non-characters U+FFFE and U+FFFF.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# Files that are never entries: hidden files (.DS_Store, .#lock, .x.swp), editor backups
# (x~, #x#) and operating-system litter. The build and the preview's watcher both ask this.
_LITTER = {"Thumbs.db", "desktop.ini", "Icon\r"}
_END_FENCE = re.compile(r"^(---|\.\.\.)\s*$")


def is_ignored(path: Path, base: Path) -> bool:
    """Whether ``path`` (below ``base``) is an editor's or the system's file, not the book's:
    any part of it hidden (``.name``), a backup (``name~``), an auto-save (``#name#``)."""
    try:
        parts = path.relative_to(base).parts
    except ValueError:
        parts = path.parts
    return any(
        part.startswith(".")
        or part.endswith("~")
        or (part.startswith("#") and part.endswith("#"))
        or part in _LITTER
        for part in parts
    )


def control_character(text: str) -> tuple[int, str] | None:
    """The first forbidden control character in ``text``: (1-based line, 'U+0007'), or None."""
    match = CONTROL.search(text)
    if match is None:
        return None
    return text.count("\n", 0, match.start()) + 1, f"U+{ord(match.group(0)):04X}"


@dataclass
class Value:
    """A front-matter value with the line it was written on."""

    value: Any  # str, list[Value] or dict[str, Value]
    line: int

    def text(self) -> str:
        return self.value if isinstance(self.value, str) else ""


@dataclass
class SourceFile:
    """One Markdown file: its front matter (key → Value) and its body."""

    path: Path
    display: str  # path shown in messages, relative to the project
    meta: dict[str, Value] = field(default_factory=dict)
    meta_lines: dict[str, int] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1  # file line of the body's first line


def read_source(
    path: Path, display: str, allowed: tuple[str, ...], problems: Problems
) -> SourceFile | None:
    """Split and read one file; report problems and return None when it cannot be used."""
    source = SourceFile(path=path, display=display)
    try:
        data = path.read_bytes()
    except OSError as error:
        problems.error(display, None, *unreadable(path, error))
        return None
    text = decode_utf8(data, display, problems)
    if text is None:
        return None
    found = control_character(text)
    if found is not None:
        line, code = found
        problems.error(
            display,
            line,
            f"this line holds an invisible control character ({code}).",
            "Delete it: no edition can carry it (it is often pasted in by accident).",
        )
        return None
    lines = text.splitlines(keepends=True)
    if not lines or not _FENCE.match(lines[0]):
        problems.error(
            display,
            1,
            "the file does not start with YAML front matter.",
            "Begin it with a line '---', then 'title: …', then a closing '---'.",
        )
        return None
    end = next((i for i in range(1, len(lines)) if _END_FENCE.match(lines[i])), None)
    if end is None:
        problems.error(
            display, 1, "the front matter is never closed.", "Add a line '---' after it."
        )
        return None
    yaml_text = "".join(lines[1:end])
    source.body = "".join(lines[end + 1 :])
    source.body_line = end + 2
    try:
        node = _compose(yaml_text)
    except yaml.YAMLError as exc:
        line, reason, hint = _yaml_problem(exc, yaml_text)
        problems.error(display, line, f"malformed front matter: {reason}.", hint)
        return None
    except RecursionError:
        problems.error(
            display, 2, "the front matter is nested too deeply.", "Use at most a few levels."
        )
        return None
    if node is None:
        node = yaml.MappingNode("tag:yaml.org,2002:map", [])
    if not isinstance(node, yaml.MappingNode):
        problems.error(
            display,
            2,
            "the front matter must be a mapping of keys to values.",
            "Write 'key: value'.",
        )
        return None
    try:
        meta = _to_value(node, display, problems)
    except RecursionError:
        problems.error(
            display, 2, "the front matter is nested too deeply.", "Use at most a few levels."
        )
        return None
    for key, value in meta.value.items():
        if key not in allowed:
            hint = did_you_mean(key, set(allowed)) or f"Valid keys: {', '.join(allowed)}."
            problems.error(display, value.line, f"unknown front-matter key '{key}'.", hint)
            continue
        source.meta[key] = value
    return source


def decode_utf8(
    data: bytes, display: str, problems: Problems, hint: str = "Save it as UTF-8."
) -> str | None:
    """``data`` as text, without a leading byte-order mark; ``None`` after reporting the
    line of the first byte that is not UTF-8 (the .md files, book.toml and the .bib)."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.error(display, line, "this file is not UTF-8 text.", hint)
        return None


def unreadable(path: Path, error: OSError) -> tuple[str, str]:
    """Message and hint for a file that cannot be read (no absolute paths in either)."""
    if path.is_symlink() and not path.exists():
        return (
            "this is a symbolic link to a file that does not exist.",
            "Remove the link, or make it point to the entry's file.",
        )
    if path.is_dir():
        return "this is a folder, not a file.", "Rename it: only files may end in .md."
    return (
        f"this file cannot be read: {error.strerror or type(error).__name__}.",
        "Check that it exists and that you may read it.",
    )


# libyaml, when PyYAML was built with it: the same nodes and lines, several times faster.
_FAST = getattr(yaml, "CSafeLoader", None)


def _compose(text: str) -> yaml.Node | None:
    """The front matter's YAML node, read by libyaml if PyYAML has it; YAML it cannot read
    is read again by PyYAML's own parser, whose error (and its place) is the one reported
    (libyaml's messages differ, and it stops at a nesting depth of a thousand)."""
    if _FAST is not None:
        try:
            return yaml.compose(text, Loader=_FAST)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _yaml_problem(exc: yaml.YAMLError, text: str) -> tuple[int, str, str]:
    """File line (front matter starts on line 2), reason and hint for a YAML error."""
    hint = "Check indentation, colons and quotes (a value containing ': ' needs quotes)."
    if not isinstance(exc, yaml.MarkedYAMLError):
        mark = getattr(exc, "position", None)
        line = text.count("\n", 0, mark) + 2 if isinstance(mark, int) else 2
        return line, "the YAML cannot be read", hint
    mark = exc.problem_mark or exc.context_mark
    # An error found at the end of the text (an unclosed quote or bracket) belongs where
    # the unclosed thing began.
    if exc.context_mark is not None and (mark is None or mark.index >= len(text.rstrip())):
        mark = exc.context_mark
    last = max(text.count("\n"), 1)
    line = min(mark.line, last - 1) + 2 if mark else 2
    reason = exc.problem or "the YAML cannot be read"
    context = exc.context or ""
    if (
        context.startswith("while parsing a flow")
        and exc.context_mark is not None
        and exc.problem_mark is not None
        and exc.context_mark.line < exc.problem_mark.line
    ):
        mark = exc.context_mark  # [a, b or {a: b left open: blame the line that opened it
        line = mark.line + 2
        return line, f"the {context.split()[-1]} opened on this line is never closed", hint
    if mark is exc.context_mark and "quoted scalar" in context:
        reason = "the quote opened on this line is never closed"
    elif mark is exc.context_mark and exc.context:
        reason = f"{exc.context.removeprefix('while ')} begun on this line is never closed"
    lines = text.splitlines()
    at = lines[line - 2] if 0 <= line - 2 < len(lines) else ""
    if "\t" in (exc.problem or "") or at[: len(at) - len(at.lstrip())].count("\t"):
        return line, "a tab in the indentation", "Indent YAML with spaces, not tabs."
    return line, reason, hint


def _to_value(
    node: yaml.Node, display: str, problems: Problems, seen: set[int] | None = None
) -> Value:
    line = node.start_mark.line + 2 if node.start_mark else 2
    seen = set() if seen is None else seen
    if not isinstance(node, yaml.ScalarNode):
        if id(node) in seen:  # an alias (*name): refused, it could expand without end
            problems.error(
                display,
                line,
                "YAML aliases (&name … *name) are not allowed in front matter.",
                "Write the value out where it is needed.",
            )
            return Value("", line)
        seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        # Keep scalars as written: "1984" stays "1984", "no" stays "no", null is "".
        value = "" if node.tag.endswith(":null") and node.value in ("", "~", "null") else node.value
        found = control_character(value)
        if found is not None:
            problems.error(
                display,
                line,
                f"this value holds an invisible control character ({found[1]}).",
                "Remove the escape that makes it (such as \\a or \\x07 in quotes).",
            )
            value = CONTROL.sub("", value)
        return Value(value, line)
    if isinstance(node, yaml.SequenceNode):
        return Value([_to_value(item, display, problems, seen) for item in node.value], line)
    mapping: dict[str, Value] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        key_line = key_node.start_mark.line + 2
        if key in mapping:
            problems.error(
                display,
                key_line,
                f"'{key}' is given twice.",
                f"It was first set on line {mapping[key].line}; keep one.",
            )
            continue
        # A key's value is located at the key; list items keep their own lines.
        mapping[key] = Value(_to_value(value_node, display, problems, seen).value, key_line)
    return Value(mapping, line)


def text_list(source: SourceFile, key: str, problems: Problems) -> list[Value]:
    """A front-matter value that must be a list of strings (a single string is a list of one)."""
    value = source.meta.get(key)
    if value is None:
        return []
    if isinstance(value.value, str):
        return [value] if value.value.strip() else []
    if isinstance(value.value, list) and all(isinstance(v.value, str) for v in value.value):
        return [v for v in value.value if v.value.strip()]
    problems.error(
        source.display,
        value.line,
        f"'{key}' must be a list of words, e.g. {key}: [first, second].",
        "Write one item per line after '- ', or a [bracketed, list].",
    )
    return []


def manuscript_files(folder: Path) -> list[Path]:
    """The entry files of a manuscript folder, in file-name order."""
    return sorted(p for p in folder.glob("*.md") if p.is_file())
