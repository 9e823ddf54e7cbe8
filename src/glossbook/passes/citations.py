"""Citations: check every key, format every cluster through the CSL style in one run, and
list each cited work once in the references, with the entries that cite it.

As pandoc does it: collect every citation in reading order, resolve them all in one call
(disambiguation and sorting need the whole list), write them back in the same order.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..config import CONFIG_FILE
from ..csl import Formatted, cache_folder, format_citations, resolve_style
from ..errors import Problems, did_you_mean
from ..markdown import CITE_PLACEHOLDER
from ..model import Book, Citation, Entry, IndexLocator, MatterPage, Reference, Work

REFERENCE_PREFIX = "ref-"


def run(book: Book, problems: Problems) -> None:
    documents = book.documents()
    cited: list[tuple[Entry | MatterPage, Citation]] = []
    for doc in documents:
        citations = doc.citations + (doc.source_citations if isinstance(doc, Entry) else [])
        cited.extend((doc, citation) for citation in citations)
    unknown = False
    for doc, citation in cited:
        for key in citation.keys:
            if key not in book.bibliography:
                unknown = True
                problems.error(
                    doc.file,
                    citation.line,
                    f"unknown citation key '{key}' in {citation.raw}.",
                    did_you_mean(key, set(book.bibliography))
                    or f"Add it to {book.bibliography_file or 'the bibliography'}.",
                )
    name = str(book.settings.get("style") or "chicago-author-date")
    # A path (a .csl file, or anything with a folder in it) is relative to the book.
    is_path = name.endswith(".csl") or "/" in name
    try:
        style = resolve_style(book.root / name if is_path else name)
    except ValueError as error:
        line = book.settings.get("style_line")
        problems.error(CONFIG_FILE, line if isinstance(line, int) else None, str(error))
        return
    if unknown or not cited:
        _warn_uncited(book, set(), problems)
        return
    cited_keys = {k for _, c in cited for k in c.keys}
    formatted = _format(
        [work.csl for work in book.bibliography.values() if work.key in cited_keys],
        [c.raw for _, c in cited],
        style,
        book.metadata.language,
        book.root,
    )
    for warning in formatted.warnings:
        problems.warning(book.bibliography_file or CONFIG_FILE, None, f"pandoc: {warning}")
    for (_, citation), html in zip(cited, formatted.citations, strict=True):
        citation.html = html
    for doc in documents:
        doc.html = _fill(doc.html, doc.citations)
    cited_by: dict[str, list[IndexLocator]] = {}
    for doc, citation in cited:
        for key in citation.keys:
            places = cited_by.setdefault(key, [])
            if all(p.slug != doc.slug for p in places):
                places.append(IndexLocator(slug=doc.slug, title=doc.title))
    book.references = [
        Reference(key=key, html=html, cited_by=cited_by.get(key, []))
        for key, html in formatted.references
    ]
    _warn_uncited(book, cited_keys, problems)


def _format(
    references: list[dict[str, object]], clusters: list[str], style: Path, lang: str, root: Path
) -> Formatted:
    return format_citations(
        references,
        clusters,
        style=style,
        lang=lang,
        link_prefix=f"#{REFERENCE_PREFIX}",
        cache_dir=cache_folder(root),
    )


def refill(doc: Entry, built: Entry) -> None:
    """Give an edited entry the citations formatted for its version ``built`` in the book,
    whose clusters are the same as its own in the same order (so citeproc, which sees only
    the book's clusters in reading order, would format them alike)."""
    pairs = zip(
        doc.citations + doc.source_citations,
        built.citations + built.source_citations,
        strict=True,
    )
    for citation, formatted in pairs:
        citation.html = formatted.html
    doc.html = _fill(doc.html, doc.citations)


def _fill(fragment: str, citations: list[Citation]) -> str:
    def formatted(match: re.Match[str]) -> str:
        return citations[int(match.group(1))].html

    return CITE_PLACEHOLDER.sub(formatted, fragment)


#: Up to this many uncited works are named one by one; more get one summary warning.
UNCITED_NAMED = 3


def cited_keys(book: Book) -> set[str]:
    """Every key cited in the book (in the text or an entry's ``sources``)."""
    keys: set[str] = set()
    for doc in book.documents():
        citations = doc.citations + (doc.source_citations if isinstance(doc, Entry) else [])
        keys.update(k for c in citations for k in c.keys)
    return keys


def uncited_works(book: Book) -> list[Work]:
    """The works of the bibliography the book never cites, in file order (for
    ``glossbook check --uncited``)."""
    cited = cited_keys(book)
    return [work for work in book.bibliography.values() if work.key not in cited]


def _warn_uncited(book: Book, cited: set[str], problems: Problems) -> None:
    uncited = [work for work in book.bibliography.values() if work.key not in cited]
    if len(uncited) > UNCITED_NAMED:  # a shared bibliography: say it once
        problems.warning(
            book.bibliography_file,
            None,
            f"{len(uncited):,} works are never cited; `glossbook check --uncited` lists them.",
        )
        return
    for work in uncited:
        problems.warning(
            book.bibliography_file,
            work.line,
            f"'{work.key}' is never cited.",
            "Cite it, or remove it from the bibliography.",
        )
