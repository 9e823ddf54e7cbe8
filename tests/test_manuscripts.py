"""Real manuscripts: raw HTML by policy, remote images, captions from alt text, lenient
tables, heading levels that never skip, numeric collation. Each edition is read back."""

from __future__ import annotations

import http.server
import re
import shutil
import struct
import subprocess
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from glossbook.cli import main
from glossbook.collation import Collation
from glossbook.errors import ContentError, Problem
from glossbook.pipeline import prepare
from glossbook.remote import RemoteError, RemoteImages

from .conftest import MINIMAL_CONFIG, BookFactory, entry_text
from .linkcheck import broken_links
from .test_epub import run_epubcheck


def png(width: int = 40, height: int = 20) -> bytes:
    """A small valid PNG, solid colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x20\x60\xa0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class Server:
    """A local HTTP server on 127.0.0.1 (ephemeral port) counting the requests per path."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.hits: dict[str, int] = {}
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                data = server.files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    served = Server({"/diagram.png": png(), "/big.png": png(400, 400)})
    served.thread.start()
    yield served
    served.httpd.shutdown()
    served.httpd.server_close()


MESSY = """\
A number 2<sup>256</sup> is large.<br>So is <sup>*two*</sup> to the "power".
<!-- TODO: add citation; I recall "X" saying this -->

<!-- an editor's note
over "two" lines -->

<details>
<summary>Show the proof</summary>

The proof is *short*.

</details>

<script>alert("leak")</script>

Press <kbd>Ctrl</kbd> or <span onclick="steal()">click here</span>.

![A small blue diagram]({url})

| Name | Kind | Size |
|------|------|
| one | a | 1 |
| two | b | 2 |
"""


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory, server: Server) -> Path:
    """The issue's book: comments, sup, br, details, script, onclick, a remote image and a
    short-delimiter table, built in all three editions."""
    root = tmp_path_factory.mktemp("messy") / "book"
    (root / "manuscript").mkdir(parents=True)
    (root / "glossbook.toml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    body = MESSY.format(url=server.url("/diagram.png"))
    (root / "manuscript" / "messy.md").write_text(entry_text("Messy", body), encoding="utf-8")
    assert main(["build", str(root)]) == 0
    return root


def messy_warnings(root: Path) -> list[str]:
    _, warnings = prepare(root)
    return [str(w) for w in warnings]


def epub_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith(".xhtml")
        )


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_every_drop_is_a_warning_with_file_and_line(messy: Path) -> None:
    warnings = messy_warnings(messy)
    assert any(w.startswith("manuscript/messy.md:17:") and "<script>" in w for w in warnings)
    assert any(w.startswith("manuscript/messy.md:19:") and "onclick" in w for w in warnings)
    assert any(w.startswith("manuscript/messy.md:24:") and "delimiter row" in w for w in warnings)
    assert len(warnings) == 3, warnings  # comments are never published, and not warned of


def test_html_renders_the_rest_and_leaks_nothing(messy: Path) -> None:
    html_folder = messy / "build" / "html"
    whole = (html_folder / "chapter-m.html").read_text(encoding="utf-8")
    page = re.search(r'<article class="entry" id="messy".*?</article>', whole, re.S).group(0)  # type: ignore[union-attr]
    for leak in ("TODO", "editor", "<!--", "alert", "leak", "<script", "onclick", "steal"):
        assert leak not in page
    assert "2<sup>256</sup>" in page and "<sup><em>two</em></sup>" in page
    assert "<br />" in page and "<kbd>Ctrl</kbd>" in page and "<span>click here</span>" in page
    assert re.search(r"<details>\s*<summary>Show the proof</summary>\s*<p[^>]*>The proof", page)
    assert page.count("<th>") == 3 and "<td>two</td>" in page
    image = re.search(
        r'<img src="(remote-images/[0-9a-f]{64}\.png)" alt="A small blue diagram"', page
    )
    assert image and (html_folder / image.group(1)).is_file()
    assert "A small blue diagram</figcaption>" in page
    assert "TODO" not in whole and "alert" not in whole
    assert broken_links(html_folder)[0] == []


