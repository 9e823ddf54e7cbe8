"""The preview's HTTP server: pages from memory, the book's images, events, print view.

Built on the standard library's ``http.server.ThreadingHTTPServer``: a preview serves one
author's browser on the loopback interface, a handful of requests at a time, so a thread
per connection is plenty, and server-sent events need nothing more than a response that
keeps writing. A framework (aiohttp, Starlette with uvicorn) would add dependencies and an
event loop for no gain here; ``http.server`` is not meant for the open internet, which is
why the preview listens on 127.0.0.1 unless told otherwise.

URLs:

- ``/``, ``/<page>.html``: the pages ``render_pages`` made, with the preview's script,
  stylesheet, error overlay and "Print view" link injected as they are served (the build
  output is unchanged);
- ``/css/html.css`` and every image the book references, at the paths the pages use;
- ``/js/…``: the theme's search and preview scripts, and the search index and entries' data
  made in memory on first request (``search.py``); the pages' own ``<script src>`` tags get the
  response's nonce, so the policy still allows no other script;
- ``/__glossbook__/events``: server-sent events, one ``state`` event per build;
- ``/__glossbook__/preview.js``, ``/__glossbook__/preview.css``: the client;
- ``/__glossbook__/pdf/<chapter-anchor>.pdf``: one chapter through the print stylesheet.

Anything else is 404. No URL is ever joined to a folder: a request names a key of the
current site's tables, and the file behind it must still resolve inside the project (or
glossbook's own theme), so ``..``, encodings, backslashes and symlinks lead nowhere.
"""

from __future__ import annotations

import contextlib
import html
import importlib
import ipaddress
import json
import logging
import mimetypes
import re
import secrets
import socket
import socketserver
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import quote, unquote

from ..errors import Problem
from ..theme import BUILTIN
from .site import Site

if TYPE_CHECKING:
    from . import Preview, State

log = logging.getLogger(__name__)

PREFIX = "/__glossbook__/"
EVENTS = PREFIX + "events"
CLIENT = BUILTIN / "preview"
CLIENT_FILES = {"preview.js": "text/javascript; charset=utf-8", "preview.css": "text/css"}
PDF_ROUTE = re.compile(r"^pdf/([^/]+)\.pdf$")
KEEPALIVE_S = 15.0  # an SSE comment this often, so a closed tab frees its thread
PAGE_WAIT_S = 10.0  # a page request waits this long for a rebuild under way
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}

_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_BODY_START = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)
_PAGE_SCRIPT = re.compile(r"<script(?=\s[^>]*\bsrc=)(?![^>]*\bnonce=)", re.IGNORECASE)

