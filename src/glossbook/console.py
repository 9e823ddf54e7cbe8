"""Terminal output: progress, problems and the closing summary, on standard error.

On a terminal, long lines wrap at its width. When standard error is not a terminal (a CI
log, a pipe, a file), lines are never wrapped: each message stays one line for grep.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from .errors import Problem


class _Console(Console):
    """A rich Console that soft-wraps (leaves lines whole) when it is not a terminal."""

    @property  # type: ignore[override]
    def soft_wrap(self) -> bool:
        return not self.is_terminal

    @soft_wrap.setter
    def soft_wrap(self, value: bool) -> None:  # Console.__init__ sets it; the output decides
        pass


console = _Console(stderr=True, highlight=False)


def report_problems(problems: list[Problem]) -> None:
    for problem in problems:
        colour = "red" if problem.severity == "error" else "yellow"
        label = f"[{colour}]{problem.severity}:[/]"
        text = f"{escape(problem.location)}: {label} {escape(problem.message)}"
        if problem.hint:
            text += f" {escape(problem.hint)}"
        console.print(text, soft_wrap=True)
