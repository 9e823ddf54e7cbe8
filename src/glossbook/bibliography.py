"""Reading a BibTeX/biblatex ``.bib`` file into CSL-JSON items, as pandoc reads it.

``bibscan`` finds every entry (key and line) and every malformed one; pandoc's own biblatex
reader (``pandoc -f biblatex``, the reader ``pandoc --citeproc`` uses) reads the fields:
LaTeX, ``@string`` macros, ``crossref`` inheritance, name parts, dates, localisation keys,
English titles in sentence case. Its output (pandoc's JSON, which keeps case protection and
TeX math, unlike its CSL-JSON writer) becomes CSL-JSON here, with these corrections, each
tested in ``tests/test_bibliography.py``:

- a braced family name (``{van den Briel}``) stays whole: citeproc would split particles
  off it again (biblatex manual 3.4, "Name lists": braces make one name part);
- TeX math prints as text (``$h^+$`` -> h⁺), by pandoc's own texmath, instead of raw TeX;
- braces in plain-text fields (``type = {{PhD} thesis}``) are not printed;
- the argument of a TeX command pandoc does not know (``\\mbox{LP}``) is printed, as
  LaTeX prints it, rather than dropped.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypandoc

from glossbook.bibscan import scan_bib
from glossbook.errors import Problem, Problems
from glossbook.sources import decode_utf8

__all__ = ["BibEntry", "Bibliography", "load_bibliography"]

#: Bumped when the conversion below changes, so cached readings are not reused.
_FORMAT = 1


@dataclass
class BibEntry:
    """One entry: its key, the 1-based line of its ``@type{key,``, and its CSL-JSON item."""

    key: str
    line: int
    csl: dict[str, Any]


@dataclass
class Bibliography:
    """The entries of a .bib file in file order, and the warnings found reading it."""

    entries: dict[str, BibEntry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


_UPPER = {"url": "URL", "doi": "DOI", "isbn": "ISBN", "issn": "ISSN", "pmid": "PMID"}
_DATES = {"issued", "accessed", "event-date", "original-date", "available-date", "submitted"}
_DATE = re.compile(r"^(-?\d{1,4})(?:-(\d\d)(?:-(\d\d))?)?([~?%]?)$")
_DEFINED = re.compile(r"\\(?:(?:re)?newcommand\*?\s*\{?\s*|def\s*)(\\[A-Za-z]+)")
_YEAR_LETTER = re.compile(r"^\d{4}[a-z]$")
_URL_ESCAPE = re.compile(r"\\([_%&#$~{}])")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_TEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?|[{}]")
_PANDOC_ERROR = re.compile(r'Error at "[^"]*" \(line (\d+), column \d+\):\s*(.*)', re.DOTALL)


def load_bibliography(
    path: Path,
    display_path: str | None = None,
    *,
    lang: str = "en-US",
    cache_dir: Path | None = None,
) -> Bibliography:
    """Read ``path`` into CSL-JSON items; raise ``ContentError`` listing every error.

    ``display_path`` names the file in problems (default: ``path``). ``lang`` is the
    language of entries without ``langid``: pandoc sentence-cases English titles only.
    With ``cache_dir``, the reading (entries, lines and warnings) is kept there and reused
    while the file is the same: an unchanged bibliography is neither scanned nor read by
    pandoc again.
    """
    shown = display_path or str(path)
    data = Path(path).read_bytes()
    inputs = b"\0".join(s.encode("utf-8") for s in (str(_FORMAT), pandoc_version(), lang, shown))
    digest = hashlib.sha256(inputs + b"\0" + data).hexdigest()
    cached = cache_dir / f"bib-{digest[:32]}.json" if cache_dir else None
    if cached is not None and cached.is_file():
        try:
            kept = json.loads(cached.read_text(encoding="utf-8"))
            return Bibliography(
                {key: BibEntry(key, line, item) for key, line, item in kept["entries"]},
                [Problem(*problem) for problem in kept["problems"]],
            )
        except (OSError, ValueError, KeyError, TypeError):
            pass
    result = _load(data, shown, lang)
    if cached is not None:
        kept = {
            "entries": [[e.key, e.line, e.csl] for e in result.entries.values()],
            "problems": [[p.file, p.line, p.message, p.hint, p.severity] for p in result.problems],
        }
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".tmp")
            tmp.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
            tmp.replace(cached)
        except OSError:
            pass  # a cache that cannot be written is only slower
    return result


def _load(data: bytes, shown: str, lang: str) -> Bibliography:
    problems = Problems()
    text = decode_utf8(
        data,
        shown,
        problems,
        "Save it as UTF-8 (JabRef: File > Properties > Encoding; BibDesk: Preferences).",
    )
    problems.raise_if_errors()
    assert text is not None
    scan = scan_bib(text, shown, problems)
    problems.raise_if_errors()
    items = _read(_with_language(scan.text, scan.entries, lang), shown, problems)
    problems.raise_if_errors()
    result = Bibliography()
    unknown_tex = items.get("", {})
    for entry in scan.entries:
        if entry.key in unknown_tex:
            commands = ", ".join(unknown_tex[entry.key])
            problems.warning(
                shown,
                entry.line,
                f"entry '{entry.key}': LaTeX command {commands} unknown to pandoc; "
                "its argument is printed as text.",
                "Write the text in Unicode, or use a command BibTeX knows.",
            )
        item = items.get(entry.key)
        if item is None:  # pandoc left it out: an entry type it does not read
            problems.warning(
                shown,
                entry.line,
                f"@{entry.type} '{entry.key}' was not read by pandoc.",
                "Use a BibTeX or biblatex entry type.",
            )
            continue
        # An entry without langid is in the book's language (biblatex's default): marked,
        # so that a style in another locale still title-cases an English title.
        item.setdefault("language", lang)
        if entry.type == "techreport" and "genre" not in item:
            # biblatex: @techreport is @report with type = {techreport} ("Technical report").
            item["genre"] = "Technical report"
        status = item.get("status")
        if isinstance(status, str) and item.get("issued") == {"raw": status}:
            del item["issued"]  # year = {forthcoming}: the status says it, once
        result.entries[entry.key] = BibEntry(entry.key, entry.line, item)
    result.problems = problems.warnings
    return result


def _with_language(text: str, entries: list[Any], lang: str) -> str:
    """For a book not in English, entries without ``langid`` get the book's language.

    pandoc's reader takes English as the default and sentence-cases the titles; within
    ``pandoc --citeproc`` it takes the document's language instead. Same line count.
    """
    if lang.lower().startswith("en"):
        return text
    out: list[str] = []
    pos = 0
    for entry in entries:
        body = text[entry.start : entry.end]
        if re.search(r"[,\s](langid|language)\s*=", body, re.IGNORECASE):
            continue
        comma = text.find(",", entry.start, entry.end)
        if comma < 0:
            continue
        out.append(text[pos : comma + 1])
        out.append(f" langid = {{{lang}}},")
        pos = comma + 1
    out.append(text[pos:])
    return "".join(out)


@functools.cache
def pandoc_version() -> str:
    return str(pypandoc.get_pandoc_version())


def _read(text: str, shown: str, problems: Problems) -> dict[str, dict[str, Any]]:
    """pandoc's reading of ``text``: CSL-JSON items by key; under ``""``, by key, the TeX
    commands pandoc does not know."""
    tex: dict[str, list[str]] = {}
    result = subprocess.run(
        [pypandoc.get_pandoc_path(), "--from=biblatex", "--to=json", "--standalone"],
        input=text.encode("utf-8"),
        capture_output=True,
    )
    stderr = result.stderr.decode("utf-8", errors="replace").strip()
    if result.returncode != 0:
        m = _PANDOC_ERROR.search(stderr)
        said = " ".join((m.group(2) if m else stderr).split())[:300]
        problems.error(
            shown,
            int(m.group(1)) if m else None,
            f"pandoc cannot read the bibliography: {said}.",
            "Check the entry at this line.",
        )
        return {}
    for line in stderr.splitlines():
        if line.startswith("[WARNING]"):
            problems.warning(shown, None, f"pandoc: {line.removeprefix('[WARNING]').strip()}")
    meta = json.loads(result.stdout)["meta"]
    references = meta.get("references", {}).get("c", [])
    maths = _Ctx()
    maths.defined = set(_DEFINED.findall(text))
    items = []
    for ref in references:
        maths.raw = []
        item = _item(ref["c"], maths)
        if maths.raw:
            tex[str(item.get("id"))] = sorted(set(maths.raw))
        items.append(item)
    if maths:
        rendered = _render_math(list(maths))
        for item in items:
            _fill_math(item, rendered)
    return {"": tex} | {str(item["id"]): item for item in items}


# --------------------------------------------------------------------------- conversion


class _Ctx(dict[str, str]):
    """TeX math met while converting (source -> slot), and unknown TeX commands."""

    raw: list[str]
    defined: set[str]


def _item(fields: dict[str, Any], maths: _Ctx) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for name, value in fields.items():
        key = _UPPER.get(name, name)
        converted = _value(value, maths)
        if key in _DATES and isinstance(converted, str):
            converted = _date(converted)
        elif key in ("DOI", "URL") and isinstance(converted, str):
            converted = _identifier(key, converted)
        elif key == "language" and isinstance(converted, str):
            lang, _, region = converted.partition("-")
            converted = f"{lang}-{region.upper()}" if len(region) == 2 else converted
        elif key in ("author", "editor") or isinstance(converted, list):
            converted = [_name(n) if isinstance(n, dict) else n for n in converted]
        item[key] = converted
    return item


def _value(value: dict[str, Any], maths: _Ctx) -> Any:
    kind, content = value["t"], value.get("c")
    if kind == "MetaString":
        return content if "{" not in content else _TEX_COMMAND.sub("", content)
    if kind == "MetaInlines":
        return _inlines(content, maths).strip()
    if kind == "MetaBlocks":
        return " ".join(_inlines(b.get("c", []), maths) for b in content).strip()
    if kind == "MetaList":
        return [_value(v, maths) for v in content]
    if kind == "MetaMap":
        return {k: _value(v, maths) for k, v in content.items()}
    return content  # MetaBool


def _name(name: dict[str, Any]) -> dict[str, Any]:
    """Keep pandoc's name parts as they are: citeproc must not split particles off again."""
    family = name.get("family")
    if isinstance(family, str) and "non-dropping-particle" not in name:
        first = family.split(" ", 1)[0]
        if " " in family and first[:1].islower():
            name["non-dropping-particle"] = ""  # citeproc splits only when this is absent
    particle = name.get("dropping-particle")
    if isinstance(particle, str) and particle[:1].isupper() and "given" not in name:
        # `{\'E}mile Zola`: pandoc takes the braced accent for a lower-case "von" part;
        # BibTeX decides a special character's case by its letter (Tame the BeaST, 11).
        name["given"] = name.pop("dropping-particle")
    return name


def _identifier(key: str, value: str) -> str:
    """A DOI or URL as the identifier itself: no TeX escapes (``10.1000/a\\_b``), and a DOI
    without the resolver in front, which every style adds (DOI Handbook 3.7.3)."""
    value = _URL_ESCAPE.sub(r"\1", value).strip()
    return _DOI_PREFIX.sub("", value) if key == "DOI" else value


def _date(value: str) -> dict[str, Any]:
    parts = []
    circa = False
    if _YEAR_LETTER.match(value):  # "1986a": the style adds the letter when it is needed
        return {"date-parts": [[int(value[:-1])]]}
    pieces = value.split("/") if "/" in value else re.split(r"--|–", value)
    for piece in pieces:
        m = _DATE.match(piece.strip())
        if not m:
            return {"raw": value}
        circa = circa or m.group(4) in ("~", "%")
        parts.append([int(g) for g in m.groups()[:3] if g is not None])
    return {"date-parts": parts, "circa": True} if circa else {"date-parts": parts}


_WRAP = {
    "Emph": ("<i>", "</i>"),
    "Strong": ("<b>", "</b>"),
    "Superscript": ("<sup>", "</sup>"),
    "Subscript": ("<sub>", "</sub>"),
    "SmallCaps": ('<span style="font-variant:small-caps;">', "</span>"),
}
_MATH = "\x00math{}\x00"
_MATH_SLOT = re.compile("\x00math(\\d+)\x00")


def _inlines(inlines: list[dict[str, Any]], maths: _Ctx) -> str:
    out: list[str] = []
    for node in inlines:
        kind, c = node["t"], node.get("c")
        if kind == "Str":
            out.append(c)  # citeproc reads no entities: text as it is
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif kind in _WRAP:
            start, end = _WRAP[kind]
            out.append(start + _inlines(c, maths) + end)
        elif kind == "Span":
            inner = _inlines(c[1], maths)
            out.append(f'<span class="nocase">{inner}</span>' if "nocase" in c[0][1] else inner)
        elif kind == "Quoted":
            left, right = ("“", "”") if c[0]["t"] == "DoubleQuote" else ("‘", "’")
            out.append(left + _inlines(c[1], maths) + right)
        elif kind in ("Link", "Image"):
            out.append(_inlines(c[1], maths))
        elif kind in ("Underline", "Strikeout"):
            out.append(_inlines(c, maths))
        elif kind == "Code":
            out.append(c[1])
        elif kind == "Math":
            out.append(_MATH.format(maths.setdefault(c[1], str(len(maths)))))
        elif kind == "RawInline":
            commands = re.findall(r"\\[A-Za-z]+", c[1])
            if any(command in maths.defined for command in commands):
                continue  # defined in @preamble (\noopsort{a}, a sorting trick): not printed
            # A TeX command pandoc does not know: print its argument, as LaTeX would.
            maths.raw.extend(commands)
            out.append(" ".join(_TEX_COMMAND.sub("", c[1]).split()))
        elif kind == "Cite":
            out.append(_inlines(c[1], maths))
        # Note and anything else: nothing to print in a reference.
    return "".join(out)


def _render_math(sources: list[str]) -> dict[str, str]:
    """TeX math as HTML text (italic letters, sup/sub), by pandoc's texmath: one run."""
    doc = {
        "pandoc-api-version": [1, 23, 1],
        "meta": {},
        "blocks": [
            {"t": "Para", "c": [{"t": "Math", "c": [{"t": "InlineMath"}, s]}]} for s in sources
        ],
    }
    out = subprocess.run(
        [pypandoc.get_pandoc_path(), "--from=json", "--to=html", "--wrap=none"],
        input=json.dumps(doc).encode("utf-8"),
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    paragraphs = re.findall(r"<p>(.*?)</p>", out, re.DOTALL)
    rendered: dict[str, str] = {}
    for i, para in enumerate(paragraphs):
        para = re.sub(r'<span class="math inline">(.*)</span>', r"\1", para, flags=re.DOTALL)
        para = para.replace("<em>", "<i>").replace("</em>", "</i>")
        para = para.replace("<strong>", "<b>").replace("</strong>", "</b>")
        rendered[str(i)] = para
    return rendered


def _fill_math(value: Any, rendered: dict[str, str]) -> Any:
    if isinstance(value, dict):
        for k, v in value.items():
            value[k] = _fill_math(v, rendered)
        return value
    if isinstance(value, list):
        return [_fill_math(v, rendered) for v in value]
    if isinstance(value, str) and "\x00" in value:
        return _MATH_SLOT.sub(lambda m: rendered.get(m.group(1), ""), value)
    return value
