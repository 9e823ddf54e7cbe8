"""The EPUB edition: EPUBCheck finds nothing, every document is XML with its language, every
link and page-list entry resolves, the page list follows the print edition, two builds are
byte-identical, and the metadata claims only what the file has.

EPUBCheck's JVM is slow to start, so each book is built and checked once per module: the
sample book (the repository) with the PDF renderer's real page map, and a generated book of
200 entries with a page map built by hand (its PDF layout takes minutes).
"""

from __future__ import annotations

import io
import os
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import ModuleType
from urllib.parse import unquote, urlparse

import pytest

from glossbook.checks import Result, ace, epubcheck
from glossbook.model import Book, Metadata, PrintLayout, PrintPage
from glossbook.pipeline import prepare

from .conftest import BookFactory, entry_text

epub = pytest.importorskip("glossbook.renderers.epub")
etree = pytest.importorskip("lxml.etree")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
from corpus import write_corpus  # noqa: E402

XHTML = "http://www.w3.org/1999/xhtml"
OPS = "http://www.idpf.org/2007/ops"
OPF = "http://www.idpf.org/2007/opf"
NCX = "http://www.daisy.org/z3986/2005/ncx/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_TYPE = f"{{{OPS}}}type"
_ID = re.compile(r'\sid="([^"]+)"')


# --- page maps ----------------------------------------------------------------------------


