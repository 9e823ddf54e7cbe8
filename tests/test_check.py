"""``glossbook check``: lints the book without rendering it and, with ``--built``, validates
the editions in build/; a deliberately broken book has each of its faults reported."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from glossbook.cli import main

from .conftest import MINIMAL_CONFIG, BookFactory, entry_text

RunCli = Callable[..., tuple[int, str]]

BIB = """\
@book{cited2001,
  author = {Writer, Ada},
  title = {A Cited Book},
  publisher = {Press},
  year = {2001}
}

@book{never1999,
  author = {Other, Ben},
  title = {A Book Nobody Cites},
  publisher = {Press},
  year = {1999}
}
"""


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["check", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def problems_of(report: dict[str, object], check: str) -> list[str]:
    (result,) = [r for r in report["checks"] if r["check"] == check]  # type: ignore[union-attr]
    return [f"{p['file']}:{p['line']}: {p['message']}" for p in result["problems"]]


def test_a_clean_book_passes_with_exit_0(make_book: BookFactory, run_cli: RunCli) -> None:
    root = make_book(
        {
            "manuscript/alpha.md": entry_text("Alpha", "Alpha is [[Beta]]'s word [@cited2001]."),
            "manuscript/beta.md": entry_text("Beta", "Beta names [[Alpha]] [@cited2001]."),
            "bibliography.bib": BIB.split("\n\n")[0] + "\n",
        }
    )
    code, out = run_cli("check", str(root))
    assert code == 0, out
    assert "✓ sources" in out and "No problems found" in out


def test_editorial_lints_name_file_and_line(
    make_book: BookFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    long = " ".join(["word"] * 130)
    root = make_book(
        {
            "manuscript/alpha.md": entry_text(
                "Alpha",
                "Alpha is [[Beta]]'s word [@cited2001].\n\n![](figures/dot.svg)\n",
                other_names="[shared name]",
            ),
            "manuscript/beta.md": entry_text(
                "Beta", f"{long} [[Alpha]] [@cited2001].", other_names="[Shared Name]"
            ),
            "manuscript/gamma.md": entry_text("Gamma", "Gamma cites nothing."),
            "manuscript/figures/dot.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>',
            "bibliography.bib": BIB,
        }
    )
    code, report = run_json(capsys, str(root), "--uncited")
    assert code == 1 and report["ok"] is False
    found = problems_of(report, "sources")
    expected = [
        "manuscript/gamma.md:2: the entry 'Gamma' names no source and cites no work.",
        "manuscript/alpha.md:2: the other name 'shared name' is also an other name of 'Beta'.",
        "manuscript/alpha.md:7: this image has no alt text",
        "manuscript/gamma.md:2: no other entry links to 'Gamma'.",
        "manuscript/beta.md:2: the definition of 'Beta' runs to 132 words (at most 120).",
    ]
    for line in expected:
        assert any(p.startswith(line) for p in found), "\n".join(found)
    assert problems_of(report, "uncited works") == [
        "bibliography.bib:8: 'never1999' (A book nobody cites) is never cited."
    ]


def test_content_errors_are_reported_not_raised(make_book: BookFactory, run_cli: RunCli) -> None:
    root = make_book({"manuscript/alpha.md": entry_text("Alpha", "See [[Nowhere]].")})
    code, out = run_cli("check", str(root))
    assert code == 1
    assert "manuscript/alpha.md:4: error:" in out and "Nowhere" in out
    assert "Traceback" not in out


def test_usage_errors_exit_2(tmp_path: Path, run_cli: RunCli) -> None:
    assert run_cli("check", str(tmp_path / "missing"))[0] == 2
    assert run_cli("check", str(tmp_path), "--format", "xml")[0] == 2
    code, out = run_cli("check", str(tmp_path), "--built", "--out", str(tmp_path / "nowhere"))
    assert code == 2 and "is not a folder" in out


def test_built_without_editions_is_a_problem(make_book: BookFactory, run_cli: RunCli) -> None:
    root = make_book(
        {"manuscript/alpha.md": entry_text("Alpha", "Alpha.", sources="[cited2001]")}
        | {"bibliography.bib": BIB.split("\n\n")[0] + "\n"}
    )
    code, out = run_cli("check", str(root), "--built")
    assert code == 1 and "no edition to check" in out


# --- a book built, then broken ------------------------------------------------------------


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small book built as HTML and PDF, then broken three ways: a dangling link in the
    HTML, a font no longer embedded in the PDF, and an entry's page moved in the page map
    (so every number printed for it disagrees with the map)."""
    from pypdf import PdfReader, PdfWriter

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    root = tmp_path_factory.mktemp("broken") / "book"
    (root / "manuscript").mkdir(parents=True)
    (root / "glossbook.toml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    (root / "bibliography.bib").write_text(BIB.split("\n\n")[0] + "\n", encoding="utf-8")
    body = " ".join(["A sentence of the entry's body text, long enough to fill a page."] * 60)
    for name, other in (("Alpha", "Beta"), ("Beta", "Gamma"), ("Gamma", "Alpha")):
        text = entry_text(name, f"{name} is next to [[{other}]] [@cited2001].\n\n{body}")
        (root / "manuscript" / f"{name.lower()}.md").write_text(text, encoding="utf-8")
    assert main(["build", str(root), "--format", "html,pdf"]) == 0
    out = root / "build"
    assert main(["check", str(root), "--built"]) == 0  # clean before it is broken

    page = out / "html" / "chapter-a.html"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            'href="chapter-b.html#beta"', 'href="#nowhere"', 1
        ),
        encoding="utf-8",
    )
    writer = PdfWriter(clone_from=PdfReader(out / "test-book.pdf"))
    for font in writer.pages[len(writer.pages) // 2]["/Resources"]["/Font"].values():
        font = font.get_object()
        if font.get("/Subtype") == "/Type0":
            font = font["/DescendantFonts"][0].get_object()
        descriptor = font["/FontDescriptor"].get_object()
        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
            descriptor.pop(key, None)
        break
    with open(out / "test-book.pdf", "wb") as file:
        writer.write(file)
    layout = out / "test-book.layout.json"
    data = json.loads(layout.read_text(encoding="utf-8"))
    pages = data["pages"]
    (home,) = [p for p in pages if "beta" in p["anchors"]]
    home["anchors"].remove("beta")
    pages[home["number"]]["anchors"].insert(0, "beta")  # one page later
    layout.write_text(json.dumps(data), encoding="utf-8")
    return root


def test_a_broken_book_has_each_fault_reported_with_exit_1(
    broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = run_json(capsys, str(broken), "--built")
    assert code == 1
    links = problems_of(report, "html links")
    assert links == [
        "html/chapter-a.html:"
        + links[0].split(":")[1]
        + ": href='#nowhere' names no anchor of its page."
    ]
    fonts = problems_of(report, "pdf fonts and labels")
    assert len(fonts) == 1 and "is not embedded" in fonts[0] and "Linux-Libertine-O" in fonts[0]
    numbers = problems_of(report, "pdf page numbers")
    assert any("the page map puts 'Beta' on page" in p for p in numbers), numbers
    assert any("the contents print 'Beta' at page" in p for p in numbers), numbers
    assert any("'Beta (p. " in p and "but 'Beta' starts on page" in p for p in numbers), numbers
    assert any("the index should print 'Beta " in p for p in numbers), numbers
    statuses = {r["check"]: r["status"] for r in report["checks"]}  # type: ignore[union-attr]
    assert statuses["pdf text layer"] == "passed" and statuses["sources"] == "passed"
