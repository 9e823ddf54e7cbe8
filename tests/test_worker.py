"""One document laid out by a worker (``worker.lay_out``): what it leaves behind."""

from __future__ import annotations

import gc
import importlib
import io
import re
import subprocess
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pikepdf
import pytest

from glossbook.renderers.pdf import columns, leaders, worker
from glossbook.renderers.pdf.css import Sheet
from glossbook.renderers.pdf.stamp import numbers_css, numbers_html, tall_css
from glossbook.renderers.pdf.worker import Job

FEATURES = Path(__file__).parent / "books" / "features"
SHEET = "@page { size: A6; } .note { float: footnote; } p { text-align: justify; }"


def test_a_laid_out_document_is_freed_without_the_cycle_collector() -> None:
    """Its layout context and its pages (a page with a footnote area) are in no reference
    cycle once the job is done: the collector would walk every box and style again."""
    text = "A paragraph of words set in lines to fill the pages of the document. " * 40
    notes = "".join(f'<p>{text}<span class="note">A note {n}.</span></p>' for n in range(6))
    job = Job("doc", f"<html><body>{notes}</body></html>", (Sheet(SHEET, ""),), "")
    worker.lay_out(job)  # the imports and caches of a first layout
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        laid = worker._lay_out(job)
        gc.collect()
        left = {type(thing).__name__ for thing in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert laid.count > 2 and laid.pdf
    assert "LayoutContext" not in left
    assert "PageBox" not in left and "FootnoteAreaBox" not in left


def test_cross_references_are_laid_out_without_weasyprint_raising(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cross-reference's "(p. N)" box is as wide as the book's widest folio: a width
    WeasyPrint reads as a length. Given as a calc() with var() in it, WeasyPrint raised and
    caught an exception for each cross-reference it laid out, whose traceback held the
    document's boxes in a reference cycle (a fifth more work for the cycle collector)."""
    import shutil

    from weasyprint.css import tokens

    from glossbook.pipeline import prepare
    from glossbook.renderers import pdf

    root = tmp_path / "book"
    shutil.copytree(FEATURES, root, ignore=shutil.ignore_patterns("build"))
    book, _ = prepare(root)
    raised: list[str] = []
    for kind in (tokens.RelativeLengthInMath, tokens.PercentageInMath):
        monkeypatch.setattr(kind, "__init__", lambda self, *a: raised.append(type(self).__name__))
    pages = []
    for chapter in book.chapters:
        (tmp_path / "chapter.pdf").write_bytes(pdf.render_chapter(book, chapter.anchor))
        pages.append(_text(tmp_path / "chapter.pdf"))
    assert sum(page.count("(p.") for page in pages) >= 3
    assert raised == []


def test_number_boxes_name_only_a_language_other_than_the_documents() -> None:
    """A numbers document's boxes in the book's language take it from the document (no
    attribute for the cascade to match on each of them); a box in another language keeps
    its own, so that its digits are shaped for it."""
    box = {"kind": "page", "target": "a", "parts": [["s", " (p. "], ["n", ""], ["s", ")"]]}
    box |= {"x": 10.0, "y": 20.0, "width": 30.0, "align": "left", "style": "font-size:9px;"}
    stamps = {"size": [400.0, 600.0, 0.0], "pages": [[box | {"lang": "en"}, box | {"lang": "de"}]]}
    html = numbers_html(stamps, 1, {"a": "12"}, 2, "en")
    assert html.count('lang="en"') == 1 and html.startswith('<!DOCTYPE html><html lang="en">')
    assert html.count('lang="de"') == 1 and html.count("(p. 12)") == 2


def _numbers_job(tall: bool, look: str = "") -> Job:
    """A numbers document of four pages with a bleed: folios centred and right-aligned,
    page numbers in running text, a page without numbers."""
    folio = {"kind": "folio", "target": "", "parts": [["n", "decimal"]], "lang": "en"}
    folio |= {"y": 560.0, "width": 40.0, "align": "center", "style": "font-size:10px;"}
    ref = {"kind": "page", "target": "a", "parts": [["s", " (p. "], ["n", ""], ["s", ")"]]}
    ref |= {"width": 36.0, "align": "left", "style": "font-size:11px;line-height:15px;"}
    ref |= {"lang": "en"}
    pages = [
        [folio | {"x": 180.0, "align": "center"}, ref | {"x": 40.0, "y": 100.0}],
        [folio | {"x": 330.0, "align": "right"}],
        [],
        [ref | {"x": 70.0, "y": 0.0}, ref | {"x": 200.0, "y": 580.0}, folio | {"x": 180.0}],
    ]
    stamps = {"size": [400.0, 600.0, 11.0], "pages": pages}
    html = numbers_html(stamps, 7, {"a": "123"}, 3, "en")
    sheets = (Sheet(numbers_css(stamps) + look),)
    return Job("doc (numbers)", html, sheets, "", tall=tall_css(stamps) if tall else "")


def _words(pdf: bytes, tmp_path: Path) -> list[list[tuple[str, float, float]]]:
    """Each page's words and where they stand, as pdftotext reads them."""
    path = tmp_path / "numbers.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        [(w, float(x), float(y)) for x, y, w in WORD.findall(page)]
        for page in out.split("<page ")[1:]
    ]


WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>')


@pytest.mark.parametrize("way", ["atlas", "tall"])
def test_a_numbers_document_drawn_from_its_atlas_or_tall_page_draws_pages_as_laid_out_alone(
    tmp_path: Path, way: str
) -> None:
    """A numbers document is drawn from the atlas of its texts (each laid out once, a line
    each), or else laid out as one tall page cut into its pages: either way the same pages
    (size, bleed), the same words at the same places as when each page is laid out."""
    tall, paged = _numbers_job(tall=True), _numbers_job(tall=False)
    cut = worker._lay_out_atlas(tall) if way == "atlas" else worker._lay_out_tall(tall)
    assert cut is not None  # not laid out again a page each
    if way == "atlas":
        assert worker.lay_out(tall).pdf == cut.pdf
        with pikepdf.open(io.BytesIO(cut.pdf)) as drawn:
            assert len(drawn.pages) == 4 and len(drawn.pages[0].Resources.Font) == 1
    alone = worker.lay_out(paged)
    assert cut.count == alone.count == 4 and cut.pdf and alone.pdf
    boxes = ("/MediaBox", "/TrimBox", "/BleedBox")
    with pikepdf.open(io.BytesIO(cut.pdf)) as a, pikepdf.open(io.BytesIO(alone.pdf)) as b:
        for one, other in zip(a.pages, b.pages, strict=True):
            assert [list(one.obj[k]) for k in boxes] == [list(other.obj[k]) for k in boxes]
    words, expected = _words(cut.pdf, tmp_path), _words(alone.pdf, tmp_path)
    assert [[w for w, _, _ in page] for page in expected] == [
        ["(p.", "123)", "7"],
        ["8"],
        [],
        ["(p.", "123)", "10", "(p.", "123)"],
    ]
    for page, other in zip(words, expected, strict=True):
        assert [w for w, _, _ in page] == [w for w, _, _ in other]
        for (_, x, y), (_, x2, y2) in zip(page, other, strict=True):
            assert abs(x - x2) < 1e-4 and abs(y - y2) < 1e-4


def test_a_numbers_document_that_cannot_be_cut_is_laid_out_a_page_each(
    tmp_path: Path,
) -> None:
    """Anything but text painted on the tall page (here a rule under each number) cannot be
    told to a page, nor drawn from the atlas: the document is laid out a page each."""
    look = "section > div { border-bottom: 1px solid black; }"
    tall, paged = _numbers_job(tall=True, look=look), _numbers_job(tall=False, look=look)
    assert worker._lay_out_atlas(tall) is None and worker._lay_out_tall(tall) is None
    laid = worker.lay_out(tall)
    assert laid.pdf == worker.lay_out(paged).pdf


def test_a_dot_leader_is_drawn_as_one_text_where_its_dots_stood(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A contents line's dot leader is one text object, not one a dot (drawing them was most
    of the contents' layout), and the page is drawn as WeasyPrint draws it dot by dot: the
    same text, the same pixels but for the anti-aliasing of dots a hair apart."""
    sheet = (
        "@page { size: A6; margin: 10mm; } li { list-style: none; }"
        'a::after { content: leader(". ") "\\2002" attr(data-page); }'
    )
    lines = "".join(
        f'<li><a href="#e{n}" data-page="{n * 7}">Entry {"of some words " * (n % 3)}{n}</a></li>'
        for n in range(1, 21)
    )
    job = Job("contents", f"<html><body><ol>{lines}</ol></body></html>", (Sheet(sheet, ""),), "")
    joined = worker.lay_out(job).pdf
    with monkeypatch.context() as patch:
        patch.setattr(leaders, "_join", lambda line: False)
        dot_by_dot = worker.lay_out(job).pdf
    assert joined and dot_by_dot
    texts = []
    for name, pdf in (("joined", joined), ("dots", dot_by_dot)):
        with pikepdf.open(io.BytesIO(pdf)) as document:
            operators = [str(i.operator) for i in pikepdf.parse_content_stream(document.pages[0])]
        texts.append(operators.count("BT"))
        (tmp_path / f"{name}.pdf").write_bytes(pdf)
        pixels = ["pdftoppm", "-r", "150", "-png", f"{name}.pdf", name]
        subprocess.run(pixels, cwd=tmp_path, check=True)
    assert texts[1] > 3 * texts[0]  # a text a dot (a dozen a line here), not three a line
    # The same words (pdftotext reads a dot a text in a jumble of dots and line ends).
    words = [re.sub(r"[.\s]+", " ", _text(tmp_path / f"{n}.pdf")) for n in ("joined", "dots")]
    assert words[0] == words[1] and " 1 7 Entry " in words[0]
    assert ". . . . 7\n" in _text(tmp_path / "joined.pdf")
    from PIL import Image, ImageChops

    for image in sorted(tmp_path.glob("dots-*.png")):
        ours = Image.open(str(image).replace("dots-", "joined-")).convert("L")
        difference = ImageChops.difference(Image.open(image).convert("L"), ours)
        assert max(difference.getextrema()) <= 96, image.name  # (255: a dot moved)


@pytest.mark.parametrize("notes", [False, True])
def test_columns_are_set_once_and_as_weasyprint_sets_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, notes: bool
) -> None:
    """A two-column index over several pages: each column's lines are set once, not once for
    WeasyPrint's trial and again for real, and the PDF is the one WeasyPrint makes, to the
    byte; with footnotes in the columns (which a trial registers and WeasyPrint withdraws),
    the columns are set as WeasyPrint sets them."""
    from weasyprint.layout import block, inline

    sheet = (
        "@page { size: A6; margin: 10mm; @bottom-center { content: counter(page); } }"
        ".columns { columns: 2; column-gap: 12pt; font-size: 8pt; line-height: 10pt; }"
        "li { list-style: none; break-inside: avoid; } h2 { font-size: 10pt; }"
        ".note { float: footnote; }"
    )
    note = '<span class="note">A note.</span>' if notes else ""
    groups = "".join(
        f"<h2>{letter}</h2><ul>"
        + "".join(
            f"<li>{letter}term {'with more words ' * (n % 4)}{n}{note if n == 3 else ''}, "
            f'<a href="#p{n}">{n * 3}</a>, <a href="#q{n}">{n * 5 + 100}</a></li>'
            for n in range(30)
        )
        + "</ul>"
        for letter in "ABCDEFGHIJK"
    )
    html = f'<html><body><h1>Index</h1><div class="columns">{groups}</div></body></html>'
    job = Job("index", html, (Sheet(sheet, ""),), "")
    worker.lay_out(job)  # (installs the patches)
    counted, calls = _counting(inline.split_first_line)
    monkeypatch.setattr(inline, "split_first_line", counted)
    once = worker.lay_out(job)
    set_once = calls[0]
    with monkeypatch.context() as patch:
        patch.setattr(columns, "install", lambda: None)
        patch.setattr(block, "columns_layout", block.columns_layout.args[0])
        patch.setattr(block, "block_box_layout", block.block_box_layout.args[0])
        calls[0] = 0
        twice = worker.lay_out(job)
        set_twice = calls[0]
    assert once.count == twice.count >= 10
    assert once.pdf == twice.pdf
    if notes:
        assert once.pdf is not None
        (tmp_path / "once.pdf").write_bytes(once.pdf)
        assert "A note." in _text(tmp_path / "once.pdf")
    else:
        assert set_once < 0.65 * set_twice  # (the last page balanced: set a few times)


def test_columns_are_left_to_a_weasyprint_whose_block_layout_differs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A WeasyPrint whose block layout takes other parameters than ``columns`` knows keeps
    its own multi-column layout: nothing is patched."""
    from weasyprint.layout import block

    def other(context: object, box: object, bottom_space: float) -> None: ...

    monkeypatch.setattr(block, "block_box_layout", other)
    original = block.columns_layout
    if isinstance(original, partial):
        original = original.args[0]
    monkeypatch.setattr(block, "columns_layout", original)
    columns.install()
    assert block.columns_layout is original and block.block_box_layout is other


def test_a_line_not_justified_is_drawn_from_the_layout_that_set_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lines that add no spacing between their words (flush left, centred, the last line of
    a justified paragraph) are drawn from the Pango layout that set them, not shaped again;
    justified lines, hyphenated ones, underlined, spaced and cut-off text are drawn as
    WeasyPrint draws them: the same PDF, to the byte."""
    from weasyprint.text import line_break

    sheet = (
        "@page { size: A6; margin: 10mm; } p { text-align: justify; hyphens: auto; }"
        ".left { text-align: left; } h1 { text-align: center; font-size: 14pt; }"
        "a { text-decoration: underline; } .caps { font-variant: small-caps;"
        " letter-spacing: 0.05em; word-spacing: 0.2em; } .cut { white-space: nowrap;"
        " overflow: hidden; text-overflow: ellipsis; width: 30mm; }"
    )
    job = _prose_job(
        sheet,
        lambda n, words: (
            f'<h1>Part {n}</h1><p lang="en">{words}<a href="#x">a link</a> ends.</p>'
            f'<p class="left">{words}</p><p class="caps">{words}</p>'
            f'<div class="cut">{words}</div>'
        ),
        copies=4,
        lang="en",
    )
    counted, shaped = _counting(line_break.Layout.setup)
    monkeypatch.setattr(line_break.Layout, "setup", counted)
    once = worker.lay_out(job)
    shaped_once = shaped[0]
    with monkeypatch.context() as patch:
        for name in ("deactivate", "reactivate"):
            patch.setattr(line_break.Layout, name, getattr(line_break.Layout, name).__wrapped__)
        patch.setattr(line_break, "first_line_metrics", line_break.first_line_metrics.__wrapped__)
        shaped[0] = 0
        again = worker.lay_out(job)
        shaped_again = shaped[0]
    assert once.count == again.count >= 4
    assert once.pdf == again.pdf
    assert shaped_once <= shaped_again - 50  # (the lines not justified, drawn)
    assert once.pdf is not None
    (tmp_path / "doc.pdf").write_bytes(once.pdf)
    assert "Attunement between caregivers" in _text(tmp_path / "doc.pdf")


def test_lines_are_shaped_again_by_a_weasyprint_whose_line_metrics_differ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A WeasyPrint whose ``first_line_metrics`` takes other parameters than ``shaped``
    knows is left as it is."""
    from weasyprint.text import line_break

    from glossbook.renderers.pdf import shaped

    def other(first_line: object, text: str) -> None: ...

    monkeypatch.setattr(line_break, "first_line_metrics", other)
    for name in ("deactivate", "reactivate"):
        method = getattr(line_break.Layout, name)
        monkeypatch.setattr(line_break.Layout, name, getattr(method, "__wrapped__", method))
    monkeypatch.setattr(line_break.Layout, "_shaped_once", False, raising=False)
    before = line_break.Layout.deactivate
    shaped.install()
    assert line_break.first_line_metrics is other and line_break.Layout.deactivate is before


def test_used_lengths_are_resolved_once_for_a_style_and_a_containing_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A box laid out again, or a box of a style another box was laid out with, in a
    containing block of the same size, takes the margins, paddings, widths and heights
    resolved then; flex and grid items, whose styles WeasyPrint's layout changes, tables
    with collapsing borders and footnotes are laid out as WeasyPrint lays them out: the same
    PDF, to the byte."""
    from weasyprint.layout import percent

    from glossbook.renderers.pdf import used

    sheet = (
        "@page { size: A6; margin: 10mm; } p { text-align: justify; margin: 0 0 4pt;"
        " padding: 0 2%; } .note { float: footnote; } .row { display: flex; gap: 4pt; }"
        " .row > div { flex: 1; padding: 2pt; border: 0.5pt solid; }"
        " .grid { display: grid; grid-template-columns: 1fr 2fr; margin: 3pt 5%; }"
        " table { border-collapse: collapse; width: 80%; } td { border: 0.5pt solid;"
        " padding: 1pt 3pt; } .box { width: calc(50% - 2em); margin-left: auto; }"
    )
    job = _prose_job(
        sheet,
        lambda n, words: (
            f'<p>{words}<span class="note">A note {n}.</span></p>'
            f'<div class="row"><div>{words}</div><div>Short {n}.</div></div>'
            f'<div class="grid"><div>Term {n}</div><div>{words}</div></div>'
            f"<table><tr><td>one {n}</td><td>{words}</td></tr></table>"
            f'<p class="box">{words}</p>'
        ),
        copies=6,
    )
    counted, resolved = _counting(percent.resolve_one_percentage)
    monkeypatch.setattr(percent, "resolve_one_percentage", counted)
    once = worker.lay_out(job)
    resolved_once = resolved[0]
    with monkeypatch.context() as patch:
        patch.setattr(used, "_KEPT", _Forgetting())
        resolved[0] = 0
        every = worker.lay_out(job)
    assert once.count == every.count >= 4
    assert once.pdf == every.pdf
    assert 0 < resolved_once < 0.8 * resolved[0]


def test_a_texts_pango_setup_is_made_once_for_its_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each font description (and Pango context, OpenType features, font metrics and strut) is
    made once for the document, not once for each piece of text set: for text in several
    languages and directions, sizes, weights, decorations, features and variations, the same
    PDF, to the byte, as WeasyPrint's own set-up."""
    from weasyprint.text import fonts, line_break

    from glossbook.renderers.pdf import fontsetup

    sheet = (
        "@page { size: A6; margin: 10mm; } p { text-align: justify; hyphens: auto; }"
        " h2 { font-size: 13pt; font-variant: small-caps; } .de { font-style: italic; }"
        " .rtl { direction: rtl; } u { text-decoration: underline overline; }"
        " s { text-decoration: line-through; } .num { font-feature-settings: 'tnum';"
        " font-variant-numeric: oldstyle-nums; } .tr { font-language-override: 'TRK'; }"
        " .var { font-variation-settings: 'wght' 600; font-weight: bold; line-height: 1.6; }"
        " .sub { font-variant-position: sub; font-kerning: none; letter-spacing: 0.02em; }"
    )
    job = _prose_job(
        sheet,
        lambda n, words: (
            f"<h2>Part {n}</h2><p>{words}<u>linked</u> and <s>struck</s> words.</p>"
            f'<p class="de" lang="de">Die Bindung zwischen Bezugsperson und Kind {n}.</p>'
            f'<p class="rtl" lang="he">שלום {n} {words}</p><p class="num">1234567890 {n}</p>'
            f'<p class="tr">Istanbul {n}</p><p class="var">{words}</p>'
            f'<p class="sub">{words}</p>'
        ),
        copies=4,
        lang="en",
    )
    counted, described = _counting(fonts.get_font_description)
    monkeypatch.setattr(fonts, "get_font_description", counted)
    weasyprints = line_break.Layout.setup.__wrapped__
    counting, setups = _counting(fontsetup._setup_for(weasyprints))
    monkeypatch.setattr(line_break.Layout, "setup", counting)
    once = worker.lay_out(job)
    with monkeypatch.context() as patch:
        patch.setattr(line_break.Layout, "setup", weasyprints)
        for name in fontsetup._STRUT_CALLERS:
            module = importlib.import_module(name)
            patch.setattr(module, "strut", module.strut.__wrapped__)
        every = worker.lay_out(job)
    assert once.count == every.count >= 4
    assert once.pdf == every.pdf
    assert 0 < described[0] < setups[0] / 10


def test_inherited_and_initial_values_are_taken_as_weasyprint_computes_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A property not in an element's cascade takes its parent's value or its initial value
    at once; one set by the cascade, through a logical property, with a variable or a math
    function, a decoration, and the root's are computed by WeasyPrint: the same PDF, to the
    byte."""
    from weasyprint import css

    from glossbook.renderers.pdf import computed

    sheet = (
        "@page { size: A6; margin: 10mm; } :root { --gap: 3pt; } body { line-height:"
        " calc(1em + 3pt); letter-spacing: calc(0.01em + 0.1pt); } p { text-align: justify;"
        " margin-block-end: var(--gap); padding-inline-start: 2%; } .rtl { direction: rtl;"
        " margin-inline-start: 8pt; border-inline-start: 1pt solid; } .deco {"
        " text-decoration: underline; } .deco em { color: #a00; } .side { float: right;"
        " width: 30%; } .rel { position: relative; top: 1pt; } h2 { page: wide; }"
        " @page wide { margin: 8mm; } li { display: list-item; }"
    )
    job = _prose_job(
        sheet,
        lambda n, words: (
            f'<h2>Part {n}</h2><p class="deco">{words}<em>inside</em> it.</p>'
            f'<p class="rtl">{words}</p><div class="side">Aside {n}</div>'
            f'<p class="rel">{words}</p><ul><li>one {n}</li><li>two</li></ul>'
        ),
        copies=4,
    )
    with_patch, without = _calls_both_ways(
        monkeypatch, job, css.ComputedStyle, "__missing__", computed._missing_for
    )
    assert 0 < with_patch < without / 2


def _counting(function: Callable[..., Any]) -> tuple[Callable[..., Any], list[int]]:
    """``function``, counting its calls (in the list's one item)."""
    calls = [0]

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return function(*args, **kwargs)

    return counted, calls


def _calls_both_ways(
    monkeypatch: pytest.MonkeyPatch,
    job: Any,
    owner: object,
    name: str,
    patch_for: Callable[[Callable[..., Any]], Callable[..., Any]],
) -> tuple[int, int]:
    """``job`` laid out with a patch installed over WeasyPrint's ``owner.name`` (``patch_for``
    of it, counted), then with WeasyPrint's own alone (counted): the same PDF, to the byte;
    returns how often WeasyPrint's own ran each way."""
    counted, calls = _counting(getattr(owner, name).__wrapped__)
    monkeypatch.setattr(owner, name, patch_for(counted))
    once = worker.lay_out(job)
    with_patch, calls[0] = calls[0], 0
    monkeypatch.setattr(owner, name, counted)
    every = worker.lay_out(job)
    assert once.count == every.count >= 4
    assert once.pdf == every.pdf
    return with_patch, calls[0]


def test_boxes_with_nothing_behind_them_are_known_by_their_style(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A box whose style paints nothing behind it and has square corners gets no background
    at once; boxes with a colour, an image, a shadow, rounded corners (in lengths and in
    percentages of the box), and hidden ones inside them are placed by WeasyPrint: the same
    PDF, to the byte, and WeasyPrint's own placing asked for fewer boxes."""
    from weasyprint.layout import background

    from glossbook.renderers.pdf import backgrounds

    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
        "z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    sheet = (
        "@page { size: A6; margin: 10mm; background: #fffdf5; } p { text-align: justify; }"
        " .tint { background: #eef; border-radius: 4pt; } .round { border-radius: 10%;"
        " border: 0.5pt solid; } .shadow { box-shadow: 1pt 1pt 2pt #888; } .hidden {"
        " visibility: hidden; background: red; } .current { color: #363;"
        f" background-color: currentcolor; }} .image {{ background: url({pixel}) repeat; }}"
    )
    job = _prose_job(
        sheet,
        lambda n, words: (
            f'<p>{words}</p><div class="tint"><p>{words}</p></div>'
            f'<p class="round">Round {n}</p><p class="shadow">Shadow {n}</p>'
            f'<p class="hidden">Hidden {n}</p><p class="current">x</p>'
            f'<p class="image">Image {n}</p><div class="tint"><span class="hidden">h</span></div>'
        ),
        copies=4,
    )
    with_patch, without = _calls_both_ways(
        monkeypatch, job, background, "layout_box_backgrounds", backgrounds._placing
    )
    assert 0 < with_patch < without / 3


def test_the_html_parsers_scanning_expressions_are_made_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """tinyhtml5 builds the regular expression that scans an attribute's name or value, or
    the text between tags, each time it scans one (its cache is never read back); with
    ``parsing`` installed each is made once, and the parse is the same tree."""
    import tinyhtml5
    from tinyhtml5 import inputstream

    from glossbook.renderers.pdf import parsing

    lines = "".join(
        f'<li class="line" id="l{n}"><span class="term">Term {n} &amp; more</span>'
        f' <a href="#e{n}" data-folio="{n}">{n}</a><!-- note --></li>'
        for n in range(200)
    )
    html = f'<html lang="en"><body><ul class="lines">{lines}</ul><p>T&eacute;l&nbsp;x</p></body>'
    monkeypatch.setattr(inputstream, "characters_until_regex", {})
    theirs = ElementTree.tostring(tinyhtml5.parse(html))
    parsing.install()
    tinyhtml5.parse(html)  # each expression made
    counted, compiled = _counting(re.compile)
    monkeypatch.setattr(re, "compile", counted)
    ours = ElementTree.tostring(tinyhtml5.parse(html))
    assert ours == theirs
    assert compiled[0] == 0
    assert 0 < len(inputstream.characters_until_regex) < 10


def test_text_setup_and_styles_are_left_to_a_weasyprint_whose_code_differs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A WeasyPrint whose ``Layout.setup``, ``strut``, ``ComputedStyle.__missing__`` or
    ``layout_box_backgrounds`` is not the one ``fontsetup``, ``computed`` and
    ``backgrounds`` know, or a tinyhtml5 whose ``chars_until`` is not the one ``parsing``
    knows, is left as it is."""
    from tinyhtml5 import inputstream
    from weasyprint import css
    from weasyprint.layout import background
    from weasyprint.text import line_break

    from glossbook.renderers.pdf import backgrounds, computed, fontsetup, parsing

    def setup(self: object, style: object) -> None: ...

    def missing(self: object, key: str) -> None: ...

    monkeypatch.setattr(line_break.Layout, "setup", setup)
    monkeypatch.setattr(line_break.Layout, "_fonts_kept", False)

    def place(page: object, box: object, get_image_from_uri: object) -> None: ...

    monkeypatch.setattr(css.ComputedStyle, "__missing__", missing)
    monkeypatch.setattr(background, "layout_box_backgrounds", place)
    fontsetup.install()
    computed.install()
    backgrounds.install()
    assert line_break.Layout.setup is setup and css.ComputedStyle.__missing__ is missing
    assert background.layout_box_backgrounds is place

    def chars_until(self: object, characters: str, opposite: bool = False) -> str: ...

    cache: dict[object, object] = {}
    monkeypatch.setattr(inputstream.HTMLUnicodeInputStream, "chars_until", chars_until)
    monkeypatch.setattr(inputstream, "characters_until_regex", cache)
    parsing.install()
    assert inputstream.characters_until_regex is cache


def _prose_job(sheet: str, part: Callable[[int, str], str], copies: int, lang: str = "") -> Job:
    """A document of ``copies`` parts of prose, laid out once (which installs the patches)."""
    words = "Attunement between caregivers and infants regulates arousal and affect. " * 6
    body = "".join(part(n, words) for n in range(copies))
    root = f'<html lang="{lang}">' if lang else "<html>"
    job = Job("doc", f"{root}<body>{body}</body></html>", (Sheet(sheet, ""),), "")
    worker.lay_out(job)
    return job


class _Forgetting(dict):  # type: ignore[type-arg]
    """A store that keeps nothing: every box resolved as WeasyPrint resolves it."""

    def __setitem__(self, key: object, value: object) -> None:
        pass


def _text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
