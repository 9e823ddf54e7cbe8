"""The EPUB 3 edition, ``<slug>.epub``: one XHTML document per chapter and per page of front
and back matter, references and index; a navigation document with the contents, landmarks
and a page list mapped to the print edition; an NCX for older reading systems; EPUB
Accessibility 1.1 metadata; and a zip that is byte-identical for the same input.

Every document is rendered from the templates in ``styles/templates/epub/`` (entries use the
partials shared by every edition), parsed as XML and given its EPUB semantics here:
footnotes become ``aside`` notes, each print page gets a page-break marker, and every
``href="#anchor"`` of the one-namespace fragments is pointed at the document holding the
anchor. ebooklib writes the package document (metadata, manifest, spine) around these
documents, which it takes verbatim; the package then gets ``xml:lang`` and the zip is
rewritten with fixed dates and a fixed order.

With a build cache (``render(cache=…)``: ``build/.cache`` unless ``--no-cache``), what the
last build worked out is kept in ``<cache>/epub/documents.pickle``, each piece under the
hash of everything that determines it, so that an edit redoes only the documents it changed:

- a document's outline (``_Outline``: its ids, the anchors its links name, its images, its
  text as the page-break markers are placed in it), by its rendered markup;
- a finished document (its XHTML bytes and ids), by its rendered markup, its file name,
  the documents its links point into, its page-break markers (where each goes and its
  folio) and, for the navigation document, its page list;
- the NCX and the search-key map, by their rendered markup;
- each file's deflated bytes in the zip, by its content.

The documents are still rendered from their templates every time (their markup is the key).
The file holds what the last build used (only), is written whole (a temporary file renamed)
and only when something was missing, and is ignored when damaged or written by another
glossbook version or another version of this module. The EPUB's bytes are the same with the
cache or without it.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import html.entities
import io
import itertools
import json
import os
import re
import uuid
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from ebooklib import epub
from lxml import etree

from .. import __version__, collector, lookup, picklefile
from ..errors import ContentError, Problem
from ..model import Book, Metadata, PrintLayout
from ..output import staged_file
from ..theme import Theme

XHTML = "http://www.w3.org/1999/xhtml"
OPS = "http://www.idpf.org/2007/ops"
OPF = "http://www.idpf.org/2007/opf"
EPUB_TYPE = f"{{{OPS}}}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FOLDER = "EPUB"  # where ebooklib puts the package inside the zip
STYLESHEET = "css/ebook.css"
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "glossbook")  # for identifiers glossbook derives
ZIP_EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)  # the earliest date a zip entry can carry
ZIP_LATEST = datetime(2107, 12, 31, 23, 59, 58, tzinfo=UTC)
RTL_LANGUAGES = {"ar", "arc", "dv", "fa", "he", "ks", "ku", "ps", "sd", "ug", "ur", "yi"}

IMAGE_TYPES = {
    ".gif": "image/gif",
    ".jpeg": "image/jpeg",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
FONT_TYPES = {".otf": "font/otf", ".ttf": "font/ttf", ".woff": "font/woff", ".woff2": "font/woff2"}
# Files compressed already: stored in the zip (deflating them again gains nothing).
COMPRESSED = {".gif", ".jpeg", ".jpg", ".png", ".webp", ".woff", ".woff2"}

# Front and back matter named like these get their EPUB type and DPUB-ARIA role.
MATTER_SEMANTICS = {
    "acknowledgements": ("acknowledgments", "doc-acknowledgments"),
    "acknowledgments": ("acknowledgments", "doc-acknowledgments"),
    "afterword": ("afterword", "doc-afterword"),
    "appendix": ("appendix", "doc-appendix"),
    "colophon": ("colophon", "doc-colophon"),
    "conclusion": ("conclusion", "doc-conclusion"),
    "dedication": ("dedication", "doc-dedication"),
    "epilogue": ("epilogue", "doc-epilogue"),
    "foreword": ("foreword", "doc-foreword"),
    "introduction": ("introduction", "doc-introduction"),
    "preface": ("preface", "doc-preface"),
    "prologue": ("prologue", "doc-prologue"),
}

# Elements whose content model admits no text: a page-break marker goes inside a child.
_NO_TEXT = {
    "colgroup",
    "datalist",
    "dl",
    "head",
    "hgroup",
    "html",
    "menu",
    "ol",
    "optgroup",
    "picture",
    "select",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
}
# Elements a marker goes into rather than before (list items, cells, captions).
_INSIDE = {"caption", "dd", "dt", "figcaption", "legend", "li", "summary", "td", "th"}
_ENTITY = re.compile(r"&(#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)?")
_XML_ENTITIES = {"amp;", "lt;", "gt;", "quot;", "apos;"}
# Characters a URL cannot hold as written: percent-encoded in href and src.
_NOT_IN_URL = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f]|%(?![0-9A-Fa-f]{2})')
MEMO = "epub/documents.pickle"  # in the build cache folder
MEMO_FORMAT = 1  # the shape of what it keeps: a change takes a new number
T = TypeVar("T")


@dataclass
class Document:
    """One XHTML document of the spine, before and after it is parsed."""

    file: str
    title: str
    template: str
    matter: str  # the body's epub:type: frontmatter, bodymatter or backmatter
    context: dict[str, object] = field(default_factory=dict)
    properties: list[str] = field(default_factory=list)
    text: str = ""  # the markup rendered from its template
    key: str = ""  # the hash of ``text`` (``_key``)
    root: etree._Element | None = None  # its tree, when it was parsed in this build
    index: _Text | None = None  # the map of its text its outline was read from
    outline: _Outline | None = None
    content: bytes = b""  # the finished XHTML
    ids: list[tuple[int, str]] = field(default_factory=list)  # finished: (position, id)

    @property
    def item_id(self) -> str:
        stem = re.sub(r"[^A-Za-z0-9_.-]", "-", self.file.removesuffix(".xhtml"))
        return stem if stem[:1].isalpha() else f"doc-{stem}"


@dataclass
class PageMark:
    """A print page's marker in the ebook: its folio and where it stands."""

    label: str
    section: str
    file: str
    anchor: str

    @property
    def href(self) -> str:
        return f"{self.file}#{self.anchor}"


@dataclass
class Resource:
    """A file of the package other than the XHTML documents: stylesheet, font, image."""

    item_id: str
    file: str
    media_type: str
    content: bytes
    properties: list[str] = field(default_factory=list)


