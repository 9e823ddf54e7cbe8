"""The HTML edition: pages, anchors, links, and the fragments the renderers share."""

from __future__ import annotations

import pickle
import re
import shutil
from pathlib import Path

import pytest

from glossbook.checks.links import broken_links
from glossbook.cli import main
from glossbook.renderers.html import Kept

FEATURES = Path(__file__).parent / "books" / "features"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("features") / "book"
    shutil.copytree(FEATURES, root)
    assert main(["build", str(root)]) == 0
    return root / "build" / "html"


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_pages_and_links_all_resolve(built: Path) -> None:
    assert sorted(p.name for p in built.glob("*.html")) == [
        "back-notes.html",
        "chapter-a.html",
        "chapter-b.html",
        "chapter-g.html",
        "front-preface.html",
        "index.html",
        "names-index.html",
        "references.html",
    ]
    broken, count = broken_links(built)
    assert broken == []
    assert count > 40


def test_contents_lists_every_chapter_and_entry_in_order(built: Path) -> None:
    contents = text_of(built / "index.html")
    order = [
        "Preface",
        ">A<",
        "Alpha",
        ">B<",
        "Beta",
        ">G<",
        "Gamma",
        "Notes",
        ">Index<",
    ]
    positions = [contents.index(label, contents.index('class="toc"')) for label in order]
    assert positions == sorted(positions)
    assert 'href="chapter-a.html#alpha"' in contents


def test_entry_anchors_and_section_ids_are_stable(built: Path) -> None:
    page = text_of(built / "chapter-a.html")
    assert '<article class="entry" id="alpha"' in page
    assert '<h3 id="alpha--history">History</h3>' in page
    assert '<h4 id="alpha--use">Use</h4>' in page


def test_cross_references_infobox_and_see_also(built: Path) -> None:
    page = text_of(built / "chapter-a.html")
    assert '<a class="xref" href="chapter-b.html#beta">the second letter</a>' in page
    assert 'Leads to <a class="xref" href="chapter-b.html#beta">Beta</a>' in page
    see_also = page[page.index('class="see-also"') :]
    assert (
        'href="chapter-b.html#beta">Beta</a>; <a class="xref" href="chapter-g.html#gamma">Gamma'
        in see_also
    )
    assert "<dt>Origin</dt><dd>Phoenician</dd>" in page
    assert "<dt>Category</dt><dd>Letters</dd>" in page


def test_figures_are_numbered_through_the_book(built: Path) -> None:
    alpha, gamma = text_of(built / "chapter-a.html"), text_of(built / "chapter-g.html")
    assert re.findall(r'figure-number">(\d+)<', alpha) == ["1", "2"]
    assert re.findall(r'figure-number">(\d+)<', gamma) == ["3"]
    assert '<img src="manuscript/figures/box.svg" alt="A black square" />' in alpha
    assert "The box of alpha</figcaption>" in alpha
    assert (built / "manuscript" / "figures" / "box.svg").is_file()


def test_footnotes_do_not_collide_between_entries(built: Path) -> None:
    alpha, beta = text_of(built / "chapter-a.html"), text_of(built / "chapter-b.html")
    assert 'id="fn-alpha-1"' in alpha and 'id="fn-beta-1"' in beta


def test_tables_and_definition_lists(built: Path) -> None:
    page = text_of(built / "chapter-a.html")
    assert re.search(r"<table id=\"alpha-b\d+\">", page) and "<th>Form</th>" in page
    assert "<dt>Term</dt>" in page and "<dd>Its definition.</dd>" in page


def test_citations_link_to_references_and_emails_are_not_citations(built: Path) -> None:
    page = text_of(built / "chapter-a.html")
    text = re.sub(r"<[^>]+>", "", page)
    assert "Alpha is old (Smith 2020, 12; see Doe and Roe 2019)." in text
    assert "As Smith (2020) says" in text
    assert 'href="references.html#ref-smith2020"' in page
    assert "someone@example.org;" in text
    assert "@home is not a citation" in text
    references = text_of(built / "references.html")
    assert references.count('class="reference"') == 2
    assert 'href="chapter-a.html#alpha">Alpha</a>' in references


