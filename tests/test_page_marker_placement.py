"""Where page-break markers land, exactly, when several print pages begin in one paragraph,
inside and after inline elements, in list items, on a page without text and at an anchor:
every marker of a page map made by hand, in a small book, compared with the markup it must
give. The markers split text the earlier markers have already split (the map of the
chapter's text is kept up to date as they go in, not read again), so a marker that lands
one word off, or in the wrong text node, shows here. ``test_page_markers`` compares the
markers with the PDF's real pages."""

from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from glossbook.model import PrintLayout, PrintPage
from glossbook.pipeline import prepare
from glossbook.renderers import epub

from .conftest import BookFactory

XHTML = "http://www.w3.org/1999/xhtml"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"

ENTRY = """\
---
title: Alpha
---
One two three four five six seven eight nine ten eleven twelve thirteen fourteen.

Before the *emphasised words here* and after them come more words to split.

- first item of the list
- second item of the list

## A section

Closing paragraph with its words.
"""

# (folio, where the page begins: its first words, then ids innermost first; anchors)
PAGES: list[tuple[str, list[str], list[str]]] = [
    ("1", ["Alpha", "alpha"], ["chapter-a", "alpha"]),
    ("2", ["five six seven eight", "alpha-b1", "alpha"], []),
    ("3", ["ten eleven twelve", "alpha-b1", "alpha"], []),
    ("4", [], []),  # no text, no anchor: right after page 3's marker
    ("5", ["thirteen fourteen", "alpha-b1"], []),  # in the text page 4's marker took
    ("6", ["words here and after", "alpha-b2"], []),  # inside the emphasis
    ("7", ["and after them", "alpha-b2"], []),  # right after it
    ("8", ["come more words", "alpha-b2"], []),
    ("9", ["second item of", "alpha-b3"], []),  # at the start of a list item
    ("10", ["item of the list", "alpha-b3"], []),  # in the text the item's marker took
    ("11", [], ["alpha--a-section"]),  # no words known: before the anchor's element
    ("12", ["paragraph with its", "alpha-b4"], []),
]

EXPECTED = {
    "alpha-b1": "One two three four |2|five six seven eight nine |3||4|ten eleven twelve "
    "|5|thirteen fourteen.",
    "alpha-b2": "Before the <em>emphasised |6|words here</em> |7|and after them |8|come more "
    "words to split.",
    "alpha-b3": "<li>first item of the list</li><li>|9|second |10|item of the list</li>",
    "alpha-b4": "Closing |12|paragraph with its words.",
}


def shown(element: etree._Element) -> str:
    """An element's content as markup, each marker written as ``|folio|``, without the
    namespace declarations and the white space between elements."""
    for marker in element.iter(f"{{{XHTML}}}span"):
        if marker.get(EPUB_TYPE) == "pagebreak":
            marker.text = f"|{marker.get('aria-label')}|"
    text = (element.text or "") + "".join(
        etree.tostring(child, encoding=str, with_tail=True) for child in element
    )
    text = re.sub(r' xmlns(:\w+)?="[^"]*"', "", text)
    text = re.sub(r'<span epub:type="pagebreak"[^>]*>(\|\w+\|)</span>', r"\1", text)
    return re.sub(r">\s+<", "><", text).strip()


def test_markers_split_the_text_earlier_markers_split(make_book: BookFactory) -> None:
    root = make_book({"manuscript/alpha.md": ENTRY})
    book, _ = prepare(root)
    pages = [
        PrintPage(n, label, anchors, "body", starts)
        for n, (label, starts, anchors) in enumerate(PAGES, 1)
    ]
    book.print_layout = PrintLayout(pages)
    with zipfile.ZipFile(io.BytesIO(epub.build(book))) as archive:
        chapter = etree.fromstring(archive.read("EPUB/chapter-a.xhtml"))
    found = {
        element.get("id"): shown(element)
        for element in chapter.iter()
        if element.get("id") in EXPECTED
    }
    assert found == EXPECTED
    order = [
        marker.get("aria-label")
        for marker in chapter.iter(f"{{{XHTML}}}span")
        if marker.get(EPUB_TYPE) == "pagebreak"
    ]
    assert order == [label for label, _, _ in PAGES]
    section = chapter.find(f".//{{{XHTML}}}h3[@id='alpha--a-section']")
    previous = section.getprevious()
    assert previous is not None and previous.get("aria-label") == "11"
