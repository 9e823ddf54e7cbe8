"""Benchmark of the EPUB edition against pandoc 3 on the same Markdown.

    python benchmarks/bench_epub.py [--entries 200] [--repeat 3] [--no-sample]

For the sample book (the repository) and a generated book of N entries it prints:

- glossbook, whole build as a separate process (read, parse, passes with citations, EPUB):
  wall time and peak resident memory;
- glossbook, EPUB stage alone, in-process: time and peak of Python allocations;
  the whole build's peak includes the pandoc process it runs for citations;
- pandoc 3 (from pypandoc-binary) turning the same Markdown files into one EPUB 3, plain and
  with ``--citeproc`` (the closer match: glossbook formats citations through pandoc too):
  wall time and peak resident memory;
- the ratios glossbook/pandoc for the whole build.

Times are the best of ``--repeat`` runs; memory is the largest resident set of the process.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from corpus import write_corpus  # noqa: E402

GLOSSBOOK_BUILD = """
import sys
from pathlib import Path
from glossbook.pipeline import prepare
from glossbook.renderers import epub
book, _ = prepare(Path(sys.argv[1]))
epub.render(book, Path(sys.argv[2]))
"""


@dataclass
class Run:
    seconds: float
    peak_mib: float


def measure(command: list[str], repeat: int) -> Run:
    """Best wall time and largest resident set of ``command`` over ``repeat`` runs."""
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"failed ({process.returncode}): {' '.join(command[:4])} …")
        best = min(best, seconds)
        peak = max(peak, usage.ru_maxrss / 1024)  # KiB on Linux
    return Run(best, peak)


def epub_stage(root: Path, repeat: int) -> Run:
    """The EPUB renderer alone, on a book already read: best time (untraced), then the peak
    of Python allocations in one traced run (lxml's own C allocations are not seen)."""
    from glossbook.pipeline import prepare
    from glossbook.renderers import epub

    book, _ = prepare(root)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        epub.build(book)
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    epub.build(book)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return Run(best, peak / 2**20)


def markdown_files(root: Path) -> list[str]:
    """The book's Markdown in reading order as far as files tell it: front, entries, back."""
    front = sorted((root / "front").glob("*.md")) if (root / "front").is_dir() else []
    back = sorted((root / "back").glob("*.md")) if (root / "back").is_dir() else []
    entries = sorted((root / "manuscript").rglob("*.md"))
    return [str(p) for p in (*front, *entries, *back)]


def pandoc_command(root: Path, out: Path, citeproc: bool) -> list[str]:
    import pypandoc

    command = [pypandoc.get_pandoc_path(), "--quiet", "-f", "markdown", "-t", "epub3"]
    command += ["--toc", "--resource-path", str(root / "manuscript"), "-o", str(out)]
    command += ["--metadata", "title=Benchmark", "--metadata", "lang=en"]
    if citeproc and (root / "bibliography.bib").is_file():
        command += ["--citeproc", "--bibliography", str(root / "bibliography.bib")]
    return command + markdown_files(root)


def bench(name: str, root: Path, out: Path, repeat: int) -> None:
    whole = measure([sys.executable, "-c", GLOSSBOOK_BUILD, str(root), str(out)], repeat)
    stage = epub_stage(root, repeat)
    plain = measure(pandoc_command(root, out / "pandoc.epub", citeproc=False), repeat)
    cited = measure(pandoc_command(root, out / "pandoc-cited.epub", citeproc=True), repeat)
    print(
        f"{name:<14} {whole.seconds:>8.2f}s {whole.peak_mib:>7.0f} "
        f"{stage.seconds:>8.2f}s {stage.peak_mib:>7.1f} "
        f"{plain.seconds:>8.2f}s {plain.peak_mib:>7.0f} "
        f"{cited.seconds:>8.2f}s {cited.peak_mib:>7.0f} "
        f"{whole.seconds / plain.seconds:>6.2f} {whole.seconds / cited.seconds:>6.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[200])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-sample", action="store_true", help="skip the sample book")
    args = parser.parse_args()
    print(
        f"{'book':<14} {'glossbook':>9} {'MiB':>7} {'epub':>9} {'MiB':>7} "
        f"{'pandoc':>9} {'MiB':>7} {'+cite':>9} {'MiB':>7} {'ratio':>6} {'r+cite':>6}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_sample:
            bench("sample", REPO, Path(tmp) / "sample", args.repeat)
        for n in args.entries:
            root = write_corpus(Path(tmp) / f"book{n}", n)
            bench(f"{n} entries", root, Path(tmp) / f"out{n}", args.repeat)
    print(
        "(glossbook: whole build in its own process, wall time and max RSS; epub: the EPUB "
        "stage alone in-process, time and peak Python allocations; pandoc: the same Markdown "
        f"files to one EPUB 3, plain and with --citeproc; ratio = glossbook/pandoc; "
        f"best of {args.repeat})"
    )


if __name__ == "__main__":
    main()
