"""Benchmark of the live preview: from a saved edit to the reload event a page receives.

    python benchmarks/bench_preview.py [--entries 500] [--edits 7] [--memo-citeproc]

For the sample book (the repository's own, copied to a temporary folder) and for a
generated book of N entries (``corpus.write_corpus``), it starts a preview on a free port,
connects as a page's script does (server-sent events), then saves an edit to one entry
several times. For each edit it measures the time from the save to the ``state`` event
that carries a new site token (what makes an open page reload) and to the edited page
served again (what the author waits for: pages are rendered when asked for), the median,
the fastest and slowest, the rebuild time the server itself reports (and how many rebuilds
read the edited entry alone); then the same for edits that add an other name (the index
changes, so the book is rebuilt); and, for comparison,
a cold build: the same work with an empty entry cache (what every rebuild would cost
without the cache) and ``glossbook build --format html`` (which also writes the files).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus
from glossbook.loader import EntryCache
from glossbook.passes import citations
from glossbook.pipeline import prepare
from glossbook.preview import Outcome, Preview
from glossbook.preview.site import build_site
from glossbook.renderers import html

REPO = Path(__file__).resolve().parent.parent
SAMPLE = ("glossbook.toml", "manuscript", "front", "back", "bibliography.bib")


class Events:
    """A minimal server-sent events client: the ``state`` events of the preview."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.sock.sendall(b"GET /__glossbook__/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        self.stream = self.sock.makefile("rb")
        while self.stream.readline() not in (b"\r\n", b"\n", b""):
            pass

    def next_state(self) -> dict[str, object]:
        event = ""
        for raw in self.stream:
            line = raw.decode().rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "state":
                return json.loads(line[5:])
        raise EOFError("the event stream ended")

    def close(self) -> None:
        self.stream.close()
        self.sock.close()


