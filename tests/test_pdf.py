"""The print edition: the real PDF read back with pypdf and poppler (pdftotext, pdffonts)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from glossbook.errors import ContentError, UsageError
from glossbook.model import Book, PrintLayout, PrintPage
from glossbook.pipeline import prepare
from glossbook.renderers import pdf
from glossbook.renderers.pdf.worker import Job
from glossbook.theme import BUILTIN

FEATURES = Path(__file__).parent / "books" / "features"
EPOCH = 1767225600  # 2026-01-01T00:00:00Z

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdffonts")),
    reason="poppler-utils (pdftotext, pdffonts) is not installed",
)


@dataclass
class Built:
    book: Book
    path: Path
    layout: PrintLayout
    warnings: list[str]

    @property
    def reader(self) -> PdfReader:
        return PdfReader(self.path)

    def text(self, number: int) -> str:
        """What a reader sees on page ``number`` (1-based), laid out as on the page."""
        return page_texts(self.path)[number - 1]


_TEXTS: dict[Path, list[str]] = {}


def page_texts(path: Path) -> list[str]:
    if path not in _TEXTS:
        out = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        _TEXTS[path] = out.split("\f")[:-1]
    return _TEXTS[path]


def build(root: Path, out: Path, **options: object) -> Built:
    book, _ = prepare(root)
    records: list[str] = []

    class Collect(pdf.logging.Handler):
        def emit(self, record: pdf.logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = Collect(pdf.logging.WARNING)
    pdf.LOG.addHandler(handler)
    try:
        path = pdf.render(book, out, **options)  # type: ignore[arg-type]
    finally:
        pdf.LOG.removeHandler(handler)
    assert book.print_layout is not None
    return Built(book, path, book.print_layout, records)


@pytest.fixture(scope="module")
def features(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("features") / "book"
    shutil.copytree(FEATURES, root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        return build(root, root / "build")


WORDS = [
    *("attunement", "rupture", "repair", "signal", "response", "rhythm", "caregiver"),
    *("infant", "regulation", "synchrony", "mismatch", "presence", "warmth", "safety"),
    *("gaze", "voice", "touch", "turn", "bid", "match"),
]


def prose(seed: int, words: int) -> str:
    chosen = [WORDS[(seed * 7 + n * 3 + n // 5) % len(WORDS)] for n in range(words)]
    return " ".join(chosen).capitalize() + "."


# A dictionary: short entries (several begin on one page) and long ones (continuing over
# pages), cross-references both ways, footnotes, three chapters.
DICTIONARY = {
    **{
        f"manuscript/{slug}.md": textwrap.dedent(
            f"""\
            ---
            title: {title}
            category: [Letters]
            other_names: [{title.lower()} alias]
            ---
            {prose(n, 40)} See [[{other}]].[^1]

            {prose(n + 1, 60)}

            [^1]: A note on {title}.
            """
        )
        for n, (slug, title, other) in enumerate(
            [
                ("abate", "Abate", "Bellow"),
                ("abide", "Abide", "Abate"),
                ("accord", "Accord", "Cadence"),
                ("adept", "Adept", "Accord"),
                ("agile", "Agile", "Bellow"),
                ("alert", "Alert", "Abate"),
                ("allay", "Allay", "Burble"),
                ("amble", "Amble", "Adept"),
            ]
        )
    },
    **{
        f"manuscript/{slug}.md": textwrap.dedent(
            f"""\
            ---
            title: {title}
            category: [Sounds]
            ---
            {prose(n, 50)} Compare [[{other}]].

            ## History

            {prose(n + 2, 260)}

            ## Use

            {prose(n + 3, 260)}
            """
        )
        for n, (slug, title, other) in enumerate(
            [("bellow", "Bellow", "Abide"), ("burble", "Burble", "Cadence")]
        )
    },
    "manuscript/cadence.md": "---\ntitle: Cadence\n---\n" + prose(3, 90) + " See [[Amble]].\n",
    "front/preface.md": "---\ntitle: Preface\n---\nHow to read this book: start at [[Abate]].\n",
}
DICTIONARY_CONFIG = """\
[book]
title = "Little Dictionary"
authors = ["A. Lexicographer"]
language = "en"
description = "A test dictionary."