def render(book: Book, out: Path, *, cache: Path | None = None) -> Path:
    """Write ``out/<slug>.epub`` and return its path. ``cache``: the build cache folder,
    where the work on what did not change is kept between builds; None reads and writes no
    cache."""
    target = out / f"{book.metadata.slug}.epub"
    data = build(book, cache)
    with staged_file(target) as staging:
        staging.write_bytes(data)
    return target


def build(book: Book, cache: Path | None = None) -> bytes:
    """The whole EPUB file as bytes: the same book always gives the same bytes, with a
    ``cache`` (whatever it holds) or without."""
    with collector.paused():
        return _build(book, cache)


def _build(book: Book, cache: Path | None) -> bytes:
    memo = _Memo(cache)
    theme = Theme(book.root)
    identifier = book_identifier(book.metadata)
    stamp = modified_time(book.metadata)
    cover = _cover(book, theme)
    docs = documents(book, cover)
    search_keys = _search_key_map(book, theme, docs, memo)
    _render_documents(book, theme, docs)
    for doc in docs:
        doc.key = _key("document", doc.text)
        doc.outline = memo.get(f"outline {doc.key}", lambda doc=doc: _outline_of(doc))
    if book.print_layout:
        marks, placements = _place_pages(book.print_layout, docs)
    else:
        marks, placements = [], [[] for _ in docs]
    nav = next(doc for doc in docs if "nav" in doc.properties)
    page_list = theme.render("epub/page-list.xhtml", marks=marks) if marks else ""
    home: dict[str, str] = {}
    for doc in docs:
        assert doc.outline is not None
        for anchor in doc.outline.anchors:
            home.setdefault(anchor, doc.file)
    for doc, placed in zip(docs, placements, strict=True):
        assert doc.outline is not None
        extra = page_list if doc is nav else ""
        links = [home.get(anchor) for anchor in doc.outline.links]
        what = json.dumps([doc.file, links, [list(vars(p).values()) for p in placed], extra])
        doc.content, doc.ids = memo.get(
            f"finished {doc.key} {_key('finished', what)}",
            lambda doc=doc, placed=placed, extra=extra: _finish(doc, home, placed, extra),
        )
    ncx = _ncx(book, theme, docs, marks, identifier, memo)
    resources = [cover, *_resources(book, theme), *search_keys]
    package = _package(book, docs, resources, ncx, marks, identifier, stamp)
    data = _reproducible_zip(package, stamp, book.metadata.language, memo)
    memo.save()
    return data


class _Memo:
    """The work of the last build kept in the build cache (``MEMO``; see the module
    docstring): ``get`` gives what is kept under a key, else makes it. Without a folder it
    keeps nothing."""

    def __init__(self, folder: Path | None) -> None:
        self.file = folder / MEMO if folder is not None else None
        self.kept: dict[str, object] = {}
        self.used: dict[str, object] = {}
        self.made = False
        kept = picklefile.load(self.file, _memo_version(), MEMO_FORMAT)
        if isinstance(kept, dict):
            self.kept = kept

    def get(self, key: str, make: Callable[[], T]) -> T:
        if self.file is None:
            return make()
        if key in self.used:
            return self.used[key]  # type: ignore[return-value]
        if key in self.kept:
            value = self.kept[key]
        else:
            value, self.made = make(), True
        self.used[key] = value
        return value  # type: ignore[return-value]

    def save(self) -> None:
        """Write what this build used, if anything was missing or is no longer used
        (atomically: a parallel build never reads half of it)."""
        if self.file is None or not (self.made or self.kept.keys() - self.used.keys()):
            return
        picklefile.save(self.file, _memo_version(), MEMO_FORMAT, self.used)


@functools.cache
def _memo_version() -> str:
    """What the cache's work was done with besides its keys: glossbook's version and this
    module (a cache stays valid while neither changes), lxml's and zlib's versions."""
    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    lxml = ".".join(map(str, etree.LXML_VERSION))
    return f"glossbook {__version__} {source} lxml {lxml} zlib {zlib.ZLIB_RUNTIME_VERSION}"


def _key(*parts: str | bytes) -> str:
    """The hash that stands for ``parts`` in the cache."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


# --- metadata -----------------------------------------------------------------------------


def book_identifier(meta: Metadata) -> str:
    """The package identifier: ``urn:isbn:…`` for an ISBN, a URN or other URI as written,
    else a UUID derived from the title and authors (stable from build to build)."""
    raw = meta.identifier.strip()
    compact = re.sub(r"[\s-]", "", raw)
    isbn = re.fullmatch(r"(?i)(?:urn:isbn:|isbn:?)?((?:97[89])?\d{9}[\dX])", compact)
    if isbn:
        return f"urn:isbn:{isbn.group(1).upper()}"
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:\S", raw):
        return raw
    name = "\n".join([meta.title, *meta.authors])
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, name)}"


def modified_time(meta: Metadata) -> datetime:
    """``dcterms:modified`` and the zip's dates: ``SOURCE_DATE_EPOCH`` when set (the
    reproducible-builds convention), else the book's ``date``, else 1980-01-01."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    date = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", meta.date.strip())
    if date:
        year, month, day = date.groups()
        try:
            return datetime(int(year), int(month or 1), int(day or 1), tzinfo=UTC)
        except ValueError:
            pass
    return ZIP_EARLIEST


def _direction(language: str) -> str:
    return "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else ""


# --- documents ----------------------------------------------------------------------------


def documents(book: Book, cover: Resource) -> list[Document]:
    """The XHTML documents in reading (spine) order, not yet rendered."""
    meta = book.metadata
    alt = _cover_alt(meta)
    docs = [
        Document(
            "cover.xhtml",
            "Cover",
            "epub/cover.xhtml",
            "frontmatter",
            {"cover_src": cover.file, "cover_alt": alt},
        ),
        Document("titlepage.xhtml", "Title Page", "epub/titlepage.xhtml", "frontmatter"),
        Document("nav.xhtml", "Contents", "epub/nav.xhtml", "frontmatter", properties=["nav"]),
    ]
    for page in book.front:
        docs.append(_matter(page.slug, page.title, {"page": page}, "frontmatter"))
    for chapter in book.chapters:
        docs.append(
            Document(
                f"{chapter.anchor}.xhtml",
                chapter.title,
                "epub/chapter.xhtml",
                "bodymatter",
                {"chapter": chapter},
            )
        )
    for page in book.back:
        docs.append(_matter(page.slug, page.title, {"page": page}, "backmatter"))
    if book.references:
        docs.append(
            Document("references.xhtml", "References", "epub/references.xhtml", "backmatter")
        )
    if book.index:
        docs.append(
            Document(
                "names-index.xhtml",
                "Index",
                "epub/names-index.xhtml",
                "backmatter",
                properties=["index"],
            )
        )
    landmarks = [("cover", "cover", "Cover"), ("toc", "contents", "Contents")]
    if book.chapters:
        landmarks.append(("bodymatter", book.chapters[0].anchor, "Start of Content"))
    if book.references:
        landmarks.append(("bibliography", "references", "References"))
    if book.index:
        landmarks.append(("index", "names-index", "Index"))
    docs[2].context["landmarks"] = landmarks
    return docs


