"""Terminal output: progress, problems and the closing summary, on standard error."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from .errors import Problem

console = Console(stderr=True, highlight=False)


def report_problems(problems: list[Problem]) -> None:
    for problem in problems:
        colour = "red" if problem.severity == "error" else "yellow"
        label = f"[{colour}]{problem.severity}:[/]"
        text = f"{escape(problem.location)}: {label} {escape(problem.message)}"
        if problem.hint:
            text += f" {escape(problem.hint)}"
        console.print(text, soft_wrap=True)