def test_epub_renders_the_rest_is_valid_and_leaks_nothing(messy: Path) -> None:
    path = messy / "build" / "test-book.epub"
    text = epub_text(path)
    for leak in ("TODO", "editor", "<!--", "alert", "<script", "onclick"):
        assert leak not in text
    assert "2<sup>256</sup>" in text and "<br/>" in text and "<details>" in text
    with zipfile.ZipFile(path) as archive:
        assert any(re.search(r"remote-images/[0-9a-f]{64}\.png$", n) for n in archive.namelist())
    result = run_epubcheck(path)
    checker = result["checker"]
    assert (checker["nFatal"], checker["nError"], checker["nWarning"]) == (0, 0, 0), [  # type: ignore[index]
        m["message"]
        for m in result["messages"]  # type: ignore[union-attr]
    ]


def test_pdf_renders_the_rest_embeds_the_image_and_leaks_nothing(messy: Path) -> None:
    path = messy / "build" / "test-book.pdf"
    text = pdf_text(path)
    for leak in ("TODO", "editor", "alert", "leak", "<sup>", "<br>", "<details>"):
        assert leak not in text
    assert "2256" in text.replace(" ", "") and "Show the proof" in text and "Ctrl" in text
    assert "|------|" not in text and "Kind" in text
    images = [image for page in PdfReader(path).pages for image in page.images]
    assert any(image.image.size == (40, 20) for image in images)  # type: ignore[union-attr]


# --- raw HTML ----------------------------------------------------------------------------


def entry_html(root: Path, slug: str = "a") -> tuple[str, list[Problem]]:
    book, warnings = prepare(root)
    return book.entry(slug).html, warnings


def test_inline_html_split_over_tokens_is_balanced(make_book: BookFactory) -> None:
    body = "An unclosed <sup>power and <mark>*marked* text</mark>.\n\nNext </sub> paragraph.\n"
    html, warnings = entry_html(make_book({"manuscript/a.md": entry_text("A", body)}))
    assert "<sup>power and <mark><em>marked</em> text</mark>.</sup></p>" in html
    assert "Next  paragraph." in html and warnings == []


def test_comments_are_never_published_nor_smart_quoted(make_book: BookFactory) -> None:
    body = 'Text "one" <!-- a "note" -- here --> and "two".\n\n<!--\nblock "note"\n-->\n'
    html, warnings = entry_html(make_book({"manuscript/a.md": entry_text("A", body)}))
    assert html.startswith("<p") and "note" not in html and "“one” " in html
    assert warnings == []


def test_dangerous_html_is_dropped_with_a_warning(make_book: BookFactory) -> None:
    body = (
        "Lead.\n\n<style>p { display: none }</style>\n\n"
        '<iframe src="https://example.org"></iframe>\n\n'
        'A <a href="javascript:alert(1)" onmouseover="x()">link</a> and '
        '<a href="https://example.org/ok">a good one</a> but <a href="old.html">no</a>.\n'
    )
    html, warnings = entry_html(make_book({"manuscript/a.md": entry_text("A", body)}))
    assert "display" not in html and "iframe" not in html and "javascript" not in html
    assert '<a href="https://example.org/ok">a good one</a>' in html and "<a>link</a>" in html
    assert "<a>no</a>" in html
    shown = sorted((w.line, w.message.split(" is ")[0]) for w in warnings)
    assert shown == [
        (6, "raw HTML: the element <style> and its content"),
        (8, "raw HTML: the element <iframe> and its content"),
        (10, "raw HTML: the attribute onmouseover=… of <a>"),
        (10, "raw HTML: the javascript: link of <a>"),
        (10, 'raw HTML: the relative link href="old.html" of <a>'),
    ]


def test_raw_html_policy_escape_and_error(make_book: BookFactory) -> None:
    body = "Two<sup>2</sup>.\n"
    escape = MINIMAL_CONFIG + '[markdown]\nraw_html = "escape"\n'
    root = make_book({"manuscript/a.md": entry_text("A", body)}, config=escape, name="e")
    html, _ = entry_html(root)
    assert "Two&lt;sup&gt;2&lt;/sup&gt;." in html
    error = MINIMAL_CONFIG + '[markdown]\nraw_html = "error"\n'
    root = make_book({"manuscript/a.md": entry_text("A", body + "<!-- fine -->\n")}, config=error)
    with pytest.raises(ContentError) as caught:
        prepare(root)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("manuscript/a.md", 4) and "<sup>" in problem.message
    wrong = MINIMAL_CONFIG + '[markdown]\nraw_html = "sanitise"\n'
    root = make_book({"manuscript/a.md": entry_text("A")}, config=wrong, name="w")
    with pytest.raises(ContentError) as caught:
        prepare(root)
    [problem] = caught.value.problems
    assert problem.line == 6 and "'sanitize'" in problem.hint