def _matter(slug: str, title: str, context: dict[str, object], matter: str) -> Document:
    name = slug.split("-", 1)[1] if slug.startswith(("front-", "back-")) else slug
    semantics = MATTER_SEMANTICS.get(name) or MATTER_SEMANTICS.get(title.strip().lower())
    return Document(
        f"{slug}.xhtml", title, "epub/matter.xhtml", matter, {**context, "semantics": semantics}
    )


def _render_documents(book: Book, theme: Theme, docs: list[Document]) -> None:
    """Render each document's markup from its template (``Document.text``)."""
    titles = {e.slug: e.title for e in book.entries}
    written = re.sub(r"(?i)^(urn:isbn:|isbn:?)\s*", "", book.metadata.identifier.strip())
    isbn = written if book_identifier(book.metadata).startswith("urn:isbn:") else ""
    for doc in docs:
        doc.text = theme.render(
            doc.template,
            book=book,
            titles=titles,
            version=__version__,
            stylesheets=[STYLESHEET],
            page_title=f"{doc.title} · {book.metadata.title}",
            body_class=doc.template.split("/")[-1].removesuffix(".xhtml"),
            matter=doc.matter,
            direction=_direction(book.metadata.language),
            isbn=isbn,
            **doc.context,
        )


def _tree(doc: Document) -> etree._Element:
    """The document's tree with its EPUB semantics, parsed once a build."""
    if doc.root is None:
        doc.root = _parse(doc.file, doc.text)
        _semantics(doc.root)
    return doc.root


def _parse(name: str, text: str) -> etree._Element:
    """Parse rendered markup as XML, named HTML entities turned into characters first."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        return etree.fromstring(_xml_entities(text).encode("utf-8"), parser)
    except etree.XMLSyntaxError as error:
        raise ContentError(
            [
                Problem(
                    f"EPUB {name}",
                    error.lineno,
                    f"the document is not well-formed XML: {error.msg}.",
                    "Check the book's template overrides under styles/templates/.",
                )
            ]
        ) from error


def _xml_entities(text: str) -> str:
    """Keep XML's five entities and character references; write HTML's named ones as
    character references; escape a bare ``&``."""

    def sub(match: re.Match[str]) -> str:
        ref = match.group(1)
        if ref is None:
            return "&amp;"
        if ref.startswith("#") or ref in _XML_ENTITIES:
            return match.group(0)
        chars = html.entities.html5.get(ref)
        if chars is None:
            return "&amp;" + ref
        return "".join(f"&#x{ord(c):X};" for c in chars)

    return _ENTITY.sub(sub, text)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _classes(element: etree._Element) -> list[str]:
    return (element.get("class") or "").split()


def _semantics(root: etree._Element) -> None:
    """EPUB semantics the shared fragments do not carry: notes, ``xml:lang``, alt."""
    _footnotes(root)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        lang = element.get("lang")
        if lang is not None and element.get(XML_LANG) is None:
            element.set(XML_LANG, lang)
        if _local(element) == "img" and element.get("alt") is None:
            element.set("alt", "")
        for name in ("href", "src"):
            url = element.get(name)
            if url and _NOT_IN_URL.search(url):
                element.set(name, _NOT_IN_URL.sub(lambda m: f"%{ord(m.group()):02X}", url))


def _footnotes(root: etree._Element) -> None:
    """markdown-it's footnotes as EPUB notes: each reference a ``noteref``, each note an
    ``aside`` (``footnote``) that starts with its number, linked back to the reference."""
    for sup in root.iter(f"{{{XHTML}}}sup"):
        if "footnote-ref" in _classes(sup):
            for link in sup.iter(f"{{{XHTML}}}a"):
                link.set(EPUB_TYPE, "noteref")
                link.set("role", "doc-noteref")
    for section in list(root.iter(f"{{{XHTML}}}section")):
        if "footnotes" not in _classes(section):
            continue
        section.set(EPUB_TYPE, "footnotes")
        for ol in section.findall(f"{{{XHTML}}}ol"):
            position = section.index(ol)
            asides = [_note(li, n) for n, li in enumerate(ol.findall(f"{{{XHTML}}}li"), 1)]
            for offset, aside in enumerate(asides):
                aside.tail = "\n"
                section.insert(position + offset, aside)
            if asides:
                asides[-1].tail = ol.tail
            section.remove(ol)


def _note(li: etree._Element, number: int) -> etree._Element:
    """One footnote as an ``aside``: its number first, linked back to the reference."""
    aside = li.makeelement(
        f"{{{XHTML}}}aside",
        {
            "class": "footnote",
            "id": li.get("id", ""),
            EPUB_TYPE: "footnote",
            "role": "doc-footnote",
        },
    )
    backrefs = [a for a in li.iter(f"{{{XHTML}}}a") if "footnote-backref" in _classes(a)]
    back = backrefs[0].get("href") if backrefs else None
    for link in backrefs:
        _drop(link)
    aside.text = li.text
    for child in list(li):
        aside.append(child)
    if back:
        attributes = {"class": "footnote-label", "href": back, "role": "doc-backlink"}
        label = aside.makeelement(f"{{{XHTML}}}a", attributes)
    else:
        label = aside.makeelement(f"{{{XHTML}}}span", {"class": "footnote-label"})
    label.text = str(number)
    holder = aside
    if len(aside) and _local(aside[0]) == "p" and not (aside.text or "").strip():
        holder = aside[0]
    label.tail = ". " + (holder.text or "").lstrip()
    holder.text = None
    holder.insert(0, label)
    last = aside.findall(f"{{{XHTML}}}p")[-1:] or [aside]
    _strip_end(last[0])
    return aside


def _strip_end(element: etree._Element) -> None:
    """Remove the white space left at the end of an element's text."""
    if len(element):
        element[-1].tail = (element[-1].tail or "").rstrip() or None
    else:
        element.text = (element.text or "").rstrip()


