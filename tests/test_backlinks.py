"""Backlinks: each entry ends with "Referred to in", the entries whose text links to it."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from glossbook.cli import main
from glossbook.collation import Collation

from .conftest import REPO, BookFactory, entry_text


def build_html(root: Path, out: Path) -> Path:
    assert main(["build", str(root), "--format", "html", "--out", str(out)]) == 0
    return out / "html"


def articles(html: Path) -> dict[str, lxml.html.HtmlElement]:
    found = {}
    for path in html.glob("chapter-*.html"):
        for article in lxml.html.fromstring(path.read_bytes()).xpath("//article"):
            found[article.get("id")] = article
    return found


def target(link: lxml.html.HtmlElement) -> str:
    return link.get("href").rsplit("#", 1)[1]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_html(REPO, tmp_path_factory.mktemp("sample"))


def test_backlinks_of_the_sample_book_are_exactly_the_entries_linking_to_them(
    sample: Path,
) -> None:
    entries = articles(sample)
    titles = {slug: a.xpath("string(h2)") for slug, a in entries.items()}
    linking: dict[str, set[str]] = {slug: set() for slug in entries}
    for slug, article in entries.items():
        # What the entry's own text links to: its body and infobox, not "See also".
        for link in article.xpath(
            ".//div[@class='entry-body']//a[@class='xref'] | .//*[contains(@class, 'infobox')]"
            "//a[@class='xref']"
        ):
            if target(link) != slug:
                linking[target(link)].add(slug)
    collation = Collation("en")
    assert sum(len(s) for s in linking.values()) > 50
    for slug, article in entries.items():
        shown = article.xpath(".//p[contains(@class, 'backlinks')]")
        expected = sorted(linking[slug], key=lambda s: collation.key(titles[s]))
        if not expected:
            assert shown == [], slug
            continue
        assert len(shown) == 1, slug
        assert shown[0].xpath("string(span[@class='label'])") == "Referred to in:"
        links = shown[0].xpath("a[@class='xref']")
        assert [target(a) for a in links] == expected, slug
        assert [a.text_content() for a in links] == [titles[s] for s in expected]
        assert shown[0] is article.xpath("./*")[-1]  # the entry ends with it


def test_backlinks_can_be_turned_off_and_are_checked(
    make_book: BookFactory, tmp_path: Path, run_cli
) -> None:
    files = {
        "manuscript/a.md": entry_text("Alpha", "See [[Beta]] and [[beta|it]] and [[Alpha]]."),
        "manuscript/b.md": entry_text("Beta", "Plain."),
        "manuscript/c.md": entry_text("Çedilla", "About [[Beta]]."),
        "manuscript/d.md": entry_text("Delta", "Plain.", related="[beta]"),
    }
    on = articles(build_html(make_book(files, name="on"), tmp_path / "on"))
    assert [target(a) for a in on["b"].xpath(".//p[contains(@class, 'backlinks')]/a")] == [
        "a",
        "c",
    ]  # once each, collated (Ç with C), not the "See also" of Delta
    assert on["a"].xpath(".//p[contains(@class, 'backlinks')]") == []  # not itself
    config = '[book]\ntitle = "T"\n[contents]\nbacklinks = false\n'
    off = articles(build_html(make_book(files, config=config, name="off"), tmp_path / "off"))
    assert all(not a.xpath(".//p[contains(@class, 'backlinks')]") for a in off.values())
    bad = make_book(files, config='[book]\ntitle = "T"\n[contents]\nbacklinks = "no"\n', name="x")
    code, output = run_cli("build", str(bad), "--format", "html", "--out", str(tmp_path / "x"))
    assert code == 1
    assert "glossbook.toml:4: error: [contents] backlinks must be true or false" in output
