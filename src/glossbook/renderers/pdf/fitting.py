"""Fitting paragraphs as a compositor would, while WeasyPrint lays a document out.

WeasyPrint breaks lines first-fit and justifies by stretching word spaces only, with no
limit on consecutive hyphenated lines (it has no ``hyphenate-limit-lines``): beside a word
it may not hyphenate, a justified line can be left with a few very wide spaces, and three
or four lines in a row can end in a hyphen.

``render`` lays a document out with WeasyPrint's line iterator wrapped (``_fitted``): each
paragraph's lines (justified, or ragged with automatic hyphenation: there only runs of
hyphens count) are read as WeasyPrint makes them, up to the first line that
runs past the page's foot (the lines the page can take, which WeasyPrint would make
anyway). When those lines hold a fault, a justified line whose word spaces are stretched
past ``LOOSE`` (twice the normal justified space) or a third hyphenated line in a row, the
same lines are set again in each variant of ``VARIANTS`` in turn (a slightly tighter or
looser word space, other hyphenation limits: what a compositor does by hand), and the
first variant without a fault is kept (with none, the setting with the fewest faults). A
variant is a copy of the paragraph's styles, so the text is drawn as it was measured.

Only the faulty paragraphs cost more (their lines on one page, set again a few times: a
variant is given up at the line where it has as many faults as the best setting so far), no
document is laid out twice, and the rule is local to a paragraph and its page: the book
laid out as one document and its chapters laid out alone get the same lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import partial
from typing import Any

# A justified line is loose when its word spaces, stretched, are wider than this, in ems of
# its text: about twice the normal justified space (about 0.33 em in Libertine), with a
# margin (the space itself is ``SPACE`` before stretching).
LOOSE = 0.62
SPACE = 0.25
LONGEST_RUN = 2  # consecutive hyphenated lines allowed
HYPHENS = ("\u2010", "-", "\u00ad")

# Ways to set a paragraph's lines again, gentlest first: (word spacing in em, letter
# spacing in em, hyphenate-limit-chars or None for the paragraph's own).
NO_HYPHENS = (99, 99, 99)  # no word is long enough to be hyphenated
Variant = tuple[float, float, tuple[int, int, int] | None]
VARIANTS: tuple[Variant, ...] = (
    (-0.03, 0.0, None),
    (-0.06, 0.0, None),
    (0.0, 0.0, (5, 2, 2)),
    (0.03, 0.0, None),
    (-0.03, 0.0, (5, 2, 2)),
    (0.0, 0.0, (8, 3, 3)),
    (-0.09, 0.0, None),
    (-0.06, 0.0, (5, 2, 2)),
    (0.06, 0.0, None),
    (0.0, 0.0, NO_HYPHENS),
    (0.03, 0.0, NO_HYPHENS),
    (-0.06, 0.0, NO_HYPHENS),
    (-0.03, -0.01, None),
    (0.0, 0.01, None),
    (-0.06, -0.02, None),
)

Lines = Callable[..., Iterator[tuple[Any, Any]]]


def render(html: Any, **options: Any) -> Any:
    """``html.render(**options)``, its justified paragraphs fitted (see the module)."""
    _install()
    token = _ACTIVE.set(True)
    try:
        return html.render(**options)
    finally:
        _ACTIVE.reset(token)


_ACTIVE: ContextVar[bool] = ContextVar("fitting", default=False)


def _install() -> None:
    """Have WeasyPrint's block layout take its lines from ``_fitted`` (once per process;
    it fits only inside ``render``, in the thread that calls it)."""
    from weasyprint.layout import block

    if not isinstance(block.iter_line_boxes, partial):
        block.iter_line_boxes = partial(_fitted, block.iter_line_boxes)


def _fitted(
    lines: Lines,
    context: Any,
    box: Any,
    position_y: float,
    bottom_space: float,
    skip_stack: Any,
    *rest: Any,
) -> Iterator[tuple[Any, Any]]:
    """WeasyPrint's ``iter_line_boxes`` for ``box`` (a block's line box, the lines of one
    paragraph from ``skip_stack`` on), its lines on this page fitted."""
    justified = box.style["text_align_all"] == "justify"
    if not _ACTIVE.get() or not (justified or box.style["hyphens"] == "auto"):
        yield from lines(context, box, position_y, bottom_space, skip_stack, *rest)
        return
    own = _own_styles(box)
    _restyle(own, None)

    def page_of_lines(
        limit: float = float("inf"),
    ) -> tuple[list[tuple[Any, Any]], Iterator[tuple[Any, Any]], int]:
        """The lines on this page, their generator and their faults; with ``limit``, only
        up to the line that brings the faults to it (such a setting is not kept)."""
        it = lines(context, box, position_y, bottom_space, skip_stack, *rest)
        taken = []
        count = _Faults()
        for line, resume in it:
            taken.append((line, resume))
            if count.add(line) >= limit:
                break
            if resume is None or context.overflows_page(
                bottom_space, line.position_y + line.height
            ):
                break
        return taken, it, count.faults

    taken, it, faults = page_of_lines()
    if faults:
        best, fewest = None, faults
        for variant in VARIANTS:
            _discard(context, taken, rest)
            _restyle(own, variant)
            # A setting with as many faults as the best so far is not kept: its lines
            # past the one that shows it are not set.
            taken, it, faults = page_of_lines(limit=fewest)
            if not faults:
                break
            if faults < fewest:
                best, fewest = variant, faults
        else:  # none is perfect: the one with the fewest faults
            _discard(context, taken, rest)
            _restyle(own, best)
            taken, it, _ = page_of_lines()
    yield from taken
    yield from it


def _own_styles(box: Any) -> list[tuple[Any, Any]]:
    """The boxes of a paragraph's line box that set text (itself and its inline boxes),
    each with its own style (the one it had before any variant)."""
    from weasyprint.formatting_structure import boxes

    found = []
    stack = [box]
    while stack:
        current = stack.pop()
        if not hasattr(current, "_fitting_style"):
            current._fitting_style = current.style
        found.append((current, current._fitting_style))
        if isinstance(current, (boxes.LineBox, boxes.InlineBox)):
            stack.extend(current.children)
    return found


def _restyle(own: list[tuple[Any, Any]], variant: Variant | None) -> None:
    """Give the boxes their own styles back, or copies set in ``variant``."""
    for current, style in own:
        if variant is None:
            current.style = style
            continue
        words, letters, limits = variant
        size = style["font_size"]
        copy = style.copy()
        copy["word_spacing"] = style["word_spacing"] + words * size
        letter = style["letter_spacing"]
        copy["letter_spacing"] = (0 if letter == "normal" else letter) + letters * size
        if letter == "normal" and not letters:
            copy["letter_spacing"] = "normal"
        if limits is not None and style["hyphens"] == "auto":
            copy["hyphenate_limit_chars"] = limits
        current.style = copy


def _discard(context: Any, taken: list[tuple[Any, Any]], rest: tuple[Any, ...]) -> None:
    """Let lines that will not be used go (as WeasyPrint does with lines it drops)."""
    from weasyprint.layout.block import remove_placeholders

    absolute_boxes, fixed_boxes = rest[1], rest[2]
    remove_placeholders(context, [line for line, _ in taken], absolute_boxes, fixed_boxes)


class _Faults:
    """The faults of a paragraph's lines so far, a line at a time: loose lines, and each
    hyphenated line past the second in a row."""

    def __init__(self) -> None:
        self.faults = 0
        self.run = 0  # hyphenated lines in a row up to the last line

    def add(self, line: Any) -> int:
        """Count ``line`` in; the faults so far."""
        texts = list(_texts(line))
        if not texts:
            self.run = 0
            return self.faults
        end = texts[-1].text.rstrip()
        if len(end) > 1 and end.endswith(HYPHENS):
            self.run += 1
            self.faults += self.run > LONGEST_RUN
        else:
            self.run = 0
        spacing = max(box.justification_spacing for box in texts)
        if spacing:
            size = texts[-1].style["font_size"]
            spaces = sum(box.text.count(" ") for box in texts)
            self.faults += spaces >= 2 and spacing + SPACE * size > LOOSE * size
        return self.faults


def _texts(box: Any) -> Iterator[Any]:
    from weasyprint.formatting_structure import boxes

    for child in box.children:
        if isinstance(child, boxes.TextBox):
            if child.text.strip():
                yield child
        elif isinstance(child, boxes.InlineBox):
            yield from _texts(child)
