"""``[text]{.smallcaps}`` (pandoc's span class) is set in small capitals in every edition:
the page holding the span links a stylesheet with a ``.smallcaps`` rule of
``font-variant: small-caps`` (print.css has it too; test_text_layer reads the PDF)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import lxml.html
import tinycss2

from glossbook.cli import main

from .conftest import BookFactory, entry_text


def small_caps_rule(css: str) -> bool:
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule":
            continue
        selectors = [s.strip() for s in tinycss2.serialize(rule.prelude).split(",")]
        declarations = tinycss2.parse_declaration_list(rule.content, skip_whitespace=True)
        if ".smallcaps" in selectors and any(
            d.type == "declaration"
            and d.lower_name == "font-variant"
            and tinycss2.serialize(d.value).strip() == "small-caps"
            for d in declarations
        ):
            return True
    return False


def test_small_caps_in_the_html_edition_and_the_epub(make_book: BookFactory) -> None:
    root = make_book(
        {"manuscript/a.md": entry_text("Alpha", "The [NASA and Unesco]{.smallcaps} names.")}
    )
    assert main(["build", str(root), "--format", "html,epub"]) == 0
    html = root / "build" / "html"
    page = next(p for p in html.glob("*.html") if 'class="smallcaps"' in p.read_text("utf-8"))
    links = lxml.html.fromstring(page.read_bytes()).xpath("//link[@rel='stylesheet']/@href")
    assert any(small_caps_rule((page.parent / href).read_text("utf-8")) for href in links)
    with zipfile.ZipFile(next((root / "build").glob("*.epub"))) as epub:
        names = epub.namelist()
        xhtml = next(n for n in names if n.endswith(".xhtml") and b"smallcaps" in epub.read(n))
        sheets = [n for n in names if n.endswith(".css")]
        text = epub.read(xhtml).decode()
        linked = [n for n in sheets if Path(n).name in text]
        assert linked and any(small_caps_rule(epub.read(n).decode()) for n in linked)
