"""Reading a PDF's typography back as a compositor would: the lines of each page with their
words' boxes (``pdftotext -bbox-layout``), loose lines, runs of hyphenated lines, and text
running into the margin.

``python -m tests.pdfmeasure BOOK.pdf [BOOK.pdf …]`` prints the counts for each file.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

NS = {"x": "http://www.w3.org/1999/xhtml"}
HYPHENS = ("\u2010", "-", "\u00ad")


@dataclass
class Line:
    page: int  # 1-based
    block: int  # the block's number on its page
    x0: float
    x1: float
    y0: float
    words: list[tuple[float, float, str]]  # (xMin, xMax, text)

    @property
    def text(self) -> str:
        return " ".join(w[2] for w in self.words)


@dataclass
class Page:
    width: float
    height: float
    lines: list[Line]


def pages(path: Path) -> list[Page]:
    """Every page with its lines, in pdftotext's reading order."""
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, check=True
    ).stdout
    root = etree.fromstring(out, etree.XMLParser(recover=True, huge_tree=True))
    result = []
    for number, page in enumerate(root.iterfind(".//x:page", NS), 1):
        lines = []
        for b, block in enumerate(page.iterfind(".//x:block", NS)):
            for line in block.iterfind("x:line", NS):
                words = [
                    (float(w.get("xMin")), float(w.get("xMax")), w.text or "")
                    for w in line.iterfind("x:word", NS)
                ]
                if words:
                    lines.append(
                        Line(
                            number,
                            b,
                            float(line.get("xMin")),
                            float(line.get("xMax")),
                            float(line.get("yMin")),
                            words,
                        )
                    )
        result.append(Page(float(page.get("width")), float(page.get("height")), lines))
    return result


def text_block(page: int, width: float) -> tuple[float, float]:
    """The left and right edges of the text block (print.css: mirrored margins, 11 % outer
    and 14 % inner; the first page is a recto)."""
    if page % 2:  # recto
        return 0.14 * width, 0.89 * width
    return 0.11 * width, 0.86 * width


def body_lines(book: list[Page]) -> list[Line]:
    """Lines of the text block (not the running heads and folios)."""
    out = []
    for page in book:
        for line in page.lines:
            if 0.075 * page.height < line.y0 < 0.895 * page.height:
                out.append(line)
    return out


def overflow(book: list[Page], tolerance: float = 1.0) -> list[Line]:
    """Lines that run past the text block into a margin."""
    result = []
    for page in book:
        for line in page.lines:
            if not 0.075 * page.height < line.y0 < 0.895 * page.height:
                continue
            left, right = text_block(line.page, page.width)
            if line.x1 > right + tolerance or line.x0 < left - tolerance:
                result.append(line)
    return result


def hyphen_runs(book: list[Page], longest: int = 2) -> list[list[Line]]:
    """Runs of more than ``longest`` consecutive lines of one block ending in a hyphen."""
    runs: list[list[Line]] = []
    run: list[Line] = []
    for line in body_lines(book):
        word = line.words[-1][2]
        hyphenated = len(word) > 1 and word.endswith(HYPHENS)
        continues = bool(run) and (run[-1].page, run[-1].block) == (line.page, line.block)
        if hyphenated and continues:
            run.append(line)
            continue
        if len(run) > longest:
            runs.append(run)
        run = [line] if hyphenated else []
    if len(run) > longest:
        runs.append(run)
    return runs


def word_gaps(line: Line) -> list[float]:
    return [b[0] - a[1] for a, b in zip(line.words, line.words[1:], strict=False)]


def loose_lines(book: list[Page], factor: float = 2.0) -> tuple[list[Line], float]:
    """Justified lines (full width, not a paragraph's last) whose average word space is more
    than ``factor`` times the book's normal one (the median over all such lines)."""
    justified = []
    for page in book:
        for line in page.lines:
            if not 0.075 * page.height < line.y0 < 0.895 * page.height or len(line.words) < 3:
                continue
            left, right = text_block(line.page, page.width)
            if line.x1 > right - 1.0 and line.x0 < left + 30:
                justified.append(line)
    if not justified:
        return [], 0.0
    averages = [statistics.mean(word_gaps(line)) for line in justified]
    normal = statistics.median(averages)
    loose = [line for line, gap in zip(justified, averages, strict=True) if gap > factor * normal]
    return loose, normal


def report(path: Path) -> str:
    book = pages(path)
    loose, normal = loose_lines(book)
    runs = hyphen_runs(book)
    over = overflow(book)
    return (
        f"{path.name}: {len(book)} pages, {len(loose)} loose lines (word space > 2 × "
        f"{normal:.2f} pt), {len(runs)} runs of 3+ hyphenated lines, {len(over)} lines into "
        "the margin"
    )


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(report(Path(name)))
