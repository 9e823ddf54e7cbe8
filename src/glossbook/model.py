"""The book as plain data: what every pass reads and every renderer draws.

Nothing here imports the rest of glossbook, parses Markdown or knows an output format.
Fragments of HTML (an entry's body, an infobox value) are produced once by the Markdown
stage; passes fill in what needs the whole book (cross-reference targets, figure numbers,
citations); renderers only place them.

Anchors are one namespace for the whole book: an entry's anchor is its slug; its sections,
figures and footnotes carry ids prefixed with it. A renderer that splits the book into
several files maps each anchor to the file that holds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Metadata:
    title: str
    slug: str
    subtitle: str = ""
    authors: list[str] = field(default_factory=list)
    language: str = "en"
    publisher: str = ""
    identifier: str = ""
    date: str = ""
    edition: str = ""
    rights: str = ""
    description: str = ""


@dataclass
class Heading:
    level: int  # 3 for a section of an entry, 4 for a subsection, ...
    anchor: str
    text: str


@dataclass
class Xref:
    """A ``[[target]]`` or ``[[target|text]]`` cross-reference, before and after resolution."""

    target: str
    text: str
    line: int
    slug: str = ""  # the entry it points to, once resolved


@dataclass
class Citation:
    """A citation cluster exactly as written (``[@key, p. 12]``, ``@key``)."""

    raw: str
    keys: list[str]
    line: int
    html: str = ""  # formatted by the citations pass


@dataclass
class Figure:
    anchor: str
    caption: str
    line: int
    number: int = 0


@dataclass
class IndexMark:
    """A term marked for the index where it occurs: ``[oxytocin]{.index}`` or
    ``[the hormone]{index="hormones!oxytocin"}`` (main term, then a sub-entry)."""

    term: str
    sub: str
    anchor: str
    line: int


@dataclass
class InfoboxRow:
    label: str
    values: list[str]  # HTML fragments
    line: int


@dataclass
class Entry:
    """One article of the book, from ``manuscript/<slug>.md``."""

    slug: str
    title: str
    file: str  # as shown in messages, relative to the project
    line: int  # line of ``title:``
    html: str  # the body, with placeholders that passes resolve
    definition: str = ""  # plain text of the lead paragraph
    categories: list[str] = field(default_factory=list)
    other_names: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    sources_line: int = 0
    related: list[str] = field(default_factory=list)  # as written, then slugs once resolved
    related_lines: list[int] = field(default_factory=list)
    infobox: list[InfoboxRow] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    xrefs: list[Xref] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    source_citations: list[Citation] = field(default_factory=list)  # the ``sources:`` line
    index_marks: list[IndexMark] = field(default_factory=list)
    backlinks: list[str] = field(default_factory=list)  # slugs of entries referring to it

    @property
    def anchor(self) -> str:
        return self.slug

    @property
    def guide_word(self) -> str:
        """What a dictionary running head shows for this entry (first or last on a page)."""
        return self.title


@dataclass
class MatterPage:
    """A page of front or back matter (preface, acknowledgements, ...)."""

    slug: str
    title: str
    file: str
    html: str
    kind: str  # "front" or "back"
    xrefs: list[Xref] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    index_marks: list[IndexMark] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return self.slug


@dataclass
class Chapter:
    anchor: str
    title: str
    entries: list[Entry]


@dataclass
class IndexLocator:
    """Where an index line points: an entry (anchor = its slug) or one marked place in it."""

    slug: str  # the entry this locator is in
    title: str  # that entry's title
    anchor: str = ""  # the exact place; the entry itself when empty

    @property
    def target(self) -> str:
        return self.anchor or self.slug


@dataclass
class IndexLine:
    """One line of the index: an entry's title, an other name, or a marked term."""

    term: str
    locators: list[IndexLocator]
    is_title: bool = False  # the term is an entry's own title
    see_also: list[IndexLocator] = field(default_factory=list)
    places: list[IndexLocator] = field(default_factory=list)  # marked occurrences, in order
    subentries: list[IndexLine] = field(default_factory=list)


@dataclass
class IndexGroup:
    heading: str
    anchor: str
    lines: list[IndexLine]


@dataclass
class Reference:
    """A cited work as the style formats it, with the entries that cite it."""

    key: str
    html: str
    cited_by: list[IndexLocator] = field(default_factory=list)


@dataclass
class Work:
    """An entry of the bibliography: its key, its CSL-JSON data, and where it is written."""

    key: str
    csl: dict[str, object]
    line: int


@dataclass
class Book:
    metadata: Metadata
    root: Path
    entries: list[Entry] = field(default_factory=list)  # every entry, in file-name order
    front: list[MatterPage] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)
    back: list[MatterPage] = field(default_factory=list)
    index: list[IndexGroup] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    bibliography: dict[str, Work] = field(default_factory=dict)  # by key, in file order
    bibliography_file: str = ""  # as shown in messages
    print_layout: PrintLayout | None = None  # set once the print edition is laid out
    assets: dict[str, Path] = field(default_factory=dict)  # path in the book -> file on disk
    settings: dict[str, object] = field(default_factory=dict)  # renderer options from config

    def documents(self) -> list[Entry | MatterPage]:
        """Front matter, the entries chapter by chapter, back matter: the reading order."""
        return [*self.front, *(e for c in self.chapters for e in c.entries), *self.back]

    def entry(self, slug: str) -> Entry:
        return next(e for e in self.entries if e.slug == slug)


@dataclass
class PrintPage:
    """One page of the print edition as laid out: its folio and the anchors standing on it."""

    number: int  # 1-based position in the PDF file
    label: str  # the printed folio: "iii", "12", or "" for an unnumbered page
    anchors: list[str] = field(default_factory=list)
    section: str = "body"  # "front", "body" or "back"
    # Where its text begins: its first words, then the ids of the elements they stand in,
    # innermost first (empty for a page without text, or a page map that does not say).
    starts: list[str] = field(default_factory=list)


@dataclass
class PrintLayout:
    """What the PDF layout learned, as plain data for the EPUB page list, index and preview."""

    pages: list[PrintPage] = field(default_factory=list)

    def page_of(self, anchor: str) -> PrintPage | None:
        for page in self.pages:
            if anchor in page.anchors:
                return page
        return None