def _drop(element: etree._Element) -> None:
    """Remove an element but keep the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def _link(root: etree._Element, file: str, home: dict[str, str]) -> None:
    """Point every ``#anchor`` link at the document that holds the anchor (``home``: the
    first document with each id)."""
    for link in root.iter(f"{{{XHTML}}}a"):
        href = link.get("href") or ""
        if href.startswith("#"):
            target = home.get(href[1:])
            if target is not None and target != file:
                link.set("href", f"{target}{href}")


@dataclass
class _Outline:
    """What the build needs of a document besides its markup, read from its tree once
    (and kept in the cache): its ids, the anchors its links name, its images, and its body
    text as ``_Text`` maps it, with where the element of each id stands in that text."""

    anchors: list[str]  # every id, once, in document order
    links: list[str]  # the ids its ``#id`` links name, once each, sorted
    images: int
    described: bool  # every image has a text alternative
    chars: str  # ``_Text.chars``
    spans: dict[str, tuple[int, int, int]]  # start, end, order of an id's element (``_Text``)
    navigation: set[str]  # the ids inside a navigation list

    def start(self, anchor: str) -> int:
        return self.spans[anchor][0] if anchor in self.spans else -1

    def end(self, anchor: str) -> int:
        return self.spans[anchor][1] if anchor in self.spans else -1

    def order(self, anchor: str) -> int:
        return self.spans[anchor][2] if anchor in self.spans else -1


def _outline_of(doc: Document) -> _Outline:
    """Read the document's outline from its tree (parsed now, and kept for ``_finish``)."""
    root = _tree(doc)
    first: dict[str, etree._Element] = {}
    for element in root.iter():
        anchor = element.get("id") if isinstance(element.tag, str) else None
        if anchor and anchor not in first:
            first[anchor] = element
    links = {
        href[1:]
        for link in root.iter(f"{{{XHTML}}}a")
        if (href := link.get("href") or "").startswith("#")
    }
    images = list(root.iter(f"{{{XHTML}}}img"))
    doc.index = text = _Text(root)
    spans = {anchor: text.span(element) for anchor, element in first.items() if text.has(element)}
    navigation = {anchor for anchor, element in first.items() if text.inside_navigation(element)}
    return _Outline(
        anchors=list(first),
        links=sorted(links),
        images=len(images),
        described=all((img.get("alt") or "").strip() for img in images),
        chars=text.chars,
        spans=spans,
        navigation=navigation,
    )


def _finish(
    doc: Document, home: dict[str, str], placements: list[_Placement], page_list: str
) -> tuple[bytes, list[tuple[int, str]]]:
    """The document's XHTML with its links pointed at their documents, its page-break
    markers and (the navigation document) the page list; and its ids with their positions
    in it (for the NCX's order)."""
    root = _tree(doc)
    _link(root, doc.file, home)
    _mark_pages(root, placements, doc.index)
    doc.index = None
    if page_list:
        root.find(f"{{{XHTML}}}body").append(_parse("page list", page_list))
        etree.cleanup_namespaces(root)
    ids = [
        (n, anchor)
        for n, element in enumerate(root.iter())
        if isinstance(element.tag, str) and (anchor := element.get("id"))
    ]
    return _serialize(root, doctype=True), ids


# --- the print edition's pages ------------------------------------------------------------


@dataclass
class _Placement:
    """Where ``_place_pages`` puts a print page's marker in its document: ``how`` is
    "text" (before the character at text position ``at``), "before" (where the element of
    the id ``at`` starts), "after" (right after the previous marker) or "start" (at the
    start of the body). ``mapped``: whether the document's text map (``_Text``) was made
    by then, to be kept up to date as the marker goes in."""

    label: str
    anchor: str
    how: str
    at: int | str
    mapped: bool


def _place_pages(
    layout: PrintLayout, docs: list[Document]
) -> tuple[list[PageMark], list[list[_Placement]]]:
    """Decide where a page-break marker goes where each numbered print page begins; the
    markers, each document's in order, go in with ``_mark_pages``.

    Where the page map says with which words a page begins (``PrintPage.starts``), its
    marker stands right before them: the first place after the previous marker, inside the
    innermost element around them that the ebook has, where its text goes on with those
    words (white space and soft hyphens aside), splitting a paragraph's text when the page
    begins mid-paragraph; a marker at the start of an element's text goes before the
    element. Otherwise a page's marker goes before the earliest of its anchors that comes
    after the previous marker; a page on which no such anchor starts gets its marker right
    after the previous page's; pages before any placed marker (half-title, title, copyright
    pages the ebook has no anchor for) stand at the start of the title page. Unnumbered
    pages get no marker.

    It is decided from the documents' outlines alone (a marker has no text, so none moves
    the text the next ones are looked for in): a document whose markup and markers are
    those of the last build is not read again.
    """
    start = 1  # the title page: the first document after the cover
    outlines: list[_Outline] = []
    where: dict[str, int] = {}
    for d, doc in enumerate(docs):
        assert doc.outline is not None
        outlines.append(doc.outline)
        for anchor in doc.outline.anchors:
            where.setdefault(anchor, d)
    mapped: set[int] = set()  # the documents whose text was looked at: ``_Text`` made
    taken = set(where)
    marks: list[PageMark] = []
    placements: list[list[_Placement]] = [[] for _ in docs]
    cursor = (start, -1)  # the document and text position of the previous marker
    previous = False
    for page in layout.pages:
        label = " ".join(page.label.split())
        if not label:
            continue
        anchor = _page_anchor(label, taken)
        found = _find_start(page.starts, where, outlines, cursor, mapped)
        if found is not None:
            d, position = found
            placement = _Placement(label, anchor, "text", position, True)
        else:
            candidates = []
            for name in page.anchors:
                if name in where:
                    d = where[name]
                    mapped.add(d)
                    position = outlines[d].start(name)
                    if (d, position) > cursor:
                        candidates.append((d, position, outlines[d].order(name), name))
            if candidates:
                d, position, _, name = min(candidates, key=lambda c: c[:3])
                placement = _Placement(label, anchor, "before", name, True)
            elif previous:
                d, position = cursor
                placement = _Placement(label, anchor, "after", "", d in mapped)
            else:
                d, position = start, -1
                placement = _Placement(label, anchor, "start", "", d in mapped)
        placements[d].append(placement)
        marks.append(PageMark(label, page.section, docs[d].file, anchor))
        cursor, previous = (d, position), True
    return marks, placements


