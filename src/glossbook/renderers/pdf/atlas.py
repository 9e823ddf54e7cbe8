"""A numbers document drawn from an atlas of its texts.

A numbers document (``stamp.numbers_html``) holds one box per number of its body document:
a folio a page and every "(p. N)", about six a page, over a thousand in a long chapter. Laid
out as it is, each box is an element WeasyPrint styles, places and draws on its own (about a
millisecond each, the tall page of ``stamp.cut`` included). But a number box is a line of text
in one of a few looks, and its drawing depends on nothing but its look and its text: so each
look's texts are laid out once, one a line, in one block of their look (the *atlas*: one
element a look, not one a box), and each page of the document is drawn by copying, for each
box, the drawing of its text's line, moved to the box's place. The same glyphs, shaped from
the same text in the same look, stand where WeasyPrint would have set them: a line of a
block of ``white-space: pre`` starts at the block's edge in the block's alignment, as the
box's one line does in its box of the same width.

``texts`` reads the boxes from the numbers document's HTML and makes the atlas; ``pages``
draws the document's pages from the atlas as WeasyPrint drew it. Either says None where the
document is not as expected (a text a line could not stand for its box, or the atlas drawing
is other than texts), and the worker lays the document out as before.
"""

from __future__ import annotations

import bisect
import html as htmllib
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .stamp import drawn_pages, page_scale, page_turn

_SECTION = re.compile(r"<section>(.*?)</section>", re.S)
_BOX = re.compile(
    r'<div class="([^"]+)" style="left:([-0-9.e]+)px;top:([-0-9.e]+)px"( lang="[^"]*")?>'
    r"([^<]*)</div>"
)
_SPACES = re.compile(r"\.(n\d+)\{[^}]*?white-space:([a-z-]+)")
# The operators setting the state a text is drawn in: colours, graphics and text state.
_STATE = {"gs", "rg", "RG", "g", "G", "k", "K", "cs", "CS", "sc", "scn", "SC", "SCN"}
_STATE |= {"Tc", "Tw", "Tz", "TL", "Ts", "Tr", "w", "ri", "i"}


@dataclass
class Atlas:
    """The atlas document's HTML, and per page of the numbers document, each box's text (its
    line in the atlas) and place (its box's left and top, CSS pixels)."""

    html: str
    lines: list[str]
    pages: list[list[tuple[int, float, float]]]


def texts(html: str) -> Atlas | None:
    """The atlas of a numbers document (``stamp.numbers_html``); None when a look indents
    its first line, or one of its texts could not be a line of a block (nothing to draw, or
    spaces its box would keep and a line of its own would not)."""
    start = html.find("<body>")
    sections = _SECTION.findall(html)
    if start < 0 or not sections or re.search(r"text-indent:(?!0\.0px;)", html[:start]):
        return None
    keeps = {
        name for name, space in _SPACES.findall(html[:start]) if space.startswith(("pre", "b"))
    }
    looks: dict[tuple[str, str], dict[str, int]] = {}  # (class, lang): its texts
    pages: list[list[tuple[tuple[str, str, str], float, float]]] = []
    for section in sections:
        found = _BOX.findall(section)
        if len(found) != section.count("<div"):
            return None
        pages.append([])
        for name, left, top, lang, escaped in found:
            text = htmllib.unescape(escaped)
            if name not in keeps:  # spaces collapse, and none begins or ends a line
                text = re.sub(r"[ \t\n]+", " ", text).strip(" ")
            if not text.strip() or "\n" in text or (name in keeps and text != text.strip(" ")):
                return None
            looks.setdefault((name, lang), {}).setdefault(text, 0)
            pages[-1].append(((name, lang, text), float(left), float(top)))
    lines: list[str] = []
    index: dict[tuple[str, str, str], int] = {}
    blocks = []
    for (name, lang), by_text in looks.items():
        for text in by_text:
            index[(name, lang, text)] = len(lines)
            lines.append(text)
        body = htmllib.escape("\n".join(by_text), quote=False)
        # In a section, as its boxes are (styled as they are), but in the flow, a line each.
        blocks.append(
            f'<div class="{name}" style="position:static;white-space:pre"{lang}>{body}</div>'
        )
    body = f'<body><div class="frame"></div><section>{"".join(blocks)}</section></body>'
    atlas = f"{html[:start]}{body}</html>"
    placed = [[(index[key], left, top) for key, left, top in page] for page in pages]
    return Atlas(atlas, lines, placed)


