"""Benchmark of glossbook at scale: the print layout in pieces, the build cache, side by side
with WeasyPrint on the whole book as one document and with pandoc 3's EPUB.

    python benchmarks/bench_scale.py [--entries 200 1000 2000] [--dask] [--only ROW[,ROW]]
                                     [--repeat K]

``--only`` measures the named rows alone (default: every row): ``weasyprint``, ``pdf``
(``--jobs 1`` and ``2``), ``pdf1``, ``pdf2``, ``dask`` (implies ``--dask``), ``pandoc``,
``epub`` (cold and warm), ``builds`` (cold, after a one-word edit, after a new paragraph).
A ratio whose reference row was not measured is left blank. ``--repeat K`` measures
WeasyPrint and the PDF rows K times, in turn (WeasyPrint, ``--jobs 1``, ``--jobs 2``, then
again), and prints the best time of each (as ``timeit`` does: a slower run is one the machine
slowed, which it does by tens of percent from one minute to the next on a shared virtual
machine) with every time measured, and the ratio of the best times; the largest memory.

For each generated book of N entries (``corpus.py``), each measurement in a fresh process:

- WeasyPrint: the HTML edition's pages as one document with print.css (``bench_pdf.py``'s
  peer), laid out and written;
- glossbook's PDF layout, cold (no cache), with ``--jobs 1`` and ``--jobs 2``: time, the
  peak memory of the parent and of the largest worker;
- with ``--dask``: the same on a ``distributed.LocalCluster`` of 1 and 2 process workers
  (cluster start-up not counted);
- ``glossbook build --format epub``, cold and with a warm cache (the print layout it needs
  for the page list comes from the cache);
- pandoc 3 EPUB with ``--citeproc`` on the same Markdown;
- ``glossbook build`` (HTML, PDF, EPUB) cold, then again after a one-word edit to one
  entry, and after adding a paragraph to it (which moves pages: every document whose folios
  or page numbers move is laid out again).

Times are wall-clock seconds; memory is the maximum resident set (MiB). Reading the book is
counted in the ``build`` rows (whole commands) and not in the layout rows (as for the peer).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_epub import pandoc_command  # noqa: E402
from bench_pdf import peer_pdf  # noqa: E402
from corpus import write_corpus  # noqa: E402


@dataclass
class Run:
    seconds: float
    peak_mib: float
    worker_mib: float = 0.0
    pages: int = 0


class Peaks:
    """A layout progress listener keeping the largest worker's peak memory."""

    def __init__(self) -> None:
        self.worker = 0.0

    def start(self, what: str, total: int) -> None:
        pass

    def grow(self, count: int) -> None:
        pass

    def advance(self, laid: Any) -> None:
        self.worker = max(self.worker, laid.peak_mib)


def _layout(root: str, jobs: int, scheduler: str, queue: Any) -> None:
    from glossbook.pipeline import prepare
    from glossbook.renderers import pdf
    from glossbook.renderers.pdf import executors

    if not scheduler:
        executors.start_early(jobs)  # as ``glossbook build`` does, before it reads the book
    book, _ = prepare(Path(root))
    peaks = Peaks()
    start = time.perf_counter()
    kind = "dask" if scheduler else "local"
    _, page_map = pdf.layout(
        book, jobs=jobs, executor_kind=kind, scheduler=scheduler, progress=peaks
    )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(Run(seconds, peak, peaks.worker, len(page_map.pages)))


def _peer(root: str, queue: Any) -> None:
    seconds, pages = peer_pdf(Path(root))
    queue.put(Run(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0, pages))


def fresh(target: Any, *args: Any) -> Run:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def command(argv: list[str]) -> Run:
    """A whole command: wall time and its own peak memory."""
    start = time.perf_counter()
    env = {**os.environ, "CI": "true"}
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(argv[:6])} …\n{process.stderr.read().decode()}")
    return Run(seconds, usage.ru_maxrss / 1024)


def glossbook(*args: str) -> list[str]:
    return [sys.executable, "-m", "glossbook", *args]


def best(runs: list[Run]) -> tuple[Run, str]:
    """The fastest of repeated runs, with the largest memory of any; and every time, for the
    note."""
    fastest = min(runs, key=lambda run: run.seconds)
    peak = max(run.peak_mib for run in runs)
    worker = max(run.worker_mib for run in runs)
    times = "" if len(runs) == 1 else "best of " + ", ".join(f"{r.seconds:.1f}" for r in runs)
    return Run(fastest.seconds, peak, worker, fastest.pages), times


def line(name: str, run: Run, reference: Run | None = None, note: str = "") -> None:
    ratio = f"{run.seconds / reference.seconds:>6.2f}" if reference else " " * 6
    worker = f"{run.worker_mib:>9.0f}" if run.worker_mib else " " * 9
    print(
        f"  {name:<38} {run.seconds:>8.1f}s {run.peak_mib:>8.0f} {worker} {ratio}  {note}",
        flush=True,
    )


ROWS = ("weasyprint", "pdf1", "pdf2", "dask", "pandoc", "epub", "builds")
ALIASES = {"pdf": ("pdf1", "pdf2")}


