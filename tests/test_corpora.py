"""Real glossaries written elsewhere (tests/corpora/, each with its LICENSE and SOURCE),
imported with ``glossbook import`` and built in every edition: nothing lost or leaked
without a warning."""

from __future__ import annotations

import html
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import lxml.html
import pytest
import yaml

from glossbook.cli import main
from glossbook.errors import Problem
from glossbook.importer import import_folder
from glossbook.pipeline import prepare

from .linkcheck import broken_links
from .test_epub import run_epubcheck

CORPORA = Path(__file__).parent / "corpora"
# name: (pages folder, importer, site root folder)
SETS = {
    "optech-topics": ("topics", "jekyll"),
    "cncf-glossary": ("terms", "hugo"),
}


@dataclass
class Built:
    name: str
    root: Path
    warnings: list[Problem]
    report: list[str]

    def manuscripts(self) -> list[Path]:
        return sorted((self.root / "manuscript").glob("*.md"))


@pytest.fixture(scope="module", params=sorted(SETS))
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    name = request.param
    folder, kind = SETS[name]
    source = tmp_path_factory.mktemp(name)
    shutil.copytree(CORPORA / name, source, dirs_exist_ok=True)
    root = source.parent / f"{name}-book"
    report = import_folder(source / folder, root, kind, title=name, site_root=source)
    assert main(["build", str(root)]) == 0
    _, warnings = prepare(root)
    return Built(name, root, warnings, report.lines())


def test_every_corpus_has_its_licence_and_source() -> None:
    for name in SETS:
        source = (CORPORA / name / "SOURCE").read_text(encoding="utf-8")
        assert re.search(r"Commit:\s+[0-9a-f]{40}", source) and "Licence:" in source
        assert (CORPORA / name / "LICENSE").stat().st_size > 500


def test_epubcheck_finds_nothing(corpus: Built) -> None:
    result = run_epubcheck(corpus.root / "build" / f"{corpus.name}.epub")
    checker = result["checker"]
    messages = [m["message"] for m in result["messages"]]  # type: ignore[union-attr]
    assert (checker["nFatal"], checker["nError"], checker["nWarning"]) == (0, 0, 0), messages  # type: ignore[index]


def test_every_link_resolves_and_the_pdf_exists(corpus: Built) -> None:
    assert broken_links(corpus.root / "build" / "html")[0] == []
    assert (corpus.root / "build" / f"{corpus.name}.pdf").stat().st_size > 10_000


def front_matter(path: Path) -> dict[str, object]:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def test_the_index_lists_every_title_and_other_name(corpus: Built) -> None:
    page = lxml.html.parse(str(corpus.root / "build" / "html" / "names-index.html"))
    terms = {" ".join(t.split()) for t in page.getroot().xpath("//li//text()")}
    missing = []
    for path in corpus.manuscripts():
        meta = front_matter(path)
        for name in [meta["title"], *meta.get("other_names", [])]:  # type: ignore[list-item]
            if " ".join(str(name).split()) not in terms:
                missing.append(f"{path.name}: {name}")
    assert missing == []


def source_words(text: str) -> Counter[str]:
    """The words a reader should see, from an entry's Markdown."""
    body = text.split("---\n", 2)[2]
    body = re.sub(r"<!--.*?-->", "", body, flags=re.S)  # comments are never published
    body = re.sub(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$", "", body, flags=re.M)  # link definitions
    body = re.sub(r"^\s*(```|~~~)\S*", "", body, flags=re.M)  # fence markers, info strings
    body = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", body)
    body = re.sub(r"\[\[[^\]|]*\|([^\]]*)\]\]", r"\1", body)
    body = re.sub(r"\[\[([^\]]*)\]\]", "", body)  # shown as the entry's title
    body = re.sub(r"\]\([^)]*\)|\]\[[^\]]*\]", "]", body)  # link targets
    body = re.sub(r"<[^>]+>", "", body)
    return Counter(re.findall(r"[^\W_]+", html.unescape(body.replace("*", "")).lower()))


def entry_bodies(root: Path) -> dict[str, lxml.html.HtmlElement]:
    found = {}
    for page in sorted((root / "build" / "html").glob("chapter-*.html")):
        for article in lxml.html.parse(str(page)).getroot().iter("article"):
            found[article.get("id")] = article.find_class("entry-body")[0]
    return found


def test_no_entry_loses_more_than_two_percent_of_its_words(corpus: Built) -> None:
    bodies = entry_bodies(corpus.root)
    losses = []
    for path in corpus.manuscripts():
        source = source_words(path.read_text(encoding="utf-8"))
        shown = Counter(re.findall(r"[^\W_]+", bodies[path.stem].text_content().lower()))
        lost = source - shown
        if sum(lost.values()) > 0.02 * sum(source.values()):
            losses.append((path.stem, dict(lost.most_common(5))))
    assert losses == []


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, [name for name, _ in attrs]))


def raw_tags(markdown: str) -> list[tuple[str, list[str]]]:
    """The raw HTML start tags of an entry's Markdown, outside code."""
    text = re.sub(r"^(```|~~~).*?^\1", "", markdown, flags=re.S | re.M)
    text = re.sub(r"(`+).*?\1", "", text, flags=re.S)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    parser = _Tags()
    parser.feed(" ".join(re.findall(r"</?[A-Za-z][^<>]*>", text)))
    return parser.tags


def test_every_dropped_element_and_attribute_is_a_warning(corpus: Built) -> None:
    bodies = entry_bodies(corpus.root)
    unreported = []
    for path in corpus.manuscripts():
        shown = {
            (element.tag, name)
            for element in bodies[path.stem].iter()
            if isinstance(element.tag, str)
            for name in ["", *element.attrib]
        }
        said = " ".join(w.message for w in corpus.warnings if w.file == f"manuscript/{path.name}")
        for tag, attributes in raw_tags(path.read_text(encoding="utf-8")):
            if (tag, "") not in shown and f"<{tag}>" not in said:
                unreported.append(f"{path.name}: <{tag}>")
            for name in attributes:
                if (tag, name) not in shown and f"{name}=" not in said:
                    unreported.append(f"{path.name}: {name}= of <{tag}>")
    assert unreported == []


def test_headings_never_skip_a_level(corpus: Built) -> None:
    for slug, body in entry_bodies(corpus.root).items():
        levels = [2] + [int(h.tag[1]) for h in body.iter("h2", "h3", "h4", "h5", "h6")]
        assert all(b <= a + 1 for a, b in pairwise(levels)), slug


def test_the_import_report_lists_keys_it_could_not_map(corpus: Built) -> None:
    text = "\n".join(corpus.report)
    expected = {"optech-topics": "optech_mentions: 50 pages", "cncf-glossary": "status: 40 pages"}
    assert expected[corpus.name] in text
    assert text == (corpus.root / "import-report.txt").read_text(encoding="utf-8").strip()


def test_index_files_names_with_numbers_in_numeric_order(corpus: Built) -> None:
    page = (corpus.root / "build" / "html" / "names-index.html").read_text(encoding="utf-8")
    numbered = re.findall(r">([A-Z]+)[ -]?(\d+)<", page)
    by_prefix: dict[str, list[int]] = {}
    for prefix, number in numbered:
        by_prefix.setdefault(prefix, []).append(int(number))
    assert all(numbers == sorted(numbers) for numbers in by_prefix.values()), by_prefix
    if corpus.name == "optech-topics":  # BIP8 < BIP9 < BIP32 < BIP79 < BIP174
        assert len(by_prefix["BIP"]) >= 10
