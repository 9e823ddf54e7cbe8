"""``glossbook preview``: the book served as HTML from memory, rebuilt and reloaded live.

The parts: ``site`` (one build as an immutable snapshot of pages and files), ``watch``
(which files, and the watchfiles threads), ``server`` (HTTP, server-sent events, path
safety, what is injected into pages). ``Preview`` ties them together: it owns the entry
cache, the current ``State`` and the rebuild loop.

A change seen by the watcher marks the book as pending; one builder thread rebuilds
(``prepare`` with the cache kept for the server's life, then ``render_pages``), swaps the
new state in under a condition variable and wakes every event stream, which tells its
page to reload (a new site token) or to show the errors (same token, problems listed).
A failed build keeps the last good site. Page requests that arrive while a build is under
way wait for it, as MkDocs' livereload does, so a page is never older than the last save.
Nothing is written to disk.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ContentError, Problem
from ..loader import EntryCache
from ..pipeline import prepare_edit
from ..theme import BOOK_STYLES, Theme
from .server import CLIENT, CLIENT_FILES, PreviewServer
from .site import Site, build_site, edited_site, failure
from .watch import Targets, Watcher, targets

__all__ = ["Outcome", "Preview", "State"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class State:
    """What the server shows: the last good site, and the errors of the latest build."""

    site: Site
    build: int  # counts every build, good or bad
    problems: tuple[Problem, ...] = ()  # empty when the latest build succeeded

    def message(self) -> dict[str, object]:
        """The ``state`` event as the client script reads it."""
        return {
            "site": self.site.token,
            "build": self.build,
            "problems": [
                {"location": p.location, "message": p.message, "hint": p.hint}
                for p in self.problems
            ],
        }


@dataclass(frozen=True)
class Outcome:
    """One build, for whoever reports it (the terminal, a benchmark)."""

    build: int
    seconds: float
    problems: list[Problem]  # errors; empty when the build succeeded
    warnings: list[Problem] = field(default_factory=list)
    error: BaseException | None = None  # an exception other than a ContentError
    changed: frozenset[Path] = frozenset()  # the files whose change caused it
    partial: bool = False  # only the edited entries were read and resolved again

    @property
    def ok(self) -> bool:
        return not self.problems


class Preview:
    """A live preview of the book in ``root``: ``start()``, then ``wait()`` or ``stop()``."""

    def __init__(
        self,
        root: Path,
        host: str = "127.0.0.1",
        port: int = 8000,
        on_build: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.host = host
        self.port = port
        self.on_build = on_build
        self.cache = EntryCache()  # one for the server's life: unchanged entries stay parsed
        self.instance = secrets.token_hex(4)  # a restarted server reloads its pages
        self._state = State(site=Site(token=f"{self.instance}-0"), build=0)
        self._cond = threading.Condition()
        self._pending: set[Path] = set()
        self._dirty = False
        self._building = False
        self._closing = False
        self._build_lock = threading.Lock()
        self._pdf_lock = threading.Lock()
        self._pdfs: dict[tuple[str, str], bytes] = {}
        self._client = {name: (CLIENT / name).read_bytes() for name in CLIENT_FILES}
        self._watcher = Watcher(self.changed)
        self._server: PreviewServer | None = None
        self._theme: Theme | None = None
        self._warnings: list[Problem] = []  # the last good build's
        self._threads: list[threading.Thread] = []
        self._stopped = threading.Event()

    # --- life cycle -------------------------------------------------------------------

    def start(self) -> str:
        """Bind the port, build the book, start watching and serving; return the URL.

        Raises ``OSError`` when the port cannot be bound. A book with errors still starts:
        its pages show the errors until they are fixed.
        """
        try:
            self._server = PreviewServer(self, self.host, self.port)
            self.port = self._server.server_address[1]
            self._watch(targets(self.root))  # first: a change while building is not lost
            self.rebuild()
            for name, work in (("serve", self._serve), ("build", self._build_loop)):
                thread = threading.Thread(target=work, name=f"glossbook-{name}", daemon=True)
                thread.start()
                self._threads.append(thread)
        except BaseException:  # a port in use, Ctrl-C during the first build
            self.stop()
            raise
        return self.url

    @property
    def url(self) -> str:
        host = self.host
        if host in ("", "0.0.0.0"):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    def wait(self) -> None:
        """Block until ``stop()`` (Ctrl-C raises KeyboardInterrupt here)."""
        while not self._stopped.wait(0.5):
            pass

    def stop(self) -> None:
        """Stop watching and serving; open event streams end. Safe to call twice."""
        with self._cond:
            if self._closing:
                return
            self._closing = True
            self._cond.notify_all()
        self._watcher.stop()
        if self._server is not None:
            if any(t.name == "glossbook-serve" and t.is_alive() for t in self._threads):
                self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._stopped.set()

    def __enter__(self) -> Preview:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- state ------------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state  # one reference, replaced whole: never half a build

    def changed(self, paths: Iterable[Path]) -> None:
        """The watcher saw these files change: rebuild soon."""
        with self._cond:
            self._pending.update(paths)
            self._dirty = True
            self._cond.notify_all()

    def wait_until_built(self, timeout: float) -> None:
        """Wait (at most ``timeout``) while a rebuild is pending or under way."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._closing or not (self._dirty or self._building), timeout
            )

    def wait_for_build(self, seen: int, timeout: float) -> State | None:
        """The state once its build number differs from ``seen`` (or after ``timeout``);
        None when the preview is stopping."""
        with self._cond:
            self._cond.wait_for(lambda: self._closing or self._state.build != seen, timeout)
            return None if self._closing else self._state

    def client_file(self, name: str) -> bytes:
        return self._client[name]

    def chapter_pdf(self, site: Site, anchor: str, render: Callable[..., bytes]) -> bytes:
        """One chapter as PDF, made once per build (renders run one at a time)."""
        key = (site.token, anchor)
        with self._pdf_lock:
            if key not in self._pdfs:
                self._pdfs = {k: v for k, v in self._pdfs.items() if k[0] == site.token}
                theme = self._theme or Theme(self.root)  # its print.css checked once
                self._pdfs[key] = bytes(render(site.book, anchor, theme=theme))
            return self._pdfs[key]

    # --- building ---------------------------------------------------------------------

    def rebuild(self, changed: Iterable[Path] = ()) -> Outcome:
        """Build the book and swap the result in; never raises (but KeyboardInterrupt).

        On errors the last good site stays and the state carries the problems.
        """
        paths = frozenset(Path(p) for p in changed)
        with self._build_lock:
            start = time.perf_counter()
            number = self._state.build + 1
            warnings: list[Problem] = []
            unexpected: BaseException | None = None
            edit: tuple[Site, list[Problem]] | None = None
            token = f"{self.instance}-{number}"
            try:
                edit = self._edit(paths, token)
                if edit is None:
                    site, warnings = build_site(
                        self.root, self.cache, token, self._theme_for(paths)
                    )
                else:
                    site, warnings = edit
                self._warnings = warnings
                problems: list[Problem] = []
            except BaseException as error:  # a rebuild must never stop the preview
                if isinstance(error, KeyboardInterrupt):
                    raise
                site = self._state.site
                problems = failure(error, self.root)
                if not isinstance(error, ContentError):
                    unexpected = error
            state = State(site=site, build=number, problems=tuple(problems))
            with self._cond:
                self._state = state
                self._cond.notify_all()
            outcome = Outcome(
                build=number,
                seconds=time.perf_counter() - start,
                problems=problems,
                warnings=warnings,
                error=unexpected,
                changed=paths,
                partial=edit is not None,
            )
        if self.on_build is not None:
            try:
                self.on_build(outcome)
            except Exception:
                log.exception("reporting build %d failed", number)
        return outcome

    def _edit(self, changed: frozenset[Path], token: str) -> tuple[Site, list[Problem]] | None:
        """The site after an edit inside entries (``prepare_edit``: their outlines unchanged)
        with the last good build's warnings updated, made from the current site without a
        full rebuild; None when the edit needs one (then that build reports as usual)."""
        state = self._state
        book = state.site.book
        if not changed or state.problems or book is None:
            return None
        try:
            edit = prepare_edit(book, changed, self.cache)
        except Exception:  # the full rebuild that follows reports it, located
            log.debug("an edit could not be made alone; rebuilding", exc_info=True)
            return None
        if edit is None:
            return None
        edited, warnings = edit
        pairs = zip(edited.entries, book.entries, strict=True)
        slugs = {new.slug for new, old in pairs if new is not old}
        site = edited_site(state.site, edited, token, slugs)
        if site is None:
            return None
        files = {e.file for e in edited.entries if e.slug in slugs}
        return site, [w for w in self._warnings if w.file not in files] + warnings

    def _theme_for(self, changed: Iterable[Path]) -> Theme:
        """The theme, made anew when a file under the book's ``styles/`` changed (a new
        override is found only by a new template loader)."""
        styles = self.root / BOOK_STYLES
        if self._theme is None or any(Path(p).is_relative_to(styles) for p in changed):
            self._theme = Theme(self.root)
        return self._theme

    def _build_loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closing or self._dirty)
                if self._closing:
                    return
                changed, self._pending = self._pending, set()
                self._dirty = False
                self._building = True
            try:
                self._watch(targets(self.root))  # new folders are watched before reading
                self.rebuild(changed)
            except BaseException:  # nothing may end this loop but stop()
                log.exception("rebuilding the preview failed")
            finally:
                with self._cond:
                    self._building = False
                    self._cond.notify_all()

    def _watch(self, wanted: Targets) -> None:
        try:
            self._watcher.update(wanted)
        except Exception:
            log.exception("watching the book's files failed")

    def _serve(self) -> None:
        assert self._server is not None
        self._server.serve_forever(poll_interval=0.2)
