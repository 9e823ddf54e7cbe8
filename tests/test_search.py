"""Search and previews of cross-references in the HTML edition and the preview.

The data files are read back as the scripts read them; the behaviour is driven in Debian's
Chromium through Playwright: the edition opened from ``file://``, the preview over HTTP
with its Content-Security-Policy, by keyboard alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import lxml.html
import pytest

from glossbook import lookup, search
from glossbook.cli import main
from glossbook.lookup import fold
from glossbook.model import Book
from glossbook.pipeline import prepare
from glossbook.preview import Preview

from .conftest import REPO, BookFactory, entry_text
from .test_preview import browser, copy_sample, watch_console

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["browser"]  # the fixture, shared with the preview's tests

WAIT_MS = 15_000


def build_html(root: Path, out: Path) -> Path:
    assert main(["build", str(root), "--format", "html", "--out", str(out)]) == 0
    return out / "html"


def data(path: Path) -> dict[str, object]:
    """What a data script assigns (``window.name = {...};``)."""
    text = path.read_text(encoding="utf-8")
    assert re.match(r"window\.glossbook\w+ = \{", text)
    return json.loads(text[text.index("=") + 1 :].strip().removesuffix(";"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_html(REPO, tmp_path_factory.mktemp("sample"))


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def options(page: Page) -> list[str]:
    page.wait_for_selector("#search-results [role=option]", timeout=WAIT_MS)
    texts = page.locator("#search-results [role=option]").all_inner_texts()
    return [" ".join(text.split()) for text in texts]


# --- the files --------------------------------------------------------------------------


def test_data_lists_every_entry_with_its_names_and_a_working_address(sample: Path) -> None:
    book, _ = prepare(REPO)
    entries = data(sample / "js" / "entries.js")
    assert entries["lang"] == "en"
    listed = {e["s"]: e for e in entries["entries"]}  # type: ignore[attr-defined]
    assert set(listed) == {e.slug for e in book.entries}
    for entry in book.entries:
        item = listed[entry.slug]
        assert item["t"] == entry.title and item["d"] == entry.definition
        assert set(entry.other_names) <= set(item["n"])
        file, anchor = item["u"].split("#")
        assert f'id="{anchor}"' in (sample / file).read_text(encoding="utf-8")
    index = data(sample / "js" / "search-index.js")
    assert index["fields"] == ["title", "names", "definition", "body"]
    terms = {term for term, _ in index["invertedIndex"]}  # type: ignore[attr-defined]
    assert {"empathy", "gap", "misattunement", "co", "regulation"} <= terms
    assert all(term == fold(term, "en") for term in terms)  # folded: no capitals, no accents
    for name in ("lunr.min.js", "LICENSE-lunr.txt", "search.js", "previews.js"):
        assert (sample / "js" / name).is_file()


def lunr_s_own_index(book: Book) -> bytes:
    """The index as Lunr's own builder makes it, given each field's words one by one."""
    from lunr.builder import Builder

    language, names = book.metadata.language, lookup.names(book)
    builder = Builder()
    builder.ref("ref")
    for field, boost in search.FIELDS:
        builder.field(field, boost=boost)
    for n, entry in enumerate(e for c in book.chapters for e in c.entries):
        document = {
            "ref": str(n),
            "title": search.words(entry.title, language),
            "names": [w for name in names[entry.slug][1:] for w in search.words(name, language)],
            "definition": search.words(entry.definition, language),
            "body": search.words(search.plain_text(entry.html), language),
        }
        builder.add(document)
    index = builder.build().serialize()
    for _term, posting in index["invertedIndex"]:
        for field, _boost in search.FIELDS:
            if not posting[field]:
                del posting[field]
    text = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
    return f"window.glossbookSearchIndex = {text};\n".encode()


def test_index_is_lunr_s_own(make_book: BookFactory) -> None:
    """The index built from counted words is the one Lunr's builder makes from the words,
    for the sample and for a book with a field empty in every entry (no other names)."""
    book, _ = prepare(REPO)
    assert search.index_script(book) == lunr_s_own_index(book)
    root = make_book({"manuscript/a.md": entry_text("Alpha", "Élan vital, élan.")})
    small, _ = prepare(root)
    assert search.index_script(small) == lunr_s_own_index(small)


def test_every_page_has_the_search_box_and_no_inline_script(sample: Path) -> None:
    pages = sorted(sample.glob("*.html"))
    assert len(pages) > 10
    for path in pages:
        root = lxml.html.fromstring(path.read_bytes())
        box = root.xpath("//form[@class='search']//input[@role='combobox']")
        assert len(box) == 1, path.name
        assert box[0].get("aria-controls") == "search-results"
        assert root.xpath("//ul[@id='search-results'][@role='listbox']"), path.name
        assert root.xpath("//label[@for='search-input']"), path.name
        scripts = root.iter("script")
        assert all(s.get("src") and not (s.text or "").strip() for s in scripts), path.name
        handlers = [a for e in root.iter() for a in e.attrib if a.lower().startswith("on")]
        assert handlers == [], path.name


# --- in a browser -------------------------------------------------------------------------


def test_other_name_from_file_url_lands_on_its_entry(sample: Path, page: Page) -> None:
    complaints = watch_console(page)
    page.goto((sample / "index.html").as_uri())
    page.keyboard.press("/")
    page.keyboard.type("Empathy gap")
    assert options(page)[0] == "empathy gap → Emotional Misattunement"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/chapter-e\.html#emotional-misattunement$"), timeout=WAIT_MS)
    assert page.locator("article:target h2").inner_text() == "Emotional Misattunement"
    assert complaints == []


def test_keyboard_only_search_with_screen_reader_labels(sample: Path, page: Page) -> None:
    complaints = watch_console(page)
    page.goto((sample / "chapter-s.html").as_uri())
    box = page.get_by_role("combobox", name="Search")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-input"
    page.keyboard.type("attun")
    found = options(page)
    assert found[:2] == ["Affect Attunement", "Attunement"] or found[:2] == [
        "Attunement",
        "Affect Attunement",
    ]
    assert page.get_by_role("listbox", name="Search results").is_visible()
    assert box.get_attribute("aria-expanded") == "true"
    assert "found" in page.locator(".search-status").inner_text()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active == "search-result-1"
    chosen = page.locator(f"#{active}")
    assert chosen.get_attribute("aria-selected") == "true"
    slug = chosen.get_attribute("data-slug")
    page.keyboard.press("Escape")  # closes the list, keeps the words
    assert box.get_attribute("aria-expanded") == "false" and box.input_value() == "attun"
    page.keyboard.press("ArrowDown")  # opens it again
    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "search-result-1"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/chapter-a\.html#{slug}$"), timeout=WAIT_MS)
    assert complaints == []


def test_ranking_title_other_name_definition_body_and_folding(
    make_book: BookFactory, tmp_path: Path, page: Page
) -> None:
    root = make_book(
        {
            "manuscript/delta.md": entry_text("Delta", "First paragraph.\n\nLater, a lumen."),
            "manuscript/gamma.md": entry_text("Gamma", "Defined by its lumen."),
            "manuscript/beta.md": entry_text("Beta", "Plain.", other_names="[Lumen effect]"),
            "manuscript/lumen.md": entry_text("Lumen Theory", "Plain."),
            "manuscript/elan.md": entry_text("Élan Vital", "Plain.", other_names="[Fête Vitale]"),
        }
    )
    html = build_html(root, tmp_path / "out")
    complaints = watch_console(page)
    page.goto((html / "index.html").as_uri())
    page.keyboard.press("/")
    page.keyboard.type("LUMEN")
    assert options(page) == [
        "Lumen Theory",
        "Lumen effect → Beta",
        "Gamma in the definition",
        "Delta in the text",
    ]
    page.fill("#search-input", "")
    page.fill("#search-input", "elan vi")
    assert options(page) == ["Élan Vital"]
    page.fill("#search-input", "")
    page.fill("#search-input", "FETE")
    assert options(page) == ["Fête Vitale → Élan Vital"]
    assert complaints == []


def test_search_in_the_preview_keeps_its_policy(tmp_path: Path, page: Page) -> None:
    book = copy_sample(tmp_path / "book")
    complaints = watch_console(page)  # a script the policy refused would be logged here
    with Preview(book, port=0) as preview:
        page.goto(preview.url + "chapter-s.html")
        page.keyboard.press("/")
        page.keyboard.type("empathy gap")
        assert options(page)[0] == "empathy gap → Emotional Misattunement"
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/chapter-e\.html#emotional-misattunement$"))
    assert [c for c in complaints if "favicon.ico" not in c] == []


def test_hovering_or_focusing_a_cross_reference_previews_its_target(
    sample: Path, page: Page
) -> None:
    book, _ = prepare(REPO)
    definitions = {e.slug: (e.title, e.definition) for e in book.entries}
    page.goto((sample / "chapter-c.html").as_uri())
    links = page.locator(".entry-body a.xref")
    first = links.nth(0)
    title, definition = definitions[first.get_attribute("href").split("#")[1]]
    first.hover()
    tip = page.get_by_role("tooltip")
    tip.wait_for(state="visible", timeout=WAIT_MS)
    assert tip.locator(".xref-preview-title").inner_text() == title
    assert " ".join(tip.locator(".xref-preview-definition").inner_text().split()) == definition
    assert first.get_attribute("aria-describedby") == "xref-preview"
    page.keyboard.press("Escape")
    tip.wait_for(state="hidden", timeout=WAIT_MS)
    second = links.nth(3)
    title, _ = definitions[second.get_attribute("href").split("#")[1]]
    second.focus()
    tip.wait_for(state="visible", timeout=WAIT_MS)
    assert tip.locator(".xref-preview-title").inner_text() == title


def test_the_page_folds_words_as_the_index_does(sample: Path, page: Page) -> None:
    words = ["Élan VITAL", "Straße", "İstanbul", "ﬁne", "Ökologie", "ÇA VA", "λόγος", "Ǆemal"]
    page.goto((sample / "index.html").as_uri())
    page.wait_for_function("window.glossbookLoad !== undefined")
    folded = page.evaluate("(words) => words.map(window.glossbookLoad.fold)", words)
    assert folded == [fold(word, "en") for word in words]
    assert folded[0] == "elan vital" and folded[3] == "fine" and folded[6] == "λογος"