def best_of(repeat: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def cold_builds(root: Path, out: Path, repeat: int) -> tuple[float, float]:
    """(prepare + render_pages with an empty cache, prepare + writing the HTML edition),
    each cold: no entry cache and an empty citeproc cache."""

    def cold(work: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            # An empty citeproc cache: nothing remembered from the run before.
            os.environ["GLOSSBOOK_CITEPROC_CACHE"] = tempfile.mkdtemp(prefix="glossbook-cold-")
            return work()

        return run

    in_memory = best_of(repeat, cold(lambda: build_site(root, EntryCache(), "cold")))
    to_disk = best_of(repeat, cold(lambda: html.render(prepare(root)[0], out)))
    return in_memory, to_disk


class Timed:
    """Wraps the citations pass's call to pandoc to time it. With ``memo``, a call with the
    same arguments as the one before returns the same result without running pandoc: a
    projection of what caching citeproc's output would save (not glossbook's behaviour)."""

    def __init__(self, memo: bool = False) -> None:
        self.real = citations.format_citations
        self.memo = memo
        self.last: tuple[str, object] | None = None
        self.seconds = 0.0

    def __call__(self, *args: object, **kwargs: object) -> object:
        start = time.perf_counter()
        try:
            key = json.dumps([args, kwargs], default=str, sort_keys=True) if self.memo else ""
            if self.last is not None and self.last[0] == key and self.memo:
                return self.last[1]
            result = self.real(*args, **kwargs)
            self.last = (key, result)
            return result
        finally:
            self.seconds += time.perf_counter() - start


def fetch(port: int, page: str) -> bytes:
    """GET a page of the preview, as the reloading browser does."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        sock.sendall(f"GET /{page} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(1 << 16):
            data += chunk
    return data


def body_edit(original: str, n: int) -> tuple[str, str]:
    """The entry with its text changed (what the preview rebuilds alone), and the marker."""
    head, fence, body = original.partition("\n---\n")
    return f"{head}{fence}Benchmark edit {n}. {body}", f"Benchmark edit {n}."


def outline_edit(original: str, n: int) -> tuple[str, str]:
    """The entry with an other name added (the index changes: a rebuild of the book)."""
    return original.replace("other_names:\n", f"other_names:\n  - bench name {n}\n", 1), (
        f"bench name {n}"
    )


def edits_to_reload(
    root: Path,
    entry: Path,
    edits: int,
    memo: bool = False,
    change: Callable[[str, int], tuple[str, str]] = body_edit,
) -> tuple[list[float], list[float], list[float], list[float], int]:
    """Save ``edits`` edits to ``entry``; the seconds from each save to its reload event and
    to the edited page served again, the rebuild times the server reported, the time of
    pandoc's citeproc in each, and how many rebuilds read the edited entry alone."""
    served: list[float] = []
    rebuilds: list[float] = []
    in_pandoc: list[float] = []
    alone = 0
    timed = Timed(memo)
    citations.format_citations = timed  # type: ignore[assignment]

    def note(outcome: Outcome) -> None:
        nonlocal alone
        if outcome.changed:
            rebuilds.append(outcome.seconds)
            in_pandoc.append(timed.seconds)
            alone += bool(getattr(outcome, "partial", False))  # older versions lack it
        timed.seconds = 0.0

    original = entry.read_text(encoding="utf-8")
    latencies: list[float] = []
    with Preview(root, port=0, on_build=note) as preview:
        events = Events(preview.port)
        try:
            first = events.next_state()
            if first["problems"]:
                raise SystemExit(f"the benchmark book has errors: {first['problems']}")
            token = first["site"]
            book = preview.state.site.book
            assert book is not None
            slug = next(e.slug for e in book.entries if Path(e.file).name == entry.name)
            page = html.entry_pages(book)[slug]
            for n in range(edits):
                text, marker = change(original, n)
                start = time.perf_counter()
                entry.write_text(text, encoding="utf-8")
                while (state := events.next_state())["site"] == token:
                    pass
                latencies.append(time.perf_counter() - start)
                assert marker.encode() in fetch(preview.port, page)
                served.append(time.perf_counter() - start)
                token = state["site"]
                if state["problems"]:
                    raise SystemExit(f"the edit broke the book: {state['problems']}")
                time.sleep(0.3)  # let the watcher settle, as between two real saves
        finally:
            events.close()
            citations.format_citations = timed.real
    entry.write_text(original, encoding="utf-8")
    return latencies, served, rebuilds, in_pandoc, alone


def report(name: str, root: Path, entry: Path, args: argparse.Namespace, out: Path) -> None:
    edits, repeat = args.edits, args.repeat
    latencies, served, rebuilds, in_pandoc, alone = edits_to_reload(root, entry, edits)
    whole = edits_to_reload(root, entry, edits, change=outline_edit)
    in_memory, to_disk = cold_builds(root, out, repeat)
    median = statistics.median(latencies)
    print(f"\n{name}: {len(list((root / 'manuscript').rglob('*.md')))} entries")
    print(
        f"  save -> reload event  median {median * 1000:7.1f} ms"
        f"  (min {min(latencies) * 1000:.1f}, max {max(latencies) * 1000:.1f}; {edits} edits)"
    )
    print(
        f"  save -> page served   median {statistics.median(served) * 1000:7.1f} ms"
        f"  (min {min(served) * 1000:.1f}, max {max(served) * 1000:.1f}; the edited page)"
    )
    print(
        f"  rebuild (server)      median {statistics.median(rebuilds) * 1000:7.1f} ms"
        f"  ({alone} of {len(rebuilds)} rebuilt the edited entry alone)"
    )
    print(f"    of which citeproc   median {statistics.median(in_pandoc) * 1000:7.1f} ms")
    print(
        f"  other name added      median {statistics.median(whole[0]) * 1000:7.1f} ms to reload,"
        f" {statistics.median(whole[1]) * 1000:.1f} ms to the page served, rebuild"
        f" {statistics.median(whole[2]) * 1000:.1f} ms ({whole[4]} of {len(whole[2])} alone)"
    )
    print(f"  cold build in memory  best   {in_memory * 1000:7.1f} ms  (first preview build)")
    print(f"  cold build to disk    best   {to_disk * 1000:7.1f} ms  (glossbook build -f html)")
    print(
        f"  ratio save->reload / cold build: {median / in_memory:.2f} (in memory), "
        f"{median / to_disk:.2f} (to disk)"
    )
    if args.memo_citeproc:
        memo = statistics.median(edits_to_reload(root, entry, edits, memo=True)[0])
        print(
            f"  projection, citeproc output cached: save -> reload median {memo * 1000:.1f} ms, "
            f"ratio {memo / to_disk:.2f} (to disk)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=500, help="size of the generated book")
    parser.add_argument("--edits", type=int, default=7, help="edits to time per book")
    parser.add_argument("--repeat", type=int, default=3, help="cold builds to take the best of")
    parser.add_argument(
        "--memo-citeproc",
        action="store_true",
        help="also time edits with citeproc's output reused when its input is unchanged",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="glossbook-bench-preview-") as temp:
        base = Path(temp)
        sample = base / "sample"
        sample.mkdir()
        for name in SAMPLE:
            source = REPO / name
            if source.is_dir():
                shutil.copytree(source, sample / name)
            else:
                shutil.copy2(source, sample / name)
        report(
            "sample book",
            sample,
            sample / "manuscript" / "attunement.md",
            args,
            base / "out-sample",
        )
        generated = write_corpus(base / "generated", args.entries)
        report(
            "generated book",
            generated,
            generated / "manuscript" / f"e{args.entries // 2:05d}.md",
            args,
            base / "out-generated",
        )


if __name__ == "__main__":
    main()
