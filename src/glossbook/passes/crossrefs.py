"""Cross-references: resolve ``[[…]]`` links and ``related`` lists to entries."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from ..errors import Problems, did_you_mean
from ..markdown import XREF_PLACEHOLDER
from ..model import Book, Entry, MatterPage, Xref


class Resolver:
    """Finds the entry a ``[[…]]`` link or ``related`` name means: a slug, or a title in any
    case."""

    def __init__(self, book: Book) -> None:
        self.by_slug = {e.slug: e for e in book.entries}
        self.by_title = {e.title.casefold(): e for e in book.entries}
        self.titles = [e.title for e in book.entries]

    def __call__(self, name: str) -> Entry | None:
        return self.by_slug.get(name) or self.by_title.get(name.casefold())


def run(book: Book, problems: Problems) -> None:
    resolve = Resolver(book)
    for doc in book.documents():
        resolve_document(doc, resolve, problems)


def resolve_document(doc: Entry | MatterPage, resolve: Resolver, problems: Problems) -> None:
    """Resolve one document's links against the book's entries (the preview resolves one
    edited entry this way against the book already built)."""
    for xref in doc.xrefs:
        entry = resolve(xref.target)
        if entry is None:
            problems.error(
                doc.file,
                xref.line,
                f"the cross-reference [[{xref.target}]] names no entry.",
                did_you_mean(xref.target, resolve.titles)
                or "Use an entry's exact title or its slug (file name without .md).",
            )
            continue
        xref.slug = entry.slug
        xref.text = xref.text or (xref.target if xref.target != entry.slug else entry.title)
    doc.html = _fill(doc.html, doc.xrefs)
    if isinstance(doc, Entry):
        for row in doc.infobox:
            row.values = [_fill(value, doc.xrefs) for value in row.values]
        doc.related = _related(doc, resolve, resolve.titles, problems)


def _fill(fragment: str, xrefs: list[Xref]) -> str:
    def link(match: re.Match[str]) -> str:
        xref = xrefs[int(match.group(1))]
        if not xref.slug:
            return html.escape(xref.text or xref.target)
        return f'<a class="xref" href="#{xref.slug}">{html.escape(xref.text)}</a>'

    return XREF_PLACEHOLDER.sub(link, fragment)


def _related(
    entry: Entry, resolve: Callable[[str], Entry | None], titles: list[str], problems: Problems
) -> list[str]:
    slugs: list[str] = []
    for name, line in zip(entry.related, entry.related_lines, strict=True):
        target = resolve(name)
        if target is None:
            problems.error(
                entry.file,
                line,
                f"related entry '{name}' does not exist.",
                did_you_mean(name, titles) or "Use an entry's slug or exact title.",
            )
        elif target.slug == entry.slug:
            problems.error(entry.file, line, "an entry cannot be related to itself.")
        elif target.slug not in slugs:
            slugs.append(target.slug)
    return slugs
