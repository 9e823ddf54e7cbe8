"""A newcomer's first minutes: help, versions, quiet builds, one-line summaries, `serve`,
`new` with the book's metadata and `build --open`."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import threading
import tomllib
import urllib.request
from pathlib import Path

import pytest

from glossbook import cli, logs

from .conftest import REPO, BookFactory, entry_text

EDITIONS = ("HTML", "PDF", "EPUB")
LONG_TITLE = "A Considerably Long Title for a Glossary of Relational Terms and Their Uses"


def glossbook(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the real command in a child process, its output going to pipes (not a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "glossbook", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "60", **env},
    )


def test_help_names_every_edition_and_every_verb(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, text = run_cli("--help")
    assert code == 0
    assert "as they land" not in text
    for edition in EDITIONS:
        assert edition in text
    for verb in cli.VERBS:
        assert re.search(rf"\b{verb}\b", text), verb
        # One example each, in the overview and in the verb's own help.
        example = " ".join(cli.example(verb).split())
        assert example.startswith(f"glossbook {verb}")
        assert example in text
        code, verb_text = run_cli(verb, "--help")
        assert code == 0, verb
        assert f"example: {example}" in verb_text, verb
    code, text = run_cli("build", "--help")
    for edition in EDITIONS:
        assert edition in text
    assert "html, pdf, epub" in text


def test_version_names_weasyprint_pandoc_and_icu(run_cli) -> None:  # type: ignore[no-untyped-def]
    import icu
    import pypandoc
    import weasyprint

    from glossbook import __version__

    code, text = run_cli("--version")
    assert code == 0
    assert text.startswith(f"glossbook {__version__} ")
    assert f"WeasyPrint {weasyprint.__version__} " in text
    assert f"pandoc {pypandoc.get_pandoc_version()} " in text
    assert f"ICU {icu.ICU_VERSION}," in text


def test_harfbuzz_subsetter_is_what_weasyprint_uses() -> None:
    """The set-up installs HarfBuzz's subsetting library, which WeasyPrint prefers."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    assert harfbuzz_subset is not None
    assert harfbuzz.hb_version_atleast(4, 1, 0)


def test_log_filter_drops_machine_messages_and_keeps_book_ones(capsys) -> None:  # type: ignore[no-untyped-def]
    logs.install()
    logs.install()  # idempotent: one line per message
    log = logging.getLogger("glossbook.pdf")
    log.warning(
        'WeasyPrint: Using fontTools instead of HarfBuzz-Subset for font "Linux Libertine O". '
        "This will be unsupported in future versions of WeasyPrint. Please install "
        "HarfBuzz-Subset >= 4.1.0 with your package manager."
    )
    log.warning("WeasyPrint, in glossbook's css/print.css: Ignored `text-wrap: pretty`")
    log.warning("WeasyPrint: Anchor defined twice: 'attunement'")
    err = capsys.readouterr().err
    assert err.splitlines() == ["warning: WeasyPrint: Anchor defined twice: 'attunement'"]


def test_sample_book_build_prints_no_weasyprint_line(tmp_path: Path) -> None:
    # Without HarfBuzz's subsetter (as on a machine set up before it was a dependency)
    # WeasyPrint warns once a font on every build: the author sees none of it.
    script = (
        "import sys, weasyprint.pdf.fonts as fonts; fonts.harfbuzz_subset = None; "
        "from glossbook.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "build", str(REPO), "-f", "pdf", "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "60"},
    )
    assert result.returncode == 0, result.stderr
    output = (result.stdout + result.stderr).splitlines()
    assert [line for line in output if "weasyprint" in line.lower()] == []
    assert [line for line in output if line.strip()] == [
        line for line in output if line.startswith("Built pdf of “Attunement”")
    ]
    assert (tmp_path / "attunement.pdf").stat().st_size > 10_000


def test_summary_is_one_line_when_piped(make_book: BookFactory, tmp_path: Path) -> None:
    root = make_book(
        {"manuscript/a.md": entry_text("Alpha")},
        config=f'[book]\ntitle = "{LONG_TITLE}"\nlanguage = "en"\n',
    )
    result = glossbook("build", str(root), "--format", "html", "--out", str(tmp_path / "o"))
    assert result.returncode == 0, result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"Built html of “{LONG_TITLE}” (1 entry, 1 chapters) → ")
    assert re.search(r"/o/html/ in \d+\.\d s$", lines[0]), lines[0]
    assert len(lines[0]) > 60


def test_serve_starts_the_preview(make_book: BookFactory) -> None:
    root = make_book({"manuscript/a.md": entry_text("Alpha", "Served text.")})
    process = subprocess.Popen(
        [sys.executable, "-m", "glossbook", "serve", str(root), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines: list[str] = []

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                if "Previewing" in line:
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(60)
        url = re.search(r"http://127\.0\.0\.1:\d+/", "".join(lines))
        assert url, lines
        with urllib.request.urlopen(url.group(0) + "chapter-a.html", timeout=30) as response:
            assert response.status == 200
            assert "Served text." in response.read().decode()
    finally:
        process.terminate()
        process.wait(30)


def test_new_writes_title_authors_and_language(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "ordbok"
    code, text = run_cli(
        "new", str(target), "--title", 'Ett "litet" ord', "--author", "Åsa Ek", "--author",
        "Bo Lind", "--language", "sv",
    )  # fmt: skip
    assert code == 0, text
    config = tomllib.loads((target / "glossbook.toml").read_text(encoding="utf-8"))
    assert config["book"]["title"] == 'Ett "litet" ord'
    assert config["book"]["authors"] == ["Åsa Ek", "Bo Lind"]
    assert config["book"]["language"] == "sv"
    assert "Your Name" not in (target / "glossbook.toml").read_text(encoding="utf-8")
    code, text = run_cli("build", str(target), "--format", "html")
    assert code == 0, text
    assert "Ett &#34;litet&#34; ord" in (target / "build" / "html" / "index.html").read_text()


def test_new_refuses_an_unknown_language(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    code, text = run_cli("new", str(tmp_path / "b"), "--language", "xx-nowhere")
    assert code == 2 and "unknown language 'xx-nowhere'" in text
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize(("formats", "opened"), [("html", "html/index.html"), ("pdf", "b.pdf")])
def test_build_open_opens_what_it_built(
    make_book: BookFactory, run_cli, monkeypatch, formats: str, opened: str
) -> None:  # type: ignore[no-untyped-def]
    import webbrowser

    root = make_book(
        {"manuscript/a.md": entry_text("Alpha")}, config='[book]\ntitle = "B"\nslug = "b"\n'
    )
    targets: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: targets.append(url) or True)
    code, text = run_cli("build", str(root), "--format", formats, "--open")
    assert code == 0, text
    assert targets == [(root / "build" / opened).resolve().as_uri()]
    assert (root / "build" / opened).is_file()
