"""Formatting citations and the reference list with pandoc's citeproc and a CSL style.

All the citation clusters of a book go to ONE pandoc process: each cluster becomes its
own fenced ``Div`` in a Markdown document, the references are handed over as CSL-JSON,
and pandoc's HTML output is split back into one inline fragment per cluster and one
fragment per reference (in the style's order).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pypandoc

from glossbook.errors import did_you_mean

__all__ = [
    "STYLES_DIR",
    "Formatted",
    "extract_keys",
    "format_citations",
    "resolve_style",
    "shipped_styles",
]

#: Where the CSL styles we ship live.
STYLES_DIR = Path(__file__).parent / "styles" / "csl"

#: A pandoc citation key after ``@``: ``@{anything but braces}`` or a key that starts with
#: a letter, digit or ``_`` and may contain internal punctuation ``:.#$%&-+?<>~/``.
# pandoc's citation key: a word character first, then word characters and single internal
# punctuation marks; or anything but braces inside @{...}. The Markdown stage uses it too.
KEY = r"(?:\{(?P<braced>[^{}]+)\}|(?P<plain>\w(?:\w|[:.#$%&\-+?<>~/](?=\w))*))"
_CITE = re.compile(r"(?<![\w\\@])-?@" + KEY)

# Markdown extensions that could turn a cluster into something other than a citation.
_READER = (
    "markdown-raw_html-raw_tex-raw_attribute-tex_math_dollars-example_lists"
    "-implicit_figures-auto_identifiers-native_divs-native_spans-bracketed_spans"
)
_CLUSTER_ID = "gb-cite-"
_DIV_OPEN = re.compile(r'<div id="([^"]*)"[^>]*>')
_DIV_TAG = re.compile(r"<div\b[^>]*>|</div>")
_BIBLIOREF = re.compile(r'<a href="#ref-([^"]*)" role="doc-biblioref">')
_SPAN_TAG = re.compile(r"<span\b[^>]*>|</span>")
# Spans citeproc leaves behind that mean nothing in the output.
_EMPTY_SPANS = ("<span>", '<span class="nocase">')


@dataclass
class Formatted:
    """Citations (one inline HTML fragment per cluster) and the reference list."""

    citations: list[str]
    references: list[tuple[str, str]]
    warnings: list[str] = field(default_factory=list)


def shipped_styles() -> list[str]:
    """Names of the CSL styles shipped with glossbook."""
    return sorted(p.stem for p in STYLES_DIR.glob("*.csl"))


def resolve_style(style: str | Path) -> Path:
    """The CSL file for a shipped style name or a path; ``ValueError`` if there is none."""
    if isinstance(style, Path) or str(style).endswith(".csl") or "/" in str(style):
        path = Path(style)
        if not path.is_file():
            raise ValueError(f"CSL style file not found: {path}")
        return path
    path = STYLES_DIR / f"{style}.csl"
    if path.is_file():
        return path
    names = shipped_styles()
    hint = did_you_mean(str(style), names)
    raise ValueError(
        f"unknown citation style '{style}'. Shipped styles: {', '.join(names)}; "
        f"or give the path to a .csl file.{' ' + hint if hint else ''}"
    )


def extract_keys(cluster: str) -> list[str]:
    """The citation keys of a raw cluster, in order (``[see @a, p. 2; -@{b c}]``)."""
    return [m.group("braced") or m.group("plain") for m in _CITE.finditer(cluster)]


def format_citations(
    references: list[dict[str, Any]],
    clusters: list[str],
    style: str | Path = "chicago-author-date",
    lang: str = "en-US",
    link_prefix: str = "#ref-",
    nocite: Sequence[str] = (),
) -> Formatted:
    """Format every cluster and the list of cited works with one pandoc run.

    ``references`` are CSL-JSON items; ``clusters`` raw pandoc citations as written
    (``"[@a, p. 12; see @b]"``, ``"@a"``, ``"@a [p. 33]"``, ``"[-@a]"``). ``nocite``
    keys (``"*"``: all) are listed among the references without being cited. Raises
    ``ValueError`` for an unknown style or a string that is not a citation, and
    ``RuntimeError`` if pandoc fails.
    """
    csl_path = resolve_style(style)
    if _is_note_style(csl_path):
        raise ValueError(
            f"{csl_path.name} is a note style; glossbook formats in-text "
            "(author-date, numeric, label) styles only."
        )
    document = _document(clusters, nocite)
    with tempfile.TemporaryDirectory(prefix="glossbook-csl-") as tmp:
        refs_path = Path(tmp) / "references.json"
        refs_path.write_text(json.dumps(references, ensure_ascii=False), encoding="utf-8")
        output, warnings = _run_pandoc(document, csl_path, refs_path, lang)
    citations = _split_citations(output, clusters, link_prefix)
    return Formatted(citations, _split_references(output), warnings)


# --------------------------------------------------------------------------- input


def _document(clusters: Iterable[str], nocite: Sequence[str]) -> str:
    """The Markdown pandoc reads: optional ``nocite`` metadata, then one Div per cluster."""
    parts: list[str] = []
    if nocite:
        keys = []
        for key in nocite:
            if "{" in key or "}" in key or "\n" in key:
                raise ValueError(f"nocite key {key!r} cannot be written in pandoc syntax")
            keys.append("@*" if key == "*" else f"@{{{key}}}")  # "*": every reference
        parts.append("---\nnocite: |\n  " + ", ".join(keys) + "\n...\n")
    for i, cluster in enumerate(clusters):
        text = " ".join(cluster.split())
        if not text.startswith(("[", "@")) or not extract_keys(text):
            raise ValueError(f"not a citation: {cluster!r}")
        parts.append(f"::: {{#{_CLUSTER_ID}{i}}}\n{text}\n:::\n")
    return "\n".join(parts)


def _is_note_style(path: Path) -> bool:
    head = path.read_text(encoding="utf-8", errors="replace")[:4000]
    m = re.search(r"<style\b[^>]*\bclass=\"([^\"]+)\"", head)
    return bool(m and m.group(1) == "note")


def _run_pandoc(document: str, csl: Path, refs: Path, lang: str) -> tuple[str, list[str]]:
    command = [
        pypandoc.get_pandoc_path(),
        "--citeproc",
        f"--from={_READER}",
        "--to=html",
        "--wrap=none",
        f"--csl={csl}",
        f"--bibliography={refs}",
        "--metadata=link-citations=true",
        f"--metadata=lang={lang}",
    ]
    result = subprocess.run(command, input=document.encode("utf-8"), capture_output=True)
    stderr = result.stderr.decode("utf-8", errors="replace")
    if result.returncode != 0:
        raise RuntimeError(f"pandoc failed (exit {result.returncode}):\n{stderr.strip()}")
    warnings = [
        line.removeprefix("[WARNING]").strip()
        for line in stderr.splitlines()
        if line.startswith("[WARNING]")
    ]
    return result.stdout.decode("utf-8"), list(dict.fromkeys(warnings))


# --------------------------------------------------------------------------- output


def _divs(output: str) -> dict[str, str]:
    """Inner HTML of every ``<div id=...>`` (nested divs included), by unescaped id."""
    found: dict[str, str] = {}
    for m in _DIV_OPEN.finditer(output):
        depth = 0
        for tag in _DIV_TAG.finditer(output, m.start()):
            depth += -1 if tag.group(0) == "</div>" else 1
            if depth == 0:
                found[html.unescape(m.group(1))] = output[m.end() : tag.start()].strip()
                break
    return found


def _split_citations(output: str, clusters: list[str], link_prefix: str) -> list[str]:
    divs = _divs(output)
    ours = [divs[k] for k in divs if k.startswith(_CLUSTER_ID)]
    if len(ours) != len(clusters):  # a bug in this module, not in the book
        raise AssertionError(f"pandoc returned {len(ours)} citations for {len(clusters)} clusters")
    citations = []
    for i, cluster in enumerate(clusters):
        inner = divs[f"{_CLUSTER_ID}{i}"]
        if not (inner.startswith("<p>") and inner.endswith("</p>")) or "</p>" in inner[3:-4]:
            raise AssertionError(f"cluster {i} did not come back as one paragraph: {inner!r}")
        inner = inner[3:-4]
        if not inner.startswith('<span class="citation"') or _span_end(inner) != len(inner):
            raise ValueError(f"not a single citation: {cluster!r} (pandoc read it as {inner!r})")
        citations.append(_clean(_relink(inner, link_prefix)))
    return citations


def _span_end(fragment: str) -> int:
    """End of the span that opens ``fragment``."""
    depth = 0
    for tag in _SPAN_TAG.finditer(fragment):
        depth += -1 if tag.group(0) == "</span>" else 1
        if depth == 0:
            return tag.end()
    return -1


def _split_references(output: str) -> list[tuple[str, str]]:
    divs = _divs(output)
    return [(key[4:], _clean(body)) for key, body in divs.items() if key.startswith("ref-")]


def _relink(fragment: str, link_prefix: str) -> str:
    def link(m: re.Match[str]) -> str:
        key = unquote(html.unescape(m.group(1)))
        href = html.escape(link_prefix + quote(key, safe="!$&'()*+,;=:@/?-._~"), quote=True)
        return f'<a href="{href}" class="citation-link" role="doc-biblioref">'

    return _BIBLIOREF.sub(link, fragment)


def _clean(fragment: str) -> str:
    """Drop spans that carry nothing (``<span>``, ``nocase``); keep all other markup."""
    out: list[str] = []
    stack: list[bool] = []  # True: this span is dropped
    pos = 0
    for m in _SPAN_TAG.finditer(fragment):
        out.append(fragment[pos : m.start()])
        pos = m.end()
        tag = m.group(0)
        if tag == "</span>":
            if stack and stack.pop():
                continue
        else:
            drop = tag in _EMPTY_SPANS
            stack.append(drop)
            if drop:
                continue
        out.append(tag)
    out.append(fragment[pos:])
    return "".join(out).strip()