def _mark_pages(
    root: etree._Element, placements: list[_Placement], index: _Text | None = None
) -> None:
    """Put the document's page-break markers in, as ``_place_pages`` placed them. ``index``:
    the document's text map made before any marker went in, if there is one."""
    first: dict[str, etree._Element] = {}
    for element in root.iter():
        anchor = element.get("id") if isinstance(element.tag, str) else None
        if anchor and anchor not in first:
            first[anchor] = element
    text: _Text | None = None
    previous: etree._Element | None = None
    for n, placement in enumerate(placements):
        label, anchor = placement.label, placement.anchor
        if placement.mapped and text is None:
            text = index if index is not None and n == 0 else _Text(root)
        if placement.how == "text":
            assert text is not None
            marker = _marker(root, label, anchor)
            text.insert(marker, int(placement.at))
        elif placement.how == "before":
            assert text is not None
            element = first[str(placement.at)]
            marker = _marker(element, label, anchor)
            _place_before(marker, element)
            text.placed(marker)
        elif placement.how == "after":
            assert previous is not None
            marker = _marker(previous, label, anchor)
            marker.tail, previous.tail = previous.tail, None
            previous.addnext(marker)
            if text is not None:
                text.placed(marker)
        else:
            body = root.find(f"{{{XHTML}}}body")
            marker = _marker(body, label, anchor)
            marker.tail, body.text = body.text, None
            body.insert(0, marker)
            if text is not None:
                text.placed(marker)
        previous = marker


def _find_start(
    starts: list[str],
    where: dict[str, int],
    outlines: list[_Outline],
    cursor: tuple[int, int],
    mapped: set[int],
) -> tuple[int, int] | None:
    """Where a print page's first words stand in the ebook, after ``cursor``: (document,
    text position), or None. The words are looked for in the innermost element around them
    that the ebook has (then the next one out); when the whole run is not there (text the
    print edition adds or moves, such as footnotes), in shorter runs of its first words.
    The documents whose text it looks at are added to ``mapped``."""
    if not starts or not starts[0].strip():
        return None
    words = starts[0].split()
    runs = [_squeeze("".join(words[:n])) for n in range(len(words), min(3, len(words)) - 1, -1)]
    for name in starts[1:]:
        if name not in where:
            continue
        d = where[name]
        if d < cursor[0]:
            continue
        outline = outlines[d]
        mapped.add(d)
        if name in outline.navigation:
            continue
        low, high = outline.start(name), outline.end(name)
        if d == cursor[0]:
            low = max(low, cursor[1] + 1)
        for run in runs:  # the first place after ``low`` where it begins, if before ``high``
            position = outline.chars.find(run, low, high + len(run) - 1)
            if run and 0 <= position < high:
                return d, position
    return None


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))  # soft hyphen, zero widths
_VISIBLE = re.compile(r"[^\s\u00ad\u200b\u2060\ufeff]")


def _squeeze(text: str) -> str:
    """Text without white space and invisible break opportunities: what is compared."""
    squeezed = "".join(text.split())  # str.isspace() white space: what re calls \s
    return squeezed if squeezed.isascii() else squeezed.translate(_INVISIBLE)


class _Text:
    """A document's body text as one string without white space (``_squeeze``), and where
    each of its characters stands: which element's text or tail, at which index.

    It is read from the document once. A page-break marker has no text of its own, so
    putting one in moves no character: the map is brought up to date in place
    (``placed``), never read again, which keeps placing a chapter's markers linear in its
    size. A marker's ``order`` is not its rank in the document; only the orders of the
    document's own elements are compared, and a marker does not change how they compare."""

    def __init__(self, root: etree._Element) -> None:
        self.body = root.find(f"{{{XHTML}}}body")
        self._read()

    def _read(self) -> None:
        self._starts: list[int] = []  # where each text node's characters start in ``chars``
        self._nodes: list[tuple[etree._Element, bool]] = []  # (node, its tail or its text)
        self._spans: dict[etree._Element, tuple[int, int, int]] = {}  # start, end, order
        self._parts: list[str] = []
        self._length = 0
        if self.body is not None:
            self._walk(self.body)
        self.chars = "".join(self._parts)

    def _walk(self, element: etree._Element) -> None:
        begin, order = self._length, len(self._spans)
        self._spans[element] = (begin, begin, order)
        self._add(element, False, element.text)
        for child in element:
            if isinstance(child.tag, str):
                self._walk(child)
            self._add(child, True, child.tail)
        self._spans[element] = (begin, self._length, order)

    def _add(self, node: etree._Element, tail: bool, text: str | None) -> None:
        squeezed = _squeeze(text) if text else ""
        if squeezed:
            self._starts.append(self._length)
            self._nodes.append((node, tail))
            self._parts.append(squeezed)
            self._length += len(squeezed)

    def has(self, element: etree._Element) -> bool:
        return element in self._spans

    def span(self, element: etree._Element) -> tuple[int, int, int]:
        """An element's start, end and order."""
        return self._spans[element]

    def start(self, element: etree._Element) -> int:
        """The position of an element's first character (its end, if it has none)."""
        return self._spans[element][0] if element in self._spans else -1

    def inside_navigation(self, element: etree._Element) -> bool:
        return any(a.get(EPUB_TYPE) for a in element.iterancestors(f"{{{XHTML}}}nav")) or (
            _local(element) == "nav" and bool(element.get(EPUB_TYPE))
        )

    def insert(self, marker: etree._Element, position: int) -> None:
        """Put the marker right before the character at ``position``: before the outermost
        element whose text starts there, else in the text, splitting it."""
        n = bisect.bisect_right(self._starts, position) - 1
        node, tail = self._nodes[n]
        owner = node.getparent() if tail else node
        if self.start(owner) == position:
            while True:
                parent = owner.getparent()
                if parent is None or parent is self.body or self.start(parent) != position:
                    break
                owner = parent
            _place_before(marker, owner)
        else:
            raw = (node.tail if tail else node.text) or ""
            nth = position - self._starts[n]  # the nth character that is not ignored
            index = next(itertools.islice(_VISIBLE.finditer(raw), nth, None)).start()
            if tail:
                marker.tail, node.tail = raw[index:], raw[:index]
                node.addnext(marker)
            else:
                marker.tail, node.text = raw[index:], raw[:index]
                node.insert(0, marker)
        self.placed(marker)

    def placed(self, marker: etree._Element) -> None:
        """Take in a marker just put into the document. Its tail holds the text it took
        from the node before it (the previous sibling's tail, else the parent's text), all
        of it or its end: that text node's entry is split there, or handed to the marker."""
        previous, parent = marker.getprevious(), marker.getparent()
        source, tail = (previous, True) if previous is not None else (parent, False)
        if source not in self._spans:  # a comment or processing instruction: read again
            self._read()
            return
        begin, end, _ = self._spans[source]
        at = (end if tail else begin) + len(_squeeze((source.tail if tail else source.text) or ""))
        self._spans[marker] = (at, at, -1)
        if not _squeeze(marker.tail or ""):
            return
        n = bisect.bisect_right(self._starts, at) - 1
        if self._starts[n] == at:  # the node kept none of its text
            self._nodes[n] = (marker, True)
        else:
            self._starts.insert(n + 1, at)
            self._nodes.insert(n + 1, (marker, True))


