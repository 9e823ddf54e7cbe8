"""Side by side: glossbook's formatting of a .bib and pandoc's own reading of it
(``pandoc --citeproc --bibliography=file.bib``), as plain text, cite by cite."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

from glossbook.bibliography import load_bibliography
from glossbook.csl import _divs, citeproc_command, format_citations, resolve_style


def plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def ours(bib: Path, style: str) -> tuple[dict[str, str], dict[str, str]]:
    entries = load_bibliography(bib, bib.name).entries
    keys = list(entries)
    formatted = format_citations(
        [e.csl for e in entries.values()], [f"[@{k}]" for k in keys], style=style
    )
    cites = {k: plain(c) for k, c in zip(keys, formatted.citations, strict=True)}
    return cites, {k: plain(r) for k, r in formatted.references}


def pandoc(bib: Path, keys: list[str], style: str) -> tuple[dict[str, str], dict[str, str]]:
    document = "\n\n".join(f"::: {{#c-{i}}}\n[@{k}]\n:::" for i, k in enumerate(keys))
    result = subprocess.run(
        citeproc_command(bib, resolve_style(style)),
        input=document.encode("utf-8"),
        capture_output=True,
        check=True,
    )
    divs = _divs(result.stdout.decode("utf-8"))
    cites = {k: plain(divs[f"c-{i}"]) for i, k in enumerate(keys)}
    refs = {k[4:]: plain(v) for k, v in divs.items() if k.startswith("ref-")}
    return cites, refs


def differences(bib: Path, style: str) -> tuple[int, dict[str, tuple[str, str]]]:
    """How many strings were compared, and those that differ: {"cite:key": (ours, pandoc)}."""
    our_cites, our_refs = ours(bib, style)
    their_cites, their_refs = pandoc(bib, list(our_cites), style)
    found: dict[str, tuple[str, str]] = {}
    for kind, mine, theirs in (("cite", our_cites, their_cites), ("ref", our_refs, their_refs)):
        for key in mine.keys() | theirs.keys():
            a, b = mine.get(key, "(missing)"), theirs.get(key, "(missing)")
            if a != b:
                found[f"{kind}:{key}"] = (a, b)
    return len(our_cites) + len(our_refs | their_refs), found
