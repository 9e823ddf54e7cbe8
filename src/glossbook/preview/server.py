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
import queue
import re
import secrets
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, unquote

from ..errors import Problem
from ..theme import BUILTIN
from .site import Site, failure

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

_NONCE = "\x00glossbook-nonce\x00"  # where each response's nonce goes (never in a page)
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


BACKLOG = 1024  # connections the kernel queues before accept (it caps at net.core.somaxconn)
MAX_CONNECTIONS = 256  # requests answered at once; beyond this, a connection is refused
MAX_WORKERS = 32  # worker threads at most; more connections wait their turn
STUCK_S = 1.0  # a worker on one request this long is presumed held by a slow client
WORKER_IDLE_S = 30.0  # a worker thread idle this long ends (one always remains)
MAX_STREAMS = 64  # open event streams (tabs); more get 503 and retry on their own
IDLE_TIMEOUT_S = 10.0  # a connection that sends nothing (or stalls mid-request) is closed


class PreviewServer(ThreadingHTTPServer):
    """The HTTP server of one ``Preview``; IPv6 when the host is an IPv6 address.

    Under load it stays answerable: a deep listen backlog, at most ``MAX_CONNECTIONS``
    requests in hand (a connection beyond them is closed at once rather than queued without
    end) by worker threads that are kept between requests, event streams on threads of
    their own, a read timeout so an idle or slow client cannot hold a thread, and at most
    ``MAX_STREAMS`` event streams. Pages are injected once per build and page; each
    response only joins its fresh nonce in.
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = BACKLOG

    def __init__(
        self, preview: Preview, host: str, port: int, idle_timeout: float = IDLE_TIMEOUT_S
    ) -> None:
        self.preview = preview
        self.idle_timeout = idle_timeout
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.check_host = is_loopback(host)  # refuse other Host names (DNS rebinding)
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self.streams = threading.BoundedSemaphore(MAX_STREAMS)
        self.injected: dict[tuple[str, int, str], list[str]] = {}
        self.detached: set[Any] = set()  # connections now served by their own stream thread
        self._queue: queue.SimpleQueue[tuple[Any, Any] | None] = queue.SimpleQueue()
        self._pool_lock = threading.Lock()
        self._workers: set[threading.Thread] = set()
        self._idle = 0  # workers started and not busy
        self._busy: dict[threading.Thread, float] = {}  # worker -> when it took its request
        super().__init__((host, port), Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Hand the connection to a worker thread. Workers are kept between requests (no
        thread started per request once warm); new ones start only when none is idle."""
        if not self.slots.acquire(blocking=False):
            self.shutdown_request(request)  # too many in hand: refuse rather than pile up
            return
        self._queue.put((request, client_address))
        self._grow()

    def service_actions(self) -> None:
        """Every poll of the accept loop: workers for connections still waiting."""
        super().service_actions()
        if self._queue.qsize():
            self._grow()

    def _grow(self) -> None:
        """Start workers for waiting connections, up to ``MAX_WORKERS``. Workers held over
        ``STUCK_S`` (a slow or idle client) do not count against the cap, so such clients
        cannot starve the others; ``MAX_CONNECTIONS`` still bounds everything."""
        with self._pool_lock:
            now = time.monotonic()
            stuck = sum(1 for since in self._busy.values() if now - since > STUCK_S)
            wanted = self._queue.qsize() - self._idle
            count = max(0, min(wanted, MAX_WORKERS + stuck - len(self._workers)))
            self._idle += count
            workers = [
                threading.Thread(target=self._work, name="glossbook-http", daemon=True)
                for _ in range(count)
            ]
            self._workers.update(workers)
        for worker in workers:
            worker.start()

    def _work(self) -> None:
        try:
            while True:
                try:
                    item = self._queue.get(timeout=WORKER_IDLE_S)
                except queue.Empty:
                    with self._pool_lock:
                        if self._idle > 1:  # others remain to take new connections
                            self._idle -= 1
                            return
                    continue
                if item is None:
                    return
                with self._pool_lock:
                    self._idle -= 1
                    self._busy[threading.current_thread()] = time.monotonic()
                request, client_address = item
                try:
                    self.finish_request(request, client_address)
                except Exception:
                    self.handle_error(request, client_address)
                finally:
                    self.slots.release()
                    if request not in self.detached:
                        self.shutdown_request(request)
                    with self._pool_lock:
                        self._idle += 1
                        self._busy.pop(threading.current_thread(), None)
        finally:
            with self._pool_lock:
                self._workers.discard(threading.current_thread())

    def server_close(self) -> None:
        super().server_close()
        with self._pool_lock:
            workers = list(self._workers)
        for _ in workers:
            self._queue.put(None)
        for worker in workers:
            worker.join(timeout=5)

    def page_pieces(self, state: State, name: str, chapter: str | None) -> list[str]:
        """The page as served, split where the response's nonce goes; made once per build."""
        key = (state.site.token, state.build, name)
        pieces = self.injected.get(key)
        if pieces is None:
            problems = state.problems
            try:
                page = state.site.pages[name]  # rendered now, the first time it is asked for
            except Exception as error:  # a book's template that fails on this page alone
                log.exception("rendering %s failed", name)
                root = state.site.book.root if state.site.book else Path.cwd()
                problems = (*problems, *failure(error, root))
                page = '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8" />\n'
                page += "<title>This page could not be rendered</title>\n</head>\n<body>\n"
                page += "<main>\n<h1>This page could not be rendered</h1>\n</main>\n"
                page += "</body>\n</html>\n"
            text = inject(page, site=state.site, problems=problems, nonce=_NONCE, chapter=chapter)
            pieces = text.split(_NONCE)
            if len(self.injected) > 512 or any(k[1] != state.build for k in self.injected):
                self.injected = {}
            self.injected[key] = pieces
        return pieces

    def server_bind(self) -> None:
        """Bind without ``HTTPServer``'s reverse DNS lookup of the host (slow offline)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])


class Handler(BaseHTTPRequestHandler):
    """One request: route it, answer from the preview's current site."""

    server_version = "glossbook-preview"
    protocol_version = "HTTP/1.0"  # one request per connection; events stream until closed

    def setup(self) -> None:
        self.timeout = cast(PreviewServer, self.server).idle_timeout  # read timeout
        super().setup()

    @property
    def preview(self) -> Preview:
        return cast(PreviewServer, self.server).preview

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, TimeoutError):
            self._route()  # (suppressed: the browser went away)

    def log_message(self, format: str, *args: object) -> None:
        if log.isEnabledFor(logging.DEBUG):
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
        if name in state.site.pages:
            chapter = state.site.chapters.get(name)
            nonce = secrets.token_urlsafe(16)
            body = nonce.join(server.page_pieces(state, name, chapter))
            headers = {"Content-Security-Policy": PAGE_POLICY.format(nonce=nonce)}
            self._send(HTTPStatus.OK, body.encode("utf-8"), "text/html; charset=utf-8", headers)
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
        streams = cast(PreviewServer, self.server).streams
        if not streams.acquire(blocking=False):
            self.send_response(HTTPStatus.SERVICE_UNAVAILABLE)
            self.send_header("Retry-After", "5")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Accel-Buffering", "no")
            self.end_headers()
        except BaseException:
            streams.release()
            raise
        if self.command == "HEAD":
            streams.release()
            return
        # The stream gets a thread of its own, so the workers stay free for pages.
        server = cast(PreviewServer, self.server)
        server.detached.add(self.request)
        threading.Thread(
            target=self._stream, args=(server, self.request), name="glossbook-events", daemon=True
        ).start()

    def _stream(self, server: PreviewServer, connection: socket.socket) -> None:
        """Server-sent events on ``connection`` until it or the preview closes."""
        try:
            with contextlib.suppress(OSError):
                connection.sendall(b"retry: 1000\n\n")
                seen = -1
                while True:
                    state = self.preview.wait_for_build(seen, KEEPALIVE_S)
                    if state is None:  # shutting down
                        return
                    if state.build == seen:
                        connection.sendall(b": keep-alive\n\n")
                        continue
                    seen = state.build
                    message = json.dumps(state.message())
                    connection.sendall(f"event: state\ndata: {message}\n\n".encode())
        finally:
            server.streams.release()
            server.detached.discard(connection)
            server.shutdown_request(connection)

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
        if self.command != "HEAD":
            self._headers_buffer.append(b"\r\n")  # headers and body in one write
            self._headers_buffer.append(body)
            self.flush_headers()
        else:
            self.end_headers()


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