# --- remote images -----------------------------------------------------------------------


def test_download_once_into_a_content_addressed_cache(
    make_book: BookFactory, server: Server, run_cli: Callable[..., tuple[int, str]]
) -> None:
    url = server.url("/big.png")
    body = f'Lead.\n\n![A big square]({url} "Caption")\n'
    root = make_book({"manuscript/a.md": entry_text("A", body)})
    before = server.hits.get("/big.png", 0)
    for _ in range(2):
        code, out = run_cli("build", str(root), "--format", "html")
        assert code == 0, out
    assert server.hits["/big.png"] == before + 1
    [cached] = (root / "remote-images").glob("*.png")
    import hashlib

    assert cached.stem == hashlib.sha256(cached.read_bytes()).hexdigest()
    assert (root / "build" / "html" / "remote-images" / cached.name).is_file()
    # Offline, the cache still serves it.
    code, out = run_cli("build", str(root), "--format", "html", "--offline")
    assert code == 0 and "warning" not in out


def test_failed_download_is_an_error_offline_a_placeholder(
    make_book: BookFactory, server: Server, run_cli: Callable[..., tuple[int, str]]
) -> None:
    url = server.url("/missing.png")
    body = f"Lead.\n\nSee ![the missing map]({url}) here.\n"
    root = make_book({"manuscript/a.md": entry_text("A", body)})
    code, out = run_cli("build", str(root), "--format", "html")
    assert code == 1 and f"manuscript/a.md:6: error: could not download the image '{url}'" in out
    assert "404" in out and not (root / "build").exists()
    code, out = run_cli("build", str(root), "--format", "html", "--offline")
    assert code == 0 and "manuscript/a.md:6: warning:" in out
    page = (root / "build" / "html" / "chapter-a.html").read_text(encoding="utf-8")
    assert f"[image: the missing map, {url}]" in page and "<img" not in page


def test_size_limit_and_not_an_image(tmp_path: Path, server: Server) -> None:
    small = RemoteImages("download", tmp_path / "cache", max_bytes=1000)
    with pytest.raises(RemoteError, match="larger than"):
        small.fetch(server.url("/big.png"))
    server.files["/page.png"] = b"<html>not an image</html>"
    with pytest.raises(RemoteError, match="not a PNG"):
        RemoteImages("download", tmp_path / "cache").fetch(server.url("/page.png"))


def test_link_policy_html_shows_the_url_print_and_ebook_a_placeholder(
    make_book: BookFactory, server: Server
) -> None:
    url = server.url("/diagram.png")
    body = f'Lead.\n\n![A diagram]({url} "The caption")\n'
    config = MINIMAL_CONFIG + '[images]\nremote = "link"\n'
    root = make_book({"manuscript/a.md": entry_text("A", body)}, config=config)
    hits = server.hits.get("/diagram.png", 0)
    book, warnings = prepare(root)
    assert [w.line for w in warnings] == [6] and "placeholder" in warnings[0].message
    fragment = book.entry("a").html
    assert f"[image: A diagram, {url}]" in fragment and "<img" not in fragment
    assert assets_of(book) == {} and server.hits.get("/diagram.png", 0) == hits

    from glossbook.renderers import html as html_renderer
    from glossbook.theme import Theme

    page = html_renderer.render_pages(book, Theme(root), [])["chapter-a.html"]
    assert f'<img src="{url}" alt="A diagram" />' in page and "[image:" not in page


def assets_of(book: object) -> dict[str, Path]:
    return dict(book.assets)  # type: ignore[attr-defined]


# --- figures, tables, headings -----------------------------------------------------------


