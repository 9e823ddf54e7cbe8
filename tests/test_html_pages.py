"""The HTML edition's pages: rendered on demand for the preview, with the same text as the
edition ``glossbook build`` writes, links included."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from glossbook.loader import EntryCache
from glossbook.pipeline import prepare
from glossbook.preview.site import STYLESHEET, build_site
from glossbook.renderers.html import Pages, render_pages
from glossbook.theme import Theme

from .conftest import copy_sample

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
from corpus import write_corpus  # noqa: E402


def sample(tmp_path: Path) -> Path:
    return copy_sample(tmp_path / "sample")


def generated(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "generated", 60)


def features(tmp_path: Path) -> Path:
    root = tmp_path / "features"
    shutil.copytree(
        REPO / "tests" / "books" / "features", root, ignore=shutil.ignore_patterns("build")
    )
    return root


@pytest.mark.parametrize("make", [sample, features, generated])
def test_pages_on_demand_equal_the_built_edition(tmp_path: Path, make: object) -> None:
    root = make(tmp_path)  # type: ignore[operator]
    book, _ = prepare(root)
    theme = Theme(root)
    built = render_pages(book, theme, [STYLESHEET])
    lazy = Pages(book, theme, [STYLESHEET])
    assert list(lazy) == list(built)
    for file in reversed(list(lazy)):  # any order: each page stands alone
        assert lazy[file] == built[file], file
    # The links really cross pages: some point into another page of the edition.
    crossing = [
        m for text in built.values() for m in re.findall(r'href="([a-z0-9-]+\.html)#', text)
    ]
    assert crossing and set(crossing) <= set(built)


def test_a_preview_rebuild_renders_only_the_pages_asked_for(tmp_path: Path) -> None:
    root = sample(tmp_path)
    site, _ = build_site(root, EntryCache(), "t1")
    assert isinstance(site.pages, Pages)
    # One page of each template (a broken template is an error of the build), no more.
    checked = set(site.pages._done)
    templates = {page.template for page in site.pages.listing}
    assert len(checked) == len(templates) < len(site.pages)
    page = next(file for file in site.pages if file not in checked)
    assert page in site.pages and set(site.pages._done) == checked  # asking is not rendering
    assert "<main" in site.pages[page]
    assert set(site.pages._done) == checked | {page}
    with pytest.raises(KeyError):
        site.pages["no-such-page.html"]
