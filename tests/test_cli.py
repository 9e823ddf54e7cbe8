"""The command line: verbs, exit codes, summaries, and no half-written output."""

from __future__ import annotations

from pathlib import Path

from glossbook import __version__
from glossbook.checks.links import broken_links

from .conftest import BookFactory, entry_text


def test_version_and_help(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, text = run_cli("--version")
    assert code == 0 and text.startswith(f"glossbook {__version__} ")
    code, text = run_cli("--help")
    assert code == 0 and "build" in text and "new" in text
    code, text = run_cli("build", "--help")
    assert code == 0 and "--format" in text and "--out" in text


def test_new_project_builds_cleanly(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "my-glossary"
    code, text = run_cli("new", str(target))
    assert code == 0, text
    assert (target / "glossbook.toml").read_text().count('title = "My Glossary"') == 1
    assert len(list((target / "manuscript").glob("*.md"))) == 2
    code, text = run_cli("build", str(target))
    assert code == 0, text
    assert "warning" not in text
    assert "Built html" in text and "(2 entries, 2 chapters)" in text
    html = target / "build" / "html"
    broken, count = broken_links(html)
    assert broken == [] and count > 10
    chapter = (html / "chapter-a.html").read_text()
    assert 'href="chapter-m.html#misattunement">Misattunement</a>' in chapter


def test_new_refuses_a_non_empty_folder(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("mine")
    code, text = run_cli("new", str(tmp_path / "x"))
    assert code == 2 and "not empty" in text
    assert (tmp_path / "x" / "notes.txt").read_text() == "mine"


def test_usage_errors_exit_2(make_book: BookFactory, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_book({"manuscript/a.md": entry_text("Alpha")})
    assert run_cli("build", str(root), "--format", "docx")[0] == 2
    assert run_cli("build", str(root / "nowhere"))[0] == 2
    assert run_cli("frobnicate")[0] == 2
    assert run_cli()[0] == 2


def test_content_error_exits_1_and_keeps_previous_build(make_book: BookFactory, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_book({"manuscript/a.md": entry_text("Alpha", "First version.")})
    code, said = run_cli("build", str(root))
    assert code == 0, said
    page = root / "build" / "html" / "chapter-a.html"
    assert "First version." in page.read_text()
    (root / "manuscript" / "a.md").write_text(
        "---\ntitle: Alpha\nrelated: [nothing]\n---\nSecond.\n"
    )
    code, text = run_cli("build", str(root))
    assert code == 1
    assert "manuscript/a.md:3: error: related entry 'nothing' does not exist." in text
    assert "nothing was written" in text
    assert "First version." in page.read_text()
    # No temporary file or folder is left behind (.cache: the build cache), and every
    # edition is the first one.
    assert sorted(p.name for p in (root / "build").iterdir() if p.name != ".cache") == [
        "html",
        "test-book.epub",
        "test-book.layout.json",
        "test-book.pdf",
    ]


def test_out_option_and_format(make_book: BookFactory, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_book({"manuscript/a.md": entry_text("Alpha")})
    out = tmp_path / "elsewhere"
    code, text = run_cli("build", str(root), "--format", "html", "--out", str(out))
    assert code == 0, text
    assert (out / "html" / "index.html").is_file()
    assert not (root / "build").exists()


def test_build_defaults_to_current_folder(make_book: BookFactory, run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = make_book({"manuscript/a.md": entry_text("Alpha")})
    monkeypatch.chdir(root)
    code, text = run_cli("build")
    assert code == 0, text
    assert (root / "build" / "html" / "index.html").is_file()
    assert "build/html/" in text


def test_an_interrupt_python_wrapped_is_an_interrupt(
    make_book: BookFactory,
    run_cli,  # type: ignore[no-untyped-def]
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    """A SIGTERM that arrives while Python defines a class reaches the command wrapped in a
    RuntimeError ("Error calling __set_name__"): still an interrupt (exit 143, the previous
    build untouched), not reported as a bug of glossbook."""
    import os
    import signal

    from glossbook.commands import build

    root = make_book({"manuscript/alpha.md": entry_text("Alpha", "Alpha's text.")})

    class Named:
        def __set_name__(self, owner: type, name: str) -> None:
            os.kill(os.getpid(), signal.SIGTERM)

    def execute(args: object) -> int:
        type("Defined", (), {"field": Named()})
        return 0

    monkeypatch.setattr(build, "execute", execute)
    code, text = run_cli("build", str(root))
    assert code == 143, text
    assert "Interrupted; the previous build is untouched." in text
    assert "internal error" not in text
