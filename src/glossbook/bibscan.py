"""A light scan of a ``.bib`` file: where each entry starts, its key, and what is malformed.

pandoc reads the fields (``bibliography.py``); this scan gives what pandoc does not: the
line of every entry for messages, every malformed entry at once (pandoc stops at the
first), duplicate keys, and a normalised text pandoc can read. The normalised text has
the same lines as the file: legal syntax pandoc rejects (``@ MaNuAl (key, ...)``) is
rewritten in place, and entries left out (malformed, identical duplicates) are blanked.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from glossbook.errors import Problems, did_you_mean

__all__ = ["RawEntry", "Scan", "scan_bib"]

_HEAD = re.compile(r"@[ \t\r\n]*([A-Za-z][\w:-]*)[ \t\r\n]*([{(])")
_NAME = re.compile(r"[^\s\"#%'(),={}]+")
_KEY = re.compile(r"[^\s,{}()\"]+|\{[^{}]*\}")
# A line that starts a new entry: met inside an entry, the entry before was not closed.
_ENTRY_LINE = re.compile(r"\n[ \t]*@[ \t]*[A-Za-z]\w*[ \t]*[{(]")
_PANDOC_KEY = re.compile(r"^\w+(?:[:.#$%&\-+?<>~/]+\w+)*$")
#: Entry types of BibTeX and biblatex (pandoc reads them all).
ENTRY_TYPES = {
    "article", "book", "mvbook", "inbook", "bookinbook", "suppbook", "booklet",
    "collection", "mvcollection", "incollection", "suppcollection", "dataset", "manual",
    "misc", "online", "patent", "periodical", "suppperiodical", "proceedings",
    "mvproceedings", "inproceedings", "reference", "mvreference", "inreference", "report",
    "set", "software", "thesis", "unpublished", "xdata", "conference", "electronic",
    "mastersthesis", "phdthesis", "techreport", "www", "artwork", "audio", "bibnote",
    "commentary", "image", "jurisdiction", "legislation", "legal", "letter", "movie",
    "music", "performance", "review", "standard", "video", "customa", "customb", "customc",
    "customd", "custome", "customf",
}  # fmt: skip
#: Fields of BibTeX, biblatex and the tools that write .bib files; others are warned of.
KNOWN_FIELDS = {
    "author", "editor", "translator", "bookauthor", "editora", "editorb", "editorc",
    "annotator", "commentator", "introduction", "foreword", "afterword", "holder",
    "collaborator", "title", "subtitle", "titleaddon", "shorttitle", "booktitle",
    "booksubtitle", "booktitleaddon", "maintitle", "mainsubtitle", "maintitleaddon",
    "journal", "journaltitle", "journalsubtitle", "shortjournal", "journalabbrev",
    "eventtitle", "eventdate", "venue", "series", "volume", "volumes", "number", "issue",
    "part", "edition", "version", "pages", "pagetotal", "chapter", "publisher", "address",
    "location", "institution", "school", "organization", "howpublished", "doi", "url",
    "isbn", "issn", "pmid", "pmcid", "eprint", "eprinttype", "archiveprefix", "note",
    "addendum", "language", "langid", "date", "year", "month", "day", "origdate",
    "origyear", "urldate", "type", "entrysubtype", "pubstate", "crossref", "xref",
    "article-number", "eid", "issuetitle", "issuesubtitle", "origpublisher", "origlocation",
    "origtitle", "origlanguage", "abstract", "keywords", "file", "files", "owner",
    "timestamp", "creationdate", "modificationdate", "groups", "ranking", "readstatus",
    "priority", "printed", "qualityassured", "relevance", "comment", "comments", "annote",
    "annotation", "date-added", "date-modified", "local-url", "eprintclass", "primaryclass",
    "isrn", "lccn", "mrclass", "mrnumber", "mrreviewer", "zbl", "zblnumber", "copyright",
    "rights", "shorthand", "shorthandintro", "label", "options", "ids", "hyphenation",
    "langidopts", "library", "extra", "sortkey", "sortname", "sorttitle", "sortyear",
    "presort", "indextitle", "indexsorttitle", "shortauthor", "shorteditor", "shortseries",
    "key", "affiliation", "affiliations", "da", "journal-iso", "keywords-plus",
    "research-areas", "unique-id", "earlyaccessdate", "publication-type",
    "cited-references", "number-of-cited-references", "orcid-numbers",
    "researcherid-numbers", "doc-delivery-number", "funding-acknowledgement",
    "funding-text", "callnumber", "call-number", "archive", "archive_location",
    "archivelocation", "related", "relatedtype", "relatedstring", "relatedoptions",
    "execute", "entryset", "editortype", "editoratype", "editorbtype", "editorctype",
    "urlyear", "urlmonth", "lastchecked", "accessed", "bibsource", "biburl", "pst",
    "citation-key", "gender", "pagination", "bookpagination", "nameaddon", "authortype",
    "verba", "verbb", "verbc", "usera", "userb", "userc", "userd", "usere", "userf",
    "lista", "listb", "listc", "listd", "liste", "listf",
}  # fmt: skip
NAME_FIELDS = {
    "author", "editor", "translator", "bookauthor", "editora", "editorb", "editorc",
    "annotator", "commentator", "introduction", "foreword", "afterword", "holder",
}  # fmt: skip
_QUIET_PREFIXES = (
    "bdsk-", "citeulike", "mendeley", "web-of-science", "times-cited", "usage-count",
    "jabref", "_", "x-", "zotero",
)  # fmt: skip
_MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_FIX = (
    "Check that every field is 'name = {value},' and that braces and quotes are "
    "balanced up to the entry's closing brace."
)


@dataclass
class RawEntry:
    """One entry as written: type (lower case), key, 1-based line, text span."""

    type: str
    key: str
    line: int
    start: int
    end: int
    body: str  # the fields as written, whitespace folded: identical duplicates compare equal
    fields: list[RawField] = field(default_factory=list)


@dataclass
class RawField:
    """A field as written: lower-case name, where it starts, its value's span, macros used."""

    name: str
    start: int
    comma: int  # the ',' before the field: blanking comma..end removes the field cleanly
    value_start: int
    value_end: int
    macros: list[tuple[str, int]]


