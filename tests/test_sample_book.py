"""The sample book (the repository root): builds cleanly and reads as a faithful edition."""

from __future__ import annotations

import html as htmllib
import re
import xml.dom.minidom
from pathlib import Path

import pytest

from glossbook.checks.links import broken_links
from glossbook.cli import main
from glossbook.pipeline import prepare

from .conftest import REPO

SEED = Path(__file__).parent / "fixtures" / "seed" / "emotional-misattunement.txt"
# Website chrome in the copied page: everything from here on is not the article.
CHROME_START = "Related Articles"
# The infobox and the old infographic's alt text are not prose: checked separately (the
# figure is a new illustration, with its own alt text).
NOT_PROSE = ("Category", "Key Features", "Common Contexts", "Relational Effects", "Infographic")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    assert main(["build", str(REPO), "--out", str(out)]) == 0
    return out / "html"


def plain(fragment: str) -> str:
    blocks = r"</?(?:p|h\d|li|div|dt|dd|figcaption|section|article|aside|[uod]l|t[rdh])\b[^>]*>"
    text = re.sub(r"<[^>]+>", "", re.sub(blocks, " ", fragment))
    return " ".join(htmllib.unescape(text).split())


def without_citations(text: str) -> str:
    """Drop author–date parentheticals and raw pandoc citations, as written or rendered."""
    text = re.sub(r"\[-?@[^\]]*\]", "", text)
    text = re.sub(r"\((?:[^()]*?\b1[0-9]{3}[a-z]?|[^()]*?\b20[0-9]{2}[a-z]?)\)", "", text)
    text = text.replace("(Rizzolatti, 1996)", "").replace("(Fosha, 2000)", "")
    text = " ".join(text.split())
    return text.replace(" ,", ",").replace(" .", ".").replace(" :", ":")


def seed_paragraphs() -> list[str]:
    text = SEED.read_text(encoding="utf-8").split(CHROME_START)[0]
    lines = [line.strip().lstrip("•").strip() for line in text.splitlines() if line.strip()]
    start = lines.index("Emotional Misattunement") + 1
    return [line for line in lines[start:] if len(line.split()) > 12]


def test_sample_book_builds_without_warnings() -> None:
    book, warnings = prepare(REPO)
    assert warnings == []
    assert len(book.entries) >= 13
    assert len({e.title[0] for e in book.entries}) >= 8
    for entry in book.entries:
        assert entry.other_names and entry.sources and entry.related, entry.slug
    assert book.chapters[0].title == "A"


def test_every_link_of_the_html_edition_resolves(built: Path) -> None:
    broken, count = broken_links(built)
    assert broken == []
    assert count > 400


def test_article_keeps_every_paragraph_of_the_seed(built: Path) -> None:
    page = next(
        p for p in built.glob("chapter-*.html") if 'id="emotional-misattunement"' in p.read_text()
    )
    article = page.read_text()
    article = article[article.index('id="emotional-misattunement"') :]
    article = plain(article[: article.index("</article>")])
    body = without_citations(article)
    missing = [
        p
        for p in seed_paragraphs()
        if not p.startswith(NOT_PROSE)
        and without_citations(p).replace("“", "").replace("”", "")
        not in body.replace("“", "").replace("”", "")
    ]
    assert missing == []


def test_article_sections_in_seed_order(built: Path) -> None:
    book, _ = prepare(REPO)
    entry = book.entry("emotional-misattunement")
    seed = SEED.read_text(encoding="utf-8")
    headings = [h.text for h in entry.headings]
    assert len(headings) == 39  # 9 sections, 30 subsections
    positions = [seed.index(h) for h in headings]
    assert positions == sorted(positions)
    for section in [
        "History of Emotional Attunement",
        "Neurobiology",
        "Psychological Impacts of Emotional Misattunement",
        "Sociology",
        "Impact of Misattunement on Relationships",
        "Key Debates",
        "Media Depictions",
        "Research Landscape",
        "FAQs",
    ]:
        assert section in headings
    assert [r.label for r in entry.infobox] == [
        "Key Features",
        "Common Contexts",
        "Relational Effects",
        "Repair Practices",
    ]
    assert entry.categories == ["Attachment Theory", "Relationships"]
    assert entry.sources == ["schore2012", "tronick2003", "siegel2001"]
    assert len(entry.other_names) == 10 and "empathy gap" in entry.other_names
    cited = {key for c in entry.citations for key in c.keys}
    assert cited >= {
        "bowlby1969",
        "ainsworth1978",
        "stern1985",
        "rizzolatti1996",
        "fosha2000",
        "james1890",
        "sullivan1953",
    }


