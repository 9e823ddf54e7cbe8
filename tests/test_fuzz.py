"""Property-based fuzzing: no front matter, body or .bib text ever produces a traceback.

Whatever the text, reading it either works or reports located problems (a ContentError);
any other exception is a bug. The stages are called as the build calls them, in-process,
on generated text mixing the characters each syntax gives meaning to.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glossbook.bibliography import load_bibliography
from glossbook.errors import ContentError, Problems
from glossbook.loader import _entry
from glossbook.markdown import DocContext, MarkdownRenderer
from glossbook.sources import ENTRY_KEYS, read_source

FUZZ = settings(
    max_examples=int(os.environ.get("GLOSSBOOK_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

YAML_BITS = st.sampled_from(
    [
        "title: ",
        "category: ",
        "other_names:",
        "sources: ",
        "related: ",
        "infobox:",
        "\n",
        "\n  ",
        "\n- ",
        ": ",
        "[",
        "]",
        "{",
        "}",
        ", ",
        '"',
        "'",
        "\\a",
        "\\x07",
        "&a ",
        "*a",
        "!!str ",
        "!!python/object ",
        "|",
        ">",
        "#",
        "\t",
        "---",
        "...",
        "%YAML 1.1",
        "? ",
        "~",
        "\x07",
        "\x00",
        "\ufeff",
        "é",
        "😀",
        "Alpha",
        "1e400",
        "2026-01-01",
        "yes",
        "null",
    ]
)
MARKDOWN_BITS = st.sampled_from(
    [
        "[[",
        "]]",
        "[[Alpha|a]]",
        "[@",
        "@key",
        "@{a b}",
        "[-@k, p. 3]",
        "[see @a; @b]",
        "](",
        ")",
        "![",
        "![x](figures/none.png)",
        '![x](../x.svg "t")',
        "![x](http://e.org/x.png)",
        "{.index}",
        '{index="a!b"}',
        "{#alpha}",
        "{#x}",
        "[^1]",
        "[^1]: note",
        "\n\n",
        "\n",
        "# ",
        "## ",
        "> ",
        "- ",
        "1. ",
        "|a|b|\n|-|-|\n",
        "`",
        "```",
        "<script>",
        "&amp;",
        "\\",
        "*",
        "_",
        "~~",
        ": ",
        "https://mastodon.social/@x",
        "a@b.org",
        "\x07",
        "\x00",
        "\ufffe",
        "\u2028",
        "é",
        "text",
    ]
)
BIB_BITS = st.sampled_from(
    [
        "@book{",
        "@article{",
        "@string{",
        "@comment{",
        "@preamble{",
        "key,",
        "author = ",
        "title = ",
        "year = ",
        "crossref = ",
        "month = jan",
        "{",
        "}",
        '"',
        ",",
        "=",
        "#",
        "\n",
        "\\'e",
        "\\textbf{",
        "$x^2$",
        "--",
        "and",
        "{{Corp}}",
        "von Last, Jr, First",
        "%",
        "\x07",
        "\x00",
        "é",
        "2020",
    ]
)


def _text(bits: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(bits, st.text(max_size=4)), max_size=40).map("".join)


@FUZZ
@given(front=_text(YAML_BITS), body=_text(MARKDOWN_BITS))
def test_any_entry_is_read_or_reported(tmp_path: Path, front: str, body: str) -> None:
    root = tmp_path
    (root / "manuscript").mkdir(exist_ok=True)
    path = root / "manuscript" / "alpha.md"
    path.write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8", errors="surrogatepass")
    problems = Problems()
    source = read_source(path, "manuscript/alpha.md", ENTRY_KEYS, problems)
    if source is not None:
        _entry(source, "alpha", MarkdownRenderer("en"), root, problems, {})
    for problem in problems.items:
        assert problem.file == "manuscript/alpha.md"
        assert problem.line is None or problem.line >= 1


@FUZZ
@given(body=_text(MARKDOWN_BITS), language=st.sampled_from(["en", "de", "fr", "sv"]))
def test_any_body_renders_or_is_reported(tmp_path: Path, body: str, language: str) -> None:
    problems = Problems()
    doc = DocContext("alpha", "manuscript/alpha.md", tmp_path, tmp_path, problems)
    fragment = MarkdownRenderer(language).render(body, doc, base_line=5)
    assert isinstance(fragment.html, str)
    assert all(p.line is None or p.line >= 5 for p in problems.items)


@FUZZ
@given(text=_text(BIB_BITS))
def test_any_bib_is_read_or_reported(tmp_path: Path, text: str) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        bibliography = load_bibliography(path, "refs.bib")
    except ContentError as error:
        assert all(p.file == "refs.bib" for p in error.problems)
        return
    assert all(p.file == "refs.bib" for p in bibliography.problems)


@pytest.mark.parametrize(
    "front",
    [
        "x: " + "[" * 200 + "]" * 200,
        "a: &a [x]\nb: [*a, *a, *a]",
        "title: !!python/object:os.system echo",
        "title: 1e400",
        "? [a, b]\n: c",
    ],
)
def test_hostile_front_matter(tmp_path: Path, front: str) -> None:
    path = tmp_path / "alpha.md"
    path.write_text(f"---\n{front}\n---\nBody.\n", encoding="utf-8")
    problems = Problems()
    source = read_source(path, "alpha.md", ENTRY_KEYS, problems)
    if source is not None:
        _entry(source, "alpha", MarkdownRenderer("en"), tmp_path, problems, {})
    assert problems.errors or source is not None