# Pages: scripts only with this response's nonce (the injected client), nothing inline.
PAGE_POLICY = (
    "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self'; "
    "style-src-attr 'unsafe-inline'; img-src 'self'; font-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# Files: an SVG opened on its own runs no script either.
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


class PreviewServer(ThreadingHTTPServer):
    """The HTTP server of one ``Preview``; IPv6 when the host is an IPv6 address."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, preview: Preview, host: str, port: int) -> None:
        self.preview = preview
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.check_host = is_loopback(host)  # refuse other Host names (DNS rebinding)
        super().__init__((host, port), Handler)

    def server_bind(self) -> None:
        """Bind without ``HTTPServer``'s reverse DNS lookup of the host (slow offline)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])


class Handler(BaseHTTPRequestHandler):
    """One request: route it, answer from the preview's current site."""

    server_version = "glossbook-preview"
    protocol_version = "HTTP/1.0"  # one request per connection; events stream until closed

    @property
    def preview(self) -> Preview:
        return cast(PreviewServer, self.server).preview

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, TimeoutError):
            self._route()  # (suppressed: the browser went away)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    # --- routing ----------------------------------------------------------------------

    def _route(self) -> None:
        server = cast(PreviewServer, self.server)
        if server.check_host and not _loopback_host(self.headers.get("Host", "")):
            self._text(HTTPStatus.FORBIDDEN, "This preview answers to localhost only.")
            return
        path = request_path(self.path)
        if path is None:
            self._not_found()
            return
        if path.startswith(PREFIX[1:]):
            self._internal(path[len(PREFIX) - 1 :])
            return
        if path == "" or path.endswith(".html"):
            self.preview.wait_until_built(PAGE_WAIT_S)
        state = self.preview.state  # one state for the whole answer
        name = path or "index.html"
        page = state.site.pages.get(name)
        if page is not None:
            self._page(HTTPStatus.OK, page, state, chapter=state.site.chapters.get(name))
            return
        file = state.site.files.get(path)
        if file is not None:
            self._file(file, state.site)
            return
        data = state.site.generated.get(path)
        if data is not None:  # the search index and the entries' data (search.py)
            kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
            self._send(HTTPStatus.OK, data, kind, {"Content-Security-Policy": FILE_POLICY})
            return
        self._not_found()

    def _internal(self, name: str) -> None:
        if name == "events":
            self._events()
        elif name in CLIENT_FILES:
            self._send(HTTPStatus.OK, self.preview.client_file(name), CLIENT_FILES[name])
        elif match := PDF_ROUTE.match(name):
            self._pdf(match.group(1))
        else:
            self._not_found()

    # --- answers ----------------------------------------------------------------------

    def _page(self, status: HTTPStatus, page: str, state: State, chapter: str | None) -> None:
        nonce = secrets.token_urlsafe(16)
        body = inject(page, site=state.site, problems=state.problems, nonce=nonce, chapter=chapter)
        headers = {"Content-Security-Policy": PAGE_POLICY.format(nonce=nonce)}
        self._send(status, body.encode("utf-8"), "text/html; charset=utf-8", headers)

    def _not_found(self) -> None:
        state = self.preview.state
        if not state.site.pages:  # the book has never built: show why on every page
            title, text = "The book could not be built", "Fix the problems listed below."
            status = HTTPStatus.SERVICE_UNAVAILABLE
        else:
            title, text = "Not found", "This page is not part of the book."
            status = HTTPStatus.NOT_FOUND
        page = (
            f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8" />\n'
            f"<title>{title}</title>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n"
            f'<p>{text} <a href="/">Contents</a></p>\n</main>\n</body>\n</html>\n'
        )
        self._page(status, page, state, chapter=None)

    def _file(self, file: Path, site: Site) -> None:
        data = read_inside(file, site.bases)
        if data is None:
            self._not_found()
            return
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self._send(HTTPStatus.OK, data, kind, {"Content-Security-Policy": FILE_POLICY})

    def _pdf(self, anchor: str) -> None:
        site = self.preview.state.site
        if site.book is None or anchor not in site.chapter_anchors():
            self._not_found()
            return
        try:
            renderer = importlib.import_module("glossbook.renderers.pdf")
        except ImportError as error:
            self._text(
                HTTPStatus.NOT_IMPLEMENTED,
                "The print view needs glossbook's PDF renderer (glossbook.renderers.pdf), "
                f"which is not available in this installation: {error}",
            )
            return
        render_chapter: Callable[..., bytes] | None = getattr(renderer, "render_chapter", None)
        if render_chapter is None:
            self._text(
                HTTPStatus.NOT_IMPLEMENTED,
                "The print view needs glossbook.renderers.pdf.render_chapter(book, anchor), "
                "which this version of the PDF renderer does not have.",
            )
            return
        try:
            data = self.preview.chapter_pdf(site, anchor, render_chapter)
        except Exception as error:
            log.exception("print view of %s failed", anchor)
            self._text(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                f"The print view of this chapter could not be made: "
                f"{type(error).__name__}: {error}",
            )
            return
        self._send(
            HTTPStatus.OK,
            data,
            "application/pdf",
            {"Content-Disposition": f'inline; filename="{anchor}.pdf"'},
        )

    def _events(self) -> None:
        """Server-sent events: the state now, then one event per build, until closed."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Accel-Buffering", "no")
        self.end_headers()
        if self.command == "HEAD":
            return
        self.wfile.write(b"retry: 1000\n\n")
        seen = -1
        while True:
            state = self.preview.wait_for_build(seen, KEEPALIVE_S)
            if state is None:  # shutting down
                return
            if state.build == seen:
                self.wfile.write(b": keep-alive\n\n")
                continue
            seen = state.build
            self.wfile.write(f"event: state\ndata: {json.dumps(state.message())}\n\n".encode())

    def _text(self, status: HTTPStatus, text: str) -> None:
        self._send(status, (text + "\n").encode("utf-8"), "text/plain; charset=utf-8")

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        kind: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


# --- paths ----------------------------------------------------------------------------


def request_path(target: str) -> str | None:
    """The path a request names, decoded once, without its leading slash; None when it
    cannot name a file of the book (not origin-form, bad encoding, backslash, ``.``/``..``
    or empty segments)."""
    if not target.startswith("/") or target.startswith("//"):
        return None
    raw = target.split("?", 1)[0].split("#", 1)[0]
    try:
        path = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\\" in path or "\x00" in path or any(ord(c) < 0x20 for c in path):
        return None
    path = path[1:]
    if path == "":
        return ""
    if any(segment in ("", ".", "..") for segment in path.split("/")):
        return None
    return path


def read_inside(file: Path, bases: tuple[Path, ...]) -> bytes | None:
    """The bytes of ``file`` if, with every symlink resolved, it is a file inside one of
    ``bases``; otherwise None."""
    try:
        real = file.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not any(real.is_relative_to(base) for base in bases) or not real.is_file():
        return None
    try:
        return real.read_bytes()
    except OSError:
        return None


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _loopback_host(header: str) -> bool:
    """Whether a Host header names this machine (``127.0.0.1:8000``, ``[::1]:8000``...)."""
    name = header.strip().lower()
    if name.startswith("["):
        name = name[1 : name.find("]")] if "]" in name else ""
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    return is_loopback(name)


# --- injection ------------------------------------------------------------------------


def inject(
    page: str, *, site: Site, problems: tuple[Problem, ...], nonce: str, chapter: str | None
) -> str:
    """The page as served: the client's stylesheet, the Print view link on a chapter page,
    the overlay when the latest build failed, and the client script."""
    head = f'<link rel="stylesheet" href="{PREFIX}preview.css" />\n'
    bar = ""
    if chapter is not None:
        href = f"{PREFIX}pdf/{quote(chapter, safe='')}.pdf"
        bar = (
            '<nav class="glossbook-preview-bar" aria-label="Preview">'
            f'<a class="glossbook-print-view" href="{html.escape(href)}">Print view</a></nav>\n'
        )
    tail = overlay_html(problems) + (
        f'<script src="{PREFIX}preview.js" nonce="{nonce}" '
        f'data-site="{html.escape(site.token)}" data-events="{EVENTS}"></script>\n'
    )
    page = _PAGE_SCRIPT.sub(f'<script nonce="{nonce}"', page)  # the theme's own scripts
    page = _insert(page, _HEAD_END, head, before=True)
    if bar:
        page = _insert(page, _BODY_START, "\n" + bar, before=False)
    return _insert(page, _BODY_END, tail, before=True)


def _insert(page: str, pattern: re.Pattern[str], text: str, *, before: bool) -> str:
    matches = list(pattern.finditer(page))
    if not matches:
        return page + text if before else text + page
    match = matches[-1] if before else matches[0]
    at = match.start() if before else match.end()
    return page[:at] + text + page[at:]


def overlay_html(problems: tuple[Problem, ...]) -> str:
    """The error overlay, as the client script also draws it (keep the two alike)."""
    if not problems:
        return ""
    count = len(problems)
    items = "".join(
        '<li><code class="glossbook-location">'
        f"{html.escape(p.location)}</code> "
        f'<span class="glossbook-message">{html.escape(p.message)}</span>'
        + (f' <span class="glossbook-hint">{html.escape(p.hint)}</span>' if p.hint else "")
        + "</li>"
        for p in problems
    )
    return (
        '<div id="glossbook-overlay" class="glossbook-overlay" role="alert">'
        '<div class="glossbook-overlay-box">'
        f'<p class="glossbook-overlay-title">The book has {count} '
        f"error{'s' if count != 1 else ''}; showing the last good build.</p>"
        f'<ol class="glossbook-overlay-list">{items}</ol>'
        '<button type="button" class="glossbook-overlay-close">Hide</button>'
        "</div></div>\n"
    )