[contents]
front_matter = ["front/preface.md"]
"""


@pytest.fixture(scope="module")
def dictionary(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("dictionary") / "book"
    for relative, text in DICTIONARY.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    (root / "glossbook.toml").write_text(DICTIONARY_CONFIG, encoding="utf-8")
    return build(root, root / "build")


def entry_pages(built: Built) -> dict[str, int]:
    """Entry title → number of the PDF page whose text has the title as a line of its own."""
    body = [p.number for p in built.layout.pages if p.section == "body"]
    found: dict[str, int] = {}
    for entry in built.book.entries:
        for number in body:
            lines = [line.strip() for line in built.text(number).splitlines()]
            if entry.title in lines:
                found[entry.title] = number
                break
    assert sorted(found) == sorted(e.title for e in built.book.entries)
    return found


def label(built: Built, number: int) -> str:
    return built.layout.pages[number - 1].label


# --- the document ------------------------------------------------------------------------


def test_no_warnings_from_weasyprint(features: Built, dictionary: Built) -> None:
    assert features.warnings == []
    assert dictionary.warnings == []


@needs_poppler
def test_every_font_is_embedded(features: Built, dictionary: Built) -> None:
    for built in (features, dictionary):
        out = subprocess.run(
            ["pdffonts", str(built.path)], capture_output=True, text=True, check=True
        ).stdout
        rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
        assert rows, out
        assert all(row[-5] == "yes" for row in rows), out  # the "emb" column
        assert any("Linux-Libertine-O" in row[0] for row in rows), out


def test_metadata_and_source_date_epoch(features: Built) -> None:
    reader = features.reader
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Features: A test book"
    assert meta.author == "Ada Tester, Ben Checker"
    assert meta["/Keywords"] == "Letters"
    assert meta["/Creator"].startswith("glossbook ")
    assert meta["/CreationDate"] == "D:20260101000000Z"
    assert meta["/ModDate"] == "D:20260101000000Z"
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_description_is_the_subject(dictionary: Built) -> None:
    meta = dictionary.reader.metadata
    assert meta is not None and meta.subject == "A test dictionary."


def test_same_book_same_bytes(features: Built, tmp_path: Path) -> None:
    again = tmp_path / "again"
    shutil.copytree(features.book.root, again, ignore=shutil.ignore_patterns("build"))
    book, _ = prepare(again)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        data, _ = pdf.layout(book)
    assert data == features.path.read_bytes()


def test_trim_size_and_default_file_has_no_bleed(features: Built) -> None:
    page = features.reader.pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (432, 648)  # 6 × 9 in
    assert page.mediabox == page.trimbox
    assert features.path.name == "features.pdf"


def test_trim_size_from_the_book(tmp_path: Path) -> None:
    root = tmp_path / "a5"
    (root / "manuscript").mkdir(parents=True)
    (root / "glossbook.toml").write_text(
        '[book]\ntitle = "Small"\n\n[print]\ntrim_size = "a5"\n', encoding="utf-8"
    )
    (root / "manuscript" / "one.md").write_text("---\ntitle: One\n---\nText.\n", "utf-8")
    book, _ = prepare(root)
    data, page_map = pdf.layout(book)
    out = tmp_path / "small.pdf"
    out.write_bytes(data)
    box = PdfReader(out).pages[0].mediabox
    assert (
        round(float(box.width) / 72 * 25.4) == 148 and round(float(box.height) / 72 * 25.4) == 210
    )
    assert next(p.label for p in page_map.pages if p.section == "body") == "1"


def test_press_mode_has_bleed_and_crop_marks(features: Built) -> None:
    path = pdf.render(features.book, features.path.parent, press=True)
    assert path.name == "features-press.pdf"
    reader = PdfReader(path)
    bleed = 3 / 25.4 * 72
    for page in reader.pages:
        media, trim = page.mediabox, page.trimbox
        assert (float(trim.width), float(trim.height)) == (432, 648)
        assert float(media.width) == pytest.approx(432 + 2 * bleed, abs=0.01)
        assert float(media.height) == pytest.approx(648 + 2 * bleed, abs=0.01)
        assert float(trim.left) - float(media.left) == pytest.approx(bleed, abs=0.01)
    assert len(reader.pages) == len(features.reader.pages)

    # Crop marks: WeasyPrint strokes them in a form drawn on every page (the half-title
    # draws nothing else).
    def forms(page: object) -> list[bytes]:
        xobjects = page["/Resources"].get("/XObject", {})  # type: ignore[index]
        return [x.get_object().get_data() for x in xobjects.values()]

    marks = forms(reader.pages[0])
    assert marks and all(re.search(rb" l\n", m) and re.search(rb"\n[BSs]\n", m) for m in marks)
    assert forms(features.reader.pages[0]) == []


def test_tagged_pdf_variant(features: Built, tmp_path: Path) -> None:
    data, _ = pdf.layout(features.book, variant="pdf/ua-1")
    path = tmp_path / "ua.pdf"
    path.write_bytes(data)
    root = PdfReader(path).trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    with pytest.raises(UsageError, match="pdf/a-2b"):
        pdf.layout(features.book, variant="pdf/x")
    with pytest.raises(UsageError, match="not a length"):
        pdf.layout(features.book, press=True, bleed="3 mm;}")


# --- structure ---------------------------------------------------------------------------


def outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(depth, title, 1-based page) of every bookmark, in order."""
    result: list[tuple[int, str, int]] = []

    def walk(items: list, depth: int) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                result.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return result


