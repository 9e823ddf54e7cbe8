"""The index and cross-references in print, read back from the sample book's PDF: every page
number printed is the page where its target really stands."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass

import pytest

from glossbook.checks import pdf as checks
from glossbook.model import Book, PrintLayout
from glossbook.pipeline import prepare
from glossbook.renderers import pdf

from .conftest import REPO

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None and "CI" not in __import__("os").environ,
    reason="poppler's pdftotext is not installed",
)


@dataclass
class Printed:
    book: Book
    layout: PrintLayout
    text: checks.Printed  # the text of each PDF page, as pdftotext reads it (also -layout)
    pdf: str

    @property
    def pages(self) -> list[str]:
        return self.text.pages


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Printed:
    book, _ = prepare(REPO)
    path = pdf.render(book, tmp_path_factory.mktemp("print"))
    assert book.print_layout is not None
    return Printed(book, book.print_layout, checks.read_text(path), path.name)


def test_every_entry_heading_stands_on_the_page_the_map_gives(printed: Printed) -> None:
    where = checks.heading_pages(printed.book, printed.layout, printed.text)
    assert len(where) == len(printed.book.entries)  # every title found as a line of its own
    problems, count = checks.heading_problems(
        printed.book, printed.layout, printed.text, printed.pdf
    )
    assert [str(p) for p in problems] == [] and count == len(printed.book.entries)


def test_every_index_line_prints_the_page_where_its_entry_starts(printed: Printed) -> None:
    problems, count = checks.index_problems(printed.book, printed.layout, printed.text, printed.pdf)
    assert [str(p) for p in problems] == []
    assert count > 80


def test_marked_terms_print_every_page_merged_into_ranges(printed: Printed) -> None:
    layout = printed.layout
    text = checks.index_text(printed.book, layout, printed.text)
    checked = 0
    for group in printed.book.index:
        for line in group.lines:
            for sub in line.subentries:
                shown = checks.ranges([checks.folio(layout, p.anchor) for p in sub.places])
                assert f"{sub.term}, {shown}" in text
                for place in sub.places:  # the marked word stands on the page printed
                    page = layout.page_of(place.anchor)
                    assert page is not None
                    assert re.search(
                        sub.term[:5], printed.pages[page.number - 1], re.IGNORECASE
                    ) or re.search(place.title, printed.pages[page.number - 1])
                checked += 1
    assert checked >= 5
    assert re.search(r"amygdala, \d+–\d+", text)


def test_cross_references_print_the_page_of_their_target(printed: Printed) -> None:
    problems, count = checks.xref_problems(printed.book, printed.layout, printed.text, printed.pdf)
    assert [str(p) for p in problems] == []
    assert count > 50


def test_contents_print_the_page_of_every_line(printed: Printed) -> None:
    problems, count = checks.contents_problems(
        printed.book, printed.layout, printed.text, printed.pdf
    )
    assert [str(p) for p in problems] == []
    assert count > len(printed.book.entries)


def test_backlinks_print_the_page_of_each_referring_entry(printed: Printed) -> None:
    titles = {e.slug: e.title for e in printed.book.entries}
    text = checks.joined("\n".join(printed.pages))
    text = re.sub(r"\) ([;.,])", r")\1", text)
    referred = [e for e in printed.book.entries if e.backlinks]
    assert len(referred) > 10
    for entry in referred:
        listed = "; ".join(
            f"{titles[s]} (p. {checks.folio(printed.layout, s)})" for s in entry.backlinks
        )
        assert f"Referred to in: {listed}" in text, entry.slug
