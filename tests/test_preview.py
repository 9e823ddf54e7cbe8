"""The live preview: pages served from memory, reloads on edit, errors in place, safe paths.

The browser tests drive Debian's Chromium through Playwright; the others speak HTTP over
raw sockets, so no client tidies a path before the server sees it.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import pytest

from glossbook import loader, theme
from glossbook import preview as preview_package
from glossbook.errors import Problem, UsageError
from glossbook.preview import Preview, site, watch
from glossbook.preview.server import inject, request_path
from glossbook.theme import Theme

from .conftest import copy_sample

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_S = 30.0
ENTRY = "manuscript/attunement.md"  # on chapter-a.html, the third entry of three
DEFINITION = "---\nAttunement is the process"
TITLE, BAD_TITLE = "title: Attunement\n", "title: Attunement: misplaced colon\n"  # line 2


# --- helpers ----------------------------------------------------------------------------


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def http_get(port: int, target: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET exactly ``target`` (no client-side normalisation); (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT_S) as sock:
        request = f"GET {target} HTTP/1.1\r\nHost: {host or f'127.0.0.1:{port}'}\r\n"
        sock.sendall((request + "Connection: close\r\n\r\n").encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


class Events:
    """A server-sent events client, reading ``state`` events as a page's script does."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT_S)
        self.sock.sendall(b"GET /__glossbook__/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        self.stream = self.sock.makefile("rb")
        status = self.stream.readline()
        assert b" 200 " in status, status
        while self.stream.readline() not in (b"\r\n", b"\n", b""):
            pass

    def next_state(self, deadline: float | None = None) -> dict[str, object]:
        """The next ``state`` event (keep-alive comments let the deadline be checked)."""
        deadline = deadline or time.monotonic() + WAIT_S
        event, data = "", []
        for raw in self.stream:
            if time.monotonic() > deadline:
                raise TimeoutError("no state event in time")
            line = raw.decode("utf-8").rstrip("\r\n")
            if not line:
                if event == "state":
                    return json.loads("\n".join(data))
                event, data = "", []
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        raise EOFError("the event stream ended")

    def until(self, predicate: Callable[[dict[str, object]], bool]) -> dict[str, object]:
        """The first state (from now on) for which ``predicate`` holds."""
        deadline = time.monotonic() + WAIT_S
        while True:
            state = self.next_state(deadline)
            if predicate(state):
                return state

    def close(self) -> None:
        self.stream.close()
        self.sock.close()


def locations(state: dict[str, object]) -> list[str]:
    return [p["location"] for p in state["problems"]]  # type: ignore[index,union-attr]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return copy_sample(tmp_path / "book")


@pytest.fixture
def preview(book: Path) -> Iterator[Preview]:
    with Preview(book, port=0) as running:
        yield running


@pytest.fixture
def events(preview: Preview) -> Iterator[Events]:
    stream = Events(preview.port)
    yield stream
    stream.close()


# --- (a) in a real browser ----------------------------------------------------------------


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists() and not os.environ.get("CI"):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium; CI must have it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def watch_console(page: Page) -> list[str]:
    """Errors the page logs: script errors, CSP violations, files that failed to load."""
    complaints: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type == "error":
            complaints.append(f"{message.text} {message.location.get('url')}")

    page.on("console", note)
    page.on("pageerror", lambda error: complaints.append(str(error)))
    return complaints


def test_edits_reload_the_page_in_chromium_at_the_readers_place(
    preview: Preview, book: Path, browser: Browser
) -> None:
    from playwright.sync_api import expect

    entry = book / ENTRY
    timeout = WAIT_S * 1000
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    complaints = watch_console(page)
    page.goto(preview.url + "chapter-a.html")
    article = page.locator("#attunement")
    expect(article).to_be_visible()
    expect(page.locator("a.glossbook-print-view")).to_have_attribute(
        "href", "/__glossbook__/pdf/chapter-a.pdf"
    )

    # An edit shows without the test navigating: the page reloads itself.
    page.evaluate("window.notReloaded = true")
    edit(entry, DEFINITION, "---\nLive edit one. Attunement is the process")
    expect(article).to_contain_text("Live edit one.", timeout=timeout)
    assert page.evaluate("window.notReloaded") is None
    assert page.url == preview.url + "chapter-a.html"

    # The reader's place survives the reload.
    assert page.evaluate("document.documentElement.scrollHeight") > 3000
    page.evaluate("window.scrollTo(0, 1800)")
    page.wait_for_function("() => window.scrollY === 1800")
    page.evaluate("window.notReloaded = true")
    edit(entry, "Live edit one.", "Live edit two.")
    expect(article).to_contain_text("Live edit two.", timeout=timeout)
    assert page.evaluate("window.notReloaded") is None
    page.wait_for_load_state("load")
    page.wait_for_function("() => Math.abs(window.scrollY - 1800) <= 1", timeout=5000)

    # Broken YAML: the overlay names file:line, the last good page stays beneath.
    edit(entry, TITLE, BAD_TITLE)
    overlay = page.locator("#glossbook-overlay")
    expect(overlay).to_be_visible(timeout=timeout)
    expect(overlay).to_contain_text(f"{ENTRY}:2")
    expect(overlay).to_contain_text("malformed front matter")
    expect(article).to_contain_text("Live edit two.")

    # Fixed: the overlay clears.
    edit(entry, BAD_TITLE, TITLE)
    expect(overlay).to_have_count(0, timeout=timeout)
    expect(article).to_contain_text("Live edit two.")
    # No CSP violation, no script error, no missing file (but the icon the book lacks).
    assert [c for c in complaints if not c.endswith("/favicon.ico")] == []
    assert not (book / "build").exists()  # the preview never writes into build/


def test_a_script_that_slips_into_a_page_does_not_run(book: Path, browser: Browser) -> None:
    from playwright.sync_api import expect

    # A book template with inline script stands for any future raw-HTML leak.
    layout = (Path(theme.BUILTIN) / "templates" / "html" / "layout.html").read_text()
    leak = '<script>window.leaked = true</script><img src="x" onerror="window.leaked = true">'
    override = book / "styles" / "templates" / "html" / "layout.html"
    override.parent.mkdir(parents=True)
    override.write_text(layout.replace("</main>", leak + "</main>"))
    with Preview(book, port=0) as preview:
        page = browser.new_page()
        complaints = watch_console(page)
        page.goto(preview.url + "chapter-a.html")
        expect(page.locator("#attunement")).to_be_visible()
        page.wait_for_load_state("load")
        assert leak.split("<img")[0] in http_get(preview.port, "/chapter-a.html")[2].decode()
        assert page.evaluate("window.leaked") is None
        assert any("Content Security Policy" in c for c in complaints), complaints
        # ... while the preview's own script runs: it draws the overlay on a failed build.
        edit(book / ENTRY, TITLE, BAD_TITLE)
        expect(page.locator("#glossbook-overlay")).to_contain_text(
            f"{ENTRY}:2", timeout=WAIT_S * 1000
        )


# --- serving, events, errors ----------------------------------------------------------------


def test_serves_every_page_and_file_from_memory(preview: Preview, book: Path) -> None:
    state = preview.state
    assert state.problems == ()
    assert {"index.html", "chapter-a.html", "front-preface.html"} <= set(state.site.pages)
    for file in state.site.pages:
        status, headers, body = http_get(preview.port, "/" + file)
        assert status == 200, file
        assert headers["content-type"] == "text/html; charset=utf-8"
        assert b'src="/__glossbook__/preview.js"' in body
    status, _, body = http_get(preview.port, "/")
    assert status == 200 and b"Contents" in body
    for path in ["/css/html.css", "/manuscript/figures/misattunement-stages.svg"]:
        status, headers, _ = http_get(preview.port, path)
        assert status == 200, path
        assert headers["x-content-type-options"] == "nosniff"
    assert http_get(preview.port, "/css/html.css")[1]["content-type"] == "text/css"
    for name in ("preview.js", "preview.css"):
        assert http_get(preview.port, f"/__glossbook__/{name}")[0] == 200
    assert not (book / "build").exists()


def test_every_link_of_every_served_page_works(preview: Preview) -> None:
    base = preview.url
    pages = {
        file: http_get(preview.port, "/" + file)[2].decode() for file in preview.state.site.pages
    }
    ids = {file: set(re.findall(r'\sid="([^"]+)"', text)) for file, text in pages.items()}
    checked = 0
    for file, text in pages.items():
        for value in re.findall(r'(?:href|src)="([^"]*)"', text):
            url = urlsplit(urljoin(base + file, html.unescape(value)))
            if not url.geturl().startswith(base) or url.path.startswith("/__glossbook__/pdf/"):
                continue  # outside links; the print view is tested on its own
            checked += 1
            assert http_get(preview.port, url.path)[0] == 200, f"{file}: {value}"
            if url.fragment:
                assert url.fragment in ids[url.path[1:] or "index.html"], f"{file}: {value}"
    assert checked > 100


def test_pages_forbid_every_script_but_the_injected_one(preview: Preview) -> None:
    _, headers, body = http_get(preview.port, "/chapter-a.html")
    policy = headers["content-security-policy"]
    script_src = next(d for d in policy.split(";") if d.split()[0] == "script-src").split()
    assert len(script_src) == 2 and script_src[1].startswith("'nonce-")
    nonce = script_src[1][len("'nonce-") : -1]
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", body.decode(), re.S)
    sources = sorted(re.search(r'src="([^"]+)"', attributes).group(1) for attributes, _ in scripts)
    # the injected client, and the theme's search and previews (files, never inline)
    assert sources == ["/__glossbook__/preview.js", "js/previews.js", "js/search.js"]
    assert all(f'nonce="{nonce}"' in attributes and not text for attributes, text in scripts)
    assert http_get(preview.port, "/chapter-a.html")[1]["content-security-policy"] != policy
    _, headers, _ = http_get(preview.port, "/manuscript/figures/misattunement-stages.svg")
    assert "sandbox" in headers["content-security-policy"]


def test_injection_leaves_the_built_page_alone_but_for_the_preview() -> None:
    page = "<html><head><title>x</title></head><body class='c'>\n<p>text</p>\n</body></html>"
    problem = Problem("manuscript/a.md", 3, "bad <thing>", "Fix it.")
    served = inject(
        page, site=site.Site(token="t-1"), problems=(problem,), nonce="n0", chapter="chapter-a"
    )
    assert served.index("preview.css") < served.index("</head>")
    assert served.index("<body class='c'>") < served.index("Print view") < served.index("<p>")
    assert "manuscript/a.md:3" in served and "bad &lt;thing&gt;" in served
    assert served.index("glossbook-overlay") < served.index("<script") < served.index("</body>")
    stripped = re.sub(
        r"<link[^>]+>\n|\n?<nav.*?</nav>\n|<div id=.*?</div></div>\n|<script.*?</script>\n",
        "",
        served,
    )
    assert stripped == page


def test_an_edit_rebuilds_only_that_entry_and_tells_the_pages(
    preview: Preview, book: Path, events: Events, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = events.next_state()
    assert first["problems"] == [] and first["site"] == preview.state.site.token
    parsed: list[str] = []
    real_entry = loader._entry
    monkeypatch.setattr(
        loader,
        "_entry",
        lambda source, *a, **k: parsed.append(source.display) or real_entry(source, *a, **k),
    )
    edit(book / ENTRY, DEFINITION, "---\nFreshly edited. Attunement is the process")
    state = events.until(lambda s: s["site"] != first["site"])
    assert state["problems"] == []
    assert parsed == [ENTRY]  # the other eighteen entries came from the cache
    assert b"Freshly edited." in http_get(preview.port, "/chapter-a.html")[2]


def test_a_page_asked_for_during_a_rebuild_waits_for_it(
    preview: Preview, book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def slowed(work: Callable[..., object]) -> Callable[..., object]:
        def slow(*args: object, **kwargs: object) -> object:
            time.sleep(1.5)
            return work(*args, **kwargs)

        return slow

    # A full rebuild, or one of the edited entry alone: either is slow here.
    monkeypatch.setattr(site, "prepare", slowed(site.prepare))
    monkeypatch.setattr(preview_package, "prepare_edit", slowed(preview_package.prepare_edit))
    build = preview.state.build
    edit(book / ENTRY, DEFINITION, "---\nWaited for. Attunement is the process")
    time.sleep(0.5)  # the watcher has seen the save; the build is under way
    assert preview.state.build == build
    assert b"Waited for." in http_get(preview.port, "/chapter-a.html")[2]


@pytest.mark.parametrize(
    ("file", "old", "new", "location", "message"),
    [
        (ENTRY, TITLE, BAD_TITLE, f"{ENTRY}:2", "malformed front matter"),
        (ENTRY, "[stern1985", "[nosuchwork1999", ENTRY, "unknown citation key 'nosuchwork1999'"),
        (ENTRY, "process by which", "process ([[No Such Entry]]) by which", ENTRY, "No Such Entry"),
        (
            "glossbook.toml",
            'order = "alphabetical"',
            'ordr = "alphabetical"',
            "glossbook.toml:",
            "ordr",
        ),
    ],
    ids=["yaml", "citation", "cross-reference", "config"],
)
def test_content_errors_show_in_place_over_the_last_good_pages(
    preview: Preview,
    book: Path,
    events: Events,
    file: str,
    old: str,
    new: str,
    location: str,
    message: str,
) -> None:
    good = events.next_state()
    edit(book / file, old, new)
    state = events.until(lambda s: bool(s["problems"]))
    assert state["site"] == good["site"]  # no reload: the last good pages stay
    assert any(where.startswith(location) for where in locations(state)), state
    assert message in json.dumps(state)
    status, _, body = http_get(preview.port, "/chapter-a.html")
    assert status == 200
    assert b'id="glossbook-overlay"' in body and location.encode() in body
    assert b"Attunement is the process" in body
    edit(book / file, new, old)
    state = events.until(lambda s: s["site"] != good["site"])
    assert state["problems"] == []
    assert b'id="glossbook-overlay"' not in http_get(preview.port, "/chapter-a.html")[2]


# --- (c) a rebuild that raises never stops the server ----------------------------------------


def test_an_exception_in_a_rebuild_is_shown_and_the_server_keeps_going(
    preview: Preview, book: Path, events: Events, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = events.next_state()

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the renderer fell over")

    monkeypatch.setattr(site, "Pages", broken)
    edit(book / ENTRY, DEFINITION, "---\nAfter the crash. Attunement is the process")
    state = events.until(lambda s: bool(s["problems"]))
    assert state["site"] == good["site"]
    assert "RuntimeError: the renderer fell over" in json.dumps(state)
    status, _, body = http_get(preview.port, "/chapter-a.html")
    assert status == 200 and b"RuntimeError" in body and b"After the crash" not in body

    # Not even SystemExit ends the preview; a direct rebuild never raises either.
    def leaving(*args: object, **kwargs: object) -> object:
        raise SystemExit(3)

    monkeypatch.setattr(site, "prepare", leaving)
    outcome = preview.rebuild()
    assert not outcome.ok and isinstance(outcome.error, SystemExit)
    edit(book / ENTRY, "After the crash.", "Still running.")
    events.until(lambda s: "SystemExit" in json.dumps(s) and s["build"] > outcome.build)

    monkeypatch.undo()
    edit(book / ENTRY, "Still running.", "Recovered.")
    state = events.until(lambda s: s["site"] != good["site"])
    assert state["problems"] == []
    status, _, body = http_get(preview.port, "/chapter-a.html")
    assert status == 200 and b"Recovered." in body and b"glossbook-overlay" not in body


def test_a_book_broken_from_the_start_is_served_until_fixed(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "book")
    edit(root / ENTRY, TITLE, BAD_TITLE)
    with Preview(root, port=0) as preview:
        status, _, body = http_get(preview.port, "/chapter-a.html")
        assert status == 503 and f"{ENTRY}:2".encode() in body
        stream = Events(preview.port)
        try:
            first = stream.next_state()
            assert locations(first) == [f"{ENTRY}:2"]
            edit(root / ENTRY, BAD_TITLE, TITLE)
            assert stream.until(lambda s: s["site"] != first["site"])["problems"] == []
        finally:
            stream.close()
        assert http_get(preview.port, "/chapter-a.html")[0] == 200


def test_a_template_error_in_the_books_styles_is_located(
    preview: Preview, book: Path, events: Events
) -> None:
    good = events.next_state()
    template = book / "styles" / "templates" / "html" / "matter.html"
    template.parent.mkdir(parents=True)
    template.write_text('{% extends "html/layout.html" %}\n{% block main %}\n{{ page.title \n')
    state = events.until(lambda s: bool(s["problems"]))
    assert locations(state) == ["styles/templates/html/matter.html:3"], state
    template.unlink()
    assert events.until(lambda s: s["site"] != good["site"])["problems"] == []


# --- (b) only the book's files --------------------------------------------------------------


TRAVERSALS = [
    "/../secret.txt",
    "/../../secret.txt",
    "/manuscript/../../secret.txt",
    "/./glossbook.toml",
    "/css/../glossbook.toml",
    "/%2e%2e/secret.txt",
    "/%2e%2e%2fsecret.txt",
    "/%2E%2E%2F%2E%2E%2Fsecret.txt",
    "/manuscript%2f..%2f..%2fsecret.txt",
    "/css/html.css/..%2f..%2fglossbook.toml",
    "/%252e%252e%252fsecret.txt",
    "/%252e%252e/secret.txt",
    "/%25252e%25252e%25252fsecret.txt",
    "/..%5csecret.txt",
    "/..\\secret.txt",
    "/manuscript\\..\\..\\secret.txt",
    "/%5c..%5c..%5csecret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "/..%00/secret.txt",
    "/manuscript/figures/misattunement-stages.svg%00.md",
    "/__glossbook__/../glossbook.toml",
    "/__glossbook__/preview.js/..%2f..%2fglossbook.toml",
    "/__glossbook__/pdf/..%2f..%2fsecret.txt.pdf",
    "/glossbook.toml",
    "/bibliography.bib",
    f"/{ENTRY}",
    "/manuscript/figures/escape.svg",
    "/escape-folder/secret.txt",
    "/etc/passwd",
    "/%2fetc%2fpasswd",
]


def test_nothing_outside_the_book_is_served(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "book")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    (root / "manuscript" / "figures" / "escape.svg").symlink_to(secret)
    (root / "escape-folder").symlink_to(tmp_path, target_is_directory=True)
    figure = root / "manuscript" / "figures" / "misattunement-stages.svg"
    targets = [
        *TRAVERSALS,
        str(secret),
        "/" + str(secret),
        "/" + str(secret).replace("/", "%2f"),
        f"http://127.0.0.1/{secret}",
        "http://127.0.0.1/../secret.txt",
    ]
    with Preview(root, port=0) as preview:
        assert http_get(preview.port, "/manuscript/figures/misattunement-stages.svg")[0] == 200
        for target in targets:
            status, _, body = http_get(preview.port, target)
            assert status == 404, target
            assert b"TOP SECRET" not in body and b"[book]" not in body, target
        # A referenced image swapped for a symlink to the outside, after it was built.
        build = preview.state.build
        figure.unlink()
        figure.symlink_to(secret)
        status, _, body = http_get(preview.port, "/manuscript/figures/misattunement-stages.svg")
        assert status == 404 and b"TOP SECRET" not in body
        deadline = time.monotonic() + WAIT_S
        while preview.state.build == build and time.monotonic() < deadline:
            time.sleep(0.05)
        assert preview.state.build > build
        status, _, body = http_get(preview.port, "/manuscript/figures/misattunement-stages.svg")
        assert status == 404 and b"TOP SECRET" not in body


def test_other_host_names_are_refused(preview: Preview) -> None:
    assert http_get(preview.port, "/", host=f"localhost:{preview.port}")[0] == 200
    assert http_get(preview.port, "/", host=f"[::1]:{preview.port}")[0] == 200
    status, _, body = http_get(preview.port, "/", host=f"attacker.example:{preview.port}")
    assert status == 403 and b"Contents" not in body


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/", ""),
        ("/chapter-a.html?x=1#y", "chapter-a.html"),
        ("/manuscript/figures/a%20b.svg", "manuscript/figures/a b.svg"),
        ("/%252e%252e", "%2e%2e"),  # decoded once: a name no file of the book has
        ("/a//b", None),
        ("/a/./b", None),
        ("/%2e%2e/x", None),
        ("/a%5cb", None),
        ("relative", None),
        ("//host/x", None),
        ("/%ff", None),
    ],
)
def test_request_paths_are_decoded_once_and_checked(target: str, expected: str | None) -> None:
    assert request_path(target) == expected


# --- print view ----------------------------------------------------------------------------


def test_print_view_uses_the_pdf_renderer_when_there_is_one(
    preview: Preview, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "glossbook.renderers.pdf"
    calls: list[str] = []
    renderer = types.ModuleType(name)

    def render_chapter(book: object, anchor: str, theme: object = None) -> bytes:
        assert isinstance(theme, Theme)  # the preview's, kept between builds
        calls.append(anchor)
        return b"%PDF-1.7 fake"

    renderer.render_chapter = render_chapter  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, renderer)
    status, headers, body = http_get(preview.port, "/__glossbook__/pdf/chapter-a.pdf")
    assert (status, headers["content-type"], body) == (200, "application/pdf", b"%PDF-1.7 fake")
    assert http_get(preview.port, "/__glossbook__/pdf/chapter-a.pdf")[0] == 200
    assert calls == ["chapter-a"]  # made once per build
    assert http_get(preview.port, "/__glossbook__/pdf/chapter-zz.pdf")[0] == 404
    assert http_get(preview.port, "/__glossbook__/pdf/front-preface.pdf")[0] == 404

    monkeypatch.setitem(sys.modules, name, types.ModuleType(name))  # no render_chapter
    status, _, body = http_get(preview.port, "/__glossbook__/pdf/chapter-c.pdf")
    assert status == 501 and b"render_chapter" in body
    monkeypatch.setitem(sys.modules, name, None)  # no PDF renderer at all
    status, _, body = http_get(preview.port, "/__glossbook__/pdf/chapter-c.pdf")
    assert status == 501 and b"PDF renderer" in body
    assert b"/__glossbook__/pdf/" not in http_get(preview.port, "/index.html")[2]


# --- what is watched -------------------------------------------------------------------------


def test_the_books_files_are_watched_and_nothing_else(book: Path) -> None:
    wanted = watch.targets(book)
    root = book.resolve()
    assert wanted.folders == {root / "manuscript", root / "front", root / "back"}
    for relevant in ["glossbook.toml", "bibliography.bib", "manuscript/x/y.md", "front/p.md"]:
        assert wanted.relevant(root / relevant), relevant
    for other in ["README.md", "build", "build/html/index.html", ".git", "notes.txt"]:
        assert not wanted.relevant(root / other), other
    (book / "styles").mkdir()
    assert root / "styles" in watch.targets(book).folders


# --- the command ---------------------------------------------------------------------------


COMMAND = textwrap.dedent(
    """
    import argparse, sys
    from glossbook.commands import preview
    parser = argparse.ArgumentParser()
    preview.add_arguments(parser)
    sys.exit(preview.execute(parser.parse_args(sys.argv[1:])))
    """
)


def _ctrl_c_as_from_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_the_command_prints_the_url_and_stops_cleanly_on_ctrl_c(book: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", COMMAND, str(book), "--port", "0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200", "PYTHONFAULTHANDLER": "1"},
        # As from a terminal: Ctrl-C not ignored (a test run started in the background by a
        # shell without job control ignores it, and the preview would inherit that).
        preexec_fn=_ctrl_c_as_from_a_terminal,
    )
    try:
        assert process.stderr is not None
        seen = ""
        deadline = time.monotonic() + WAIT_S
        while "Ctrl-C" not in seen and time.monotonic() < deadline:
            seen += process.stderr.readline()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", seen).group(1))  # type: ignore[union-attr]
        assert http_get(port, "/chapter-a.html")[0] == 200
        process.send_signal(2)  # SIGINT, as Ctrl-C
        try:
            _, rest = process.communicate(timeout=WAIT_S)
        except subprocess.TimeoutExpired:  # where it hangs
            process.send_signal(signal.SIGABRT)  # the fault handler prints every thread
            _, rest = process.communicate(timeout=WAIT_S)
            raise AssertionError(f"the preview did not stop on Ctrl-C:\n{seen}{rest}") from None
    finally:
        process.kill()
    assert process.returncode == 0, seen + rest
    assert "Preview stopped." in rest
    assert not (book / "build").exists()


def test_the_command_refuses_a_port_in_use_and_a_folder_that_is_no_book(book: Path) -> None:
    from glossbook.commands import preview as command

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = types.SimpleNamespace(path=str(book), port=port, host="127.0.0.1", open=False)
        with pytest.raises(UsageError, match="in use"):
            command.execute(args)  # type: ignore[arg-type]
    not_a_book = book / "front"
    args = types.SimpleNamespace(path=str(not_a_book), port=0, host="127.0.0.1", open=False)
    with pytest.raises(UsageError, match=r"glossbook\.toml"):
        command.execute(args)  # type: ignore[arg-type]


def test_a_page_whose_template_fails_on_request_shows_the_problem(book: Path) -> None:
    """Pages are rendered when first asked for: a book's template that fails on one page
    only (the build renders one page of each template) shows its error on that page."""
    override = book / "styles" / "templates" / "html" / "chapter.html"
    override.parent.mkdir(parents=True)
    text = (site.BUILTIN / "templates" / "html" / "chapter.html").read_text(encoding="utf-8")
    failing = '{% if chapter.anchor == "chapter-c" %}{{ none_such.attribute }}{% endif %}'
    override.write_text(text.replace("{% block main %}", "{% block main %}" + failing))
    with Preview(book, port=0) as running:
        assert running.state.problems == ()
        status, _, body = http_get(running.port, "/chapter-a.html")
        assert status == 200 and b"chapter-title" in body
        status, _, body = http_get(running.port, "/chapter-c.html")
        assert b"none_such" in body and b"styles/templates/html/chapter.html" in body
        assert b"Traceback" not in body