def test_outline_lists_every_chapter_and_entry(features: Built, dictionary: Built) -> None:
    for built in (features, dictionary):
        marks = outline(built.reader)
        expected = [(0, "Contents")] + [(0, p.title) for p in built.book.front]
        for chapter in built.book.chapters:
            expected.append((0, chapter.title))
            expected += [(1, e.title) for e in chapter.entries]
        expected += [(0, p.title) for p in built.book.back]
        expected += [(0, "References")] if built.book.references else []
        expected += [(0, "Index")] if built.book.index else []
        assert [(depth, title) for depth, title, _ in marks] == expected
        for depth, title, number in marks:
            if depth == 1:
                slug = next(e.slug for e in built.book.entries if e.title == title)
                assert built.layout.page_of(slug).number == number  # type: ignore[union-attr]


def test_internal_links_are_live(features: Built) -> None:
    reader = features.reader
    named = reader.named_destinations
    links = 0
    for page in reader.pages:
        for annotation in page.get("/Annots", []):
            target = annotation.get_object().get("/Dest")
            if target is None:
                continue
            links += 1
            assert target in named, target
            where = features.layout.page_of(str(target))
            assert where is not None
            assert reader.get_destination_page_number(named[target]) + 1 == where.number
    assert links > 30  # contents, cross-references, see also, index, references


def test_every_chapter_starts_on_an_odd_page(features: Built, dictionary: Built) -> None:
    for built in (features, dictionary):
        for chapter in built.book.chapters:
            page = built.layout.page_of(chapter.anchor)
            assert page is not None
            assert page.number % 2 == 1 and int(page.label) % 2 == 1, chapter.title


def test_folios_roman_in_front_arabic_from_one_in_body(features: Built) -> None:
    pages = features.layout.pages
    body = next(p for p in pages if p.section == "body")
    assert body.label == "1" and body.anchors[0] == "chapter-a"
    assert all(p.label in ("", "v", "vi", "vii", "viii") for p in pages if p.section == "front")
    assert features.layout.page_of("contents").label == "v"  # type: ignore[union-attr]
    labels = features.reader.page_labels
    assert (
        labels[: body.number]
        == ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "1"][: body.number]
    )
    assert labels[body.number - 1 :] == [str(n) for n in range(1, len(labels) - body.number + 2)]


@needs_poppler
def test_prelims_title_and_copyright_pages(features: Built) -> None:
    assert "Features" in features.text(1).replace(" ", "")  # letter-spaced
    title = features.text(3)
    assert "A test book" in title and "Ada Tester, Ben Checker" in title and "Test Press" in title
    imprint = " ".join(features.text(4).split())
    assert "© 2026 Test Press" in imprint
    assert "ISBN 978-0-00-000000-2" in imprint and "Published by Test Press, 2026" in imprint


