"""The index and cross-references in print, read back from the sample book's PDF: every page
number printed is the page where its target really stands."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

import pytest

from glossbook.model import Book, IndexLine
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
    pages: list[str]  # the text of each PDF page, as pdftotext reads it
    laid_out: list[str]  # the same with -layout: a running head is one line

    def folio(self, number: int) -> str:
        assert self.book.print_layout is not None
        return self.book.print_layout.pages[number - 1].label


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Printed:
    book, _ = prepare(REPO)
    path = pdf.render(book, tmp_path_factory.mktemp("print"))

    def pdftotext(*options: str) -> list[str]:
        command = ["pdftotext", *options, str(path), "-"]
        text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        return text.split("\f")[:-1]

    return Printed(book, pdftotext(), pdftotext("-layout"))


def lines_of(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def heading_pages(printed: Printed) -> dict[str, int]:
    """Entry title → the first body page showing the title as a line of its own, below the
    running head (the book's title, or the guide words, on the page's first line)."""
    assert printed.book.print_layout is not None
    body = [p.number for p in printed.book.print_layout.pages if p.section == "body"]
    found: dict[str, int] = {}
    for entry in printed.book.entries:
        found[entry.title] = next(
            n for n in body if entry.title in lines_of(printed.laid_out[n - 1])[1:]
        )
        # The page the layout reports for the entry's anchor is the page a reader finds.
        assert printed.book.print_layout.page_of(entry.slug).number == found[entry.title]  # type: ignore[union-attr]
    return found


def index_text(printed: Printed) -> str:
    assert printed.book.print_layout is not None
    start = printed.book.print_layout.page_of("names-index")
    assert start is not None
    pages = []
    for text in printed.pages[start.number - 1 :]:
        lines = lines_of(text)
        # Drop the running head and the folio: they are not part of the index's lines.
        lines = [line for line in lines if not re.fullmatch(r"\d+|Attunement|\d+ Attunement", line)]
        pages.append(" ".join(lines))
    # Words broken at a line end ("Misattune‐ ment") are joined again.
    return re.sub(r"(\w)[\u2010-] (\w)", r"\1\2", " ".join(pages))


def expected_line(line: IndexLine, where: dict[str, int], printed: Printed) -> str:
    def at(title: str) -> str:
        return f"{title} {printed.folio(where[title])}"

    if line.is_title:
        text = at(line.term)
    else:
        text = f"{line.term} — " + "; ".join(at(loc.title) for loc in line.locators)
    if line.see_also:
        text += ". See also " + "; ".join(at(loc.title) for loc in line.see_also)
    return text


def test_every_index_line_prints_the_page_where_its_entry_starts(printed: Printed) -> None:
    where = heading_pages(printed)
    text = index_text(printed)
    lines = [line for group in printed.book.index for line in group.lines if line.locators]
    assert len(lines) > 80
    missing = [expected_line(line, where, printed) for line in lines]
    missing = [line for line in missing if line not in text]
    assert missing == []


def test_marked_terms_print_every_page_merged_into_ranges(printed: Printed) -> None:
    layout = printed.book.print_layout
    assert layout is not None
    text = index_text(printed)
    checked = 0
    for group in printed.book.index:
        for line in group.lines:
            for sub in line.subentries:
                pages = sorted({int(layout.page_of(p.anchor).label) for p in sub.places})  # type: ignore[union-attr]
                runs: list[list[int]] = []
                for page in pages:
                    if runs and page == runs[-1][-1] + 1:
                        runs[-1].append(page)
                    else:
                        runs.append([page])
                shown = ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
                assert f"{sub.term}, {shown}" in text
                for place in sub.places:  # the marked word stands on the page printed
                    page = layout.page_of(place.anchor)
                    assert page is not None
                    assert re.search(
                        sub.term[:5], printed.pages[page.number - 1], re.IGNORECASE
                    ) or re.search(place.title, printed.pages[page.number - 1])
                checked += 1
    assert checked >= 5
    assert "amygdala, 15–16" in text or re.search(r"amygdala, \d+–\d+", text)


def test_cross_references_print_the_page_of_their_target(printed: Printed) -> None:
    where = heading_pages(printed)
    text = " ".join(" ".join(lines_of(page)) for page in printed.pages)
    text = re.sub(r"(\w)[\u2010-] (\w)", r"\1\2", text)
    titles = "|".join(re.escape(e.title) for e in printed.book.entries)
    found = re.findall(rf"({titles}) \(p\. (\d+)\)", text)
    assert len(found) > 50
    wrong = [(t, n) for t, n in found if n != printed.folio(where[t])]
    assert wrong == []


def test_backlinks_print_the_page_of_each_referring_entry(printed: Printed) -> None:
    where = heading_pages(printed)
    titles = {e.slug: e.title for e in printed.book.entries}
    text = " ".join(" ".join(lines_of(page)) for page in printed.pages)
    text = re.sub(r"(\w)[\u2010-] (\w)", r"\1\2", text)
    # A "(p. N)" stands in a box as wide as the widest folio: pdftotext reads its slack as a
    # space before the separator.
    text = re.sub(r"\) ([;.,])", r")\1", text)
    referred = [e for e in printed.book.entries if e.backlinks]
    assert len(referred) > 10
    for entry in referred:
        listed = "; ".join(
            f"{titles[s]} (p. {printed.folio(where[titles[s]])})" for s in entry.backlinks
        )
        assert f"Referred to in: {listed}" in text, entry.slug