@dataclass
class Scan:
    entries: list[RawEntry] = field(default_factory=list)
    text: str = ""  # what pandoc reads: same lines, normalised heads, left-out entries blank


class _Malformed(Exception):
    def __init__(self, pos: int, reason: str) -> None:
        super().__init__(reason)
        self.pos = pos
        self.reason = reason


_lines: tuple[str, list[int]] = ("", [])


def _line(text: str, pos: int) -> int:
    """1-based line of ``pos`` (the newline offsets are found once per text)."""
    global _lines
    if _lines[0] is not text:
        _lines = (text, [i for i, c in enumerate(text) if c == "\n"])
    return bisect.bisect_left(_lines[1], pos) + 1


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] not in "\r\n":
            chars[i] = " "


def scan_bib(text: str, shown: str, problems: Problems) -> Scan:
    """Scan ``text``; report problems under the file name ``shown``."""
    result = Scan()
    chars = list(text)
    pos = 0
    seen: dict[str, RawEntry] = {}
    folded: dict[str, RawEntry] = {}
    strings: set[str] = set(_MONTH_MACROS)
    while True:
        at = _next_at(text, pos)
        if at < 0:
            break
        head = _HEAD.match(text, at)
        if not head:
            # Between entries everything is a comment (BibTeX); an '@' that starts a line
            # was meant to start an entry.
            if text[text.rfind("\n", 0, at) + 1 : at].strip() == "":
                problems.error(
                    shown,
                    _line(text, at),
                    "'@' not followed by an entry type and '{'.",
                    "Write entries as @type{key, ...}; outside entries, write '@' only in "
                    "comments.",
                )
            _blank(chars, at, at + 1)
            pos = at + 1
            continue
        kind = head.group(1).lower()
        close = "}" if head.group(2) == "{" else ")"
        line = _line(text, at)
        try:
            if kind == "comment":
                end = _balanced_end(text, head.end(), close)
                _blank(chars, at, end)
                pos = end
                continue
            if kind in ("string", "preamble"):
                end = _balanced_end(text, head.end(), close)
                if kind == "string":
                    name = _NAME.match(text, _skip_space(text, head.end()))
                    if name:
                        strings.add(name.group(0).lower())
                _normalise_head(chars, head, kind, end, close)
                pos = end
                continue
            key_match, end, fields = _entry(text, head.end(), close)
        except _Malformed as bad:
            key = _KEY.match(text, _skip_space(text, head.end()))
            named = f" '{key.group(0)}'" if key and kind not in ("string", "preamble") else ""
            where = _line(text, bad.pos)
            problems.error(
                shown,
                line,
                f"malformed @{kind} entry{named}: {bad.reason}"
                + (f" (line {where})." if where != line else "."),
                _FIX,
            )
            # Resume at the next line that starts an entry.
            nxt = _ENTRY_LINE.search(text, head.end())
            stop = nxt.start() + 1 if nxt else len(text)
            _blank(chars, at, stop)
            pos = stop
            continue
        key = key_match.strip()
        if key.startswith("{") and key.endswith("}"):
            key = key[1:-1]
        body = " ".join(text[key_match_end(text, head.end()) : end - 1].split())
        entry = RawEntry(kind, key, line, at, end, body, fields)
        pos = end
        if not key:
            problems.error(shown, line, f"@{kind} entry without a key.", "Give it a key.")
            _blank(chars, at, end)
            continue
        if key in seen:
            first = seen[key]
            if first.body == body and first.type == kind:
                problems.warning(
                    shown,
                    line,
                    f"entry '{key}' is written twice, the same both times (lines {first.line} "
                    f"and {line}); the first is used.",
                    "Delete the copy.",
                )
            else:
                problems.error(
                    shown,
                    line,
                    f"duplicate key '{key}': it is already used by a different entry at "
                    f"{shown}:{first.line}.",
                    "Rename one of the two entries, or delete the copy, and update citations.",
                )
            _blank(chars, at, end)
            continue
        other = folded.get(key.casefold())
        if other is not None:
            problems.warning(
                shown,
                line,
                f"keys '{key}' and '{other.key}' (line {other.line}) differ only in case; "
                "BibTeX treats them as the same key.",
            )
        if not _PANDOC_KEY.match(key):
            problems.warning(
                shown,
                line,
                f"key '{key}' has characters pandoc's @key syntax does not allow;",
                f"cite it as @{{{key}}} or rename it.",
            )
        seen[key] = entry
        folded.setdefault(key.casefold(), entry)
        result.entries.append(entry)
        _normalise_head(chars, head, kind, end, close)
        if kind not in ENTRY_TYPES:
            hint = did_you_mean(kind, ENTRY_TYPES)
            problems.warning(
                shown,
                line,
                f"entry '{key}': @{kind} is not a BibTeX or biblatex entry type; "
                "it is read as @misc.",
                hint,
            )
            _retype(chars, head, "misc")
    for entry in result.entries:
        _check_fields(text, chars, entry, strings, folded, shown, problems)
    result.text = "".join(chars)
    return result