@needs_poppler
def test_contents_numbers_are_the_pages_of_the_headings(dictionary: Built) -> None:
    contents = [p.number for p in dictionary.layout.pages if p.section == "front" and p.label]
    printed: dict[str, str] = {}
    for number in contents:
        for line in dictionary.text(number).splitlines():
            match = re.match(r"^\s*(\S.*?)\s*(?:\.\s*){3,}\s*([0-9]+|[ivxlc]+)\s*$", line)
            if match:
                printed[match.group(1).rstrip(". ")] = match.group(2)
    where = entry_pages(dictionary)
    for entry in dictionary.book.entries:
        number = where[entry.title]
        assert printed[entry.title] == label(dictionary, number), entry.title
        assert folio_on_page(dictionary.text(number)) == label(dictionary, number)
    preface = dictionary.layout.page_of("front-preface")
    assert preface is not None and printed["Preface"] == preface.label
    assert printed["A"] == "1"


def folio_on_page(text: str) -> str:
    """The folio printed at the head (outer corner) or the foot (drop folio) of a page."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    head, foot = lines[0].split(), lines[-1].split()
    if len(foot) == 1 and re.fullmatch(r"[0-9]+|[ivxlc]+", foot[0]):
        return foot[0]
    return head[-1] if re.fullmatch(r"[0-9]+", head[-1]) else head[0]


@needs_poppler
def test_running_heads_are_guide_words_on_both_pages(dictionary: Built) -> None:
    """Verso: the folio, then the entry at the head of the page; recto: the last entry to
    begin on the page, then the folio (each in its own margin box: never clipped)."""
    where = entry_pages(dictionary)
    order = [e.title for c in dictionary.book.chapters for e in c.entries]
    openers = {dictionary.layout.page_of(c.anchor).number for c in dictionary.book.chapters}  # type: ignore[union-attr]
    checked = 0
    for page in dictionary.layout.pages:
        if page.section != "body" or not page.label or page.number in openers:
            continue
        lines = [line.strip() for line in dictionary.text(page.number).splitlines() if line.strip()]
        begun = [t for t in order if where[t] == page.number]
        before = [t for t in order if where[t] < page.number]
        head = " ".join(lines[0].split())
        if int(page.label) % 2 == 0:
            start = lines[1] if lines[1] in begun else before[-1]
            assert head == f"{page.label} {start}"
        else:
            last = begun[-1] if begun else before[-1]
            assert head == f"{last} {page.label}"
        checked += 1
    assert checked >= 3
    # The dictionary has pages where several entries begin, and pages an entry continues onto.
    counts = [sum(1 for t in order if where[t] == p.number) for p in dictionary.layout.pages]
    assert max(counts) >= 2 and any(
        p.section == "body" and p.label and c == 0
        for p, c in zip(dictionary.layout.pages, counts, strict=True)
    )


@needs_poppler
def test_cross_references_give_the_page_of_their_target(dictionary: Built) -> None:
    where = entry_pages(dictionary)
    text = "\n".join(page_texts(dictionary.path))
    titles = "|".join(e.title for e in dictionary.book.entries)
    found = re.findall(rf"({titles}) \(p\. (\d+)\)", text)
    assert len(found) >= 8
    for title, number in found:
        assert number == label(dictionary, where[title]), title


@needs_poppler
def test_footnotes_stand_at_the_foot_of_their_page(features: Built) -> None:
    page = features.layout.page_of("fn-alpha-1")
    assert page is not None and page is features.layout.page_of("alpha")
    lines = [line.strip() for line in features.text(page.number).splitlines() if line.strip()]
    assert any(line.startswith("Alpha is the first letter.1 Write to") for line in lines)
    assert lines[-2] == "1. A footnote about alpha." and lines[-1] == page.label
    assert "A footnote about alpha" not in "\n".join(page_texts(features.path)[page.number :])


@needs_poppler
def test_index_and_references_print_page_numbers(features: Built) -> None:
    index = features.layout.page_of("names-index")
    references = features.layout.page_of("references")
    assert index is not None and references is not None
    text = " ".join(features.text(index.number).split())
    alpha = features.layout.page_of("alpha").label  # type: ignore[union-attr]
    beta = features.layout.page_of("beta").label  # type: ignore[union-attr]
    assert f"first letter — Alpha {alpha}" in text
    assert f"Aleph — Alpha {alpha}; Beta {beta}" in text
    refs = " ".join(features.text(references.number).split())
    assert f"Cited in Alpha {alpha}." in refs


def test_the_index_and_references_print_each_known_folio_as_its_text_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Laid out once the pages they print are known, the index and the references print
    each folio as its link's text, and generate nothing after their links (a generated
    number costs WeasyPrint a style and a box of its own: a quarter of the layout of an
    index), whatever a book's own print.css says of them; each folio once."""
    from glossbook.renderers.pdf import executors, worker

    root = with_css(
        tmp_path,
        ".names-index .index-line a.page-number::after, .names-index .index-line"
        " a.page-ref::after, .references .cited-by a.page-ref::after"
        ' { content: " (p. " target-counter(attr(href), page) ")"; }\n',
    )
    laid_out: dict[str, Job] = {}
    lay_out = executors.lay_out

    def recorded(job: Job) -> object:
        laid_out[job.name] = job
        return lay_out(job)

    monkeypatch.setattr(executors, "lay_out", recorded)
    built = build(root, tmp_path / "out", jobs=1)
    alpha = built.layout.page_of("alpha").label  # type: ignore[union-attr]
    beta = built.layout.page_of("beta").label  # type: ignore[union-attr]
    index = built.layout.page_of("names-index")
    references = built.layout.page_of("references")
    assert index is not None and references is not None
    text = " ".join(built.text(index.number).split())
    assert f"Aleph — Alpha {alpha}; Beta {beta} " in text + " " and "(p." not in text
    refs = " ".join(built.text(references.number).split())
    assert f"Cited in Alpha {alpha}." in refs and "(p." not in refs
    for name in ("names-index", "references"):
        job = laid_out[name]
        links = re.findall(r'<a class="page-(?:number|ref)"[^>]*>[^<]*</a>', job.html)
        assert links and all("data-folio=" in link and "data-page=" not in link for link in links)
        assert f'data-folio="{alpha}">' in job.html
        generated: list[str] = []

        def walk(box: object, generated: list[str] = generated) -> None:
            if str(getattr(box, "element_tag", "")).endswith("::after"):
                generated.append(str(box.element_tag))  # type: ignore[attr-defined]
            for child in getattr(box, "children", ()):
                walk(child)

        for page in worker._render(job).pages:
            walk(page._page_box)
        assert generated == [], name


