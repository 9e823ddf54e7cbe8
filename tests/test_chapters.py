"""Chapter letters and entry order follow Unicode collation; explicit order is kept exactly."""

from __future__ import annotations

import pytest

from glossbook.collation import Collation
from glossbook.errors import ContentError
from glossbook.pipeline import prepare

from .conftest import MINIMAL_CONFIG, BookFactory, entry_text

TITLES = {
    "zebra": "Zebra",
    "elan-vital": "Élan vital",
    "oekologie": "Ökologie",
    "apple": "apple pie",
    "apple-cap": "Apple",
    "eagle": "Eagle",
    "zhizn": "Жизнь",
    "alpha-greek": "Ωmega",
    "three-d": "3D printing",
    "quoted": "“Good enough” mother",
    "oak": "Oak",
}


def chapters_of(root) -> list[tuple[str, list[str]]]:  # type: ignore[no-untyped-def]
    book, _ = prepare(root)
    return [(c.title, [e.title for e in c.entries]) for c in book.chapters]


def test_alphabetical_chapters_follow_unicode_collation(make_book: BookFactory) -> None:
    root = make_book({f"manuscript/{slug}.md": entry_text(t) for slug, t in TITLES.items()})
    assert chapters_of(root) == [
        ("#", ["“Good enough” mother", "3D printing"]),
        ("A", ["Apple", "apple pie"]),
        ("E", ["Eagle", "Élan vital"]),
        ("O", ["Oak", "Ökologie"]),
        ("Z", ["Zebra"]),
        ("Ω", ["Ωmega"]),
        ("Ж", ["Жизнь"]),
    ]


def test_swedish_files_o_umlaut_after_z(make_book: BookFactory) -> None:
    config = MINIMAL_CONFIG.replace('language = "en"', 'language = "sv"')
    titles = {"oak": "Oak", "oekologie": "Ökologie", "zebra": "Zebra", "angstrom": "Ångström"}
    root = make_book({f"manuscript/{s}.md": entry_text(t) for s, t in titles.items()}, config)
    assert chapters_of(root) == [
        ("O", ["Oak"]),
        ("Z", ["Zebra"]),
        ("Å", ["Ångström"]),
        ("Ö", ["Ökologie"]),
    ]


def test_case_and_accents_do_not_scatter() -> None:
    collation = Collation("en")
    words = ["résumé", "Resume", "resume", "Rest", "rèsumé", "RESUME", "reset"]
    ordered = collation.sorted(words)
    # reset < rest < resume (e < t < u): every case and accent variant of "resume" stands
    # together after "Rest"; lower case before upper case, unaccented before accented.
    assert ordered == ["reset", "Rest", "resume", "Resume", "RESUME", "résumé", "rèsumé"]


def test_category_order(make_book: BookFactory) -> None:
    config = MINIMAL_CONFIG + '[contents]\norder = "category"\n'
    root = make_book(
        {
            "manuscript/a.md": entry_text("Zeta", category="[Science, Art]"),
            "manuscript/b.md": entry_text("Alpha", category="[Science]"),
            "manuscript/c.md": entry_text("Beta", category="[Art]"),
            "manuscript/d.md": entry_text("Loose"),
        },
        config,
    )
    assert chapters_of(root) == [
        ("Art", ["Beta"]),
        ("Science", ["Alpha", "Zeta"]),
        ("Other Topics", ["Loose"]),
    ]


EXPLICIT = (
    MINIMAL_CONFIG
    + """
[[contents.chapters]]
title = "Foundations"
entries = ["zebra", "apple", "Mango"]

[[contents.chapters]]
title = "Practice"
entries = [
  "kiwi",
]
"""
)


def test_explicit_order_is_honoured_exactly(make_book: BookFactory) -> None:
    root = make_book(
        {
            "manuscript/apple.md": entry_text("Apple"),
            "manuscript/zebra.md": entry_text("Zebra"),
            "manuscript/mango.md": entry_text("Mango"),
            "manuscript/kiwi.md": entry_text("Kiwi"),
        },
        EXPLICIT,
    )
    assert chapters_of(root) == [
        ("Foundations", ["Zebra", "Apple", "Mango"]),
        ("Practice", ["Kiwi"]),
    ]


def test_explicit_order_errors(make_book: BookFactory) -> None:
    root = make_book(
        {
            "manuscript/apple.md": entry_text("Apple"),
            "manuscript/zebra.md": entry_text("Zebra"),
            "manuscript/mango.md": entry_text("Mango"),
            "manuscript/kiwi.md": entry_text("Kiwi"),
            "manuscript/lemon.md": entry_text("Lemon"),
        },
        EXPLICIT.replace('"kiwi"', '"kiwii"'),
    )
    with pytest.raises(ContentError) as caught:
        prepare(root)
    found = [(p.file, p.line, p.message) for p in caught.value.problems]
    assert ("glossbook.toml", 13, "chapter 'Practice' lists 'kiwii', which is no entry.") in found
    assert any(f == "manuscript/lemon.md" and "in no chapter" in m for f, _, m in found)
    assert any(f == "manuscript/kiwi.md" for f, _, _ in found)


def test_explicit_chapters_need_explicit_order(make_book: BookFactory) -> None:
    config = EXPLICIT.replace(
        "[[contents.chapters]]", '[contents]\norder = "category"\n\n[[contents.chapters]]', 1
    )
    root = make_book({"manuscript/apple.md": entry_text("Apple")}, config)
    with pytest.raises(ContentError) as caught:
        prepare(root)
    assert any('order = "explicit"' in p.hint for p in caught.value.problems)