def _check_fields(
    text: str,
    chars: list[str],
    entry: RawEntry,
    strings: set[str],
    keys: dict[str, RawEntry],
    shown: str,
    problems: Problems,
) -> None:
    """Repeated, unknown and crossref fields, and undefined @string macros."""
    names: set[str] = set()
    for fld in entry.fields:
        line = _line(text, fld.start)
        if fld.name in names:
            problems.warning(
                shown,
                line,
                f"field '{fld.name}' is repeated in entry '{entry.key}'; the first one is used",
            )
            _blank(chars, fld.comma, fld.value_end)  # BibTeX keeps the first
            continue
        names.add(fld.name)
        value = text[fld.value_start : fld.value_end].strip().strip('{}"').strip()
        if fld.name == "year" and re.fullmatch(r"\d{4}[a-z]", value):
            problems.warning(
                shown,
                line,
                f"entry '{entry.key}': year '{value}': the letter is dropped; the style adds "
                f"{value[:4]}a/{value[:4]}b itself when needed.",
            )
        if fld.name not in KNOWN_FIELDS and not fld.name.startswith(_QUIET_PREFIXES):
            hint = did_you_mean(fld.name, KNOWN_FIELDS)
            problems.warning(
                shown,
                line,
                f"entry '{entry.key}': field '{fld.name}' is not a BibTeX or biblatex field "
                "and was ignored.",
                hint,
            )
        for macro, at in fld.macros:
            if macro not in strings:
                problems.warning(
                    shown,
                    _line(text, at),
                    f"@string '{macro}' used in field '{fld.name}' is not defined; "
                    "its name was used as text",
                )
                # The name in braces: the text BibTeX prints for an undefined macro.
                chars[at] = "{" + chars[at]
                chars[at + len(macro) - 1] += "}"
        if fld.name in NAME_FIELDS and not fld.macros:
            for name in _names(value):
                if _top_level(name).count(",") > 2:
                    problems.error(
                        shown,
                        line,
                        f"entry '{entry.key}': the name '{name}' has more than two commas.",
                        "Separate names with ' and ', write each as 'Last, First' or "
                        "'Last, Jr., First' and put a corporate name in braces.",
                    )
        if fld.name in ("crossref", "xref"):
            parent = keys.get(value.casefold())
            if parent is None:
                problems.warning(
                    shown,
                    line,
                    f"entry '{entry.key}': {fld.name} '{value}' is not in this file; "
                    "nothing inherited.",
                    f"Add the parent entry or remove the {fld.name} field.",
                )
            elif parent.key != value:  # BibTeX's crossref ignores case; pandoc's does not
                start = text.index(value, fld.value_start)
                chars[start : start + len(value)] = list(parent.key)


