"""A build reads only the book's own files: WeasyPrint may not fetch a URL from print CSS."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from glossbook.theme import BUILTIN

from .conftest import BookFactory, entry_text


class Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Recorder.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red; }")

    def log_message(self, *args: object) -> None:
        pass


def test_print_css_urls_are_never_fetched(make_book: BookFactory, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    secret = tmp_path / "outside.png"
    secret.write_bytes(b"not the book's")
    css = (BUILTIN / "css" / "print.css").read_text(encoding="utf-8")
    root = make_book(
        {
            "manuscript/alpha.md": entry_text("Alpha", "Text."),
            "styles/css/print.css": css
            + f"\nbody {{ background: url({base}/bg.png); }}"
            + f"\nh1 {{ background: url({secret.as_uri()}); }}\n",
        }
    )
    try:
        code, text = run_cli("build", str(root), "--format", "pdf")
        assert code == 0, text
        assert (root / "build" / "test-book.pdf").is_file()
        (root / "styles" / "css" / "print.css").write_text(
            f'@import url("{base}/more.css");\n'
            + css
            + f'\n@font-face {{ font-family: X; src: url("{base}/font.woff"); }}\n',
            encoding="utf-8",
        )
        code, text = run_cli("build", str(root), "--format", "pdf")
        assert code == 1, text
        assert (
            f"styles/css/print.css:1: error: the stylesheet '{base}/more.css' imported here "
            "is not read: a build reads only the book's own files" in text
        ), text
        assert "Copy that stylesheet into the book's styles/css/" in text
        assert "the font 'X' of this @font-face cannot be loaded" in text
    finally:
        server.shutdown()
        server.server_close()
    assert Recorder.seen == []


def test_imports_refused_or_missing_are_located(
    make_book: BookFactory, run_cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Each @import WeasyPrint could not read is reported at its own rule, in print.css or
    in a stylesheet of the book that print.css imports, with what to do."""
    outside = tmp_path / "outside.css"
    outside.write_text("h1 { color: red; }", encoding="utf-8")
    css = (BUILTIN / "css" / "print.css").read_text(encoding="utf-8")
    root = make_book(
        {
            "manuscript/alpha.md": entry_text("Alpha", "Text."),
            "styles/css/print.css": '@import "missing.css";\n'
            "@import url(parts/extra.css);\n"
            f'@import url("{outside.as_uri()}");\n' + css,
            "styles/css/parts/extra.css": "/* fonts */\n"
            '@import "https://fonts.example.org/css?family=X";\nh2 { color: blue; }\n',
        }
    )
    code, text = run_cli("build", str(root), "--format", "pdf")
    assert code == 1, text
    assert "Traceback" not in text
    assert (
        "styles/css/print.css:1: error: the stylesheet 'missing.css' imported here does not "
        "exist. Fix the path (relative to this stylesheet), or add the file." in text
    ), text
    assert (
        f"styles/css/print.css:3: error: the stylesheet '{outside.as_uri()}' imported here is "
        "not read" in text
    ), text
    assert (
        "styles/css/parts/extra.css:2: error: the stylesheet "
        "'https://fonts.example.org/css?family=X' imported here is not read" in text
    ), text
    assert not (root / "build" / "test-book.pdf").exists()
