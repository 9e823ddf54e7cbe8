"""Each content error names the file and line and says what to do; the build stops."""

from __future__ import annotations

import pytest

from glossbook.errors import ContentError, Problem
from glossbook.pipeline import prepare

from .conftest import MINIMAL_CONFIG, BookFactory, entry_text


def problems_of(root) -> list[Problem]:  # type: ignore[no-untyped-def]
    with pytest.raises(ContentError) as caught:
        prepare(root)
    return caught.value.problems


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_malformed_yaml_names_file_and_line(make_book: BookFactory) -> None:
    text = "---\ntitle: Attunement\nother_names: [a, b\ncategory: x\n---\nBody.\n"
    problem = only(problems_of(make_book({"manuscript/attunement.md": text})))
    assert problem.file == "manuscript/attunement.md"
    assert problem.line in (3, 4)  # the unclosed list opens on 3; YAML notices on 4
    assert "malformed front matter" in problem.message


def test_yaml_error_line_is_the_file_line(make_book: BookFactory) -> None:
    text = "---\ntitle: Attunement\ncategory: [Relationships]\ninfobox:\n  Key: value\n"
    text += " bad: indent\n---\n"
    problem = only(problems_of(make_book({"manuscript/attunement.md": text})))
    assert problem.line == 6


def test_missing_front_matter(make_book: BookFactory) -> None:
    problem = only(problems_of(make_book({"manuscript/a.md": "Just text.\n"})))
    assert (problem.file, problem.line) == ("manuscript/a.md", 1)
    assert "front matter" in problem.message


def test_missing_title(make_book: BookFactory) -> None:
    text = "---\ncategory: [Relationships]\n---\nBody.\n"
    problem = only(problems_of(make_book({"manuscript/untitled.md": text})))
    assert problem.file == "manuscript/untitled.md"
    assert problem.line == 2
    assert "no title" in problem.message and "title:" in problem.hint


def test_unknown_key_suggests_nearest(make_book: BookFactory) -> None:
    text = "---\ntitle: Attunement\nother_name: [attuning]\n---\nBody.\n"
    problem = only(problems_of(make_book({"manuscript/attunement.md": text})))
    assert problem.line == 3
    assert "unknown front-matter key 'other_name'" in problem.message
    assert "'other_names'" in problem.hint


def test_duplicate_slugs_in_subfolders(make_book: BookFactory) -> None:
    root = make_book(
        {
            "manuscript/a/attunement.md": entry_text("Attunement"),
            "manuscript/b/attunement.md": entry_text("Attunement Two"),
        }
    )
    problem = only(problems_of(root))
    assert problem.file == "manuscript/b/attunement.md"
    assert "duplicate slug 'attunement'" in problem.message
    assert "manuscript/a/attunement.md" in problem.message


def test_duplicate_titles_name_both_files(make_book: BookFactory) -> None:
    root = make_book(
        {
            "manuscript/attunement.md": entry_text("Attunement"),
            "manuscript/tuning.md": entry_text("attunement"),
        }
    )
    problem = only(problems_of(root))
    assert (problem.file, problem.line) == ("manuscript/tuning.md", 2)
    assert "manuscript/attunement.md:2" in problem.message


def test_invalid_file_name(make_book: BookFactory) -> None:
    problem = only(problems_of(make_book({"manuscript/Élan Vital.md": entry_text("Élan vital")})))
    assert "elan-vital.md" in problem.hint


def test_related_naming_no_entry(make_book: BookFactory) -> None:
    text = "---\ntitle: Attunement\nrelated:\n  - co-regulation\n  - misatunement\n---\nBody.\n"
    root = make_book(
        {
            "manuscript/attunement.md": text,
            "manuscript/co-regulation.md": entry_text("Co-regulation"),
            "manuscript/misattunement.md": entry_text("Misattunement"),
        }
    )
    problem = only(problems_of(root))
    assert (problem.file, problem.line) == ("manuscript/attunement.md", 5)
    assert "'misatunement'" in problem.message
    assert "Misattunement" in problem.hint


def test_broken_cross_reference(make_book: BookFactory) -> None:
    body = "First line.\n\nSecond paragraph mentions [[Atunement]] here.\n"
    root = make_book(
        {
            "manuscript/a.md": entry_text("Alpha", body),
            "manuscript/attunement.md": entry_text("Attunement"),
        }
    )
    problem = only(problems_of(root))
    assert (problem.file, problem.line) == ("manuscript/a.md", 6)
    assert "[[Atunement]]" in problem.message and "'Attunement'" in problem.hint