def hand_layout(book: Book) -> PrintLayout:
    """A page map shaped like the PDF's: unnumbered prelims, roman front matter, each entry
    starting a page and running over a second one, a page with no anchor after each entry,
    back matter, references and index."""
    pages: list[PrintPage] = []

    def add(label: str, anchors: list[str], section: str) -> None:
        pages.append(PrintPage(len(pages) + 1, label, anchors, section))

    add("", ["half-title"], "front")
    add("", ["title-page"], "front")
    add("", ["copyright-page"], "front")
    add("v", ["contents", "contents-title"], "front")
    add("vi", [], "front")
    for n, page in enumerate(book.front):
        add(["vii", "viii", "ix", "x"][n % 4], [page.anchor, *_ID.findall(page.html)], "front")
    folio = 0
    for chapter in book.chapters:
        for k, entry in enumerate(chapter.entries):
            ids = _ID.findall(entry.html)
            half = len(ids) // 2
            folio += 1
            add(
                str(folio),
                ([chapter.anchor] if k == 0 else []) + [entry.anchor, *ids[:half]],
                "body",
            )
            folio += 1
            add(str(folio), ids[half:], "body")
            folio += 1
            add(str(folio), [], "body")
    for page in book.back:
        folio += 1
        add(str(folio), [page.anchor, *_ID.findall(page.html)], "back")
    if book.references:
        keys = [f"ref-{r.key}" for r in book.references]
        folio += 1
        add(str(folio), ["references", *keys[: len(keys) // 2]], "back")
        folio += 1
        add(str(folio), keys[len(keys) // 2 :], "back")
    if book.index:
        folio += 1
        add(str(folio), ["names-index", *(g.anchor for g in book.index)], "back")
    return PrintLayout(pages)


def pdf_layout(book: Book) -> PrintLayout | None:
    """The PDF renderer's page map, or None where it cannot run here."""
    try:
        from glossbook.renderers import pdf

        return pdf.layout(book)[1]
    except (ImportError, OSError):  # no WeasyPrint, or no Pango for it
        return None


# --- building and reading -----------------------------------------------------------------


@dataclass
class Built:
    book: Book
    path: Path
    layout: PrintLayout
    files: dict[str, bytes] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    _check: Result | None = None
    _ace: Result | None = None

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.files[name])

    @property
    def opf(self) -> etree._Element:
        return self.xml("EPUB/content.opf")

    @property
    def documents(self) -> dict[str, etree._Element]:
        return {n: self.xml(n) for n in self.names if n.endswith(".xhtml")}

    def epubcheck(self) -> Result:
        if self._check is None:
            self._check = run_checker(epubcheck, self.path)
        return self._check

    def ace(self) -> Result:
        if self._ace is None:
            self._ace = run_checker(ace, self.path)
        return self._ace


def read(book: Book, path: Path, layout: PrintLayout) -> Built:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        files = {name: archive.read(name) for name in names}
    return Built(book, path, layout, files, names)


def run_epubcheck(path: Path) -> dict[str, object]:
    """EPUBCheck's JSON report, through ``glossbook check``'s module."""
    why = epubcheck.available()
    if why and "CI" not in os.environ:
        pytest.skip(why)
    return epubcheck.report(path)


def run_checker(module: ModuleType, path: Path) -> Result:
    """EPUBCheck or DAISY Ace through ``glossbook check``'s modules; skipped where the tool
    is missing, except on CI (which installs both)."""
    why = module.available()
    if why and "CI" not in os.environ:
        pytest.skip(why)
    return module.check(path)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Built:
    book, _ = prepare(REPO)
    layout = pdf_layout(book) or hand_layout(book)
    book.print_layout = layout
    path = epub.render(book, tmp_path_factory.mktemp("sample"))
    return read(book, path, layout)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = write_corpus(tmp_path_factory.mktemp("corpus") / "book", 200)
    book, _ = prepare(root)
    layout = hand_layout(book)
    book.print_layout = layout
    path = epub.render(book, root / "build")
    return read(book, path, layout)


@pytest.fixture(scope="module", params=["sample", "corpus"])
def built(request: pytest.FixtureRequest) -> Built:
    return request.getfixturevalue(request.param)


# --- the whole file -----------------------------------------------------------------------


def test_epubcheck_finds_nothing(built: Built) -> None:
    result = built.epubcheck()
    assert [str(p) for p in result.problems] == []
    assert result.status == "passed"
    assert "0 fatal, 0 errors, 0 warnings" in result.note


def test_daisy_ace_finds_no_violation_of_any_impact(corpus: Built) -> None:
    # The sample book's EPUB is checked with Ace by `glossbook check --built` in
    # test_sample_book.py; here the generated book of 200 entries.
    result = corpus.ace()
    assert [str(p) for p in result.problems] == []
    assert result.status == "passed" and ": pass, 0 violations" in result.note


def test_zip_starts_with_a_stored_mimetype_then_the_container(built: Built) -> None:
    with zipfile.ZipFile(built.path) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos[:2]] == ["mimetype", "META-INF/container.xml"]
    assert infos[0].compress_type == zipfile.ZIP_STORED and infos[0].extra == b""
    assert built.files["mimetype"] == b"application/epub+zip"
    assert len({i.date_time for i in infos}) == 1
    assert built.path.read_bytes()[30:38] == b"mimetype"


def test_every_document_is_xml_with_its_language(built: Built) -> None:
    language = built.book.metadata.language
    for name, root in built.documents.items():
        assert root.get("lang") == language == root.get(XML_LANG), name
        for element in root.iter():
            if isinstance(element.tag, str) and element.get("lang") is not None:
                assert element.get(XML_LANG) == element.get("lang"), name
        for img in root.iter(f"{{{XHTML}}}img"):
            assert img.get("alt") is not None, name
    assert built.opf.get(XML_LANG) == language


def test_every_link_and_page_target_resolves(built: Built) -> None:
    docs = built.documents
    ids = {
        name: {e.get("id") for e in root.iter() if isinstance(e.tag, str)}
        for name, root in docs.items()
    }
    manifest = {f"EPUB/{item.get('href')}" for item in built.opf.iter(f"{{{OPF}}}item")}
    assert manifest <= set(built.names)
    spine = [
        item.get("href")
        for ref in built.opf.iter(f"{{{OPF}}}itemref")
        for item in built.opf.iter(f"{{{OPF}}}item")
        if item.get("id") == ref.get("idref")
    ]
    assert {f"EPUB/{h}" for h in spine} == set(docs)
    broken, count = [], 0
    for name, root in docs.items():
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is None or urlparse(value).scheme in ("http", "https", "mailto"):
                    continue
                count += 1
                url = urlparse(value)
                target = str(PurePosixPath(name).parent / unquote(url.path)) if url.path else name
                if target not in built.files:
                    broken.append(f"{name}: {value} (no such file)")
                elif url.fragment and url.fragment not in ids.get(target, set()):
                    broken.append(f"{name}: {value} (no such anchor)")
    assert broken == []
    assert count > 100
    ncx = built.xml("EPUB/toc.ncx")
    for content in ncx.iter(f"{{{NCX}}}content"):
        file, _, anchor = content.get("src").partition("#")
        assert anchor in ids[f"EPUB/{file}"], content.get("src")


def page_list(built: Built) -> list[tuple[str, str]]:
    nav = built.xml("EPUB/nav.xhtml")
    lists = [n for n in nav.iter(f"{{{XHTML}}}nav") if n.get(EPUB_TYPE) == "page-list"]
    if not lists:
        return []
    (found,) = lists
    assert found.get("role") == "doc-pagelist"
    return [(a.text, a.get("href")) for a in found.iter(f"{{{XHTML}}}a")]


def test_page_list_has_one_target_per_numbered_print_page(built: Built) -> None:
    numbered = [p for p in built.layout.pages if p.label]
    body = [p for p in numbered if p.section == "body"]
    targets = page_list(built)
    assert [label for label, _ in targets] == [p.label for p in numbered]
    assert len(body) > 10
    ncx = built.xml("EPUB/toc.ncx")
    labels = [
        t.findtext(f"{{{NCX}}}navLabel/{{{NCX}}}text") for t in ncx.iter(f"{{{NCX}}}pageTarget")
    ]
    assert labels == [p.label for p in numbered]


def test_page_breaks_stand_where_their_pages_begin(built: Built) -> None:
    """Each marker carries its folio and stands right before (or at the start of) an element
    that begins on its print page, or right after the previous page's marker."""
    markers = {}
    for name, root in built.documents.items():
        for element in root.iter(f"{{{XHTML}}}span"):
            if element.get(EPUB_TYPE) == "pagebreak":
                assert element.get("role") == "doc-pagebreak"
                markers[f"{PurePosixPath(name).name}#{element.get('id')}"] = element
    targets = page_list(built)
    assert {href for _, href in targets} == set(markers)
    numbered = [p for p in built.layout.pages if p.label]
    placed = 0
    for (label, href), page in zip(targets, numbered, strict=True):
        marker = markers[href]
        assert marker.get("aria-label") == label
        following = next(
            (e for e in marker.itersiblings() if e.get(EPUB_TYPE) != "pagebreak"), None
        )
        parent = marker.getparent()
        before = following is not None and following.get("id") in page.anchors
        inside = parent.index(marker) == 0 and parent.get("id") in page.anchors
        previous = marker.getprevious()
        stacked = previous is not None and previous.get(EPUB_TYPE) == "pagebreak"
        first = parent.tag == f"{{{XHTML}}}body" and parent.index(marker) == 0
        # Where the page map gives the page's first words: right before them, mid-paragraph
        # when the page begins there (test_page_markers compares them with the PDF's).
        words = re.sub(r"\s+", "", "".join(page.starts[:1]))[:12]
        after = [marker.tail or ""]
        for sibling in marker.itersiblings():
            after += [*sibling.itertext(), sibling.tail or ""]
        text = re.sub(r"\s+", "", "".join(after))
        mid = bool(words) and bool(text) and (text.startswith(words) or words.startswith(text))
        assert before or inside or stacked or first or mid, (label, page.anchors[:3])
        placed += before or inside
    assert placed > len(numbered) / 2


def test_metadata_is_complete(built: Built) -> None:
    opf = built.opf
    meta = built.book.metadata
    identifier = opf.findtext(".//{http://purl.org/dc/elements/1.1/}identifier")
    assert identifier == epub.book_identifier(meta)
    assert opf.findtext(".//{http://purl.org/dc/elements/1.1/}language") == meta.language
    props = properties(opf)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", props["dcterms:modified"][0])
    # Nobody evaluated these books: no conformance claim and no certifier.
    assert "dcterms:conformsTo" not in props and "a11y:certifiedBy" not in props
    assert "No conformance to WCAG is claimed" in props["schema:accessibilitySummary"][0]
    assert props["schema:accessibilityHazard"] == ["none"]
    assert "textual" in props["schema:accessMode"]
    assert props["schema:accessibilitySummary"]
    features = set(props["schema:accessibilityFeature"])
    assert {"structuralNavigation", "tableOfContents", "index", "pageBreakMarkers"} <= features
    # The page list follows the print edition, which is not this EPUB.
    source = epub.print_source(meta)
    assert props["pageBreakSource"] == [source] and source != identifier
    assert opf.findtext(".//{http://purl.org/dc/elements/1.1/}source") == source
    creators = opf.findall(".//{http://purl.org/dc/elements/1.1/}creator")
    assert [c.text for c in creators] == meta.authors
    roles = [m.text for m in opf.iter(f"{{{OPF}}}meta") if m.get("property") == "role"]
    assert roles == ["aut"] * len(meta.authors)


def properties(opf: etree._Element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for element in opf.iter(f"{{{OPF}}}meta"):
        if element.get("property") and not element.get("refines"):
            found.setdefault(element.get("property"), []).append(element.text or "")
    return found


# --- the sample book in detail ------------------------------------------------------------


def test_two_builds_are_byte_identical(sample: Built, tmp_path: Path) -> None:
    book, _ = prepare(REPO)
    book.print_layout = sample.layout
    again = epub.render(book, tmp_path)
    assert again.read_bytes() == sample.path.read_bytes()


def test_a_build_from_the_cache_after_an_edit_has_the_bytes_of_a_cold_build(
    make_book: BookFactory, run_cli: Callable[..., tuple[int, str]], tmp_path: Path
) -> None:
    """An edit build takes from the build cache every document the edit did not change
    (``epub/documents.pickle``): after a one-word edit, then after a paragraph added that moves the
    print pages of the next chapter, its EPUB is the one built without a cache, byte for
    byte. ``--no-cache`` reads and writes no cache."""
    words = " ".join(f"word{n}" for n in range(400))
    root = make_book(
        {
            "manuscript/alpha.md": entry_text(
                "Alpha", f"See [[Beta]].[^1] {words}\n\n[^1]: A note."
            ),
            "manuscript/apex.md": entry_text("Apex", f"Apex text. {words}"),
            "manuscript/beta.md": entry_text("Beta", f"Back to [[Alpha]]. {words} {words}"),
        }
    )
    slug = prepare(root)[0].metadata.slug
    built, memo = root / "build" / f"{slug}.epub", root / "build" / ".cache" / epub.MEMO

    def cold() -> bytes:
        """The EPUB of the book as it is, built without a cache (the page map is the one the
        warm build used: the layout cache's concern, not this test's)."""
        from glossbook.renderers import pdf

        book, _ = prepare(root)
        book.print_layout = pdf.page_map(book, cache=root / "build" / ".cache")
        return bytes(epub.build(book))

    def pages_of(data: bytes, name: str) -> list[str]:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            document = etree.fromstring(archive.read(f"EPUB/{name}"))
        spans = document.iter(f"{{{XHTML}}}span")
        return [s.get("aria-label") for s in spans if s.get(EPUB_TYPE) == "pagebreak"]

    assert run_cli("build", str(root), "-f", "epub")[0] == 0
    assert memo.is_file()
    first = built.read_bytes()
    entry = root / "manuscript" / "alpha.md"
    entry.write_text(entry.read_text().replace("word200 ", "wrod200 "))
    assert run_cli("build", str(root), "-f", "epub")[0] == 0
    edited = built.read_bytes()
    assert edited != first
    assert edited == cold()
    beta = pages_of(edited, "chapter-b.xhtml")
    entry.write_text(entry.read_text().replace("[^1]:", f"{words} {words}\n\n[^1]:"))
    assert run_cli("build", str(root), "-f", "epub")[0] == 0
    grown = built.read_bytes()
    assert pages_of(grown, "chapter-b.xhtml") != beta  # the next chapter's pages moved
    assert grown == cold()
    elsewhere = tmp_path / "no-cache"
    assert run_cli("build", str(root), "-f", "epub", "--no-cache", "-o", str(elsewhere))[0] == 0
    assert (elsewhere / f"{slug}.epub").read_bytes() == grown
    assert not (elsewhere / ".cache").exists()


def test_semantics_of_chapters_notes_references_and_index(sample: Built) -> None:
    docs = sample.documents
    chapter = docs["EPUB/chapter-n.xhtml"]
    (section,) = [s for s in chapter.iter(f"{{{XHTML}}}section") if s.get(EPUB_TYPE) == "chapter"]
    assert section.get("role") == "doc-chapter"
    noterefs = [a for a in chapter.iter(f"{{{XHTML}}}a") if a.get(EPUB_TYPE) == "noteref"]
    notes = [a for a in chapter.iter(f"{{{XHTML}}}aside") if a.get(EPUB_TYPE) == "footnote"]
    assert noterefs and notes
    assert {a.get("role") for a in noterefs} == {"doc-noteref"}
    assert {n.get("role") for n in notes} == {"doc-footnote"}
    assert {a.get("href")[1:] for a in noterefs} == {n.get("id") for n in notes}
    assert not list(chapter.iter(f"{{{XHTML}}}ol")) or all(
        "footnotes-list" not in (ol.get("class") or "") for ol in chapter.iter(f"{{{XHTML}}}ol")
    )
    references = docs["EPUB/references.xhtml"]
    (bibliography,) = [s for s in references.iter() if s.get(EPUB_TYPE) == "bibliography"]
    assert bibliography.get("role") == "doc-bibliography"
    index = docs["EPUB/names-index.xhtml"]
    (section,) = [s for s in index.iter() if s.get(EPUB_TYPE) == "index"]
    assert section.get("role") == "doc-index"
    entries = [li for li in section.iter(f"{{{XHTML}}}li") if li.get(EPUB_TYPE) == "index-entry"]
    assert len(entries) > 50
    for li in entries:
        terms = [
            e
            for e in li.iter()
            if "index-term" in (e.get(EPUB_TYPE) or "").split()
            and _nearest_entry(e) is li
            and "index-xref-related" not in (e.getparent().get(EPUB_TYPE) or "")
        ]
        assert len(terms) == 1, etree.tostring(li)
    items = {i.get("href"): i.get("properties") for i in sample.opf.iter(f"{{{OPF}}}item")}
    assert items["names-index.xhtml"] == "index"
    assert items["nav.xhtml"] == "nav"
    assert "cover-image" in items["images/cover.svg"]


def _nearest_entry(element: etree._Element) -> etree._Element | None:
    return next((a for a in element.iterancestors(f"{{{XHTML}}}li")), None)


def test_nav_has_nested_contents_and_landmarks(sample: Built) -> None:
    nav = sample.xml("EPUB/nav.xhtml")
    navs = {n.get(EPUB_TYPE): n for n in nav.iter(f"{{{XHTML}}}nav")}
    assert set(navs) == {"toc", "landmarks", "page-list"}
    toc = navs["toc"]
    nested = toc.findall(f"{{{XHTML}}}ol/{{{XHTML}}}li/{{{XHTML}}}ol/{{{XHTML}}}li")
    assert len(nested) == len(sample.book.entries)
    kinds = [a.get(EPUB_TYPE) for a in navs["landmarks"].iter(f"{{{XHTML}}}a")]
    assert kinds == ["cover", "toc", "bodymatter", "bibliography", "index"]


def test_without_a_print_layout_there_are_no_pages_and_no_page_claims(sample: Built) -> None:
    book, _ = prepare(REPO)
    book.print_layout = None
    data = epub.build(book)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    assert all(b"pagebreak" not in v for n, v in files.items() if n.endswith(".xhtml"))
    assert b"page-list" not in files["EPUB/nav.xhtml"]
    assert b"pageList" not in files["EPUB/toc.ncx"]
    props = properties(etree.fromstring(files["EPUB/content.opf"]))
    features = set(props["schema:accessibilityFeature"])
    assert not features & {"printPageNumbers", "pageBreakMarkers", "pageNavigation"}
    assert "pageBreakSource" not in props
    assert b"<dc:source>" not in files["EPUB/content.opf"]


def test_source_date_epoch_sets_modified_and_zip_dates(
    sample: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    data = epub.build(sample.book)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
    assert properties(opf)["dcterms:modified"] == ["2023-11-14T22:13:20Z"]


# --- pieces -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("978-1-23456-789-7", "urn:isbn:9781234567897"),
        ("ISBN 0-306-40615-2", "urn:isbn:0306406152"),
        (
            "urn:uuid:5b0e6a52-3f0c-4d51-9a55-6a1b0f0c2a11",
            "urn:uuid:5b0e6a52-3f0c-4d51-9a55-6a1b0f0c2a11",
        ),
        ("doi:10.1234/abc", "doi:10.1234/abc"),
    ],
)
def test_identifier_as_written(written: str, expected: str) -> None:
    assert epub.book_identifier(Metadata(title="T", slug="t", identifier=written)) == expected


def test_identifier_derived_is_stable_and_depends_on_title_and_authors() -> None:
    a = epub.book_identifier(Metadata(title="T", slug="t", authors=["A"]))
    assert a == epub.book_identifier(Metadata(title="T", slug="x", authors=["A"]))
    assert a != epub.book_identifier(Metadata(title="T", slug="t", authors=["B"]))
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", a)


def test_modified_falls_back_to_the_book_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    meta = Metadata(title="T", slug="t", date="2026-11-25")
    assert epub.modified_time(meta).isoformat() == "2026-11-25T00:00:00+00:00"
    assert epub.modified_time(Metadata(title="T", slug="t")).year == 1980


def test_a_cover_named_in_the_settings_is_the_cover_image(make_book, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cf000000030101005cdab5620000000049454e44ae426082"
    )
    root = make_book({"manuscript/a.md": "---\ntitle: A\n---\nText.\n", "art/front.png": png})
    book, _ = prepare(root)
    book.settings["cover"] = "art/front.png"
    with zipfile.ZipFile(io.BytesIO(epub.build(book))) as archive:
        assert archive.read("EPUB/images/cover.png") == png
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
        cover = etree.fromstring(archive.read("EPUB/cover.xhtml"))
    (item,) = [
        i for i in opf.iter(f"{{{OPF}}}item") if "cover-image" in (i.get("properties") or "")
    ]
    assert (item.get("href"), item.get("media-type")) == ("images/cover.png", "image/png")
    (img,) = cover.iter(f"{{{XHTML}}}img")
    assert img.get("src") == "images/cover.png" and img.get("alt").startswith("Cover of Test Book")


def test_named_html_entities_and_bare_ampersands_become_xml() -> None:
    text = "<p>&copy; &nbsp; AT&T &amp; &lt; &#8212; &bogus;</p>"
    root = epub._parse("test", text)
    assert root.text == "\u00a9 \u00a0 AT&T & < \u2014 &bogus;"
