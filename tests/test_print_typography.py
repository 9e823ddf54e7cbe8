"""Print typography read back from the real PDF (pdftotext per page, word boxes): folios never
lost, guide words whole, openings kept with their definition, URLs unhyphenated, no text in
the margin, a faithful text layer. On the sample book and on a generated 40-entry book with
long titles, code spans, URLs, DOIs, ellipses, Greek and Cyrillic names (40 entries keep the
suite's time budget; ``benchmarks/corpus.py`` writes it, this module adds the hard cases)."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import pytest
from benchmarks.corpus import write_corpus

from tests import pdfmeasure
from tests.test_pdf import EPOCH, Built, build, needs_poppler, page_texts

from .conftest import copy_sample

SAMPLE = Path(__file__).parent.parent
LONG = "Cross-input signature aggregation in threshold schemes for the careful working reader"
EXTRA = (
    "Officers file flawless affidavits… then wait. The call `configure_the_extraordinarily_"
    "long_function_name_for_wrapping(argument_one, argument_two)` runs first; see "
    "<https://example.org/a/rather/long/path/to/the/resource/index.html?query=value&more=1> "
    "or <https://doi.org/10.1002/1097-0355(200101/04)22:1-67>. Names: Ἀλήθεια, ψυχή, "
    "Привязанность, жизнь; figures 1234567890."
)


def typography_book(root: Path, entries: int = 40) -> Path:
    write_corpus(root, entries, works=40)
    files = sorted((root / "manuscript").glob("*.md"))
    renames = {}
    for n, path in enumerate(files):
        title = re.search(r'^title: "(.*)"$', path.read_text(encoding="utf-8"), re.M)
        assert title
        if n % 6 == 0:
            renames[title.group(1)] = f"{LONG} {n}"
    for path in files:
        text = path.read_text(encoding="utf-8")
        for old, new in renames.items():
            text = text.replace(f'title: "{old}"', f'title: "{new}"')
            text = text.replace(f"[[{old}]]", f"[[{new}]]")
        path.write_text(text.replace("\n## Section 1", f"\n{EXTRA}\n\n## Section 1", 1))
    bib = root / "bibliography.bib"
    bib.write_text(
        re.sub(
            r"year = \{(\d+)\}\n\}",
            lambda m: (
                f"year = {{{m.group(1)}}},\n  doi = {{10.5555/long.example-{m.group(1)}"
                f"/part_{m.group(1)}.x}},\n  url = {{https://publisher.example.org/books/"
                f"a-rather-long-title-{m.group(1)}/chapter.html}}\n}}"
            ),
            bib.read_text(encoding="utf-8"),
        ),
        encoding="utf-8",
    )
    return root


@pytest.fixture(scope="module", params=["sample", "generated"])
def book(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp(request.param) / "book"
    if request.param == "sample":
        copy_sample(root)
    else:
        typography_book(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        return build(root, root / "build")


def lines_of(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def plain(fragment: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def flat(text: str) -> str:
    """Page text as one line: hyphenated line ends joined, whitespace collapsed."""
    return " ".join(re.sub(r"[\u2010-]\n\s*", "", text).split())


@needs_poppler
def test_every_page_keeps_its_folio_and_guide_words_are_whole(book: Built) -> None:
    texts = page_texts(book.path)
    titles = [e.title for e in book.book.entries]
    checked = 0
    for page in book.layout.pages:
        lines = lines_of(texts[page.number - 1])
        if not page.label or not lines:
            continue
        if lines[-1] == page.label:  # an opening: the drop folio
            continue
        head = lines[0].split(" ")
        recto = page.number % 2 == 1
        folio, rest = (head[-1], head[:-1]) if recto else (head[0], head[1:])
        assert folio == page.label, (page.number, lines[0])
        guide = " ".join(rest)
        if page.section == "body" and guide and guide != book.book.metadata.title:
            words = guide.removesuffix("…")
            assert any(t == words or t.startswith(words + " ") for t in titles), guide
            checked += 1
    assert checked >= 4


@needs_poppler
def test_an_opening_stays_with_its_definition(book: Built) -> None:
    texts = page_texts(book.path)
    for entry in book.book.entries:
        page = book.layout.page_of(entry.anchor)
        assert page is not None
        first = re.search(r"<p[^>]*>(.*?)</p>", entry.html, re.S)
        if first is None:
            continue
        words = plain(first.group(1)).split()[:8]
        on_page = flat(texts[page.number - 1])
        assert " ".join(words[:3]) in on_page, (entry.title, page.label)


@needs_poppler
def test_urls_are_never_hyphenated(book: Built) -> None:
    texts = page_texts(book.path)
    references = book.layout.page_of("references")
    assert references is not None
    text = "".join(texts[references.number - 1 :])
    joined = re.sub(r"\s+", "", text)
    urls = [
        htmllib.unescape(u)
        for ref in book.book.references
        for u in re.findall(r'href="(https?://[^"]+)"', ref.html)
    ]
    assert len(urls) >= 5
    for url in urls:  # an inserted hyphen (U+2010) would break the match
        assert url in joined, url


@needs_poppler
def test_no_text_runs_into_the_margin(book: Built) -> None:
    pages = pdfmeasure.pages(book.path)
    assert pdfmeasure.overflow(pages) == []


@needs_poppler
def test_no_loose_lines(book: Built) -> None:
    """No justified line has word spaces averaging over twice the book's normal one
    (pdfmeasure: word positions read back from the PDF)."""
    loose, normal = pdfmeasure.loose_lines(pdfmeasure.pages(book.path))
    assert normal > 0
    assert loose == [], [(line.page, line.text) for line in loose]


@needs_poppler
def test_a_page_reference_meets_the_punctuation_after_it(book: Built) -> None:
    """ "(p. 5)," reads as set: the room its box keeps for a longer number (print.css) is a
    word space before "(p.", never a gap between ")" and the comma or stop after it."""
    gaps = []
    for page in pdfmeasure.pages(book.path):
        for line in page.lines:
            for before, after in zip(line.words, line.words[1:], strict=False):
                if re.fullmatch(r"\d+\)", before[2]) and after[2][:1] in ",.;:":
                    gaps.append((line.page, line.text, round(after[0] - before[1], 2)))
    assert gaps
    assert [gap for gap in gaps if gap[2] > 0.5] == []


@needs_poppler
def test_at_most_two_hyphenated_lines_in_a_row(book: Built) -> None:
    runs = pdfmeasure.hyphen_runs(pdfmeasure.pages(book.path))
    assert runs == [], [[(line.page, line.text) for line in run] for run in runs]


@needs_poppler
def test_text_layer_maps_every_glyph_back(book: Built) -> None:
    text = "\f".join(page_texts(book.path))
    assert "\ufffd" not in text
    whole = flat(text)
    if book.book.metadata.title.startswith("Benchmark"):
        for word in ("Officers file flawless affidavits… then wait.", "Ἀλήθεια, ψυχή"):
            assert word in whole
        assert "Привязанность, жизнь; figures 1234567890." in whole
        assert "…" in whole
