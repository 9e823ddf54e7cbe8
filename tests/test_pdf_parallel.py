"""The print layout in pieces: chapters laid out as separate documents (in worker processes,
or on a Dask cluster), cached, and joined, give the book that one WeasyPrint document of the
whole book gives: the same text on every page, outline and page labels, and the same bytes
whatever runs the layout."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from rich.console import Console

from glossbook import __version__
from glossbook.cli import main
from glossbook.entrycache import DiskEntryCache
from glossbook.model import Book, PrintLayout
from glossbook.pipeline import prepare
from glossbook.progress import LayoutProgress
from glossbook.renderers import pdf
from glossbook.renderers.pdf import css, drawing, executors, fitting, rejoin
from glossbook.renderers.pdf.stamp import NUMBERS
from glossbook.renderers.pdf.worker import Job, Laid

from .conftest import BookFactory, copy_sample, entry_text
from .test_pdf import outline as read_outline

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FEATURES = HERE / "books" / "features"
CORPUS_PAGES = HERE / "fixtures" / "corpus-200-pages.json.gz"
EPOCH = 1_767_225_600  # 2026-01-01

sys.path.insert(0, str(REPO / "benchmarks"))
from corpus import write_corpus  # noqa: E402


class Record:
    """A progress listener that counts the documents really laid out: the book's documents
    (``laid_out``, their names in ``names``) and the numbers documents stamped over them
    (``stamped``, the names of the documents they number)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.stamped: list[str] = []
        self.waves: list[str] = []

    @property
    def laid_out(self) -> int:
        return len(self.names)

    def start(self, what: str, total: int) -> None:
        self.waves.append(what)

    def grow(self, count: int) -> None:
        pass

    def advance(self, laid: Laid) -> None:
        if laid.name.endswith(NUMBERS):
            self.stamped.append(laid.name.removesuffix(NUMBERS))
        else:
            self.names.append(laid.name)


def page_texts(data: bytes, tmp: Path) -> list[str]:
    """Each page's text as pdftotext reads it, without spaces and in lower case: a font's
    small capitals map back to the letters of the document that first used them, and
    pdftotext guesses word spaces from glyph positions, so only the letters, digits and
    punctuation of each page, in order, are compared (a dot leader as one "..": how many
    dots pdftotext reads from a leader depends on where the page's text grid falls)."""
    path = tmp / "read.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = ["".join(page.split()).casefold() for page in out.split("\f")[:-1]]
    return [re.sub(r"\.{2,}", "..", page) for page in pages]


def outline(data: bytes, tmp: Path) -> list[tuple[int, str, int]]:
    path = tmp / "outline.pdf"
    path.write_bytes(data)
    return read_outline(PdfReader(path))


def one_document(book: Book, page_map: PrintLayout) -> bytes:
    """The reference: the whole book as one WeasyPrint document, with the same stylesheets
    and the page numbers of the page map (not target-counter(): WeasyPrint paginates a
    document again to resolve it, and can then set a footnote twice), its paragraphs fitted
    as every document's are (fitting.py)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    theme = pdf.Theme(book.root)
    sheets = css.sources(book, theme, press=False, bleed=pdf.DEFAULT_BLEED)
    labels: dict[str, str] = {}
    for page in page_map.pages:
        for anchor in page.anchors:
            labels.setdefault(anchor, page.label)
    draw = drawing.Drawing(book, theme)
    fragments = [draw.part(part, labels) for part in drawing.parts(book)]
    digits = pdf.body_digits(page_map)
    text = drawing.with_page_numbers(draw.document(fragments, digits), labels, every=True)
    fonts = FontConfiguration()
    stylesheets = [
        CSS(string=s.text, base_url=s.base_url or None, font_config=fonts) for s in sheets
    ]
    html = HTML(string=text, base_url=book.root.resolve().as_uri() + "/")
    return fitting.render(html, stylesheets=stylesheets, font_config=fonts).write_pdf()


def check_labels(data: bytes, page_map: PrintLayout, tmp: Path) -> None:
    path = tmp / "labels.pdf"
    path.write_bytes(data)
    labels = PdfReader(path).page_labels
    for page in page_map.pages:
        if page.label:
            assert labels[page.number - 1] == page.label, page


def check_entries(book: Book, texts: list[str], page_map: PrintLayout) -> None:
    """Every entry's title stands on the page the page map gives it."""
    where = {a: page.number for page in page_map.pages for a in page.anchors}
    for entry in book.entries:
        title = "".join(entry.title.split()).casefold()
        assert title in texts[where[entry.anchor] - 1], entry.title