def test_missing_image(make_book: BookFactory) -> None:
    body = 'Lead.\n\n![A diagram](figures/missing.svg "Caption")\n'
    problem = only(problems_of(make_book({"manuscript/a.md": entry_text("Alpha", body)})))
    assert (problem.file, problem.line) == ("manuscript/a.md", 6)
    assert "figures/missing.svg" in problem.message and "does not exist" in problem.message


def test_remote_image_is_refused_by_policy(make_book: BookFactory) -> None:
    body = '![A diagram](https://example.org/x.png "Caption")\n'
    config = MINIMAL_CONFIG + '[images]\nremote = "error"\n'
    root = make_book({"manuscript/a.md": entry_text("Alpha", body)}, config=config)
    problem = only(problems_of(root))
    assert "not a file of the book" in problem.message and problem.line == 4


def test_remote_image_of_other_scheme_is_refused(make_book: BookFactory) -> None:
    body = '![A diagram](ftp://example.org/x.png "Caption")\n'
    problem = only(problems_of(make_book({"manuscript/a.md": entry_text("Alpha", body)})))
    assert "not a file of the book" in problem.message and "http" in problem.hint


def test_level_one_heading_in_body_is_a_section_with_a_warning(make_book: BookFactory) -> None:
    body = "Lead.\n\n# History\n"
    book, warnings = prepare(make_book({"manuscript/a.md": entry_text("Alpha", body)}))
    problem = only(warnings)
    assert problem.line == 6 and "##" in problem.hint
    assert '<h3 id="a--history">History</h3>' in book.entries[0].html


def test_every_error_is_reported_at_once(make_book: BookFactory) -> None:
    root = make_book(
        {
            "manuscript/a.md": "---\ntitel: Alpha\n---\n",
            "manuscript/b.md": "---\ntitle: [unclosed\n---\n",
        }
    )
    files = {p.file for p in problems_of(root)}
    assert files == {"manuscript/a.md", "manuscript/b.md"}


# --- glossbook.toml ---------------------------------------------------------------------


def test_config_unknown_key_suggests_nearest(make_book: BookFactory) -> None:
    config = MINIMAL_CONFIG + 'publsher = "Press"\n'
    problem = only(problems_of(make_book({"manuscript/a.md": entry_text("A")}, config=config)))
    assert (problem.file, problem.line) == ("glossbook.toml", 5)
    assert "'publisher'" in problem.hint


def test_config_unknown_section(make_book: BookFactory) -> None:
    config = MINIMAL_CONFIG + "\n[citation]\nstyle = 'apa'\n"
    problem = only(problems_of(make_book({"manuscript/a.md": entry_text("A")}, config=config)))
    assert problem.line == 6 and "'citations'" in problem.hint


def test_config_toml_syntax_error(make_book: BookFactory) -> None:
    config = '[book]\ntitle = "Broken\n'
    problem = only(problems_of(make_book({"manuscript/a.md": entry_text("A")}, config=config)))
    assert problem.file == "glossbook.toml" and problem.line == 2


def test_config_missing_title(make_book: BookFactory) -> None:
    problem = only(problems_of(make_book({"manuscript/a.md": entry_text("A")}, config="[book]\n")))
    assert "[book] has no 'title'" in problem.message


def test_config_wrong_type_and_bad_trim(make_book: BookFactory) -> None:
    config = MINIMAL_CONFIG + 'subtitle = ["x"]\n[print]\ntrim_size = "huge"\n'
    problems = problems_of(make_book({"manuscript/a.md": entry_text("A")}, config=config))
    assert [(p.line, p.message.split()[0]) for p in problems] == [(5, "[book]"), (7, "trim")]


def test_config_unknown_language(make_book: BookFactory) -> None:
    config = '[book]\ntitle = "T"\nlanguage = "klingon"\n'
    problem = only(problems_of(make_book({"manuscript/a.md": entry_text("A")}, config=config)))
    assert problem.line == 3 and "BCP 47" in problem.hint


def test_missing_matter_page(make_book: BookFactory) -> None:
    config = MINIMAL_CONFIG + '[contents]\nfront_matter = ["front/preface.md"]\n'
    problem = only(problems_of(make_book({"manuscript/a.md": entry_text("A")}, config=config)))
    assert (problem.file, problem.line) == ("glossbook.toml", 6)
    assert "front/preface.md" in problem.message


def test_not_a_book_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    problem = only(problems_of(tmp_path))
    assert "glossbook new" in problem.hint


def test_config_cover_must_be_an_image_of_the_book(make_book: BookFactory) -> None:
    config = MINIMAL_CONFIG + 'cover = "cover.pdf"\n'
    problem = only(problems_of(make_book({"manuscript/a.md": entry_text("A")}, config=config)))
    assert (problem.file, problem.line) == ("glossbook.toml", 5)
    assert "cover.pdf" in problem.message
