"""The defects of issue 14, each on its minimal reproduction in fixtures/bib-defects.bib,
formatted in Chicago 18th (the default ``chicago-author-date``) and APA 7th.

Expected strings follow the style manuals (CMOS 18; APA 7) as the CSL styles encode them.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from glossbook.bibliography import Bibliography, load_bibliography
from glossbook.csl import Formatted, format_citations

FIXTURE = Path(__file__).parent / "fixtures" / "bib-defects.bib"


@pytest.fixture(scope="module")
def bib() -> Bibliography:
    return load_bibliography(FIXTURE, "bib-defects.bib")


def _format(bib: Bibliography, style: str) -> tuple[dict[str, str], dict[str, str]]:
    keys = list(bib.entries)
    formatted: Formatted = format_citations(
        [e.csl for e in bib.entries.values()], [f"[@{k}]" for k in keys], style=style
    )
    assert formatted.warnings == []
    cites = {k: plain(c) for k, c in zip(keys, formatted.citations, strict=True)}
    return cites, dict(formatted.references)


@pytest.fixture(scope="module")
def chicago(bib: Bibliography) -> tuple[dict[str, str], dict[str, str]]:
    return _format(bib, "chicago-author-date")


@pytest.fixture(scope="module")
def apa(bib: Bibliography) -> tuple[dict[str, str], dict[str, str]]:
    return _format(bib, "apa")


def plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_every_entry_is_read_with_its_line(bib: Bibliography) -> None:
    # 9. `@ MaNuAl (scribe, ...)`: space after '@', any case, parentheses: legal BibTeX.
    assert bib.problems == []
    assert bib.entries["scribe"].line == 87
    assert bib.entries["aaai2020"].line == 1


def test_1_booktitle_of_a_whole_book_is_not_a_container(chicago, apa) -> None:  # type: ignore[no-untyped-def]
    # APA 7 8.10 / CMOS 18 13.118: a book cited by its editors, not by title.
    assert apa[0]["aaai2020"] == "(Conitzer & Sha, 2020)"
    assert chicago[0]["aaai2020"] == "(Conitzer and Sha 2020)"
    assert chicago[1]["aaai2020"] == (
        "Conitzer, Vincent, and Fei Sha, eds. 2020. <em>Proceedings of the Thirty-Fourth "
        "AAAI Conference on Artificial Intelligence (AAAI 2020)</em>. AAAI Press."
    )


def test_2_tex_math_prints_as_text(chicago) -> None:  # type: ignore[no-untyped-def]
    assert chicago[1]["astar"] == (
        "Wilt, Christopher, and Wheeler Ruml. 2012. “When Does Weighted A<sup>*</sup> Fail?” "
        "<em>Journal of Tests</em> 1: 1–2."
    )


def test_3_maintitle_of_a_multivolume_work(chicago) -> None:  # type: ignore[no-untyped-def]
    # CMOS 18 14.119 (17th: 14.121): "vol. 5 of Kants Werke".
    assert "vol. 5 of <em>Kants Werke. Akademie Textausgabe</em>" in chicago[1]["kant"]


def test_4_braced_family_name_stays_whole(chicago, apa) -> None:  # type: ignore[no-untyped-def]
    # biblatex: braces make one name part; the name sorts under V (CMOS 18 13.72).
    assert chicago[0]["vdb2007"] == "(van den Briel and Vossen 2007)"
    assert apa[1]["vdb2007"].startswith("van den Briel, M., &amp; Vossen, T. (2007).")
    order = list(chicago[1])
    assert order.index("vdb2007") > order.index("sorace")


def test_5_useprefix_false(chicago) -> None:  # type: ignore[no-untyped-def]
    # biblatex `useprefix=false`: "von" neither cited nor sorted (as biblatex and pandoc).
    assert chicago[0]["brandt"] == "(Brandt and Hoffmann 1987)"
    assert chicago[1]["brandt"].startswith("Brandt, Ahasver von, and Erich Hoffmann. 1987.")


def test_6_biblatex_localisation_keys(chicago) -> None:  # type: ignore[no-untyped-def]
    assert "New series, vol. 9" in chicago[1]["gillies"]
    assert "U.S. patent 5668842" in chicago[1]["sorace"]
    assert "newseries" not in str(chicago) and "patentus" not in str(chicago)


def test_7_apa_sentence_case_capitalises_after_a_colon(apa) -> None:  # type: ignore[no-untyped-def]
    # APA 7 6.17: capitalise the first word after a colon in a title.
    assert "SymPy: Symbolic computing in Python." in apa[1]["sympy"]


def test_8_fields_are_not_lost(bib: Bibliography, chicago) -> None:  # type: ignore[no-untyped-def]
    # issuetitle: the issue's own title, cited by its editor.
    assert chicago[0]["jcg"] == "(Marián 2011)"
    assert "“Semantic 3D Media and Content.”" in chicago[1]["jcg"]
    # organization beside publisher: both kept (pandoc's reading).
    assert bib.entries["oaho"].csl["publisher"] == (
        "The OX Association for Computing Machinery; Academic Press"
    )


def test_8_origpublisher_eprint_and_hyphen(tmp_path: Path) -> None:
    path = tmp_path / "x.bib"
    path.write_text(
        "@book{b, author = {A, B}, title = {T}, year = 2000, publisher = {P},\n"
        "  origpublisher = {OP}, eprinttype = {googlebooks}, eprint = {XYZ},\n"
        "  note = {pre\\hyphen war}}\n",
        encoding="utf-8",
    )
    csl = load_bibliography(path).entries["b"].csl
    assert csl["original-publisher"] == "OP"
    assert csl["URL"] == "https://books.google.com?id=XYZ"
    assert csl["note"] == "pre-war"


def test_9_a_legal_entry_can_be_cited(chicago) -> None:  # type: ignore[no-untyped-def]
    assert chicago[0]["scribe"] == "(Reid 1980)"