def _page_anchor(label: str, taken: set[str]) -> str:
    base = "page-" + (re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-") or "x")
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


def _marker(near: etree._Element, label: str, anchor: str) -> etree._Element:
    marker = near.makeelement(
        f"{{{XHTML}}}span",
        {EPUB_TYPE: "pagebreak", "role": "doc-pagebreak", "id": anchor, "aria-label": label},
    )
    marker.text = ""
    return marker


def _takes_no_text(element: etree._Element) -> bool:
    parent = element.getparent()
    return _local(element) in _NO_TEXT or (
        _local(element) == "div" and parent is not None and _local(parent) == "dl"
    )


def _place_before(marker: etree._Element, element: etree._Element) -> None:
    """Insert the marker where ``element`` starts, keeping the document valid."""
    for ancestor in element.iterancestors(f"{{{XHTML}}}nav"):
        if ancestor.get(EPUB_TYPE):  # never inside the navigation document's lists
            element = ancestor
    parent = element.getparent()
    if _local(element) not in _INSIDE and parent is not None and not _takes_no_text(parent):
        element.addprevious(marker)
        return
    target = element
    while _takes_no_text(target):
        children = [c for c in target if isinstance(c.tag, str)]
        if not children:
            break
        target = children[0]
    marker.tail, target.text = target.text, None
    target.insert(0, marker)


# --- glossary search-key map -------------------------------------------------------------


SEARCH_KEY_MAP = "search-key-map.xml"
SEARCH_KEY_MAP_TYPE = "application/vnd.epub.search-key-map+xml"


def _search_key_map(book: Book, theme: Theme, docs: list[Document], memo: _Memo) -> list[Resource]:
    """The glossary search-key map (EPUB Dictionaries and Glossaries 1.0): one
    ``search-key-group`` per entry pointing at its anchor, one ``match`` per name it is
    looked up by (``lookup.names``). The chapter documents it points into are declared
    glossary content (``properties="glossary"``; their template marks the entries
    ``epub:type="glossary"``). None for a book without entries."""
    names = lookup.names(book)
    groups = [
        {"href": f"{chapter.anchor}.xhtml#{entry.anchor}", "names": names[entry.slug]}
        for chapter in book.chapters
        for entry in chapter.entries
    ]
    if not groups:
        return []
    chapters = {f"{chapter.anchor}.xhtml" for chapter in book.chapters if chapter.entries}
    for doc in docs:
        if doc.file in chapters and "glossary" not in doc.properties:
            doc.properties.append("glossary")
    text = theme.render("epub/search-key-map.xml", language=book.metadata.language, groups=groups)
    content = memo.get(
        f"{SEARCH_KEY_MAP} {_key(text)}",
        lambda: _serialize(_parse(SEARCH_KEY_MAP, text), doctype=False),
    )
    return [
        Resource(
            "search-key-map",
            SEARCH_KEY_MAP,
            SEARCH_KEY_MAP_TYPE,
            content,
            ["glossary", "search-key-map"],
        )
    ]


# --- NCX ----------------------------------------------------------------------------------


def _ncx(
    book: Book,
    theme: Theme,
    docs: list[Document],
    marks: list[PageMark],
    identifier: str,
    memo: _Memo,
) -> bytes:
    """The NCX: contents and page list for reading systems that predate EPUB 3."""
    order: dict[str, tuple[int, int]] = {}
    home: dict[str, str] = {}
    for d, doc in enumerate(docs):
        order[doc.file] = (d, -1)
        for n, anchor in doc.ids:
            order.setdefault(f"{doc.file}#{anchor}", (d, n))
            home.setdefault(anchor, doc.file)

    def src(anchor: str) -> str:
        return f"{home[anchor]}#{anchor}"

    def point(anchor: str, label: str, children: list[dict[str, object]]) -> dict[str, object]:
        return {"src": src(anchor), "label": label, "children": children}

    points = [point(p.anchor, p.title, []) for p in book.front]
    for chapter in book.chapters:
        entries = [point(e.anchor, e.title, []) for e in chapter.entries]
        points.append(point(chapter.anchor, chapter.title, entries))
    points += [point(p.anchor, p.title, []) for p in book.back]
    if book.references:
        points.append(point("references", "References", []))
    if book.index:
        points.append(point("names-index", "Index", []))

    pages: list[dict[str, object]] = []
    seen: set[tuple[str, int]] = set()
    for n, mark in enumerate(marks, 1):
        kind, value = _page_kind(mark)
        if value is not None and (kind, value) in seen:
            value = None
        if value is not None:
            seen.add((kind, value))
        target = {"id": f"page-target-{n}", "type": kind, "value": value}
        pages.append(target | {"label": mark.label, "src": mark.href})

    flat: list[dict[str, object]] = []

    def walk(items: list[dict[str, object]]) -> None:
        for item in items:
            flat.append(item)
            walk(item["children"])  # type: ignore[arg-type]

    walk(points)
    sources = sorted({str(i["src"]) for i in flat + pages}, key=lambda s: order.get(s, (0, 0)))
    play = {s: n for n, s in enumerate(sources, 1)}
    for n, item in enumerate(flat, 1):
        item["id"] = f"nav-point-{n}"
        item["order"] = play[str(item["src"])]
    for page in pages:
        page["order"] = play[str(page["src"])]
    numbers = [int(m.label) for m in marks if _page_kind(m)[0] == "normal"]
    text = theme.render(
        "epub/toc-ncx.xml",
        book=book,
        identifier=identifier,
        depth=2 if any(c.entries for c in book.chapters) else 1,
        points=points,
        pages=pages,
        max_page=max(numbers, default=0),
    )
    return memo.get(
        f"toc.ncx {_key(text)}", lambda: _serialize(_parse("toc.ncx", text), doctype=False)
    )


def _page_kind(mark: PageMark) -> tuple[str, int | None]:
    """The NCX ``type`` and numeric ``value`` of a page: roman folios are front matter."""
    if re.fullmatch(r"[0-9]+", mark.label) and int(mark.label) > 0:
        return ("front" if mark.section == "front" else "normal"), int(mark.label)
    if re.fullmatch(r"(?i)[ivxlcdm]+", mark.label):
        return "front", _roman(mark.label)
    return "special", None


def _roman(text: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    digits = [values[c] for c in text.lower()]
    total = 0
    for n, digit in enumerate(digits):
        total += -digit if n + 1 < len(digits) and digits[n + 1] > digit else digit
    return total


# --- package ------------------------------------------------------------------------------


def _cover_alt(meta: Metadata) -> str:
    title = f"{meta.title}: {meta.subtitle}" if meta.subtitle else meta.title
    by = f", by {', '.join(meta.authors)}" if meta.authors else ""
    return f"Cover of {title}{by}"


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _cover(book: Book, theme: Theme) -> Resource:
    """The cover image: the file ``book.settings["cover"]`` names, else one drawn as SVG."""
    named = book.settings.get("cover")
    if named:
        path = book.root / str(named)
        media_type = IMAGE_TYPES.get(path.suffix.lower())
        if media_type is None:
            raise ContentError(
                [
                    Problem(
                        "glossbook.toml",
                        None,
                        f"the cover '{named}' is not an image an EPUB can hold.",
                        "Use a JPEG, PNG, GIF, WebP or SVG file.",
                    )
                ]
            )
        if not path.is_file():
            raise ContentError(
                [
                    Problem(
                        "glossbook.toml",
                        None,
                        f"the cover image '{named}' does not exist.",
                        "Give its path relative to the book's folder.",
                    )
                ]
            )
        content = path.read_bytes()
        file = f"images/cover{path.suffix.lower()}"
    else:
        meta = book.metadata
        title_lines = _wrap(meta.title, 16)
        subtitle_lines = _wrap(meta.subtitle, 30)
        author_lines = _wrap(", ".join(meta.authors), 34)
        title_top = 760 - 85 * (len(title_lines) - 1)
        subtitle_top = title_top + 170 * (len(title_lines) - 1) + 160
        rule_y = subtitle_top + 100 * max(len(subtitle_lines) - 1, 0) + 110
        svg = theme.render(
            "epub/cover-svg.xml",
            book=book,
            alt=_cover_alt(meta),
            title_lines=title_lines,
            subtitle_lines=subtitle_lines,
            author_lines=author_lines,
            title_top=title_top,
            subtitle_top=subtitle_top,
            rule_y=rule_y,
            author_top=rule_y + 150,
        )
        content = _serialize(_parse("cover.svg", svg), doctype=False)
        file, media_type = "images/cover.svg", "image/svg+xml"
    return Resource("cover-image", file, media_type, content, ["cover-image"])


def _resources(book: Book, theme: Theme) -> list[Resource]:
    """The stylesheet, the fonts the book itself ships and every image the entries use."""
    css = theme.file(STYLESHEET).read_bytes()
    found = [Resource("css", STYLESHEET, "text/css", css)]
    folder = book.root / "styles" / "fonts"
    fonts = sorted(folder.iterdir()) if folder.is_dir() else []
    for n, path in enumerate((p for p in fonts if p.suffix.lower() in FONT_TYPES), 1):
        media_type = FONT_TYPES[path.suffix.lower()]
        found.append(Resource(f"font-{n}", f"fonts/{path.name}", media_type, path.read_bytes()))
    for n, (relative, source) in enumerate(sorted(book.assets.items()), 1):
        media_type = IMAGE_TYPES.get(Path(relative).suffix.lower(), "application/octet-stream")
        found.append(Resource(f"image-{n}", relative, media_type, source.read_bytes()))
    return found


def _accessibility(
    book: Book, docs: list[Document], marks: list[PageMark], page_source: str
) -> list[tuple[str, dict[str, str], str]]:
    """EPUB Accessibility 1.1 metadata, claiming only what this file has: each feature is
    one the build put in, and conformance to WCAG is claimed only when the book's
    ``[accessibility]`` settings claim it and name who evaluated the book (glossbook checks
    structure, not every WCAG criterion, so it never certifies a book itself).

    Each item is (element, attributes, text) for the package's metadata."""
    outlines = [doc.outline for doc in docs if doc.outline is not None]
    images = sum(outline.images for outline in outlines)
    described = all(outline.described for outline in outlines)
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "ARIA"]
    features.append("displayTransformability")
    if book.index:
        features.append("index")
    if images and described:
        features.append("alternativeText")
    if marks:
        features += ["pageBreakMarkers", "pageNavigation"]
    meta = [("schema:accessMode", "textual")]
    if images:
        meta.append(("schema:accessMode", "visual"))
    if described:
        meta.append(("schema:accessModeSufficient", "textual"))
    if images:
        meta.append(("schema:accessModeSufficient", "textual,visual"))
    meta += [("schema:accessibilityFeature", f) for f in features]
    hazard = "unknown" if any(_may_move(path) for path in book.assets.values()) else "none"
    meta.append(("schema:accessibilityHazard", hazard))
    settings = book.settings.get("accessibility") or {}
    assert isinstance(settings, dict)
    claim = str(settings.get("conformance") or "").strip()
    certifier = str(settings.get("certified_by") or "").strip()
    if claim and certifier:
        first = f"{book.metadata.publisher or 'The publisher'} claims {claim.split(' - ')[-1]}"
        first += f", as evaluated by {certifier}."
    else:
        first = "No conformance to WCAG is claimed: the publication has not been evaluated."
    summary = [
        first,
        "A contents list, landmarks and headings for every chapter, entry and section "
        "give structured navigation; notes link to and from their references.",
    ]
    if images and described:
        summary.append("Every image has a text description.")
    if book.index:
        summary.append("An index lists every entry and its other names.")
    if marks:
        summary.append("Page-break markers and a page list follow the print edition.")
    meta.append(("schema:accessibilitySummary", " ".join(summary)))
    items = [("meta", {"property": prop}, value) for prop, value in meta]
    if claim and certifier:
        items.append(("meta", {"property": "dcterms:conformsTo", "id": "conformance"}, claim))
        items.append(("meta", {"property": "a11y:certifiedBy", "id": "certifier"}, certifier))
        credential = str(settings.get("certifier_credential") or "").strip()
        if credential:
            attributes = {"property": "a11y:certifierCredential", "refines": "#certifier"}
            items.append(("meta", attributes, credential))
        report = str(settings.get("certifier_report") or "").strip()
        if report:
            attributes = {"rel": "a11y:certifierReport", "refines": "#certifier", "href": report}
            items.append(("link", attributes, ""))
    if marks:
        items.append(("meta", {"property": "pageBreakSource"}, page_source))
    return items


def _may_move(path: Path) -> bool:
    """Whether an image can animate (a GIF, WebP or an SVG with animation): then the book
    cannot claim it has no flashing or motion hazard without someone looking."""
    suffix = path.suffix.lower()
    if suffix in (".gif", ".webp", ".apng"):
        return True
    if suffix == ".png":
        data = path.read_bytes()
        return b"acTL" in data[: data.find(b"IDAT") if b"IDAT" in data else len(data)]
    if suffix == ".svg":
        text = path.read_text(encoding="utf-8", errors="replace")
        return bool(re.search(r"<(animate\w*|set)\b|@keyframes|animation\s*:", text))
    return False


def print_source(meta: Metadata) -> str:
    """The print edition the page list follows (``pageBreakSource`` and ``dc:source``): its
    ISBN when the book's identifier is one (the ISBN the print edition's copyright page
    shows), else a URN derived for the print edition, distinct from the ebook's own."""
    identifier = book_identifier(meta)
    if identifier.startswith("urn:isbn:"):
        return identifier
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, identifier + '/print')}"


