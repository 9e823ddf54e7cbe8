"""Figures: number every figure of the book in reading order."""

from __future__ import annotations

import re

from ..errors import Problems
from ..markdown import FIGURE_PLACEHOLDER
from ..model import Book


def run(book: Book, problems: Problems) -> None:
    number = 0
    documents = [*book.front, *(e for c in book.chapters for e in c.entries), *book.back]
    for doc in documents:
        for figure in doc.figures:
            number += 1
            figure.number = number

        def fill(match: re.Match[str], figures=doc.figures) -> str:  # type: ignore[no-untyped-def]
            return f'<span class="figure-number">{figures[int(match.group(1)) - 1].number}</span>'

        doc.html = FIGURE_PLACEHOLDER.sub(fill, doc.html)