def _top_level(value: str) -> str:
    """``value`` with every braced group removed."""
    out, depth = [], 0
    for c in value:
        depth += (c == "{") - (c == "}")
        if depth == 0 and c != "}":
            out.append(c)
    return "".join(out)


def _names(value: str) -> list[str]:
    """The names of a name list: split on ' and ' outside braces."""
    names, depth, start = [], 0, 0
    for m in re.finditer(r"[{}]|\s+and\s+", value):
        token = m.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            names.append(value[start : m.start()])
            start = m.end()
    names.append(value[start:])
    return [" ".join(n.split()) for n in names if n.strip()]


def _retype(chars: list[str], head: re.Match[str], kind: str) -> None:
    """Write ``@kind{`` over the (normalised) head, padded with spaces after the brace."""
    start, end = head.start(), head.end()
    breaks = "".join(chars[start:end]).count("\n")
    # One list item holds the new head, the others are emptied: every later offset holds.
    chars[start] = f"@{kind}{{" + "\n" * breaks
    chars[start + 1 : end] = [""] * (end - start - 1)


def key_match_end(text: str, pos: int) -> int:
    """Where the fields start: just after the key's comma (or the key itself)."""
    pos = _skip_space(text, pos)
    m = _KEY.match(text, pos)
    pos = _skip_space(text, m.end() if m else pos)
    return pos + 1 if pos < len(text) and text[pos] == "," else pos


def _normalise_head(chars: list[str], head: re.Match[str], kind: str, end: int, close: str) -> None:
    """``@ MaNuAl (`` -> ``@manual{`` padded in place; the closing ``)`` -> ``}``."""
    written = head.group(0)
    new = f"@{kind}{{"
    if written != new:  # '@kind{' is never longer than what was written
        breaks = written.count("\n")
        new += "\n" * breaks + " " * (len(written) - len(new) - breaks)
        chars[head.start() : head.end()] = list(new)
    if close == ")":
        chars[end - 1] = "}"


