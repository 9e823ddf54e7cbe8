"""The EPUB's accessibility claims are honest: conformance to WCAG only when the book's
config claims it and names who evaluated the book; the page list names the print edition;
DAISY Ace finds nothing on a book whose entries skip heading levels."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from glossbook.checks import ace
from glossbook.pipeline import prepare
from glossbook.renderers import epub

from .conftest import MINIMAL_CONFIG, BookFactory, entry_text

OPF = "http://www.idpf.org/2007/opf"
DC = "http://purl.org/dc/elements/1.1/"
CLAIM = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


def package(root: Path) -> etree._Element:
    book, _ = prepare(root)
    with zipfile.ZipFile(io.BytesIO(epub.build(book))) as archive:
        return etree.fromstring(archive.read("EPUB/content.opf"))


def metas(opf: etree._Element) -> dict[str, list[etree._Element]]:
    found: dict[str, list[etree._Element]] = {}
    for element in opf.iter(f"{{{OPF}}}meta", f"{{{OPF}}}link"):
        key = element.get("property") or element.get("rel")
        if key:
            found.setdefault(key, []).append(element)
    return found


ENTRIES = {
    "manuscript/alpha.md": entry_text("Alpha", "Alpha is a word."),
    "manuscript/beta.md": entry_text("Beta", "Beta is [[Alpha]]'s neighbour."),
}


def test_no_claim_and_no_certifier_unless_the_config_names_them(make_book: BookFactory) -> None:
    opf = package(make_book(ENTRIES))
    found = metas(opf)
    assert "dcterms:conformsTo" not in found
    assert "a11y:certifiedBy" not in found
    summary = found["schema:accessibilitySummary"][0].text
    assert "No conformance to WCAG is claimed" in summary and "meets WCAG" not in summary


def test_a_claim_the_config_makes_names_its_evaluator(make_book: BookFactory) -> None:
    config = MINIMAL_CONFIG + (
        "[accessibility]\n"
        f'conformance = "{CLAIM}"\n'
        'certified_by = "Accessible Books Consultancy"\n'
        'certifier_credential = "DAISY Ace Certified"\n'
        'certifier_report = "https://example.org/reports/test-book"\n'
    )
    found = metas(package(make_book(ENTRIES, config=config)))
    (claim,) = found["dcterms:conformsTo"]
    assert claim.text == CLAIM
    (certifier,) = found["a11y:certifiedBy"]
    assert certifier.text == "Accessible Books Consultancy" and certifier.get("id") == "certifier"
    (credential,) = found["a11y:certifierCredential"]
    assert credential.get("refines") == "#certifier"
    (report,) = found["a11y:certifierReport"]
    assert report.get("href") == "https://example.org/reports/test-book"
    summary = found["schema:accessibilitySummary"][0].text
    assert "WCAG 2.1 Level AA" in summary and "Accessible Books Consultancy" in summary


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (f'conformance = "{CLAIM}"', "glossbook.toml:6: error: a conformance claim needs the name"),
        (
            'conformance = "WCAG 2.1 AA"\ncertified_by = "X"',
            "glossbook.toml:6: error: 'WCAG 2.1 AA' is not a conformance claim",
        ),
        ('certified_by = "The Author"', "glossbook.toml:6: error: [accessibility] certified_by is"),
    ],
)
def test_claims_the_config_cannot_make_are_errors(
    make_book: BookFactory, run_cli: Callable[..., tuple[int, str]], settings: str, message: str
) -> None:
    root = make_book(ENTRIES, config=MINIMAL_CONFIG + "[accessibility]\n" + settings + "\n")
    code, out = run_cli("build", str(root), "--format", "html")
    assert code == 1
    assert message in out
    assert "Traceback" not in out


def test_page_list_names_the_print_edition_by_its_isbn(make_book: BookFactory) -> None:
    from glossbook.model import PrintLayout, PrintPage

    config = MINIMAL_CONFIG.replace(
        'language = "en"', 'language = "en"\nidentifier = "978-1-23456-789-7"'
    )
    book, _ = prepare(make_book(ENTRIES, config=config))
    book.print_layout = PrintLayout([PrintPage(1, "1", ["chapter-a", "alpha"], "body")])
    with zipfile.ZipFile(io.BytesIO(epub.build(book))) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
    assert metas(opf)["pageBreakSource"][0].text == "urn:isbn:9781234567897"
    assert opf.findtext(f".//{{{DC}}}source") == "urn:isbn:9781234567897"


def test_an_image_that_may_animate_is_not_claimed_free_of_hazards(make_book: BookFactory) -> None:
    files = {
        **ENTRIES,
        "manuscript/gamma.md": entry_text(
            "Gamma", 'Gamma.\n\n![A dot on white](figures/dot.gif "A dot")'
        ),
        "manuscript/figures/dot.gif": GIF,  # type: ignore[dict-item]
    }
    found = metas(package(make_book(files)))
    assert [m.text for m in found["schema:accessibilityHazard"]] == ["unknown"]
    assert "alternativeText" in [m.text for m in found["schema:accessibilityFeature"]]


# --- DAISY Ace on a book whose bodies skip heading levels --------------------------------


def test_ace_finds_nothing_when_bodies_skip_heading_levels(
    make_book: BookFactory, tmp_path: Path
) -> None:
    why = ace.available()
    if why and "CI" not in os.environ:
        pytest.skip(why)
    root = make_book(
        {
            "manuscript/alpha.md": entry_text(
                "Alpha", "Alpha is [[Beta]]'s word.\n\n#### Deep\n\nText.\n\n###### Deeper\n\nMore."
            ),
            "manuscript/beta.md": entry_text("Beta", "Beta is [[Alpha]]'s.\n\n### Three\n\nText."),
        }
    )
    book, _ = prepare(root)  # markdown.py keeps the bodies' heading levels consecutive (#13)
    result = ace.check(epub.render(book, tmp_path / "out"))
    assert [str(p) for p in result.problems] == []