def test_caption_falls_back_to_alt_and_decorative_images_are_no_figures(
    make_book: BookFactory,
) -> None:
    body = 'Lead.\n\n![A labelled diagram](d.png)\n\n![](d.png)\n\n![Alt](d.png "Title")\n'
    files = {"manuscript/a.md": entry_text("A", body), "manuscript/d.png": png()}
    html, warnings = entry_html(make_book(files))
    assert warnings == []
    assert html.count("<figure") == 2 and html.count('class="figure-label"') == 2
    assert re.search(r"Figure <span[^>]*>1</span>\.</span> A labelled diagram</figcaption>", html)
    assert re.search(r"Figure <span[^>]*>2</span>\.</span> Title</figcaption>", html)
    assert '<img src="manuscript/d.png" alt="" />' in html
    assert not re.search(r"\.</span>\s*</figcaption>", html)  # never an empty "Figure N."


def test_tables_with_long_or_short_delimiter_rows_and_lookalikes(make_book: BookFactory) -> None:
    body = (
        "Lead.\n\n> | a | b |\n> |---|---|---|\n> | 1 | 2 |\n\n"
        "| 1 | 2 | 3 | 4 | 5 |\n|:-|-:|\n| x | y | z | v | w |\n\n"
        "|no|delimiter|\n|row|here|\n\n"
        "`| in code |`\n\n```\n| a | b |\n|---|\n```\n"
    )
    html, warnings = entry_html(make_book({"manuscript/a.md": entry_text("A", body)}))
    assert html.count("<table") == 2 and '<table class="wide-table"' in html
    assert '<th style="text-align:left">1</th>' in html and "<td>w</td>" in html
    assert "|---|\n</code></pre>" in html  # code is left alone
    assert [(w.line, w.message.split(":")[0]) for w in warnings] == [
        (7, "this table's delimiter row has 3 cells and its header 2"),
        (11, "this table's delimiter row has 2 cells and its header 5"),
        (14, "this paragraph looks like a pipe table but is not one"),
    ]


def test_heading_levels_never_skip(make_book: BookFactory) -> None:
    body = "Lead.\n\n### First\n\n##### Deep\n\n### Second\n\n#### Sub\n"
    book, warnings = prepare(make_book({"manuscript/a.md": entry_text("A", body)}))
    levels = [(h.level, h.text) for h in book.entry("a").headings]
    assert levels == [(3, "First"), (4, "Deep"), (3, "Second"), (4, "Sub")]
    assert re.findall(r"<(h\d)[^>]*>", book.entry("a").html) == ["h3", "h4", "h3", "h4"]
    assert [w.line for w in warnings] == [6, 8]
    body = "Lead.\n\n## One\n\n### Two\n\n## Three\n"
    book, warnings = prepare(make_book({"manuscript/b.md": entry_text("B", body)}, name="b"))
    assert [h.level for h in book.entry("b").headings] == [3, 4, 3] and warnings == []


def test_wide_tables_shrink_in_print() -> None:
    css = Path(__file__).parent.parent / "src" / "glossbook" / "styles" / "css" / "print.css"
    rule = re.search(r"table\.wide-table\s*\{([^}]*)\}", css.read_text(encoding="utf-8"))
    assert rule and "table-layout: fixed" in rule.group(1) and "width: 100%" in rule.group(1)


# --- collation ---------------------------------------------------------------------------


def test_numeric_collation_of_entries_and_index(make_book: BookFactory) -> None:
    names = ["BIP174", "BIP79", "BIP8", "BIP32", "BIP9"]
    assert Collation("en").sorted(names) == ["BIP8", "BIP9", "BIP32", "BIP79", "BIP174"]
    files = {f"manuscript/{n.lower()}.md": entry_text(n) for n in names}
    files["manuscript/zed.md"] = entry_text("Zed", other_names="[BIP340, BIP34, BIP3]")
    book, _ = prepare(make_book(files))
    [chapter_b, _] = book.chapters
    assert [e.title for e in chapter_b.entries] == ["BIP8", "BIP9", "BIP32", "BIP79", "BIP174"]
    terms = [line.term for group in book.index for line in group.lines]
    assert terms[:8] == ["BIP3", "BIP8", "BIP9", "BIP32", "BIP34", "BIP79", "BIP174", "BIP340"]


def test_cache_folder_is_ignored_by_new_projects() -> None:
    skeleton = Path(__file__).parent.parent / "src" / "glossbook" / "skeleton" / "gitignore"
    assert "remote-images/" in skeleton.read_text(encoding="utf-8").split()
    assert shutil.which("pdftotext")