def _package(
    book: Book,
    docs: list[Document],
    resources: list[Resource],
    ncx: bytes,
    marks: list[PageMark],
    identifier: str,
    stamp: datetime,
) -> bytes:
    """Let ebooklib write the package document and the zip around our files."""
    meta = book.metadata
    package = epub.EpubBook()
    package.set_identifier(identifier)
    package.set_unique_metadata(
        "OPF", "generator", "", {"name": "generator", "content": f"glossbook {__version__}"}
    )
    package.title = meta.title
    package.add_metadata("DC", "title", meta.title, {"id": "title"})
    if meta.subtitle:
        package.add_metadata("DC", "title", meta.subtitle, {"id": "subtitle"})
    package.set_language(meta.language)
    if _direction(meta.language):
        package.set_direction(_direction(meta.language))
    for n, author in enumerate(meta.authors, 1):
        package.add_author(author, role="aut", uid=f"creator-{n}")
    for name, value in (
        ("publisher", meta.publisher),
        ("rights", meta.rights),
        ("description", meta.description),
        ("date", meta.date),
    ):
        if value:
            package.add_metadata("DC", name, value)
    if marks:  # the print edition the page list follows (Ace reads dc:source)
        package.add_metadata("DC", "source", print_source(meta))
    if meta.subtitle:
        for refines, kind in (("#title", "main"), ("#subtitle", "subtitle")):
            package.add_metadata(None, "meta", kind, {"refines": refines, "property": "title-type"})
    for element, attributes, value in _accessibility(book, docs, marks, print_source(meta)):
        package.add_metadata(None, element, value or None, attributes)
    package.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})

    for resource in resources:
        item = epub.EpubItem(
            uid=resource.item_id,
            file_name=resource.file,
            media_type=resource.media_type,
            content=resource.content,
        )
        item.properties = resource.properties
        package.add_item(item)
    spine = []
    for doc in docs:
        item = epub.EpubItem(
            uid=doc.item_id,
            file_name=doc.file,
            media_type="application/xhtml+xml",
            content=doc.content,
        )
        item.properties = doc.properties
        package.add_item(item)
        spine.append(item)
    package.add_item(
        epub.EpubItem(
            uid="ncx", file_name="toc.ncx", media_type="application/x-dtbncx+xml", content=ncx
        )
    )
    package.spine = spine
    package.guide = [
        {"type": "cover", "title": "Cover", "href": "cover.xhtml"},
        {"type": "toc", "title": "Contents", "href": "nav.xhtml"},
    ]
    if book.chapters:
        first = f"{book.chapters[0].anchor}.xhtml"
        package.guide.append({"type": "text", "title": "Start of Content", "href": first})
    buffer = io.BytesIO()
    # Level 0, not compressed: the zip is read and written again (``_reproducible_zip``).
    options = {"epub3_pages": False, "epub3_landmark": False, "raise_exceptions": True}
    options |= {"compresslevel": 0}
    if epub.write_epub(buffer, package, options | {"mtime": stamp}) is False:  # 0.18: None
        raise OSError("ebooklib could not write the EPUB package")
    return buffer.getvalue()


