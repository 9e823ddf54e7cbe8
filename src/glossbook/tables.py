"""Pipe tables as authors write them, not only as GFM accepts them.

GFM (and markdown-it) reject a table whose delimiter row (``|---|---|``) has fewer or more
cells than its header: the whole table becomes a paragraph of pipes. pandoc's Markdown and
kramdown accept it, so glossaries written for them have such tables. Before parsing, the
delimiter row of such a table is padded or trimmed to the header's width, with a warning;
a paragraph that still looks like a pipe table afterwards is reported by the Markdown
stage (``looks_like_table``).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from .errors import Problems

WIDE = 5  # columns from which a table is set smaller in print
_CELL = r"\s*:?-+:?\s*"
DELIMITER = re.compile(rf"^\s*\|?{_CELL}(\|{_CELL})*\|?\s*$")
_DELIMITER_IN_LINE = re.compile(rf"\|?{_CELL}(\|{_CELL})*\|?\s*$")
_BLOCKS = MarkdownIt("commonmark", {"html": True}).enable("table")


def cells(row: str) -> list[str]:
    """The cells of a pipe-table row (escaped ``\\|`` does not split)."""
    row = row.strip()
    row = row.removeprefix("|")
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)]


def is_delimiter_row(line: str) -> bool:
    return "|" in line and bool(DELIMITER.match(line))


def repair_delimiter_rows(text: str, display: str, base_line: int, problems: Problems) -> str:
    """Pad or trim delimiter rows to their header's width; warn for each one changed."""
    lines = text.split("\n")
    if not any(
        is_delimiter_row(line) and len(cells(line)) != len(cells(lines[n - 1]))
        for n, line in enumerate(lines)
        if n and "|" in lines[n - 1]
    ):
        return text  # no table to repair (the common case): no parse
    tokens = _BLOCKS.parse(text)
    for i, token in enumerate(tokens):
        if token.type != "paragraph_open" or not token.map:
            continue
        content = tokens[i + 1].content.split("\n")
        for k in range(1, len(content)):
            if not is_delimiter_row(content[k]) or "|" not in content[k - 1]:
                continue
            header, delimiter = cells(content[k - 1]), cells(content[k])
            if len(header) == len(delimiter):
                break
            number = token.map[0] + k
            if number >= len(lines):
                break
            fixed = (delimiter + ["---"] * len(header))[: len(header)]
            row = "| " + " | ".join(fixed) + " |"
            lines[number] = _DELIMITER_IN_LINE.sub(lambda _m, row=row: row, lines[number], 1)
            problems.warning(
                display,
                base_line + number,
                f"this table's delimiter row has {len(delimiter)} cells and its header "
                f"{len(header)}: the delimiter row was "
                f"{'padded' if len(delimiter) < len(header) else 'trimmed'} to match.",
                "Give the delimiter row (| --- | --- |) one cell per header cell.",
            )
            break
    return "\n".join(lines)


def looks_like_table(content: str) -> bool:
    """A paragraph that an author probably meant as a pipe table."""
    lines = [line.strip() for line in content.split("\n")]
    if len(lines) < 2:
        return False
    rows = sum(1 for line in lines if line.startswith("|") and line.count("|") >= 2)
    return rows >= 2 or any(is_delimiter_row(line) for line in lines)