def test_figure_one_is_an_original_svg_with_caption_and_alt(built: Path) -> None:
    book, _ = prepare(REPO)
    figure = book.entry("emotional-misattunement").figures[0]
    assert figure.number == 1
    assert figure.caption == (
        "Emotional misattunement involves a mismatch between what one person emotionally "
        "needs and how the other person responds or engages."
    )
    svg = REPO / "manuscript" / "figures" / "misattunement-stages.svg"
    document = xml.dom.minidom.parse(str(svg))
    text = " ".join(n.data for n in _texts(document.documentElement))
    for stage in ("Expressing emotion", "Mismatched response", "Growing disconnection"):
        assert stage in text
    page = next(
        p for p in built.glob("chapter-*.html") if 'id="emotional-misattunement"' in p.read_text()
    )
    alt = re.search(
        r'<img src="manuscript/figures/misattunement-stages.svg" alt="([^"]+)"', page.read_text()
    )
    assert alt and len(alt.group(1).split()) > 20


def _texts(node):  # type: ignore[no-untyped-def]
    for child in node.childNodes:
        if child.nodeType == child.TEXT_NODE and child.data.strip():
            yield child
        yield from _texts(child)


def all_text(built: Path) -> str:
    return " ".join(plain(p.read_text()) for p in sorted(built.glob("*.html")))


def test_citations_resolve_in_chicago_author_date(built: Path) -> None:
    text = all_text(built)
    for cite in ("(Schore 2012)", "(Tronick 2003)", "(Siegel 2001)", "(Rizzolatti et al. 1996)"):
        assert cite in text, cite
    # Where the prose names the author, the citation gives the year only.
    for narrative in (
        "William James (1890) proposed",
        "Sullivan’s interpersonal theory (1953)",
        "John Bowlby’s attachment theory (1969)",
        "Mary Ainsworth’s Strange Situation (1978)",
        "Daniel Stern’s infant observations (1985)",
    ):
        assert narrative in text, narrative
    assert "@" not in re.sub(r"\S+@\S+\.\w+", "", text.replace("@media", ""))
    article = (built / "chapter-e.html").read_text()
    sources = plain(article[article.index("infobox-sources") :].split("</dd>")[0])
    assert sources.endswith("Schore (2012); Tronick (2003); Siegel (2001)")


def test_references_list_every_cited_work_once_sorted(built: Path) -> None:
    book, _ = prepare(REPO)
    cited = {k for e in book.entries for c in e.citations + e.source_citations for k in c.keys}
    keys = [r.key for r in book.references]
    assert sorted(keys) == sorted(cited) and len(keys) == len(set(keys))
    page = (built / "references.html").read_text()
    items = re.findall(r'<li class="reference" id="ref-([^"]+)">(.*?)</li>', page, re.S)
    assert [k for k, _ in items] == keys
    # Chicago replaces a repeated author by "———" (CMOS 15.17): those follow their first.
    firsts = [plain(html).split(",")[0] for _, html in items if not html.startswith("———")]
    from glossbook.collation import Collation

    assert firsts == sorted(firsts, key=Collation("en").key)
    assert all('class="backlink"' in html for _, html in items)


def test_check_built_finds_no_problem_in_the_sample_book(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``glossbook check --built``: the sources, the HTML links, the PDF (fonts, text layer,
    labels, printed page numbers), EPUBCheck and DAISY Ace all pass."""
    import json
    import os

    code = main(["check", str(REPO), "--built", "--out", str(built.parent), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    problems = [p for r in report["checks"] for p in r["problems"]]
    assert problems == [] and code == 0
    status = {r["check"]: r["status"] for r in report["checks"]}
    expected = {"sources", "html links", "pdf fonts and labels", "pdf text layer"}
    expected |= {"pdf page numbers", "epubcheck", "ace"}
    assert set(status) == expected
    if "CI" in os.environ:  # CI installs every validator: none may be skipped
        assert set(status.values()) == {"passed"}
    assert status["sources"] == status["html links"] == "passed"
