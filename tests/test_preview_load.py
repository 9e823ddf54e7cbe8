"""The preview under load and against idle or slow clients; and editors' files.

(Latency under 20 and 200 concurrent clients is measured in
``benchmarks/bench_preview_load.py``, not here.)
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from glossbook.preview import Preview, watch
from glossbook.preview.server import BACKLOG, PreviewServer

from .conftest import BookFactory, entry_text
from .test_preview import Events, http_get

IDLE_S = 0.5


@pytest.fixture
def preview(make_book: BookFactory) -> Iterator[Preview]:
    root = make_book(
        {
            "manuscript/alpha.md": entry_text("Alpha", "First."),
            "manuscript/beta.md": entry_text("Beta", "Second."),
        }
    )
    with Preview(root, port=0) as running:
        assert running._server is not None
        running._server.idle_timeout = IDLE_S
        yield running


def _closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closes ``sock`` (reads return nothing); fails after ``seconds``."""
    start = time.monotonic()
    sock.settimeout(seconds)
    while True:
        data = sock.recv(4096)
        if not data:
            return time.monotonic() - start


def test_idle_and_stalled_connections_are_closed(preview: Preview) -> None:
    with socket.create_connection(("127.0.0.1", preview.port)) as idle:
        assert _closed_within(idle, 10 * IDLE_S) < 6 * IDLE_S
    with socket.create_connection(("127.0.0.1", preview.port)) as slow:
        slow.sendall(b"GET /index.html HTTP/1.1\r\nHost: 127.0.0")  # and never finishes
        assert _closed_within(slow, 10 * IDLE_S) < 6 * IDLE_S
    assert http_get(preview.port, "/index.html")[0] == 200  # the server still answers


def test_event_streams_outlive_the_idle_timeout(preview: Preview) -> None:
    events = Events(preview.port)
    first = events.next_state()
    time.sleep(3 * IDLE_S)
    preview.rebuild()
    second = events.next_state()
    assert second["build"] == first["build"] + 1  # type: ignore[operator]
    events.sock.close()


def test_many_concurrent_requests_all_answered(preview: Preview) -> None:
    assert PreviewServer.request_queue_size == BACKLOG >= 128
    results: list[int] = []
    lock = threading.Lock()

    def get() -> None:
        status = http_get(preview.port, "/chapter-a.html")[0]
        with lock:
            results.append(status)

    threads = [threading.Thread(target=get) for _ in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [200] * 100


def test_pages_get_a_fresh_nonce_each(preview: Preview) -> None:
    _, one, body_one = http_get(preview.port, "/chapter-a.html")
    _, two, body_two = http_get(preview.port, "/chapter-a.html")
    assert one["content-security-policy"] != two["content-security-policy"]
    nonce = one["content-security-policy"].split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"'.encode() in body_one and body_one != body_two
    assert b"\x00" not in body_one


def test_editor_files_are_not_the_books(preview: Preview) -> None:
    """The build and the watcher agree: lock files, backups, swap files are not entries;
    their removal still triggers a rebuild (so an overlay they caused would clear)."""
    root = preview.root
    manuscript = root / "manuscript"
    wanted = watch.targets(root)
    for name in [".#alpha.md", "alpha.md~", ".alpha.md.swp", "#alpha.md#", ".DS_Store"]:
        assert not wanted.relevant(manuscript / name), name
        assert wanted.relevant(manuscript / name, deleted=True), name
    assert wanted.relevant(manuscript / "gamma.md")
    (manuscript / ".#alpha.md").symlink_to("someone@host.42:1700000000")
    (manuscript / "alpha.md~").write_text("not an entry")
    outcome = preview.rebuild({manuscript / ".#alpha.md"})
    assert outcome.ok and preview.state.problems == ()


def test_overlay_names_no_machine_path(preview: Preview) -> None:
    root = preview.root
    (root / "manuscript" / "gone.md").symlink_to(root / "nowhere" / "gone.md")
    outcome = preview.rebuild()
    assert not outcome.ok
    shown = " ".join(f"{p.location} {p.message} {p.hint}" for p in preview.state.problems)
    assert "manuscript/gone.md" in shown and str(root) not in shown
    status, _, body = http_get(preview.port, "/chapter-a.html")
    assert status == 200 and b"gone.md" in body and str(root).encode() not in body
    (root / "manuscript" / "gone.md").unlink()
    assert preview.rebuild().ok and preview.state.problems == ()
    assert b"glossbook-overlay-list" not in http_get(preview.port, "/chapter-a.html")[2]


def test_a_book_that_never_built_is_answered_in_a_path_free_way(tmp_path: Path) -> None:
    root = tmp_path / "book"
    (root / "manuscript").mkdir(parents=True)
    (root / "glossbook.toml").write_text('[book]\ntitle = "T"\n', encoding="utf-8")
    with Preview(root, port=0) as running:
        status, _, body = http_get(running.port, "/")
        assert status == 503 and b"no entries" in body and str(tmp_path).encode() not in body


def test_idle_clients_cannot_starve_the_others(preview: Preview) -> None:
    from glossbook.preview.server import MAX_WORKERS, STUCK_S

    assert preview._server is not None
    preview._server.idle_timeout = 20.0  # the idle clients would hold their workers long
    idle = [socket.create_connection(("127.0.0.1", preview.port)) for _ in range(MAX_WORKERS + 8)]
    try:
        time.sleep(STUCK_S + 0.3)
        started = time.monotonic()
        assert http_get(preview.port, "/chapter-a.html")[0] == 200
        assert time.monotonic() - started < 5.0
    finally:
        for sock in idle:
            sock.close()