def test_layout_json_is_written_next_to_the_pdf(features: Built) -> None:
    data = json.loads((features.path.parent / "features.layout.json").read_text("utf-8"))
    pages = PrintLayout(pages=[PrintPage(**p) for p in data["pages"]])
    assert pages == features.layout
    assert len(pages.pages) == len(features.reader.pages)
    every = [a for p in pages.pages for a in p.anchors]
    assert len(every) == len(set(every))  # each anchor on the page where it first stands
    for slug in ("alpha", "beta", "gamma", "chapter-a", "front-preface", "fig-alpha-1"):
        assert slug in every


# --- bad input ---------------------------------------------------------------------------


def with_css(tmp_path: Path, extra: str) -> Path:
    root = tmp_path / "book"
    shutil.copytree(FEATURES, root)
    (root / "styles" / "css").mkdir(parents=True)
    builtin = (BUILTIN / "css" / "print.css").read_text("utf-8")
    (root / "styles" / "css" / "print.css").write_text(builtin + extra, encoding="utf-8")
    return root


def test_book_css_errors_are_located(tmp_path: Path) -> None:
    lines = len((BUILTIN / "css" / "print.css").read_text("utf-8").splitlines())
    root = with_css(
        tmp_path,
        ".entry-title { colr: red; }\n"
        '.other-names { font-family: "Nowhere Sans", serif; }\n'
        "@font-face { font-family: Gone; src: url(../fonts/gone.otf); }\n"
        "p { margin: 0 }}\n.see-also { color: blue; }\n",
    )
    book, _ = prepare(root)
    with pytest.raises(ContentError) as error:
        pdf.layout(book)
    shown = [str(p) for p in error.value.problems]
    assert shown[0].startswith(f"styles/css/print.css:{lines + 1}: error: CSS: Ignored `colr: red`")
    assert shown[1].startswith(
        f"styles/css/print.css:{lines + 2}: error: the font 'Nowhere Sans' is neither declared"
    )
    assert shown[2].startswith(
        f"styles/css/print.css:{lines + 3}: error: the font file '../fonts/gone.otf' does not exist"
    )
    assert shown[3].startswith(f"styles/css/print.css:{lines + 4}: error: CSS: Invalid")
    assert len(shown) == 4


