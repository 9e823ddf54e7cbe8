"""Benchmarks: build a generated book of N entries and compare with a peer on the same corpus.

    python benchmarks/run.py [--entries 1000 2000] [--repeat 3]

For each N it prints the time of each glossbook stage (load and parse, passes, HTML
edition), the peak memory of the process, and the time pandoc 3 takes to turn the same
Markdown bodies into one standalone HTML file, without and with ``--citeproc`` (glossbook
formats its citations with pandoc's citeproc too), with the ratios glossbook/pandoc.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus
from glossbook.config import load_config
from glossbook.errors import Problems
from glossbook.loader import load_book
from glossbook.passes import citations, run_passes
from glossbook.renderers import html


def best_of(repeat: int, work) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def glossbook_stages(root: Path, out: Path, repeat: int) -> dict[str, float]:
    config = load_config(root)
    problems = Problems()
    load_s, _ = best_of(repeat, lambda: load_book(config, problems))

    def passes():  # type: ignore[no-untyped-def]
        fresh = load_book(config, Problems())
        citations._last = None  # measure a cold build, not the preview's reuse of citeproc
        start = time.perf_counter()
        run_passes(fresh, Problems())
        return time.perf_counter() - start, fresh

    pass_s = min(passes()[0] for _ in range(repeat))
    _, finished = passes()
    render_s, _ = best_of(repeat, lambda: html.render(finished, out))
    return {"load+parse": load_s, "passes": pass_s, "html": render_s}


def pandoc_html(root: Path, out: Path, repeat: int, citeproc: bool = False) -> float:
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    files = sorted(str(p) for p in (root / "manuscript").glob("*.md"))
    command = [
        pandoc,
        "--quiet",
        "-f",
        "markdown",
        "-t",
        "html5",
        "-s",
        "-o",
        str(out / "pandoc.html"),
    ]
    command += ["--metadata", "title=Benchmark", *files]
    if citeproc:
        command += ["--citeproc", "--bibliography", str(root / "bibliography.bib")]
    seconds, _ = best_of(
        repeat, lambda: subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
    )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[200, 1000, 2000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{'N':>6} {'load+parse':>11} {'passes':>8} {'html':>8} {'total':>8} "
        f"{'peak MiB':>9} {'pandoc':>8} {'ratio':>6} {'+cite':>8} {'ratio':>6}"
    )
    for n in args.entries:
        with tempfile.TemporaryDirectory() as tmp:
            root = write_corpus(Path(tmp) / "book", n)
            out = Path(tmp) / "out"
            tracemalloc.start()
            stages = glossbook_stages(root, out, args.repeat)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            peer = pandoc_html(root, out, args.repeat)
            cited = pandoc_html(root, out, args.repeat, citeproc=True)
            total = sum(stages.values())
            print(
                f"{n:>6} {stages['load+parse']:>10.2f}s {stages['passes']:>7.2f}s "
                f"{stages['html']:>7.2f}s {total:>7.2f}s {peak / 2**20:>9.1f} "
                f"{peer:>7.2f}s {total / peer:>6.2f} {cited:>7.2f}s {total / cited:>6.2f}",
                flush=True,
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"(peak MiB: Python allocations traced during the glossbook stages; "
        f"process max RSS {rss:.0f} MiB; times are the best of {args.repeat})"
    )


if __name__ == "__main__":
    main()