@pytest.fixture(scope="module")
def features(tmp_path_factory: pytest.TempPathFactory) -> tuple[Book, bytes, PrintLayout]:
    root = tmp_path_factory.mktemp("parallel") / "book"
    shutil.copytree(FEATURES, root, ignore=shutil.ignore_patterns("build"))
    book, _ = prepare(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        data, page_map = pdf.layout(book, jobs=2)
    return book, data, page_map


@pytest.mark.parametrize("which", ["features", "sample"])
def test_pieces_equal_one_document(
    which: str, features: tuple[Book, bytes, PrintLayout], tmp_path: Path
) -> None:
    if which == "features":
        book, data, page_map = features
    else:
        book, _ = prepare(REPO)
        data, page_map = pdf.layout(book, jobs=2)
    reference = one_document(book, page_map)
    ours, theirs = page_texts(data, tmp_path), page_texts(reference, tmp_path)
    assert len(ours) == len(theirs) == len(page_map.pages)
    for number, (mine, peer) in enumerate(zip(ours, theirs, strict=True), start=1):
        assert mine == peer, f"page {number}"
    assert outline(data, tmp_path) == outline(reference, tmp_path)
    check_labels(data, page_map, tmp_path)
    check_entries(book, ours, page_map)


def test_links_between_documents_are_live(features: tuple[Book, bytes, PrintLayout]) -> None:
    """A cross-reference to another chapter, the contents and the index jump to the page
    where the target stands."""
    import io

    import pikepdf

    _book, data, page_map = features
    where = {}
    for page in page_map.pages:
        for anchor in page.anchors:
            where.setdefault(anchor, page.number - 1)
    document = pikepdf.Pdf.open(io.BytesIO(data))
    names = pikepdf.NameTree(document.Root.Names.Dests)
    pages = {page.obj.objgen: n for n, page in enumerate(document.pages)}
    checked = 0
    for n, page in enumerate(document.pages):
        for annot in page.get("/Annots", []):
            if "/Dest" not in annot:
                continue
            name = str(annot.Dest)
            assert name in names, f"page {n + 1}: link to #{name} has no destination"
            assert pages[names[name][0].objgen] == where[name], name
            checked += 1
    assert checked > 20


def test_same_bytes_for_any_number_of_jobs(
    features: tuple[Book, bytes, PrintLayout], tmp_path: Path
) -> None:
    book, data, _ = features
    seen: list[PrintLayout] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        alone, _ = pdf.layout(book, jobs=1)
        # Joined by a worker of the pool while this process goes on (the build's EPUB).
        beside, page_map = pdf.layout(book, jobs=2, while_joining=seen.append)
    assert alone == data == beside
    assert seen == [page_map]


def test_the_index_and_contents_are_laid_out_beside_the_references(
    features: tuple[Book, bytes, PrintLayout], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With two workers, the index is laid out beside the references, once: every page it
    prints is known once the body is laid out, and its own folios, which wait for the
    references' pages, are stamped last. The contents is laid out as soon as the references
    are (the index's first folio is the last number it prints), beside the index. Each
    document is laid out once, and the book is the same, byte for byte."""
    book, data, _ = features
    waves: list[list[str]] = []
    inline_map = executors.Inline.map

    def recorded(self: executors.Inline, jobs: list[Job], done: Any) -> list[Laid]:
        wave = [job.name for job in jobs]
        waves.append(wave)

        def told(laid: Laid) -> list[Job]:
            more = done(laid) or []
            wave.extend(job.name for job in more)
            return more

        return inline_map(self, jobs, told)

    monkeypatch.setattr(executors.Inline, "workers", 2)
    monkeypatch.setattr(executors.Inline, "map", recorded)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    again, _ = pdf.layout(book, jobs=1)
    beside = next(wave for wave in waves if "references" in wave)
    assert "names-index" in beside and "front" in beside, waves
    assert beside.index("front") > beside.index("references"), waves
    assert "names-index" + NUMBERS in waves[-1], waves
    names = [name for wave in waves for name in wave]
    assert len(names) == len(set(names)), waves  # each once
    assert again == data


def test_a_job_given_while_the_pool_works_starts_before_shorter_ones_waiting(
    tmp_path: Path,
) -> None:
    """The pool gives a worker its next job when it is free, the longest of those waiting:
    a job given while the pool works (the contents, once the references are laid out)
    starts before the shorter jobs given earlier (small numbers documents), not after."""
    sheet = css.Sheet("@page { size: A7; }", "")

    def job(name: str, cost: int) -> Job:
        return Job(name, f"<p>{name}</p>", (sheet,), "", cost=cost)

    order: list[str] = []

    def done(laid: Laid) -> list[Job]:
        order.append(laid.name)
        return [job("given", 50)] if laid.name == "first" else []

    pool = executors.Pool(1, str(tmp_path))
    try:
        laid = pool.map([job("small", 2), job("first", 100), job("smaller", 1)], done)
    finally:
        pool.close()
    assert order == ["first", "given", "small", "smaller"]
    assert [one.name for one in laid] == ["small", "first", "smaller", "given"]


def test_dask_cluster_gives_the_same_bytes(features: tuple[Book, bytes, PrintLayout]) -> None:
    distributed = pytest.importorskip("distributed")
    book, data, _ = features
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        remote, _ = pdf.layout(book, executor_kind="dask", scheduler=cluster.scheduler_address)
    assert remote == data


def test_cache_lays_out_only_what_changed(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(FEATURES, root, ignore=shutil.ignore_patterns("build"))
    cache = tmp_path / "cache"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        cold = Record()
        first, _ = pdf.layout(prepare(root)[0], jobs=1, cache=cache, progress=cold)
        warm = Record()
        again, _ = pdf.layout(prepare(root)[0], jobs=1, cache=cache, progress=warm)
        assert again == first and warm.laid_out == 0 < cold.laid_out
        entry = next((root / "manuscript").rglob("*.md"))
        entry.write_text(entry.read_text(encoding="utf-8") + "\nOne more sentence.\n", "utf-8")
        edited_book = prepare(root)[0]
        edit = Record()
        edited, _ = pdf.layout(edited_book, jobs=1, cache=cache, progress=edit)
        fresh, _ = pdf.layout(edited_book, jobs=1)
    assert edited == fresh != first
    # The entry's chapter (laid out once: its layout does not depend on any number), and
    # the documents that print the numbers of others (the references, the index, the front);
    # the other chapters' numbers are stamped, never laid out again.
    assert 1 <= edit.laid_out < cold.laid_out / 2


def normalised(data: bytes) -> bytes:
    """The PDF rewritten by pikepdf as a QDF file, its objects numbered in the order they
    are reached from its root: two PDFs of the same objects, however their files numbered
    them, give the same (but for qpdf's notes of the original numbers)."""
    import pikepdf

    buffer = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as document:
        document.save(
            buffer,
            qdf=True,
            static_id=True,  # (else qpdf makes a new file identifier, from the time)
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
        )
    return re.sub(rb"%% Original object ID: \d+ \d+\n", b"", buffer.getvalue())


@pytest.mark.parametrize(
    ("old", "new", "replaced"),
    [("Also old, with", "Also new, with", True), ("## History", "## Histories", False)],
    ids=["a-word-rejoined", "a-heading-joined-whole"],
)
def test_an_edit_inside_a_chapter_rejoins_the_last_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, replaced: bool
) -> None:
    """After an edit that keeps a chapter's pages, anchors and bookmarks, the last PDF joined
    is opened and only that chapter's pages are replaced (``rejoin.py``): the same PDF, object
    for object, as the documents joined whole, and the same pages as a build without a
    cache. An edit that renames an anchor joins the documents whole."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    root = shutil.copytree(FEATURES, tmp_path / "book", ignore=shutil.ignore_patterns("build"))
    cache = tmp_path / "cache"
    first, _ = pdf.layout(prepare(root)[0], jobs=1, cache=cache)
    entry = root / "manuscript" / "beta.md"
    entry.write_text(entry.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    calls: list[bool] = []
    replace = rejoin.replaced

    def spied(*args: Any, **kwargs: Any) -> bytes | None:
        result = replace(*args, **kwargs)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(rejoin, "replaced", spied)
    book = prepare(root)[0]
    edited, page_map = pdf.layout(book, jobs=1, cache=cache)
    assert calls == [replaced]
    (cache / "layout" / "joined.pickle").unlink()
    whole, _ = pdf.layout(book, jobs=1, cache=cache)
    assert calls == [replaced]  # (no last PDF: joined whole)
    assert normalised(edited) == normalised(whole)
    fresh, fresh_map = pdf.layout(book, jobs=1)
    assert page_texts(edited, tmp_path) == page_texts(fresh, tmp_path)
    assert outline(edited, tmp_path) == outline(fresh, tmp_path)
    assert page_map == fresh_map
    check_labels(edited, page_map, tmp_path)
    # The edit undone, joined by a worker of the pool: the first PDF's pages again.
    entry.write_text(entry.read_text(encoding="utf-8").replace(new, old), encoding="utf-8")
    undone, _ = pdf.layout(prepare(root)[0], jobs=2, cache=cache, while_joining=lambda _: None)
    assert normalised(undone) == normalised(first)


def test_documents_are_drawn_again_when_what_they_show_changes(make_book: BookFactory) -> None:
    """The build cache keeps each chapter's HTML as drawn (``drawn.pickle``), keyed by what
    it shows: a title shown in another chapter's "See also" changes that chapter's drawing,
    and an unchanged book draws from the cache and writes nothing."""
    root = make_book(
        {
            "manuscript/alpha.md": entry_text("Alpha", "Alpha's text.", related="[zeta]"),
            "manuscript/zeta.md": entry_text("Zeta", "Zeta's text."),
        }
    )
    cache = root / "build" / ".cache"
    drawn = cache / "layout" / "drawn.pickle"
    first, _ = pdf.layout(prepare(root)[0], jobs=1, cache=cache)
    assert "seealso:zeta(p." in " ".join(page_texts(first, root))  # (normalised text)
    written = drawn.stat().st_mtime_ns
    pdf.layout(prepare(root)[0], jobs=1, cache=cache)
    assert drawn.stat().st_mtime_ns == written  # nothing new drawn, nothing written
    zeta = root / "manuscript" / "zeta.md"
    zeta.write_text(entry_text("Zeta renamed", "Zeta's text."), encoding="utf-8")
    renamed, _ = pdf.layout(prepare(root)[0], jobs=1, cache=cache)
    texts = page_texts(renamed, root)
    assert "seealso:zetarenamed(p." in " ".join(texts)
    assert texts == page_texts(pdf.layout(prepare(root)[0], jobs=1)[0], root)


def test_the_page_map_alone_lays_out_what_the_pdf_does_and_reads_no_cached_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an EPUB-only build asks for: the page map the PDF's layout gives. Cold, it lays
    out the PDF's own jobs (a PDF build then lays out nothing); warm, it lays out nothing
    and reads none of the cached PDFs (deleted here), nor joins them."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    root = shutil.copytree(FEATURES, tmp_path / "book", ignore=shutil.ignore_patterns("build"))
    cache, cold, then, warm = tmp_path / "cache", Record(), Record(), Record()
    alone = pdf.page_map(prepare(root)[0], jobs=1, cache=cache, progress=cold)
    _, whole = pdf.layout(prepare(root)[0], jobs=1, cache=cache, progress=then)
    assert alone == whole and then.laid_out == 0 < cold.laid_out
    for path in (cache / "layout").glob("*/*.pdf"):
        path.unlink()
    assert pdf.page_map(prepare(root)[0], jobs=1, cache=cache, progress=warm) == whole
    assert warm.waves == []


def test_cold_build_lays_out_each_body_document_once(tmp_path: Path) -> None:
    """Cold, each document of the book is laid out once (the body's with its numbers left
    out, then stamped) and the book is still the one WeasyPrint document page for page."""
    book, _ = prepare(FEATURES)
    record = Record()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        data, page_map = pdf.layout(book, jobs=1, progress=record)
    body = [c.anchor for c in book.chapters] + [p.anchor for p in book.back]
    apparatus = ["references", "names-index", "front", "blank-page"]
    assert sorted(record.names) == sorted(body + apparatus)  # each once
    assert sorted(record.stamped) == sorted([*body, "names-index"])  # the index's folios
    reference = one_document(book, page_map)
    assert page_texts(data, tmp_path) == page_texts(reference, tmp_path)
    assert outline(data, tmp_path) == outline(reference, tmp_path)
    check_labels(data, page_map, tmp_path)
    # A stamped number reads in place: "(p. 5)", not "(p. )" and a stray "5".
    raw = subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    assert re.search(r"\(p\.\s\d+\)", raw) and "(p. )" not in raw


def test_numbers_that_could_move_lines_are_not_stamped(tmp_path: Path) -> None:
    """A book's own print.css that sets "(p. N)" in running text (no box of fixed width):
    the documents that print one are laid out again with their true numbers, not stamped,
    and the book still equals the one document page for page."""
    root = tmp_path / "book"
    shutil.copytree(FEATURES, root, ignore=shutil.ignore_patterns("build"))
    builtin = (REPO / "src" / "glossbook" / "styles" / "css" / "print.css").read_text("utf-8")
    (root / "styles" / "css").mkdir(parents=True, exist_ok=True)
    (root / "styles" / "css" / "print.css").write_text(
        builtin + "\na.xref::after { display: inline; width: auto; }\n", "utf-8"
    )
    book, _ = prepare(root)
    record = Record()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        data, page_map = pdf.layout(book, jobs=1, progress=record)
    body = [c.anchor for c in book.chapters] + [p.anchor for p in book.back]
    twice = [name for name in body if record.names.count(name) == 2]
    assert twice and not set(twice) & set(record.stamped)
    assert set(body) == set(twice) | set(record.stamped)
    reference = one_document(book, page_map)
    assert page_texts(data, tmp_path) == page_texts(reference, tmp_path)


def test_edit_that_moves_folios_lays_out_only_its_chapter(tmp_path: Path) -> None:
    """An entry of the first chapter of the sample book grows by pages: every later folio
    and "(p. N)" moves, yet only its chapter is laid out again (and the references, index
    and contents, which print numbers of others); the later chapters are stamped with their
    new numbers."""
    root = tmp_path / "book"
    root.mkdir()
    for name in ("glossbook.toml", "bibliography.bib"):
        shutil.copy(REPO / name, root / name)
    for name in ("manuscript", "front", "back"):
        shutil.copytree(REPO / name, root / name)
    cache = tmp_path / "cache"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        book = prepare(root)[0]
        _, before = pdf.layout(book, jobs=1, cache=cache)
        first = book.chapters[0]
        entry = root / "manuscript" / f"{first.entries[0].slug}.md"
        more = "\n\nA paragraph more, long enough to fill some lines of the page. " * 60
        entry.write_text(entry.read_text(encoding="utf-8") + more, "utf-8")
        edited_book = prepare(root)[0]
        record = Record()
        data, after = pdf.layout(edited_book, jobs=1, cache=cache, progress=record)
    assert len(after.pages) > len(before.pages) + 1
    later = [c.anchor for c in edited_book.chapters[1:]] + [p.anchor for p in book.back]
    assert later
    folio = {p.anchors[0]: p.label for p in before.pages if p.anchors}
    moved = {p.anchors[0]: p.label for p in after.pages if p.anchors}
    assert all(folio[anchor] != moved[anchor] for anchor in later)
    # (from its start, as far as the edit reaches: ``resume.py``)
    names = [name.split(" (from ")[0] for name in record.names]
    body_laid_out = [n for n in names if n in later or n == first.anchor]
    assert body_laid_out == [first.anchor]
    assert set(later) <= set(record.stamped)
    reference = one_document(edited_book, after)
    assert page_texts(data, tmp_path) == page_texts(reference, tmp_path)


def test_epub_build_reuses_the_print_layout_and_clean_deletes_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "book"
    shutil.copytree(FEATURES, root, ignore=shutil.ignore_patterns("build"))
    assert main(["build", str(root), "--format", "pdf", "--jobs", "1"]) == 0
    layouts = list((root / "build" / ".cache" / "layout").glob("*/*.json"))
    assert layouts
    stamp = {path: path.stat().st_mtime_ns for path in layouts}
    assert main(["build", str(root), "--format", "epub", "--jobs", "1"]) == 0
    assert {p: p.stat().st_mtime_ns for p in stamp} == stamp  # read, not laid out again
    assert set((root / "build" / ".cache" / "layout").glob("*/*.json")) == set(layouts)
    page_list = json.loads((root / "build" / "features.layout.json").read_text("utf-8"))
    assert page_list["pages"]
    assert main(["build", str(root), "--format", "pdf", "--no-cache", "--jobs", "1"]) == 0
    assert main(["clean", str(root)]) == 0
    assert not (root / "build" / ".cache").exists()
    assert (root / "build" / "features.pdf").is_file()
    assert "Deleted the build cache" in capsys.readouterr().err


def test_print_view_reads_the_build_cache(tmp_path: Path) -> None:
    """The preview's print view of a chapter comes from the cache a build filled (its
    stamped layout and its numbers): the chapter's pages of the book, numbers included."""
    root = tmp_path / "book"
    shutil.copytree(FEATURES, root, ignore=shutil.ignore_patterns("build"))
    book, _ = prepare(root)
    built = pdf.render(book, root / "build", jobs=1, cache=root / "build" / ".cache")
    anchor = book.chapters[1].anchor
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf, "lay_out", lambda job: pytest.fail(f"{job.name} laid out again"))
        view = pdf.render_chapter(book, anchor)
    assert book.print_layout is not None
    first = next(p.number for p in book.print_layout.pages if anchor in p.anchors)
    pages = page_texts(view, tmp_path)
    assert pages == page_texts(built.read_bytes(), tmp_path)[first - 1 : first - 1 + len(pages)]
    assert any("(p." in page for page in pages)


def test_build_keeps_parsed_entries_by_content(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(FEATURES, root, ignore=shutil.ignore_patterns("build"))
    assert main(["build", str(root), "--format", "html"]) == 0
    parsed = DiskEntryCache(root / "build" / ".cache")
    files = sorted((root / "manuscript").rglob("*.md"))
    assert all(parsed.get(path, "en") is not None for path in files)
    files[0].write_text(files[0].read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    again = DiskEntryCache(root / "build" / ".cache")
    assert again.get(files[0], "en") is None and again.get(files[1], "en") is not None


def test_layout_options_are_checked_before_building(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "book"
    shutil.copytree(FEATURES, root, ignore=shutil.ignore_patterns("build"))
    assert main(["build", str(root), "--executor", "dask"]) == 2
    assert "--scheduler tcp://HOST:PORT" in capsys.readouterr().err
    assert main(["build", str(root), "--jobs", "0"]) == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err
    assert not (root / "build").exists()


def test_progress_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert LayoutProgress(Console(force_terminal=True)).bar is not None
    assert LayoutProgress(Console(force_terminal=False)).bar is None
    monkeypatch.setenv("CI", "true")
    assert LayoutProgress(Console(force_terminal=True)).bar is None


@pytest.mark.parametrize("beside", [False, True])
def test_the_bar_on_a_terminal_counts_the_documents_given_in_a_step(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, beside: bool
) -> None:
    """The build's own bar, on a terminal, through a layout whose contents is given while
    the index is laid out (``front_after``): each step ends with as many documents laid
    out as it counted, the one given included; alone and as the build wraps it when the
    EPUB is made beside the PDF (``Starting``)."""
    from glossbook.commands.build import Starting

    monkeypatch.delenv("CI", raising=False)
    book, _ = prepare(copy_sample(tmp_path / "book"))
    steps: list[tuple[float, float | None]] = []

    class Watched(LayoutProgress):
        def start(self, what: str, total: int) -> None:
            self.note()
            super().start(what, total)

        def note(self) -> None:
            if self.bar and self.task is not None:
                task = next(t for t in self.bar.tasks if t.id == self.task)
                steps.append((task.completed, task.total))

    class Beside:
        started = 0

        def start(self) -> None:
            self.started += 1

    with Watched(Console(file=io.StringIO(), force_terminal=True)) as progress:
        assert progress.bar is not None
        listener = Starting(progress, Beside()) if beside else progress
        pdf.layout(book, jobs=1, progress=listener)
        progress.note()
    assert len(steps) >= 3
    assert all(done == total for done, total in steps), steps


# --- a generated book of 200 entries ------------------------------------------------------


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Book, bytes, PrintLayout, int]:
    """The generated book laid out once (with the numbers of the fixture's layout as the
    last build's: each chapter is laid out once, as in a build after an edit)."""
    folder = tmp_path_factory.mktemp("corpus")
    book, _ = prepare(write_corpus(folder / "book", 200))
    numbers = json.loads(gzip.decompress(CORPUS_PAGES.read_bytes()))["numbers"]
    (folder / "cache" / "layout").mkdir(parents=True)
    (folder / "cache" / "layout" / "last.json").write_text(json.dumps(numbers), "utf-8")
    record = Record()
    data, page_map = pdf.layout(book, jobs=2, cache=folder / "cache", progress=record)
    return book, data, page_map, record.laid_out


def test_generated_book_equals_one_document(
    corpus: tuple[Book, bytes, PrintLayout, int], tmp_path: Path
) -> None:
    """Against every page of the same book laid out as one WeasyPrint document (``one_document``,
    which takes minutes at this size: kept as a fixture, the hash of each page's text as
    ``page_texts`` reads it, and the outline; ``fixtures/make_corpus_200.py`` makes it)."""
    book, data, page_map, laid_out = corpus
    # Each document once (the chapters, references, index, front and a blank page).
    assert laid_out == len(book.chapters) + len(book.back) + 4
    expected = json.loads(gzip.decompress(CORPUS_PAGES.read_bytes()))
    version = f"glossbook{__version__}".casefold()  # the colophon
    ours = [page.replace(version, "glossbookversion") for page in page_texts(data, tmp_path)]
    assert len(ours) == len(expected["pages"])
    for number, (mine, peer) in enumerate(zip(ours, expected["pages"], strict=True), start=1):
        assert page_hash(mine) == peer, f"page {number}: {mine[:200]}"
    assert outline(data, tmp_path) == [tuple(item) for item in expected["outline"]]
    check_labels(data, page_map, tmp_path)
    check_entries(book, ours, page_map)


def test_page_markers_of_the_generated_book_stand_where_its_pages_begin(
    corpus: tuple[Book, bytes, PrintLayout, int], tmp_path: Path
) -> None:
    """Every page-break marker of the 200-entry book's EPUB is followed by the first words
    of its print page (test_page_markers.misplaced)."""
    from .test_page_markers import misplaced

    book, data, page_map, _ = corpus
    path = tmp_path / "book.pdf"
    path.write_bytes(data)
    wrong, compared = misplaced(book, path, page_map)
    assert compared > 200
    assert wrong == []


def page_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