def test_raw_script_is_dropped_not_run(built: Path) -> None:
    page = text_of(built / "chapter-a.html")
    assert "<script>" not in page and "alert(1)" not in page


def index_lines(built: Path) -> list[str]:
    index = text_of(built / "names-index.html")
    items = re.findall(r'<li class="index-line[^"]*">(.*?)(?=<li|</ul>)', index, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in items]


def test_index_of_other_names_and_marked_terms(built: Path) -> None:
    assert index_lines(built) == [
        "Aleph — Alpha; Beta",
        "Alpha",
        "Beta, Alpha (see also Gamma)",
        "first letter — Alpha",
        "Gamma",
        "hormones",
        "cortisol, Alpha; Beta",
        "oxytocin, Alpha [2]; Beta",  # the term as first written
        "second letter — Beta",
        "third letter — Gamma",
    ]


def test_index_marks_link_to_each_place(built: Path) -> None:
    alpha = text_of(built / "chapter-a.html")
    assert '<span class="index-mark" id="ix-alpha-1">oxytocin</span>' in alpha
    assert '<span class="index-mark" id="ix-alpha-3">stress hormone</span>' in alpha
    index = text_of(built / "names-index.html")
    assert 'href="chapter-a.html#ix-alpha-1">Alpha</a>' in index
    assert 'href="chapter-a.html#ix-alpha-2" aria-label="Alpha, place 2">[2]</a>' in index


def test_matter_pages_and_title_page(built: Path) -> None:
    contents = text_of(built / "index.html")
    assert "A test book" in contents and "Ada Tester, Ben Checker" in contents
    preface = text_of(built / "front-preface.html")
    assert 'href="chapter-a.html#alpha">Alpha</a>' in preface


# --- the build cache --------------------------------------------------------------------


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_a_build_from_the_cache_writes_what_a_build_without_it_writes(tmp_path: Path) -> None:
    """The pages and search words kept in the build cache give, after each edit, the very
    files a build with ``--no-cache`` gives: a word changed inside one entry, one added; an
    entry retitled into another chapter, which the links of unchanged pages follow."""
    root = tmp_path / "book"
    shutil.copytree(FEATURES, root)
    (root / "manuscript" / "zebra.md").write_text("---\ntitle: Zebra\n---\nStriped.\n")
    (root / "manuscript" / "apricot.md").write_text("---\ntitle: Apricot\n---\n[[zebra|It]].\n")
    kept = root / "build" / ".cache" / "html"

    def build_twice(name: str) -> dict[bytes, Kept]:
        assert main(["build", str(root), "--format", "html"]) == 0
        cold = tmp_path / name
        assert main(["build", str(root), "-f", "html", "-o", str(cold), "--no-cache"]) == 0
        assert not (cold / ".cache").exists()  # --no-cache writes no cache either
        assert files_of(root / "build" / "html") == files_of(cold / "html")
        pages: dict[bytes, Kept] = pickle.loads((kept / "pages.pickle").read_bytes())[2]
        return pages

    first = build_twice("first")
    beta = root / "manuscript" / "beta.md"
    beta.write_text(beta.read_text(encoding="utf-8").replace("Also old", "Also ancient"))
    edited = build_twice("edited")
    assert len(set(first) & set(edited)) == len(first) - 1  # only Beta's chapter made anew
    assert "Also ancient" in text_of(root / "build" / "html" / "chapter-b.html")
    beta.write_text(beta.read_text(encoding="utf-8").replace("Also", "Also very"))
    build_twice("longer")  # every entry's body scored anew: the average length changed
    zebra = root / "manuscript" / "zebra.md"
    zebra.write_text(zebra.read_text(encoding="utf-8").replace("Zebra", "Yak"))
    moved = build_twice("moved")
    kept_a = [moved[key] for key in set(edited) & set(moved) if 'id="apricot"' in moved[key].text]
    assert 'href="chapter-y.html#zebra"' in kept_a[0].text  # found, its link pointed anew
