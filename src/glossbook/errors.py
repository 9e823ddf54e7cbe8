"""Problems found in a book project, and the exceptions that carry them to the CLI.

Every problem names a file and, where one exists, a line, says what is wrong and what to
do about it. Loaders and passes collect problems instead of stopping at the first one, so
an author sees every mistake in one build.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One error or warning, located at ``file:line``."""

    file: str
    line: int | None
    message: str
    hint: str = ""
    severity: Severity = "error"

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        text = f"{self.location}: {self.severity}: {self.message}"
        return f"{text} {self.hint}" if self.hint else text


class GlossbookError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code = 1


class ContentError(GlossbookError):
    """The book's own files are wrong: one or more located problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = [p for p in problems if p.severity == "error"]
        super().__init__("\n".join(str(p) for p in self.problems))


class EnvironmentFailure(ContentError):
    """The machine stopped the build (disk full, read-only, permissions, a file in the way):
    located problems like a ContentError, with their own exit code."""

    exit_code = 3


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every clean-up on the way out runs."""


class UsageError(GlossbookError):
    """The command line asked for something that cannot be done."""

    exit_code = 2


class Problems:
    """A collector: add problems as you find them, then ``raise_if_errors()`` once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def error(self, file: str | Path, line: int | None, message: str, hint: str = "") -> None:
        self.items.append(Problem(str(file), line, message, hint, "error"))

    def warning(self, file: str | Path, line: int | None, message: str, hint: str = "") -> None:
        self.items.append(Problem(str(file), line, message, hint, "warning"))

    def extend(self, problems: list[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ContentError(self.errors)


def did_you_mean(word: str, choices: list[str] | set[str], n: int = 3) -> str:
    """A hint naming the nearest valid choices, or an empty string."""
    close = get_close_matches(word, sorted(choices), n=n, cutoff=0.5)
    if not close:
        return ""
    quoted = ", ".join(f"'{c}'" for c in close)
    return f"Did you mean {quoted}?"
