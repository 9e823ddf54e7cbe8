"""The citations pass: keys checked with file:line, clusters formatted, references listed."""

from __future__ import annotations

import pytest

from glossbook.errors import ContentError
from glossbook.pipeline import prepare

from .conftest import MINIMAL_CONFIG, BookFactory, entry_text

BIB = """\
@book{schore2012,
  author = {Schore, Allan N.},
  title = {The Science of the Art of Psychotherapy},
  publisher = {W. W. Norton},
  address = {New York},
  year = {2012}
}

@book{unused1999,
  author = {Nobody, Ann},
  title = {Never Cited},
  publisher = {Press},
  year = {1999}
}
"""


def test_unknown_key_names_line_and_nearest_keys(make_book: BookFactory) -> None:
    body = "Lead.\n\nAs argued [@schore2021, p. 4].\n"
    root = make_book({"manuscript/a.md": entry_text("Alpha", body), "bibliography.bib": BIB})
    with pytest.raises(ContentError) as caught:
        prepare(root)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("manuscript/a.md", 6)
    assert "unknown citation key 'schore2021'" in problem.message
    assert "'schore2012'" in problem.hint


def test_unknown_source_key_in_front_matter(make_book: BookFactory) -> None:
    text = "---\ntitle: Alpha\nsources:\n  - schore2012\n  - shore2012\n---\nBody.\n"
    root = make_book({"manuscript/a.md": text, "bibliography.bib": BIB})
    with pytest.raises(ContentError) as caught:
        prepare(root)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("manuscript/a.md", 5)


def test_uncited_work_is_one_warning_with_its_bib_line(make_book: BookFactory) -> None:
    root = make_book(
        {"manuscript/a.md": entry_text("Alpha", "Cited [@schore2012]."), "bibliography.bib": BIB}
    )
    book, warnings = prepare(root)
    assert [(w.file, w.line, w.message) for w in warnings] == [
        ("bibliography.bib", 9, "'unused1999' is never cited.")
    ]
    assert [r.key for r in book.references] == ["schore2012"]
    assert ">Schore 2012</a>)" in book.entries[0].html


def test_apa_style_from_config(make_book: BookFactory) -> None:
    config = MINIMAL_CONFIG + '[citations]\nstyle = "apa"\n'
    root = make_book(
        {
            "manuscript/a.md": entry_text("Alpha", "Cited [@schore2012, p. 4]."),
            "bibliography.bib": BIB.split("@book{unused")[0],
        },
        config,
    )
    book, _ = prepare(root)
    assert "Schore, 2012, p. 4" in book.entries[0].html
    assert book.references[0].html.startswith("Schore, A. N. (2012).")


def test_unknown_style_is_a_config_error(make_book: BookFactory) -> None:
    config = MINIMAL_CONFIG + '[citations]\nstyle = "chicago-autor-date"\n'
    root = make_book(
        {"manuscript/a.md": entry_text("Alpha", "Cited [@schore2012]."), "bibliography.bib": BIB},
        config,
    )
    with pytest.raises(ContentError) as caught:
        prepare(root)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("glossbook.toml", 6)
    assert "chicago-author-date" in problem.message


def test_missing_bibliography_named_in_config(make_book: BookFactory) -> None:
    config = MINIMAL_CONFIG + '[citations]\nbibliography = "refs.bib"\n'
    root = make_book({"manuscript/a.md": entry_text("Alpha")}, config)
    with pytest.raises(ContentError) as caught:
        prepare(root)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("glossbook.toml", 6)


@pytest.mark.parametrize(
    ("text", "clusters"),
    [
        ("As [@a, p. 12] says.", [("[@a, p. 12]", ["a"])]),
        ("[see @a, chap. 2; -@b.c:2]", [("[see @a, chap. 2; -@b.c:2]", ["a", "b.c:2"])]),
        ("[-@a] and @b [p. 33] too", [("[-@a]", ["a"]), ("@b [p. 33]", ["b"])]),
        ("@{odd key} wrote", [("@{odd key}", ["odd key"])]),
        ("mail me@example.org or \\@home", []),
        ("a [@link](https://example.org) is a link", []),
        ("a [bracket] with no key", []),
    ],
)
def test_citation_syntax_in_the_text(text: str, clusters: list[tuple[str, list[str]]]) -> None:
    from pathlib import Path

    from glossbook.errors import Problems
    from glossbook.markdown import DocContext, MarkdownRenderer

    doc = DocContext("x", "x.md", Path("."), Path("."), Problems())
    fragment = MarkdownRenderer().render(text, doc, base_line=1)
    assert [(c.raw, c.keys) for c in fragment.citations] == clusters


def test_csl_file_path_is_relative_to_the_book(make_book: BookFactory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from glossbook.cslstyles import REPOSITORY

    config = MINIMAL_CONFIG + '[citations]\nstyle = "house.csl"\n'
    root = make_book(
        {
            "manuscript/a.md": entry_text("Alpha", "Cited [@schore2012, p. 4]."),
            "bibliography.bib": BIB.split("@book{unused")[0],
            "house.csl": (REPOSITORY / "apa.csl").read_text(encoding="utf-8"),
        },
        config,
    )
    monkeypatch.chdir(root.parent)
    book, _ = prepare(root)
    assert "Schore, 2012, p. 4" in book.entries[0].html
