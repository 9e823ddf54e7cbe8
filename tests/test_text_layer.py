"""The PDF's text layer gives back the source text: ellipses, ligatures (fi, fl, ffi, ff),
small capitals, old-style figures, Greek and Cyrillic names extract as the letters written,
in the default PDF and in the tagged ``pdf/ua-1`` variant (pdftotext per page). No CJK font
is bundled, so CJK text is not part of the test."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from tests.conftest import MINIMAL_CONFIG
from tests.test_pdf import build, needs_poppler

# Each paragraph as written (Markdown) and as it must read in the PDF.
PARAGRAPHS = [
    (
        "Officers file flawless affidavits… then wait… and wait. The affluent staff fly "
        "first; efficient baffles shuffle off.",
        "Officers file flawless affidavits… then wait… and wait. The affluent staff fly "
        "first; efficient baffles shuffle off.",
    ),
    (
        "[Small capitals read as letters]{.smallcaps}, and [NASA and Unesco]{.smallcaps} "
        "keep their case.",
        "Small capitals read as letters, and NASA and Unesco keep their case.",
    ),
    (
        "Old-style figures: 0123456789, in 1984 and 2026, 3.14159 and 42 %.",
        "Old-style figures: 0123456789, in 1984 and 2026, 3.14159 and 42 %.",
    ),
    (
        "Greek names: Ἀλήθεια, ψυχή, Σωκράτης, Ἀριστοτέλης. Cyrillic names: Привязанность, "
        "Достоевский, жизнь, Ёлка.",
        "Greek names: Ἀλήθεια, ψυχή, Σωκράτης, Ἀριστοτέλης. Cyrillic names: Привязанность, "
        "Достоевский, жизнь, Ёлка.",
    ),
]


def flat(text: str) -> str:
    """Page text as one line: hyphenated line ends joined, white space collapsed."""
    return " ".join(re.sub(r"[\u2010\u00ad-]\n\s*", "", text).split())


@pytest.fixture(scope="module", params=[None, "pdf/ua-1"], ids=["default", "pdf-ua-1"])
def pages(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    root = tmp_path_factory.mktemp("text-layer") / "book"
    (root / "manuscript").mkdir(parents=True)
    (root / "glossbook.toml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    body = "\n\n".join(source for source, _ in PARAGRAPHS)
    (root / "manuscript" / "sample.md").write_text(
        textwrap.dedent("---\ntitle: Textual Fidelity\n---\n") + body + "\n", encoding="utf-8"
    )
    options = {"variant": request.param} if request.param else {}
    built = build(root, root / "build", **options)
    return [built.text(page.number) for page in built.layout.pages]


@needs_poppler
@pytest.mark.parametrize("expected", [text for _, text in PARAGRAPHS], ids=range(len(PARAGRAPHS)))
def test_every_word_extracts_as_written(pages: list[str], expected: str) -> None:
    whole = flat("\n".join(pages))
    assert "\ufffd" not in whole
    assert expected in whole


def to_unicode_targets(path: Path) -> set[str]:
    """Every text the ToUnicode maps of the PDF's fonts give a glyph."""
    import pikepdf

    found: set[str] = set()
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for font in (page.Resources.get("/Font") or {}).values():
                cmap = font.get("/ToUnicode")
                if cmap is None:
                    continue
                text = cmap.read_bytes().decode("latin-1")
                for hexes in re.findall(r"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]+)>", text):
                    found.add(bytes.fromhex(hexes).decode("utf-16-be", "replace"))
    return found


def test_ligatures_and_small_capitals_are_real_glyphs_mapped_back(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The PDF really sets ligatures (a glyph mapped to two or three letters) and the
    ellipsis as one glyph: what the text test reads back is not plain letters by chance."""
    root = tmp_path_factory.mktemp("glyphs") / "book"
    (root / "manuscript").mkdir(parents=True)
    (root / "glossbook.toml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    body = "\n\n".join(source for source, _ in PARAGRAPHS)
    (root / "manuscript" / "sample.md").write_text(
        "---\ntitle: Textual Fidelity\n---\n" + body + "\n", encoding="utf-8"
    )
    built = build(root, root / "build")
    targets = to_unicode_targets(built.path)
    assert {"fi", "fl", "ffi"} & targets, sorted(t for t in targets if len(t) > 1)
    assert "…" in targets