def line_tops(document: Any, lines: list[str]) -> list[float] | None:
    """The top of each line of the laid-out atlas (its second page), CSS pixels; None if
    its lines are not the atlas's texts, one a line, on the one page."""
    from weasyprint.formatting_structure import boxes

    if len(document.pages) != 2:
        return None
    tops, texts = [], []
    for box in document.pages[1]._page_box.descendants():
        if isinstance(box, boxes.LineBox):
            tops.append(box.position_y)
            texts.append("".join(t.text for t in box.descendants() if isinstance(t, boxes.TextBox)))
    return tops if texts == lines else None


def pages(pdf: bytes, atlas: Atlas, tops: list[float]) -> bytes | None:
    """The numbers document's pages, each drawing its boxes' texts as the atlas drew them,
    moved to the boxes' places, with the size of the atlas's first (empty) page."""
    import pikepdf

    source = pikepdf.Pdf.open(io.BytesIO(pdf))
    frame, tall = source.pages
    drawing = pikepdf.parse_content_stream(tall)
    turn = page_turn(pikepdf.parse_content_stream(frame))
    if turn is None or page_turn(drawing) is None or page_scale(drawing) is None:
        return None
    scale = drawing[2]  # WeasyPrint's ``q s 0 0 s 0 0 cm``, as ``page_scale`` found it
    runs = _runs(drawing[3:], tops)
    if runs is None:
        return None
    drawings = []
    for boxes in atlas.pages:
        text = []
        for line, left, top in boxes:
            for state, matrix, shown in runs[line]:
                moved = [
                    *matrix[:4],
                    matrix[4] + Decimal(repr(left)),
                    matrix[5] + Decimal(repr(top - tops[line])),
                ]
                text += state
                text.append(pikepdf.ContentStreamInstruction(moved, pikepdf.Operator("Tm")))
                text += shown
        turned = [1, 0, 0, -1, 0, Decimal(repr(turn))]
        instructions = [
            pikepdf.ContentStreamInstruction(turned, pikepdf.Operator("cm")),
            pikepdf.ContentStreamInstruction([], pikepdf.Operator("q")),
            scale,
        ]
        if text:
            instructions += [pikepdf.ContentStreamInstruction([], pikepdf.Operator("BT")), *text]
            instructions.append(pikepdf.ContentStreamInstruction([], pikepdf.Operator("ET")))
        instructions.append(pikepdf.ContentStreamInstruction([], pikepdf.Operator("Q")))
        drawings.append(instructions)
    return drawn_pages(source, drawings)


Run = tuple[list[Any], list[Decimal], list[Any]]  # the state it needs, its matrix, its showing
_KEYS = {"rg": "fill", "g": "fill", "k": "fill", "sc": "fill", "scn": "fill", "cs": "fill space"}
_KEYS |= {"RG": "stroke", "G": "stroke", "K": "stroke", "SC": "stroke", "SCN": "stroke"}
_KEYS |= {"CS": "stroke space"}


def _runs(instructions: list[Any], tops: list[float]) -> list[list[Run]] | None:
    """The texts of the atlas page by line: each run (a text matrix and what it shows) with
    the state it is drawn in (the colours, graphics and text state in force, its font last);
    None if anything but text is drawn, or a line has no text."""
    stack: list[dict[str, Any]] = [{}]
    runs: list[list[Run]] = [[] for _ in tops]
    current: list[Any] | None = None
    inside = False
    for instruction in instructions:
        operator = str(instruction.operator)
        state = stack[-1]
        if operator == "BT" and not inside:
            inside = True
        elif operator == "ET" and inside:
            inside, current = False, None
        elif operator == "q" and not inside:
            stack.append(dict(state))
        elif operator == "Q" and not inside:
            if len(stack) > 1:
                stack.pop()
        elif inside and operator == "Tm":
            matrix = [Decimal(str(x)) for x in instruction.operands]
            line = _line(float(matrix[5]), tops)
            if line is None:
                return None
            current = []
            runs[line].append(([i for k, i in state.items() if k != "font"], matrix, current))
        elif inside and operator == "Tf":
            state["font"] = instruction
            if current is not None:
                current.append(instruction)
        elif inside and operator in ("TJ", "Tj") and current is not None:
            if not any(str(i.operator) == "Tf" for i in current):
                if "font" not in state:
                    return None
                current.append(state["font"])  # the font in force, set before this run
            current.append(instruction)
        elif operator in _STATE:
            key = _KEYS.get(operator, operator)
            state.pop(key, None)  # set again: applied after what was set before
            state[key] = instruction
        else:
            return None
    if inside or any(not line for line in runs):
        return None
    return runs


def _line(baseline: float, tops: list[float]) -> int | None:
    """The line whose band (from its top to the next line's) holds the baseline."""
    line = bisect.bisect_right(tops, baseline) - 1
    return line if line >= 0 else None
