"""The index pass: titles, other names, shared names, see-also, collation of terms."""

from __future__ import annotations

from glossbook.pipeline import prepare

from .conftest import BookFactory, entry_text


def index_of(root) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    book, _ = prepare(root)
    return [
        (group.heading, line.term + " → " + ", ".join(loc.slug for loc in line.locators))
        for group in book.index
        for line in group.lines
    ]


def test_accented_and_mixed_case_terms_sort_together(make_book: BookFactory) -> None:
    root = make_book(
        {
            "manuscript/a.md": entry_text("Élan vital", other_names="[émotion, Ego]"),
            "manuscript/b.md": entry_text("Emotion regulation", other_names="[EMOTIONS, elan]"),
            "manuscript/c.md": entry_text("Zeal", other_names="[Ökologie, oak]"),
        }
    )
    assert index_of(root) == [
        ("E", "Ego → a"),
        ("E", "elan → b"),
        ("E", "Élan vital → a"),
        ("E", "émotion → a"),
        ("E", "Emotion regulation → b"),
        ("E", "EMOTIONS → b"),
        ("O", "oak → c"),
        ("O", "Ökologie → c"),
        ("Z", "Zeal → c"),
    ]


def test_shared_names_and_see_also(make_book: BookFactory) -> None:
    root = make_book(
        {
            "manuscript/attunement.md": entry_text(
                "Attunement", other_names="[emotional mirroring, Affect attunement]"
            ),
            "manuscript/affect.md": entry_text(
                "Affect Attunement", other_names="[Emotional Mirroring]"
            ),
        }
    )
    book, _ = prepare(root)
    lines = {line.term: line for group in book.index for line in group.lines}
    # A name two entries share lists both, once, under the spelling first met.
    shared = lines["Emotional Mirroring"]
    assert [loc.slug for loc in shared.locators] == ["affect", "attunement"]
    # A name equal to another entry's title is a "see also" on that title's line.
    assert "Affect attunement" not in lines
    assert [loc.slug for loc in lines["Affect Attunement"].see_also] == ["attunement"]