def rows(only: str, dask: bool) -> set[str]:
    """The rows to measure: ``--only``'s (comma-separated), or every row."""
    if not only:
        return {row for row in ROWS if row != "dask" or dask}
    chosen: set[str] = set()
    for name in (n.strip().lower() for n in only.split(",") if n.strip()):
        if name not in ROWS and name not in ALIASES:
            choices = ", ".join(sorted((*ROWS, *ALIASES)))
            raise SystemExit(f"--only: unknown row '{name}'; choose from: {choices}.")
        chosen.update(ALIASES.get(name, (name,)))
    return chosen


def bench(entries: int, wanted: set[str], repeat: int = 1) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_corpus(Path(tmp) / "book", entries)
        print(f"\nN = {entries} entries")
        print(f"  {'work':<38} {'time':>9} {'peak MiB':>8} {'worker':>9} {'ratio':>6}")
        measured: dict[str, list[Run]] = {}
        for _ in range(repeat):  # in turn, so that a slow spell falls on each alike
            if "weasyprint" in wanted:
                measured.setdefault("weasyprint", []).append(fresh(_peer, str(root)))
            for jobs in (1, 2):
                if f"pdf{jobs}" in wanted:
                    run = fresh(_layout, str(root), jobs, "")
                    measured.setdefault(f"pdf{jobs}", []).append(run)
        peer = None
        if "weasyprint" in measured:
            peer, times = best(measured["weasyprint"])
            note = ", ".join(filter(None, [f"{peer.pages} pages", times]))
            line("WeasyPrint, whole book as one document", peer, note=note)
        for jobs in (1, 2):
            if f"pdf{jobs}" in measured:
                run, times = best(measured[f"pdf{jobs}"])
                note = ", ".join(
                    filter(None, [f"{run.pages} pages", "vs WeasyPrint" if peer else "", times])
                )
                line(f"glossbook PDF cold --jobs {jobs}", run, peer, note)
        if "dask" in wanted:
            from distributed import LocalCluster

            for workers in (1, 2):
                with LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
                ) as cluster:
                    run = fresh(_layout, str(root), 0, cluster.scheduler_address)
                note = "vs WeasyPrint" if peer else ""
                line(f"glossbook PDF cold, Dask {workers} worker(s)", run, peer, note)
        pandoc = None
        if "pandoc" in wanted:
            pandoc = command(pandoc_command(root, Path(tmp) / "pandoc.epub", citeproc=True))
            line("pandoc 3 EPUB --citeproc", pandoc)
        out = Path(tmp) / "out"
        versus = "vs pandoc" if pandoc else ""
        if "epub" in wanted:
            epub_cold = command(glossbook("build", str(root), "-f", "epub", "-o", str(out)))
            line("glossbook EPUB cold", epub_cold, pandoc, versus)
            epub_warm = command(glossbook("build", str(root), "-f", "epub", "-o", str(out)))
            line("glossbook EPUB, warm cache", epub_warm, pandoc, versus)
            shutil.rmtree(out)
        if "builds" not in wanted:
            return
        full = command(glossbook("build", str(root), "-o", str(out)))
        both = None
        if pandoc and peer:
            both = Run(pandoc.seconds + peer.seconds, max(pandoc.peak_mib, peer.peak_mib))
        note = "vs pandoc EPUB + WeasyPrint" if both else ""
        line("glossbook build (HTML, PDF, EPUB) cold", full, both, note)
        files = sorted((root / "manuscript").rglob("*.md"))
        entry = files[len(files) // 2]
        text = entry.read_text(encoding="utf-8")
        entry.write_text(one_word_changed(text), encoding="utf-8")
        edit = command(glossbook("build", str(root), "-o", str(out)))
        line("glossbook build after a one-word edit", edit, full, "vs the cold build")
        entry.write_text(text + "\nA new paragraph of a few more words than before.\n", "utf-8")
        grown = command(glossbook("build", str(root), "-o", str(out)))
        line("... after adding a paragraph to it", grown, full, "vs the cold build")


def one_word_changed(text: str) -> str:
    """The entry with one word of its body replaced by another as long (a typo fixed)."""
    head, _, body = text.partition("\n---\n")
    words = body.split(" ")
    words[len(words) // 2] = words[len(words) // 2][::-1]
    return f"{head}\n---\n{' '.join(words)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[200])
    parser.add_argument("--dask", action="store_true", help="also on a Dask LocalCluster")
    parser.add_argument(
        "--only",
        default="",
        metavar="ROW[,ROW]",
        help=f"measure only these rows ({', '.join((*ROWS, *ALIASES))}); default: every row",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="K",
        help="measure WeasyPrint and the PDF rows K times in turn, and keep the best of each",
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    wanted = rows(args.only, args.dask)
    print(
        "ratio: time / the peer named in the note. worker: the largest layout worker's peak "
        "(blank: in the parent, or nothing laid out)."
    )
    for entries in args.entries:
        bench(entries, wanted, args.repeat)


if __name__ == "__main__":
    main()
