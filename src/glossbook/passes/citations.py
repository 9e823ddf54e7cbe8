"""Citations: check every key, format every cluster through the CSL style in one run, and
list each cited work once in the references, with the entries that cite it.

As pandoc does it: collect every citation in reading order, resolve them all in one call
(disambiguation and sorting need the whole list), write them back in the same order.
"""

from __future__ import annotations

import re

from ..csl import format_citations, resolve_style
from ..errors import Problems, did_you_mean
from ..markdown import CITE_PLACEHOLDER
from ..model import Book, Citation, Entry, IndexLocator, MatterPage, Reference

CONFIG_FILE = "glossbook.toml"
REFERENCE_PREFIX = "ref-"


def run(book: Book, problems: Problems) -> None:
    documents: list[Entry | MatterPage] = [
        *book.front,
        *(e for c in book.chapters for e in c.entries),
        *book.back,
    ]
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
    style = str(book.settings.get("style") or "chicago-author-date")
    try:
        resolve_style(style if "/" not in style else book.root / style)
    except ValueError as error:
        line = book.settings.get("style_line")
        problems.error(CONFIG_FILE, line if isinstance(line, int) else None, str(error))
        return
    if unknown or not cited:
        _warn_uncited(book, set(), problems)
        return
    keys_in_order = [k for _, c in cited for k in c.keys]
    formatted = format_citations(
        [work.csl for work in book.bibliography.values() if work.key in set(keys_in_order)],
        [c.raw for _, c in cited],
        style=style if "/" not in style else book.root / style,
        lang=book.metadata.language,
        link_prefix=f"#{REFERENCE_PREFIX}",
    )
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
    _warn_uncited(book, set(keys_in_order), problems)


def _fill(fragment: str, citations: list[Citation]) -> str:
    def formatted(match: re.Match[str]) -> str:
        return citations[int(match.group(1))].html

    return CITE_PLACEHOLDER.sub(formatted, fragment)


def _warn_uncited(book: Book, cited: set[str], problems: Problems) -> None:
    for work in book.bibliography.values():
        if work.key not in cited:
            problems.warning(
                book.bibliography_file,
                work.line,
                f"'{work.key}' is never cited.",
                "Cite it, or remove it from the bibliography.",
            )
