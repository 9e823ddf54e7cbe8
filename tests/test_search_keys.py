"""The EPUB's glossary search-key map: every name a reader may look an entry up by, each
pointing at its entry in glossary content. (EPUBCheck runs on the whole file in test_epub.)"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

import pytest

from glossbook.model import Book
from glossbook.pipeline import prepare
from glossbook.renderers import epub

from .conftest import REPO, BookFactory, entry_text

etree = pytest.importorskip("lxml.etree")

OPS = "http://www.idpf.org/2007/ops"
OPF = "http://www.idpf.org/2007/opf"
EPUB_TYPE = f"{{{OPS}}}type"


def package(book: Book) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(epub.build(book))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def search_key_map(files: dict[str, bytes]) -> dict[str, list[str]]:
    """The map's groups as href -> match values, after checking how the package holds it."""
    opf = etree.fromstring(files["EPUB/content.opf"])
    items = {i.get("id"): i for i in opf.iter(f"{{{OPF}}}item")}
    spine = [r.get("idref") for r in opf.iter(f"{{{OPF}}}itemref")]
    maps = [i for i in items.values() if "search-key-map" in (i.get("properties") or "").split()]
    assert len(maps) == 1
    assert maps[0].get("properties").split() == ["glossary", "search-key-map"]
    assert maps[0].get("media-type") == "application/vnd.epub.search-key-map+xml"
    assert maps[0].get("href").endswith(".xml") and maps[0].get("id") not in spine
    root = etree.fromstring(files[f"EPUB/{maps[0].get('href')}"])
    assert root.tag == f"{{{OPS}}}search-key-map"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    by_file = {i.get("href"): i for i in items.values()}
    groups: dict[str, list[str]] = {}
    for group in root.iter(f"{{{OPS}}}search-key-group"):
        href = group.get("href")
        file, anchor = href.split("#")
        # Every href resolves: a spine document declared glossary, holding the anchor
        # inside its epub:type="glossary" content.
        item = by_file[file]
        assert item.get("id") in spine and "glossary" in item.get("properties").split()
        document = etree.fromstring(files[str(PurePosixPath("EPUB") / file)])
        (element,) = document.xpath("//*[@id=$a]", a=anchor)
        assert any(
            "glossary" in (a.get(EPUB_TYPE) or "").split() for a in element.iterancestors()
        ), href
        assert href not in groups
        groups[href] = [m.get("value") for m in group.iter(f"{{{OPS}}}match")]
    return groups


def test_the_map_lists_every_title_and_other_name_of_the_sample_book() -> None:
    book, _ = prepare(REPO)
    groups = search_key_map(package(book))
    assert len(groups) == len(book.entries) == 19
    for chapter in book.chapters:
        for entry in chapter.entries:
            names = groups[f"{chapter.anchor}.xhtml#{entry.slug}"]
            assert names[: 1 + len(entry.other_names)] == [entry.title, *entry.other_names]
    assert "empathy gap" in groups["chapter-e.xhtml#emotional-misattunement"]


def test_marked_terms_that_name_an_entry_join_its_names(make_book: BookFactory) -> None:
    root = make_book(
        {
            "manuscript/elan.md": entry_text("Élan Vital", "Plain.", other_names="[vital force]"),
            "manuscript/other.md": entry_text(
                "Other",
                "Bergson's [elan vital]{.index}, a [Vital Force]{.index}, "
                '[the hormone]{index="hormones!Élan-vital"} and [oxytocin]{.index}.',
            ),
        }
    )
    book, _ = prepare(root)
    groups = search_key_map(package(book))
    assert groups["chapter-e.xhtml#elan"] == ["Élan Vital", "vital force", "elan vital"]
    assert groups["chapter-o.xhtml#other"] == ["Other"]