def _next_at(text: str, pos: int) -> int:
    """The next '@' outside a ``%`` comment line."""
    while True:
        at = text.find("@", pos)
        if at < 0:
            return -1
        line_start = text.rfind("\n", 0, at) + 1
        pct = text.find("%", line_start, at)
        if pct >= 0 and text[line_start:pct].strip() == "":
            pos = text.find("\n", at)
            if pos < 0:
                return -1
            continue
        return at


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _balanced_end(text: str, pos: int, close: str) -> int:
    """End (after the closer) of a block whose opener ends at ``pos``."""
    depth = 0
    stop = _block_limit(text, pos)
    for i in range(pos, stop):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                if close == "}":
                    return i + 1
                raise _Malformed(i, "a '}' closes nothing")
            depth -= 1
        elif c == ")" and close == ")" and depth == 0:
            return i + 1
    raise _Malformed(stop, f"no closing '{close}' (braces are not balanced)")


def _block_limit(text: str, pos: int) -> int:
    """An entry cannot run past a line that starts another entry."""
    m = _ENTRY_LINE.search(text, pos)
    return m.start() if m else len(text)


def _entry(text: str, pos: int, close: str) -> tuple[str, int, list[RawField]]:
    """Check an entry's key and fields; return the key as written, the end, the fields."""
    stop = _block_limit(text, pos)
    pos = _skip_space(text, pos)
    key = _KEY.match(text, pos)
    fields: list[RawField] = []
    if not key or key.end() > stop:
        raise _Malformed(pos, "no key after the opening brace")
    pos = _skip_space(text, key.end())
    if pos < stop and text[pos] == close:
        return key.group(0), pos + 1, fields
    if pos >= stop or text[pos] != ",":
        raise _Malformed(pos, "expected ',' after the key")
    comma = pos
    pos += 1
    while True:
        pos = _skip_space(text, pos)
        if pos >= stop:
            raise _Malformed(stop, f"no closing '{close}'")
        if text[pos] == close:
            return key.group(0), pos + 1, fields
        name = _NAME.match(text, pos)
        if not name:
            raise _Malformed(pos, f"expected a field name, found {text[pos]!r}")
        pos = _skip_space(text, name.end())
        if pos >= stop or text[pos] != "=":
            raise _Malformed(pos, f"expected '=' after the field name '{name.group(0)}'")
        start = _skip_space(text, pos + 1)
        macros: list[tuple[str, int]] = []
        pos = _value(text, start, stop, name.group(0), macros)
        fields.append(RawField(name.group(0).lower(), name.start(), comma, start, pos, macros))
        pos = _skip_space(text, pos)
        if pos < stop and text[pos] == ",":
            comma = pos
            pos += 1
        elif pos < stop and text[pos] == close:
            return key.group(0), pos + 1, fields
        else:
            raise _Malformed(pos, f"expected ',' or '{close}' after the value of '{name.group(0)}'")


def _value(
    text: str, pos: int, stop: int, name: str, macros: list[tuple[str, int]] | None = None
) -> int:
    """Skip ``{...}``, ``"..."``, a number or a macro name, joined by ``#``."""
    while True:
        if pos >= stop:
            raise _Malformed(stop, f"the value of '{name}' is missing or not closed")
        c = text[pos]
        if c == "{":
            pos = _braced(text, pos + 1, stop, name)
        elif c == '"':
            depth = 0
            i = pos + 1
            while i < stop:
                ch = text[i]
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                    if depth < 0:
                        raise _Malformed(i, f"a '}}' closes nothing in the value of '{name}'")
                elif ch == '"' and depth == 0:
                    break
                i += 1
            else:
                raise _Malformed(pos, f"the quoted value of '{name}' is not closed")
            pos = i + 1
        else:
            m = _NAME.match(text, pos)
            if not m:
                raise _Malformed(pos, f"the value of '{name}' is missing")
            if macros is not None and not m.group(0).isdigit():
                macros.append((m.group(0).lower(), m.start()))
            pos = m.end()
        pos = _skip_space(text, pos)
        if pos < stop and text[pos] == "#":
            pos = _skip_space(text, pos + 1)
            continue
        return pos


def _braced(text: str, pos: int, stop: int, name: str) -> int:
    depth = 1
    for i in range(pos, stop):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    raise _Malformed(stop, f"the braces in the value of '{name}' are not balanced")