def test_book_css_override_keeps_the_builtin_fonts(tmp_path: Path) -> None:
    root = with_css(tmp_path, ".entry-title { font-family: 'Linux Libertine O', serif; }\n")
    book, _ = prepare(root)
    sheets = pdf.stylesheets(book, pdf.Theme(root), None, None, press=False, bleed="3mm")
    assert len(sheets) == 2  # no error: ../fonts/*.otf resolve to glossbook's own fonts


def test_css_check_is_remembered_until_the_css_changes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from glossbook.renderers.pdf.css import check

    root = with_css(tmp_path, ".entry-title { letter-spacing: 0.01em; }\n")
    book, _ = prepare(root)
    memo = tmp_path / "cache"
    check(book, pdf.Theme(root), press=False, bleed="3mm", memo=memo)
    (record,) = (memo / "css").iterdir()
    record.write_text('["remembered: a warning of the first check"]', encoding="utf-8")
    with caplog.at_level("WARNING", logger="glossbook.pdf"):
        check(book, pdf.Theme(root), press=False, bleed="3mm", memo=memo)
    assert "remembered: a warning of the first check" in caplog.text  # not read again
    css = root / "styles" / "css" / "print.css"
    css.write_text(css.read_text("utf-8") + "p { colr: red; }\n", encoding="utf-8")
    with pytest.raises(ContentError):  # a changed stylesheet is read again, and fails
        check(book, pdf.Theme(root), press=False, bleed="3mm", memo=memo)
    assert len(list((memo / "css").iterdir())) == 1  # a failed check is not remembered


def test_failed_build_leaves_the_previous_pdf(features: Built, tmp_path: Path) -> None:
    out = features.path.parent
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    book, _ = prepare(with_css(tmp_path, "p { colr: red; }\n"))
    with pytest.raises(ContentError):
        pdf.render(book, out)
    with pytest.MonkeyPatch.context() as patch:  # a failure while writing the files

        def broken(*args: object) -> str:
            raise OSError("disk full")

        patch.setattr(pdf, "layout", lambda *a, **k: (b"%PDF-half", PrintLayout()))
        patch.setattr(pdf, "layout_json", broken)
        with pytest.raises(OSError):
            pdf.render(features.book, out)
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before


# --- print adaptations of the shared fragments --------------------------------------------


def test_footnotes_move_to_their_references() -> None:
    fragment = (
        '<p>One<sup class="footnote-ref"><a href="#fn-x-1" id="fnref-x-1">[1]</a></sup> and '
        'again<sup class="footnote-ref"><a href="#fn-x-1" id="fnref-x-1:1">[1]</a></sup>.</p>\n'
        '<hr class="footnotes-sep" />\n<section class="footnotes">\n<ol class="footnotes-list">\n'
        '<li id="fn-x-1" class="footnote-item"><p>First <em>note</em>. '
        '<a href="#fnref-x-1" class="footnote-backref">↩︎</a> '
        '<a href="#fnref-x-1:1" class="footnote-backref">↩︎</a></p>\n</li>\n</ol>\n</section>\n'
    )
    assert pdf.inline_footnotes(fragment) == (
        '<p>One<span class="footnote" id="fn-x-1">First <em>note</em>.</span> and '
        'again<sup class="footnote-ref"><a href="#fn-x-1">1</a></sup>.</p>\n'
    )
    assert pdf.inline_footnotes("<p>No notes.</p>") == "<p>No notes.</p>"
