"""The finish a publisher signs off, measured on the sample book and on a generated book of N
entries with long titles, code spans, URLs, DOIs, ellipses and non-Latin names
(``tests/test_print_typography.typography_book``):

- the PDF's pages, loose lines (word spaces over twice the normal), runs of three or more
  hyphenated lines and lines running into the margin (``tests/pdfmeasure.py``);
- ``glossbook check --built``: what each validator found (EPUBCheck, DAISY Ace, the PDF's
  fonts, text layer and printed page numbers, the HTML edition's links) and its run time.

    python -m benchmarks.bench_quality [--entries 200]

Run from the repository root (it reads the test helpers). Each build and check is a fresh
process; times are wall-clock seconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests import pdfmeasure
from tests.conftest import copy_sample
from tests.test_print_typography import typography_book


def glossbook(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "glossbook", *args], capture_output=True, text=True, check=False
    )
    return time.perf_counter() - start, done


def measure(name: str, root: Path) -> None:
    seconds, built = glossbook("build", str(root))
    if built.returncode:
        print(f"{name}: the build failed: {built.stderr.strip()}")
        return
    pdf = next((root / "build").glob("*.pdf"))
    book = pdfmeasure.pages(pdf)
    loose, normal = pdfmeasure.loose_lines(book)
    print(f"\n{name}: built in {seconds:.1f} s")
    print(f"  pages {len(book)}; loose lines {len(loose)} (word space > 2 × {normal:.2f} pt)")
    print(
        f"  runs of 3+ hyphenated lines {len(pdfmeasure.hyphen_runs(book))}; "
        f"lines into the margin {len(pdfmeasure.overflow(book))}"
    )
    seconds, checked = glossbook("check", str(root), "--built", "--format", "json")
    report = json.loads(checked.stdout)
    print(f"  glossbook check --built: exit {checked.returncode}, {seconds:.1f} s")
    for check in report["checks"]:
        found = check.get("problems", [])
        errors = sum(1 for p in found if p["severity"] == "error")
        note = check.get("note") or check.get("skipped") or ""
        print(
            f"    {check['check']:<22} {check['status']:<9} {check['seconds']:>6.1f} s  "
            f"{errors} errors, {len(found) - errors} warnings  {note}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure("the sample book", copy_sample(Path(tmp) / "sample"))
        generated = typography_book(Path(tmp) / "generated", args.entries)
        measure(f"a generated book of {args.entries} entries", generated)


if __name__ == "__main__":
    main()
