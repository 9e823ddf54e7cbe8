"""``[print] running_heads``: dictionary guide words (the default, test_pdf), the book's and
the chapter's titles, or none; read back from the PDF's pages with pdftotext; a value
glossbook does not know is an error at its line of glossbook.toml, listing those it knows."""

from __future__ import annotations

import pytest

from glossbook.errors import ContentError
from glossbook.pipeline import prepare
from tests.conftest import MINIMAL_CONFIG, BookFactory, entry_text
from tests.test_pdf import DICTIONARY, DICTIONARY_CONFIG, Built, build, needs_poppler


def heads(built: Built) -> dict[str, tuple[str, str]]:
    """The first line of every numbered body page that is not an opening, by folio, as the
    folio and the rest of the line."""
    openers = {built.layout.page_of(c.anchor).number for c in built.book.chapters}  # type: ignore[union-attr]
    found = {}
    for page in built.layout.pages:
        if page.section != "body" or not page.label or page.number in openers:
            continue
        lines = [" ".join(line.split()) for line in built.text(page.number).splitlines()]
        head = next(line for line in lines if line)
        words = head.split(" ")
        recto = int(page.label) % 2 == 1
        folio, rest = (words[-1], words[:-1]) if recto else (words[0], words[1:])
        assert folio == page.label, head
        found[page.label] = (folio, " ".join(rest))
    return found


def dictionary_with(heads_option: str, root_factory: BookFactory) -> Built:
    config = DICTIONARY_CONFIG + f'\n[print]\nrunning_heads = "{heads_option}"\n'
    root = root_factory(dict(DICTIONARY), config=config, name=heads_option)
    return build(root, root / "build")


@needs_poppler
def test_title_heads_verso_the_book_recto_the_chapter(make_book: BookFactory) -> None:
    built = dictionary_with("title", make_book)
    chapters = {}
    for chapter in built.book.chapters:
        first = built.layout.page_of(chapter.anchor)
        assert first is not None
        chapters[first.number] = chapter.title
    found = heads(built)
    assert len(found) >= 3
    for page in built.layout.pages:
        if page.label not in found:
            continue
        chapter = chapters[max(n for n in chapters if n <= page.number)]
        _, text = found[page.label]
        if int(page.label) % 2 == 0:
            assert text == "Little Dictionary", page.label
        else:
            assert text == chapter, page.label


@needs_poppler
def test_a_long_chapter_title_is_shortened_in_the_head_not_cut(make_book: BookFactory) -> None:
    long = "Letters of the alphabet as the careful working lexicographer reads them aloud"
    files = {
        k: v.replace("category: [Letters]", f"category: [{long}]") for k, v in DICTIONARY.items()
    }
    config = DICTIONARY_CONFIG.replace("[contents]\n", '[contents]\norder = "category"\n')
    root = make_book(files, config=config + '\n[print]\nrunning_heads = "title"\n', name="long")
    built = build(root, root / "build")
    others = {c.title for c in built.book.chapters if c.title != long}
    found = heads(built)  # every folio is there (heads asserts it)
    rectos = [text for label, (_, text) in found.items() if int(label) % 2 == 1]
    shortened = [text for text in rectos if text not in others]
    assert shortened
    for text in shortened:  # whole words of the long title, and an ellipsis
        assert text.endswith("…") and long.startswith(text[:-1]) and len(text) < len(long), text


@needs_poppler
def test_no_heads_but_the_folio(make_book: BookFactory) -> None:
    built = dictionary_with("none", make_book)
    found = heads(built)
    assert len(found) >= 3
    assert all(text == "" for _, text in found.values()), found


def test_an_unknown_value_is_an_error_at_its_line(make_book: BookFactory) -> None:
    config = MINIMAL_CONFIG + '[print]\nrunning_heads = "guidewords"\n'
    root = make_book({"manuscript/a.md": entry_text("A")}, config=config)
    with pytest.raises(ContentError) as caught:
        prepare(root)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("glossbook.toml", 6)
    assert "guide-words, title, none" in problem.message
    assert "'guide-words'" in problem.hint