def _serialize(root: etree._Element, *, doctype: bool) -> bytes:
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    if doctype:
        head += b"<!DOCTYPE html>\n"
    return head + etree.tostring(root, encoding="utf-8") + b"\n"


def _reproducible_zip(data: bytes, stamp: datetime, language: str, memo: _Memo) -> bytes:
    """Rewrite ebooklib's zip: ``mimetype`` first and stored, the container next, the rest
    in name order, every entry with the same date and attributes; files compressed already
    (JPEG, PNG, GIF, WebP images, WOFF fonts) stored, the rest deflated. The package element gets
    ``xml:lang``, and ``dcterms:modified`` the fixed date (ebooklib before 0.20 writes now)."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        contents = {info.filename: source.read(info) for info in source.infolist()}
    opf = f"{FOLDER}/content.opf"
    root = etree.fromstring(contents[opf])
    root.set(XML_LANG, language)
    if _direction(language):
        root.set("dir", _direction(language))
    for meta in root.iter(f"{{{OPF}}}meta"):
        if meta.get("property") == "dcterms:modified":
            meta.text = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    contents[opf] = etree.tostring(root, encoding="utf-8", xml_declaration=True)
    first = ["mimetype", "META-INF/container.xml"]
    names = first + sorted(name for name in contents if name not in first)
    when = min(max(stamp, ZIP_EARLIEST), ZIP_LATEST)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            stored = name == "mimetype" or Path(name).suffix.lower() in COMPRESSED
            content = contents[name]
            if stored:
                info.compress_type = zipfile.ZIP_STORED
                target.writestr(info, content)
                continue
            # What zipfile's writestr(info, content, compresslevel=9) writes, with the
            # content deflated once for every build that has it.
            info.compress_type = zipfile.ZIP_DEFLATED
            info.file_size = len(content)
            deflated = memo.get(
                f"deflated {_key(content)}", lambda content=content: _deflate(content)
            )
            with target.open(info, "w") as entry:
                entry._compressor = _Deflated(deflated)  # type: ignore[attr-defined]
                entry.write(content)
    return out.getvalue()


def _deflate(data: bytes) -> bytes:
    """Raw deflate at level 9: what zipfile writes for ``ZIP_DEFLATED``, level 9."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


class _Deflated:
    """Stands in for the compressor of a zip entry being written (zipfile has no way to
    take data deflated already): it gives the deflated bytes whatever it is fed, which must
    be what they were deflated from. Where zipfile would not use it, it compresses as
    usual: the same bytes, only slower."""

    def __init__(self, deflated: bytes) -> None:
        self.deflated = deflated

    def compress(self, data: bytes) -> bytes:
        return b""

    def flush(self) -> bytes:
        return self.deflated
