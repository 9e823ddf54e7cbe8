"""Figures: number every figure of the book in reading order."""

from __future__ import annotations

import re
from functools import partial

from ..errors import Problems
from ..markdown import FIGURE_PLACEHOLDER
from ..model import Book, Figure


def run(book: Book, problems: Problems) -> None:
    number = 0
    for doc in book.documents():
        for figure in doc.figures:
            number += 1
            figure.number = number

        doc.html = FIGURE_PLACEHOLDER.sub(partial(_number, doc.figures), doc.html)


def _number(figures: list[Figure], match: re.Match[str]) -> str:
    return f'<span class="figure-number">{figures[int(match.group(1)) - 1].number}</span>'
