"""Formatting citations and the reference list with pandoc's citeproc and a CSL style.

The citation clusters of a book go to pandoc as a Markdown document, each cluster its
own fenced ``Div``, the references as CSL-JSON; pandoc's HTML output is split back into
one inline fragment per cluster and one fragment per reference (in the style's order).
Works that cannot affect one another's formatting are formatted in separate runs, in
parallel, each run cached on its own (see ``_format_split``); the result is one run's.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
import re
import subprocess
import tempfile
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pypandoc

from glossbook.cslstyles import find_style

#: Bumped when the output of a run changes shape, so cached runs are not reused.
_CACHE_FORMAT = 1

__all__ = [
    "Formatted",
    "cache_folder",
    "citeproc_command",
    "extract_keys",
    "format_citations",
    "resolve_style",
]

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


def cache_folder(root: Path) -> Path:
    """Where citation work is kept between builds: ``build/.cache/citeproc`` of the book,
    or ``$GLOSSBOOK_CITEPROC_CACHE`` when set (the tests keep it out of the repository)."""
    folder = os.environ.get("GLOSSBOOK_CITEPROC_CACHE")
    return Path(folder) if folder else root / "build" / ".cache" / "citeproc"


def resolve_style(style: str | Path) -> Path:
    """The CSL file for a style name of the CSL repository or a path; ``ValueError`` if none."""
    if isinstance(style, Path) or str(style).endswith(".csl") or "/" in str(style):
        path = Path(style)
        if not path.is_file():
            raise ValueError(f"CSL style file not found: {path}")
        return path
    return find_style(str(style))


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
    cache_dir: Path | None = None,
    split: bool = True,
) -> Formatted:
    """Format every cluster and the list of cited works.

    ``references`` are CSL-JSON items; ``clusters`` raw pandoc citations as written
    (``"[@a, p. 12; see @b]"``, ``"@a"``, ``"@a [p. 33]"``, ``"[-@a]"``). ``nocite``
    keys (``"*"``: all) are listed among the references without being cited. Raises
    ``ValueError`` for an unknown style or a string that is not a citation, and
    ``RuntimeError`` if pandoc fails.

    citeproc gets only the works cited and only the fields the style can print. With
    ``cache_dir``, the result is kept there under a hash of every input (style, works,
    clusters in order, language), and an unchanged book costs no pandoc run at all.
    With ``split``, works that cannot affect one another's formatting are formatted in
    separate pandoc runs, in parallel (see ``_groups``); the result is the same. Each of
    those runs is cached by its own inputs too: a changed citation runs its group again.
    """
    csl_path = resolve_style(style)
    style_text = csl_path.read_text(encoding="utf-8", errors="replace")
    if _is_note_style(style_text):
        raise ValueError(
            f"{csl_path.name} is a note style; glossbook formats in-text "
            "(author-date, numeric, label) styles only."
        )
    document = _document(clusters, nocite)  # checks every cluster first
    items = _needed(references, clusters, nocite, _style_variables(style_text))
    run = _Run(csl_path, style_text, lang, link_prefix, cache_dir)
    cached = run.cached("run", document, items)
    if cached is not None:
        return cached
    formatted = None
    if split and not nocite:
        formatted = _format_split(items, clusters, run)
    if formatted is None:
        formatted = run.format(items, clusters, nocite)
    run.store("run", document, items, formatted)
    if cache_dir is not None:
        _prune(cache_dir)
    return formatted


#: Results kept in the cache, by kind: whole runs, and the split runs (a preview session
#: leaves one of each behind per edit); the least recently used go first.
_KEEP = {"run": 16, "part": 1000, "order": 16, "shape": 16}


def _prune(folder: Path) -> None:
    for kind, keep in _KEEP.items():
        try:
            found = sorted(
                ((p.stat().st_mtime, p) for p in folder.glob(f"{kind}-*.json")), reverse=True
            )
            for _, path in found[keep:]:
                path.unlink(missing_ok=True)
        except OSError:
            pass  # another build pruned it first


@dataclass(frozen=True)
class _Run:
    """How every pandoc run of one ``format_citations`` call formats, and where its results
    are kept: the whole run's, and each split run's on its own (so that a change in one
    group of works costs that group's run only)."""

    csl_path: Path
    style_text: str
    lang: str
    link_prefix: str
    cache_dir: Path | None

    def _path(self, kind: str, document: str, items: list[dict[str, Any]]) -> Path | None:
        if self.cache_dir is None:
            return None
        inputs = [
            _CACHE_FORMAT,
            _pandoc_version(),
            self.style_text,
            self.lang,
            self.link_prefix,
            document,
            items,
        ]
        digest = hashlib.sha256(
            json.dumps(inputs, ensure_ascii=False, sort_keys=True).encode("utf-8")
        ).hexdigest()
        return self.cache_dir / f"{kind}-{digest[:32]}.json"

    def cached(self, kind: str, document: str, items: list[dict[str, Any]]) -> Formatted | None:
        path = self._path(kind, document, items)
        if path is None or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            os.utime(path)  # recently used: kept when the cache is pruned
            return Formatted(
                data["citations"], [tuple(r) for r in data["references"]], data["warnings"]
            )
        except (OSError, ValueError, KeyError):
            return None

    def store(
        self, kind: str, document: str, items: list[dict[str, Any]], formatted: Formatted
    ) -> None:
        path = self._path(kind, document, items)
        if path is not None:
            _store(path, formatted)

    def format(
        self,
        items: list[dict[str, Any]],
        clusters: list[str],
        nocite: Sequence[str] = (),
        style_text: str | None = None,
        kind: str = "",
    ) -> Formatted:
        """One pandoc run (with ``style_text`` instead of the style, if given); a ``kind``
        keeps its result in the cache under that name."""
        run = self if style_text is None else replace(self, style_text=style_text)
        document = _document(clusters, nocite)
        if kind:
            cached = run.cached(kind, document, items)
            if cached is not None:
                return cached
        if style_text is None:
            formatted = _format_one(
                items, clusters, self.csl_path, self.lang, self.link_prefix, nocite
            )
        else:
            with tempfile.TemporaryDirectory(prefix="glossbook-csl-") as tmp:
                path = Path(tmp) / "style.csl"
                path.write_text(style_text, encoding="utf-8")
                formatted = _format_one(items, clusters, path, self.lang, self.link_prefix, nocite)
        if kind:
            run.store(kind, document, items, formatted)
        return formatted


def _format_one(
    items: list[dict[str, Any]],
    clusters: list[str],
    csl_path: Path,
    lang: str,
    link_prefix: str,
    nocite: Sequence[str] = (),
) -> Formatted:
    """One pandoc run: every cluster, every work, and the reference list."""
    document = _document(clusters, nocite)
    with tempfile.TemporaryDirectory(prefix="glossbook-csl-") as tmp:
        refs_path = Path(tmp) / "references.json"
        refs_path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        output, warnings = _run_pandoc(document, csl_path, refs_path, lang)
    citations = _split_citations(output, clusters, link_prefix)
    return Formatted(citations, _split_references(output), warnings)


# --------------------------------------------------------------------------- splitting
#
# citeproc's cost grows faster than linearly with the works cited (its disambiguation
# compares cites with one another). Two cites can only be confused, and so disambiguated
# (added names, given names, 2012a/2012b), if they print the same first name: works whose
# first names (of every name variable) share no family name, and that no cluster cites
# together, cannot affect one another. Each such group is formatted on its own; the
# reference list is put back in the style's order with one cheap run that only sorts.
# Styles where this does not hold run whole: numeric and label styles (numbers and labels
# are global), given-name disambiguation over all names ("all-names" rules).

#: Works per pandoc run when groups are packed together (exactness does not depend on it).
#: citeproc's cost grows faster than its works and clusters: reading a book of 1,000 entries
#: citing 200 works 7,000 times took 14.5 s with one run, 10.4 s with five runs of about 40
#: works on one core, 6.0 s on two.
_BATCH = 40
_NAME_VARIABLES = (
    "author", "editor", "translator", "container-author", "collection-editor", "composer",
    "director", "interviewer", "recipient", "reviewed-author", "editorial-director",
    "illustrator", "original-author", "compiler", "chair", "curator", "organizer",
    "performer", "producer", "narrator", "host", "guest", "contributor", "executive-producer",
    "script-writer", "series-creator",
)  # fmt: skip


def _splittable(style_text: str) -> bool:
    if "citation-number" in style_text or "citation-label" in style_text:
        return False
    rule = re.search(r'givenname-disambiguation-rule="([^"]+)"', style_text)
    return not (rule and rule.group(1).startswith("all-names"))


def _name_keys(item: dict[str, Any]) -> list[str]:
    """Family names a cite of ``item`` may print first: the first author's; without an
    author, the first name of every name variable (the style's substitute may use any)."""
    keys = []
    for variable in ("author",) if item.get("author") else _NAME_VARIABLES:
        names = item.get(variable)
        if isinstance(names, list) and names and isinstance(names[0], dict):
            first = names[0]
            keys.append(str(first.get("family") or first.get("literal") or "").casefold())
    return keys or ["\0no names"]  # works without names are told apart by title: together


def _cites(cluster: str) -> list[str] | None:
    """The cites of a bracketed cluster, each with one key; ``None`` if it is not one."""
    text = " ".join(cluster.split())
    if not (text.startswith("[") and text.endswith("]")):
        return None
    cites = [c.strip() for c in text[1:-1].split(";")]
    return cites if all(len(extract_keys(c)) == 1 for c in cites) else None


def _groups(
    items: list[dict[str, Any]], clusters: list[str]
) -> tuple[list[list[str]], dict[str, str]]:
    """Keys of works that may affect one another's formatting, grouped (union-find), and
    each work's group. A cluster citing several groups is formatted in parts (one per
    group) when each group's cites stand together in it; otherwise its groups are one."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> bool:
        ra, rb = find(a), find(b)
        parent[ra] = rb
        return ra != rb

    ids = {str(item["id"]) for item in items}
    for item in items:
        for name in _name_keys(item):
            union("\0" + name, str(item["id"]))
    several = [c for c in clusters if len(set(extract_keys(c))) > 1]
    changed = True
    while changed:  # until no cluster joins groups any more
        changed = False
        for cluster in several:
            keys = [k for k in extract_keys(cluster) if k in ids]
            runs = [find(k) for k in keys]
            seen: list[str] = []
            for group in runs:
                if not seen or seen[-1] != group:
                    seen.append(group)
            if _cites(cluster) is None or len(seen) != len(set(seen)):
                for other in keys[1:]:
                    changed |= union(keys[0], other)
    groups: dict[str, list[str]] = {}
    for item in items:
        groups.setdefault(find(str(item["id"])), []).append(str(item["id"]))
    return list(groups.values()), {k: find(k) for k in ids}


def _batches(groups: list[list[str]], by_id: dict[str, dict[str, Any]]) -> list[list[str]]:
    """The groups packed into runs of about ``_BATCH`` works, the same runs from one build
    to the next: the groups in the order of their first names, a run ending after a group
    whose name hashes below its size (one in ``_BATCH`` works on average) or at twice
    ``_BATCH``. Where a run ends depends on its own groups only, so a change in one group
    (a work cited or no longer cited, a cluster changed) changes one run's inputs, and the
    other runs come from the cache."""
    labelled = sorted(
        (min(n for k in group for n in _name_keys(by_id[k])), min(group), group) for group in groups
    )
    batches: list[list[str]] = [[]]
    for label, _, group in labelled:
        if len(batches[-1]) + len(group) > 2 * _BATCH and batches[-1]:
            batches.append([])
        batches[-1].extend(group)
        if zlib.crc32(label.encode("utf-8")) % _BATCH < len(group):
            batches.append([])
    return [batch for batch in batches if batch]


def _format_split(items: list[dict[str, Any]], clusters: list[str], run: _Run) -> Formatted | None:
    """Format independent groups in parallel; ``None`` when the style cannot be split."""
    style_text = run.style_text
    if not _splittable(style_text) or len(items) <= _BATCH:
        return None
    by_id = {str(item["id"]): item for item in items}
    groups, group_of = _groups(items, clusters)
    if len(groups) < 2:
        return None
    batches = _batches(groups, by_id)
    if len(batches) < 2:
        return None
    batch_of = {key: i for i, batch in enumerate(batches) for key in batch}
    # Each batch's clusters in document order: whole clusters, or one part per group of a
    # cluster that cites several groups (the parts are put together below).
    batch_clusters: list[list[str]] = [[] for _ in batches]
    placed: list[list[tuple[int, int, str]]] = []  # per cluster: (batch, index, group)
    parted: list[int] = []
    for i, cluster in enumerate(clusters):
        keys = [k for k in extract_keys(cluster) if k in batch_of]
        cites = _cites(cluster)
        known = cites is not None and len(keys) == len(cites)
        if known and len({group_of[k] for k in keys}) > 1:
            parts: dict[str, list[str]] = {}
            for cite in cites or ():
                parts.setdefault(group_of[extract_keys(cite)[0]], []).append(cite)
            where = []
            for group, own in parts.items():
                b = batch_of[extract_keys(own[0])[0]]
                where.append((b, len(batch_clusters[b]), group))
                batch_clusters[b].append("[" + "; ".join(own) + "]")
            placed.append(where)
            parted.append(i)
        else:
            b = batch_of[keys[0]] if keys else 0
            placed.append([(b, len(batch_clusters[b]), "")])
            batch_clusters[b].append(cluster)
    # First citation order: the order run lists the works in it (citeproc's tie-break).
    first_cited = list(dict.fromkeys(k for c in clusters for k in extract_keys(c)))
    order_items = [by_id[k] for k in first_cited if k in by_id]

    def batch(i: int) -> Formatted:
        return run.format([by_id[k] for k in batches[i]], batch_clusters[i], kind="part")

    def order() -> list[str]:
        sorting = _sorting_only(style_text, "order")
        done = run.format(order_items, [], first_cited, sorting, kind="order")
        return [key for key, _ in done.references]

    def structure() -> list[str]:
        """The parted clusters whole: their parts' order, affixes and delimiters."""
        if not parted:
            return []
        keys = dict.fromkeys(k for i in parted for k in extract_keys(clusters[i]))
        works = [by_id[k] for k in keys if k in by_id]
        cited = [clusters[i] for i in parted]
        sorting = _sorting_only(style_text, "shape")
        return run.format(works, cited, (), sorting, kind="shape").citations

    workers = max(1, min(len(batches) + 2, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        ordering = pool.submit(order)
        shapes = pool.submit(structure)
        # The largest runs first, so that the last to finish are short ones.
        largest = sorted(range(len(batches)), key=lambda i: -len(batch_clusters[i]))
        futures = {i: pool.submit(batch, i) for i in largest}
        results = [futures[i].result() for i in range(len(batches))]
        global_order = ordering.result()
        whole = dict(zip(parted, shapes.result(), strict=True))
    citations: list[str] = []
    warnings: list[str] = []
    # (each cited key by its link, once: a parted cluster finds its cites by their links)
    key_of = {_href(k, run.link_prefix): k for k in group_of} if whole else {}
    for i, where in enumerate(placed):
        if i not in whole:
            b, j, _ = where[0]
            citations.append(results[b].citations[j])
            continue
        put = _assemble(
            whole[i],
            {group: results[b].citations[j] for b, j, group in where},
            group_of,
            key_of,
        )
        if put is None:
            return None  # the parts do not fit: format in one run instead
        citations.append(put)
    own_lists: list[list[tuple[str, str]]] = []
    for result in results:
        warnings.extend(result.warnings)
        own_lists.append(list(result.references))
    # Each batch keeps its own order; the order run says how the batches interleave.
    merged: list[tuple[str, str]] = []
    position = [0] * len(batches)
    for key in global_order:
        b = batch_of.get(key)
        if b is None or position[b] >= len(own_lists[b]):
            return None  # not what was expected: format in one run instead
        merged.append(own_lists[b][position[b]])
        position[b] += 1
    if len(merged) != len(items) or not _neighbours_kept(merged, own_lists, style_text):
        return None
    return Formatted(citations, merged, list(dict.fromkeys(warnings)))


_LINK = re.compile(r'<a href="([^"]*)" class="citation-link" role="doc-biblioref">')


def _assemble(
    whole: str, parts: dict[str, str], group_of: dict[str, str], key_of: dict[str, str]
) -> str | None:
    """A parted cluster: ``whole`` (formatted without disambiguation) with each group's
    cites replaced by that group's part as formatted in its own run. ``None`` unless each
    group's cites stand together in ``whole`` and in the same number as in its part.
    ``key_of``: each cited key by the link of its cites."""

    def spans(fragment: str) -> list[tuple[str, int, int]]:
        found = []
        for m in _LINK.finditer(fragment):
            end = fragment.find("</a>", m.end())
            key = key_of.get(m.group(1))
            if end < 0 or key is None:
                return []
            found.append((group_of[key], m.start(), end + 4))
        return found

    links = spans(whole)
    if not links:
        return None
    replace: list[tuple[int, int, str]] = []
    for group, part in parts.items():
        mine = [i for i, (g, _, _) in enumerate(links) if g == group]
        own = spans(part)
        if not mine or mine != list(range(mine[0], mine[-1] + 1)) or len(own) != len(mine):
            return None
        if any(g != group for g, _, _ in own):
            return None
        replace.append((links[mine[0]][1], links[mine[-1]][2], part[own[0][1] : own[-1][2]]))
    for start, end, text in sorted(replace, reverse=True):
        whole = whole[:start] + text + whole[end:]
    return whole


def _neighbours_kept(
    merged: list[tuple[str, str]], own_lists: list[list[tuple[str, str]]], style_text: str
) -> bool:
    """A style that replaces a repeated author with a dash compares each entry with the
    one before: every entry must follow the same entry as in its own run."""
    if "subsequent-author-substitute" not in style_text:
        return True
    before: dict[str, str | None] = {}
    for own in own_lists:
        for i, (key, _) in enumerate(own):
            before[key] = own[i - 1][0] if i else None
    for i, (key, _) in enumerate(merged):
        expected = before[key]
        if expected is not None and (i == 0 or merged[i - 1][0] != expected):
            return False
    return True


_BIBLIOGRAPHY = re.compile(r"<bibliography\b.*?</bibliography>", re.DOTALL)
_BIBLIOGRAPHY_LAYOUT = re.compile(r"(<bibliography\b.*?)<layout\b.*?</layout>", re.DOTALL)


def _sorting_only(style_text: str, part: str) -> str:
    """The style without disambiguation, for a run that only sorts: ``"order"``, the
    reference list in the style's order, each entry a mere mark (its sort keys are
    the style's own); ``"shape"``, the citations without a reference list."""
    style = re.sub(
        r"\s(?:disambiguate-add-givenname|disambiguate-add-names|disambiguate-add-year-suffix|"
        r'givenname-disambiguation-rule)="[^"]*"',
        "",
        style_text,
    )
    if part == "shape":
        return _BIBLIOGRAPHY.sub("", style)
    return _BIBLIOGRAPHY_LAYOUT.sub(r'\1<layout><text value="-"/></layout>', style)


def _store(path: Path, formatted: Formatted) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(
            json.dumps(
                {
                    "citations": formatted.citations,
                    "references": formatted.references,
                    "warnings": formatted.warnings,
                },
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        tmp.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs time


@functools.cache
def _pandoc_version() -> str:
    return str(pypandoc.get_pandoc_version())


_VARIABLE = re.compile(r'\b(?:variable|is-numeric|is-uncertain-date)="([^"]+)"')
#: Always given to citeproc: identity, type and language decide how an item is formatted.
_ALWAYS = {"id", "type", "language"}
#: Variables a style reaches under another name (short forms, CSL 1.0.1 and 1.0.2 names).
_ALSO = {
    "title": ("title-short",),
    "container-title": ("container-title-short", "journalAbbreviation"),
    "event-title": ("event",),
    "event": ("event-title",),
    "DOI": ("doi",),
    "URL": ("url",),
}


def _style_variables(style_text: str) -> set[str]:
    """Every variable the style names anywhere (text, names, dates, conditions, sorting)."""
    names = {v for m in _VARIABLE.finditer(style_text) for v in m.group(1).split()}
    for name in list(names):
        names.update(_ALSO.get(name, ()))
    return names | _ALWAYS


def _needed(
    references: list[dict[str, Any]],
    clusters: Sequence[str],
    nocite: Sequence[str],
    variables: set[str],
) -> list[dict[str, Any]]:
    """The works cited (all of them for nocite ``*``), each with only the fields used."""
    if "*" in nocite:
        wanted = None
    else:
        wanted = set(nocite)
        wanted.update(extract_keys("{".join(clusters)))  # one pass; no key crosses a "{"
    return [
        {k: v for k, v in ref.items() if k in variables}
        for ref in references
        if wanted is None or ref.get("id") in wanted
    ]


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
        if not text.startswith(("[", "@")) or not _CITE.search(text):
            raise ValueError(f"not a citation: {cluster!r}")
        parts.append(f"::: {{#{_CLUSTER_ID}{i}}}\n{text}\n:::\n")
    return "\n".join(parts)


def _is_note_style(style_text: str) -> bool:
    head = style_text[:4000]
    m = re.search(r"<style\b[^>]*\bclass=\"([^\"]+)\"", head)
    return bool(m and m.group(1) == "note")


def citeproc_command(
    bibliography: Path, csl: Path, lang: str = "en-US", reader: str = "markdown"
) -> list[str]:
    """The command line of pandoc formatting, with ``csl``, the citations of the Markdown
    it reads (from standard input unless a file is added) against ``bibliography`` (a
    ``.bib`` it reads itself, or CSL-JSON), as HTML with linked citations."""
    return [
        pypandoc.get_pandoc_path(),
        "--citeproc",
        f"--from={reader}",
        "--to=html",
        "--wrap=none",
        f"--csl={csl}",
        f"--bibliography={bibliography}",
        "--metadata=link-citations=true",
        f"--metadata=lang={lang}",
    ]


def _run_pandoc(document: str, csl: Path, refs: Path, lang: str) -> tuple[str, list[str]]:
    command = citeproc_command(refs, csl, lang, _READER)
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


def _href(key: str, link_prefix: str) -> str:
    return html.escape(link_prefix + quote(key, safe="!$&'()*+,;=:@/?-._~"), quote=True)


def _relink(fragment: str, link_prefix: str) -> str:
    def link(m: re.Match[str]) -> str:
        key = unquote(html.unescape(m.group(1)))
        return f'<a href="{_href(key, link_prefix)}" class="citation-link" role="doc-biblioref">'

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
