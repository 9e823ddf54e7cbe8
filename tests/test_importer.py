"""``glossbook import``: folders of Markdown pages from other tools become book projects."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from glossbook.importer import import_folder
from glossbook.pipeline import prepare

from .conftest import write_files as write


def entry(root: Path, slug: str) -> tuple[dict[str, object], str]:
    _, front, body = (
        (root / "manuscript" / f"{slug}.md").read_text(encoding="utf-8").split("---\n", 2)
    )
    return yaml.safe_load(front), body


def test_obsidian_vault(tmp_path: Path) -> None:
    vault = write(
        tmp_path / "vault",
        {
            "Zettelkasten.md": (
                '---\naliases: [slip box, Zettel]\ntags: ["#method", notes]\n'
                "cssclass: wide\n---\n"
                "A method of [[Note taking|taking notes]] by [[Niklas Luhmann]].\n\n"
                "> [!note] Origin\n> See [[Missing Page]] and ![[box.png]].\n"
            ),
            "Note taking.md": "# Note taking\n\nWhat you read, written; see [[Zettelkasten]].\n",
            "People/Niklas Luhmann.md": "---\nrelated: [Zettelkasten]\n---\nA sociologist.\n",
            "box.png": b"\x89PNG\r\n\x1a\n",
            ".obsidian/app.md": "ignored",
        },
    )
    out = tmp_path / "book"
    report = import_folder(vault, out, "obsidian")
    front, body = entry(out, "zettelkasten")
    assert front == {
        "title": "Zettelkasten",
        "other_names": ["slip box", "Zettel"],
        "category": ["method", "notes"],
    }
    assert "[[note-taking|taking notes]]" in body and "[[niklas-luhmann]]" in body
    assert "> Origin" in body and "[!note]" not in body
    assert "See Missing Page and ![](figures/box.png)." in body
    assert (out / "manuscript" / "figures" / "box.png").is_file()
    front, body = entry(out, "note-taking")
    assert front == {"title": "Note taking"} and body.startswith("\nWhat you read")
    assert entry(out, "niklas-luhmann")[0]["related"] == ["zettelkasten"]
    lines = report.lines()
    assert "  cssclass: 1 pages (zettelkasten)" in lines and "  [[Missing Page]]" in lines
    assert report.pages == 3 and ".obsidian/app.md" in lines[-1]


def test_mkdocs_site_builds(tmp_path: Path, run_cli: Callable[..., tuple[int, str]]) -> None:
    docs = write(
        tmp_path / "site",
        {
            "mkdocs.yml": "site_name: Terms\n",
            "docs/index.md": "# Welcome\n",
            "docs/terms/latency.md": (
                "---\ntitle: Latency\ndescription: The delay before a transfer begins.\n---\n"
                "Compare [throughput](throughput.md#top) and [the FAQ](../faq/).\n\n"
                '!!! note "Units"\n    Measured in *milliseconds*.\n\n'
                "Written by @someone.\n"
            ),
            "docs/terms/throughput.md": "---\ntitle: Throughput\n---\nWork per unit of time.\n",
        },
    )
    out = tmp_path / "book"
    code, output = run_cli("import", str(docs / "docs"), "--from", "mkdocs", "--out", str(out))
    assert code == 0 and "Imported 2 pages, 1 links made cross-references." in output
    _, body = entry(out, "latency")
    assert body.startswith(
        "\nThe delay before a transfer begins.\n\nCompare [[throughput|throughput]]"
    )
    assert "and the FAQ." in body and "> **Units**\n>\n> Measured in *milliseconds*." in body
    assert "by \\@someone." in body
    book, warnings = prepare(out)
    assert book.entry("latency").definition == "The delay before a transfer begins."
    assert warnings == []
    code, output = run_cli("import", str(docs / "docs"), "--from", "mkdocs", "--out", str(out))
    assert code == 2 and "not empty" in output


def test_jekyll_and_hugo_links_and_templates(tmp_path: Path) -> None:
    site = write(
        tmp_path / "site",
        {
            "_config.yml": "title: x\n",
            "_glossary/state.md": (
                "---\ntitle: State\noneliner: A behaviour.\nlayout: term\n---\n# State\n\n"
                "Reacts to [events](event.html){:.glossary} and [topic event][]; "
                "see [notes][n] and [elsewhere](/about/).\n{% include links.md %}\n\n"
                "[n]: /notes/\n[topic event]: /topics/event/\n"
            ),
            "_glossary/event.md": (
                '+++\ntitle = "Event"\n+++\nSomething happens. {{< tooltip "x" >}}\n'
                "```\n{% raw %} kept in code {{ x }}\n```\n"
            ),
        },
    )
    out = tmp_path / "book"
    report = import_folder(site / "_glossary", out, "jekyll", site_url="https://example.org/")
    _, body = entry(out, "state")
    assert body.startswith("\nA behaviour.\n\nReacts to [[event|events]] and [[event|topic event]]")
    assert (
        "see [notes](https://example.org/notes/) and [elsewhere](https://example.org/about/)"
        in (body.replace("\n", " "))
    )
    assert "{%" not in body and "{:" not in body and "[n]:" not in body
    _, body = entry(out, "event")
    assert "Something happens." in body and "{{<" not in body
    assert "{% raw %} kept in code {{ x }}" in body
    assert report.removed["Liquid tags {% … %}"] == 1
    assert dict(report.unmapped) == {"layout": ["state"]}
