"""The print layout's pool of worker processes, over several builds in one process (as the
tests and any long-lived caller run them): each build starts its own workers, with its own
temporary folder, and ends them; nothing of one build is kept for the next."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import BookFactory, entry_text
from .test_faults import living


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads /proc")
def test_builds_in_one_process_each_have_their_own_workers(  # type: ignore[no-untyped-def]
    make_book: BookFactory, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = make_book(
        {
            f"manuscript/{letter}.md": entry_text(f"{letter.upper()} entry", "Some text. " * 80)
            for letter in "abcd"
        }
    )
    pdfs = []
    for _ in range(3):
        # --no-cache: every document laid out again, by the new workers, whose fonts (written
        # into the temporary folder) must not be those of the build before.
        code, text = run_cli("build", str(root), "--format", "pdf", "--jobs", "2", "--no-cache")
        assert code == 0, text
        pdfs.append((root / "build" / "test-book.pdf").read_bytes())
        processes = living(os.getpid())
        workers = [pid for pid, (_, parent) in processes.items() if parent != os.getpid()]
        assert workers == [], "layout workers outlived their build"
    assert pdfs[0] == pdfs[1] == pdfs[2]
