"""The layout's progress bar: documents laid out of the total, pages so far, elapsed time and
what remains; on a terminal only (quiet in CI, ``CI=true``, and when output is not a
terminal)."""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def wanted(console: Console) -> bool:
    """Whether to show progress: on a terminal, outside CI."""
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return console.is_terminal and not ci


class LayoutProgress:
    """``start(what, total)`` for each wave of layouts, ``advance(laid)`` for each done."""

    def __init__(self, console: Console) -> None:
        self.bar: Progress | None = None
        if wanted(console):
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("documents, {task.fields[pages]} pages"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
        self.task: TaskID | None = None
        self.total = 0  # documents in this step
        self.pages = 0

    def __enter__(self) -> LayoutProgress:
        if self.bar:
            self.bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.bar:
            self.bar.stop()

    def start(self, what: str, total: int) -> None:
        self.pages = 0
        self.total = total
        if self.bar:
            if self.task is not None:
                self.bar.remove_task(self.task)
            self.task = self.bar.add_task(what, total=total, pages=0)

    def grow(self, count: int) -> None:
        """``count`` more documents to lay out in this step (given as others were laid out)."""
        self.total += count
        if self.bar and self.task is not None:
            self.bar.update(self.task, total=self.total)

    def advance(self, laid: Any) -> None:
        self.pages += laid.count
        if self.bar and self.task is not None:
            self.bar.update(self.task, advance=1, pages=self.pages)
