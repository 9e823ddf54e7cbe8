"""An edited chapter laid out again from the page where the edit begins (``resume.py``): the
book is the one a layout from scratch gives, page for page, whether the edit keeps every
line, moves lines to later pages or takes them away."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from glossbook.pipeline import prepare
from glossbook.renderers import pdf

from .conftest import BookFactory, entry_text
from .test_pdf_parallel import EPOCH, REPO, Record, check_labels, outline, page_texts

WORDS = ["attune", "bond", "care", "dyad", "empathy", "gaze", "hold", "infant", "joint", "kin"]


def paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def entries(count: int = 24) -> dict[str, str]:
    """One chapter (every title begins with A) of entries a page or so long, with footnotes
    and cross-references (stamped page numbers) to each other."""
    rng = random.Random(7)
    files = {}
    for n in range(count):
        body = "\n\n".join(paragraph(rng, rng.randint(40, 140)) for _ in range(rng.randint(2, 5)))
        body += f" See [[Alpha {(n * 7) % count:02d}]].[^n]\n\n[^n]: A note of entry {n}."
        files[f"manuscript/alpha-{n:02d}.md"] = entry_text(f"Alpha {n:02d}", body)
    return files


MORE = "Hold care gaze. " * 30


EDITS = {
    "a word": lambda text: text.replace("bond", "knot", 1),
    "a paragraph more": lambda text: text.replace("\n\n", f"\n\n{MORE}\n\n", 1),
    "a paragraph less": lambda text: "\n\n".join(text.split("\n\n")[:1] + text.split("\n\n")[2:]),
}


@pytest.mark.parametrize(
    ("edit", "entry"),
    [*((edit, 15) for edit in EDITS), ("a word", 0)],
    ids=[*EDITS, "a word in the first entry"],
)
def test_edited_chapter_is_laid_out_from_the_edit_on(
    make_book: BookFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str, entry: int
) -> None:
    """After an edit, the chapter is laid out from the last page before it that an entry
    opens (from its start when the edit comes before any), and is the chapter laid out
    whole, page for page."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    root = make_book(entries())
    cache = tmp_path / "cache"
    _, before = pdf.layout(prepare(root)[0], jobs=1, cache=cache)
    chapter = [p for p in before.pages if p.section == "body"]
    assert len(chapter) > 16  # pages enough to cut the chapter
    target = root / "manuscript" / f"alpha-{entry:02d}.md"
    target.write_text(EDITS[edit](target.read_text(encoding="utf-8")), encoding="utf-8")
    book = prepare(root)[0]
    record = Record()
    data, after = pdf.layout(book, jobs=1, cache=cache, progress=record)
    windows = [name for name in record.names if " (from " in name]
    assert windows, record.names
    if edit == "a word":
        assert "chapter-a" not in record.names  # never the whole chapter
        assert len(windows) == 1  # nor laid out again to its end
    fresh, page_map = pdf.layout(book, jobs=1)
    assert after == page_map
    assert page_texts(data, tmp_path) == page_texts(fresh, tmp_path)
    assert outline(data, tmp_path) == outline(fresh, tmp_path)
    check_labels(data, page_map, tmp_path)


def test_no_chapter_is_resumed_in_another_context(
    make_book: BookFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit and a new print.css at once: the cached pages were laid out with other
    styles, so the chapter is laid out whole."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    root = make_book(entries())
    cache = tmp_path / "cache"
    pdf.layout(prepare(root)[0], jobs=1, cache=cache)
    target = root / "manuscript" / "alpha-15.md"
    target.write_text(EDITS["a word"](target.read_text(encoding="utf-8")), encoding="utf-8")
    builtin = (REPO / "src" / "glossbook" / "styles" / "css" / "print.css").read_text("utf-8")
    (root / "styles" / "css").mkdir(parents=True)
    (root / "styles" / "css" / "print.css").write_text(
        builtin + "\n.entry-title { font-size: 15pt; }\n", "utf-8"
    )
    book = prepare(root)[0]
    record = Record()
    data, _ = pdf.layout(book, jobs=1, cache=cache, progress=record)
    assert "chapter-a" in record.names
    assert not [name for name in record.names if " (from " in name]
    fresh, _ = pdf.layout(book, jobs=1)
    assert page_texts(data, tmp_path) == page_texts(fresh, tmp_path)
