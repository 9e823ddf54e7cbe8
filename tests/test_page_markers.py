"""The EPUB's page-break markers stand where the print pages really begin: for every numbered
print page, the text that follows its marker in the EPUB's XHTML begins with the first words
of that page in the PDF (``pdftotext`` per page without the running head and folio, white
space and the hyphens of hyphenated line ends aside), inside a paragraph when the page begins
mid-paragraph. On the sample book here, on the generated 200-entry book in
``test_pdf_parallel`` (which lays that book out once for several tests)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from glossbook.model import Book, PrintLayout
from glossbook.pipeline import prepare
from glossbook.renderers import epub, pdf
from tests import pdfmeasure
from tests.test_pdf import EPOCH, needs_poppler

from .conftest import copy_sample

REPO = Path(__file__).resolve().parent.parent
XHTML = "http://www.w3.org/1999/xhtml"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
WORDS = 6  # the page's first words compared
IGNORED = re.compile(r"[\s\u00ad\u200b\u2060\ufeff]+")
HYPHENS = ("\u2010", "\u00ad")
# Text only the print edition has: a cross-reference's page number, a list's bullet.
NUMBERS = re.compile(r"[0-9,–-]")
PRINT_ONLY = re.compile(r"\s?\(pp?\. [0-9ivxlcdm–-]+\)|•")


def squeeze(text: str) -> str:
    return IGNORED.sub("", text)


def first_words(page: pdfmeasure.Page, count: int = WORDS, column: bool = False) -> str:
    """The page's first words: running head and folio left out, hyphenated line ends joined,
    without what only print has (the page numbers of cross-references, list bullets); with
    ``column``, of the left column only (the index is set in two)."""
    words: list[str] = []
    middle = page.width / 2
    for line in page.lines:
        if not 0.075 * page.height < line.y0 < 0.895 * page.height:
            continue
        texts = [w[2] for w in line.words if not column or w[0] < middle]
        if not texts:
            continue
        if words and words[-1].endswith(HYPHENS):
            words[-1] = words[-1][:-1] + texts.pop(0)
        words += texts
        if len(words) > count + 10:
            break
    text = PRINT_ONLY.sub(" ", " ".join(words))
    return " ".join(text.split()[:count]).rstrip("".join(HYPHENS))


def text_after(marker: etree._Element, length: int) -> str:
    """The squeezed text following a marker in its document (its tail, then everything that
    comes after it in document order), up to ``length`` characters."""
    body = next(marker.iterancestors(f"{{{XHTML}}}body"))
    parts: list[str] = []
    seen = False
    for kind, node in _text_nodes(body):
        if node is marker and kind == "tail":
            seen = True
        holder = node if kind == "text" else node.getparent()
        if seen and not any(_local(a) == "nav" for a in _lineage(holder)):
            parts.append(squeeze(_text(kind, node)))
            if sum(map(len, parts)) >= length:
                break
    return "".join(parts)[:length]


def _text_nodes(element: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    yield "text", element
    for child in element:
        if isinstance(child.tag, str):
            yield from _text_nodes(child)
        yield "tail", child


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _lineage(element: etree._Element) -> list[etree._Element]:
    return [element, *element.iterancestors()]


def _text(kind: str, node: etree._Element) -> str:
    return (node.tail if kind == "tail" else node.text) or ""


def markers(data: bytes) -> dict[str, etree._Element]:
    """Every page-break marker of the EPUB by its folio."""
    found = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not name.endswith(".xhtml"):
                continue
            root = etree.fromstring(archive.read(name))
            for element in root.iter(f"{{{XHTML}}}span"):
                if element.get(EPUB_TYPE) == "pagebreak":
                    found[element.get("aria-label")] = element
    return found


def misplaced(book: Book, pdf_path: Path, layout: PrintLayout) -> tuple[list[str], int]:
    """The numbered print pages whose marker is not followed by the page's first words, and
    the number of pages compared.

    The contents is the navigation document in the ebook, whose lists admit no marker: the
    markers of its pages stand before it. A page that opens with a figure begins, in the PDF,
    with the text drawn in its picture (an SVG's labels, in the order pdftotext reads them):
    its marker must be followed by that figure, and the page must show its caption. In the
    index (two columns: the left one is read), page numbers are print's own."""
    book.print_layout = layout
    data = epub.build(book)
    placed = markers(data)
    pages = pdfmeasure.pages(pdf_path)
    index = layout.page_of("names-index")
    wrong, compared = [], 0
    for page in layout.pages:
        if not page.label:
            continue
        marker = placed[page.label]
        if in_navigation_document(marker):
            toc = marker.getnext()
            stacked = toc is not None and toc.get(EPUB_TYPE) == "pagebreak"
            assert toc is not None and (_local(toc) == "nav" or stacked), page.label
            continue
        column = index is not None and page.number >= index.number
        expected = squeeze(first_words(pages[page.number - 1], column=column))
        if not expected:
            continue
        compared += 1
        figure = marker.getnext()
        if figure is not None and _local(figure) == "figure" and not (marker.tail or "").strip():
            caption = " ".join("".join(figure.itertext()).split()[:WORDS])
            drawn = svg_words(data, figure)
            page_text = squeeze(" ".join(line.text for line in pages[page.number - 1].lines))
            words = first_words(pages[page.number - 1], column=column).split()
            if squeeze(caption) in page_text and drawn and set(words) <= drawn:
                continue
        after = text_after(marker, 3 * len(expected))
        if column:  # the print index gives page numbers where the ebook's links go
            expected, after = NUMBERS.sub("", expected), NUMBERS.sub("", after)
        after = after[: len(expected)]
        if after != expected:
            wrong.append(f"p. {page.label}: PDF {expected!r}, EPUB {after!r}")
    return wrong, compared


def in_navigation_document(marker: etree._Element) -> bool:
    root = marker.getroottree().getroot()
    return any(nav.get(EPUB_TYPE) == "toc" for nav in root.iter(f"{{{XHTML}}}nav"))


def svg_words(data: bytes, figure: etree._Element) -> set[str]:
    """The words an SVG picture of the figure draws (its ``text`` elements)."""
    image = figure.find(f".//{{{XHTML}}}img")
    if image is None or not (image.get("src") or "").endswith(".svg"):
        return set()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read(f"EPUB/{image.get('src')}"))
    return {
        word
        for text in root.iter("{http://www.w3.org/2000/svg}text")
        for word in "".join(text.itertext()).split()
    }


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Book, Path, PrintLayout]:
    root = copy_sample(tmp_path_factory.mktemp("sample") / "book")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        book, _ = prepare(root)
        path = pdf.render(book, root / "build")
    assert book.print_layout is not None
    return book, path, book.print_layout


@needs_poppler
def test_every_page_marker_is_followed_by_its_pages_first_words(
    sample: tuple[Book, Path, PrintLayout],
) -> None:
    book, path, layout = sample
    wrong, compared = misplaced(book, path, layout)
    assert compared > 40
    assert wrong == []


@needs_poppler
def test_a_page_that_begins_mid_paragraph_has_its_marker_inside_it(
    sample: tuple[Book, Path, PrintLayout],
) -> None:
    book, _, layout = sample
    book.print_layout = layout
    inside = [
        marker
        for marker in markers(epub.build(book)).values()
        if etree.QName(marker.getparent()).localname == "p"
        and (marker.getprevious() is not None or (marker.getparent().text or "").strip())
    ]
    assert len(inside) > 10
