"""Figures: number every figure of the book in reading order."""

from __future__ import annotations

import re
from functools import partial

from ..errors import Problems
from ..markdown import FIGURE_PLACEHOLDER
from ..model import Book, Entry, Figure, MatterPage


def run(book: Book, problems: Problems) -> None:
    number = 1
    for doc in book.documents():
        number = number_document(doc, number)


def number_document(doc: Entry | MatterPage, first: int) -> int:
    """Number one document's figures from ``first`` on; return the next number."""
    for n, figure in enumerate(doc.figures):
        figure.number = first + n
    doc.html = FIGURE_PLACEHOLDER.sub(partial(_number, doc.figures), doc.html)
    return first + len(doc.figures)


def _number(figures: list[Figure], match: re.Match[str]) -> str:
    return f'<span class="figure-number">{figures[int(match.group(1)) - 1].number}</span>'
