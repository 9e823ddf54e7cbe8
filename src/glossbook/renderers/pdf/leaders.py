"""Dot leaders drawn as one text a line, not one text a dot.

WeasyPrint fills a ``leader()`` with copies of its text box, one per repetition of the
leader's string, each set right to left from the line's end (so that the dots of every line
stand in the same columns), and draws each copy as a text of its own: shaped by Pango again,
a text object of its own in the PDF. The contents of a 1,000-entry book holds about 50,000
of them, and drawing them was three quarters of its layout.

``install`` has WeasyPrint's leader handling, once it has placed the copies, replace a
leader's copies by one text box of their text repeated, standing where the first copy
stands: Pango sets a repeated string at the sum of its advances, so its dots stand where
the copies stood (the same drawing, a few thousandths of a point apart at most), and a text
extraction reads the same dots.
"""

from __future__ import annotations

from functools import partial
from typing import Any


def install() -> None:
    """Have WeasyPrint's line layout join each leader's copies (once per process)."""
    from weasyprint.layout import inline

    if not isinstance(inline.handle_leader, partial):
        inline.handle_leader = partial(_joined, inline.handle_leader)


def _joined(handle: Any, context: Any, line: Any, containing_block: Any) -> None:
    handle(context, line, containing_block)
    _join(line)


def _join(box: Any) -> bool:
    """Join the copies of the first leader in ``box``, as WeasyPrint finds it (one a line);
    whether there is one."""
    from weasyprint.formatting_structure import boxes

    for child in getattr(box, "children", ()):
        if child.is_leader:
            _join_copies(child)
            return True
        if isinstance(child, boxes.ParentBox) and _join(child):
            return True
    return False


def _join_copies(leader: Any) -> None:
    """One text box for the leader's copies, when they are copies of one text box standing
    side by side."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.text.line_break import Layout

    copies = leader.children
    if len(copies) < 2:
        return
    first = min(copies, key=lambda c: c.position_x)
    step = first.width
    same = all(
        isinstance(c, boxes.TextBox) and c.text == first.text and c.style is first.style
        for c in copies
    )
    span = max(c.position_x for c in copies) - first.position_x
    if not same or abs(span - step * (len(copies) - 1)) > 0.01:
        return
    joined = first.copy()
    joined.text = first.text * len(copies)
    joined.width = step * len(copies)
    layout = Layout(first.style, first.pango_layout.justification_spacing)
    layout.set_text(joined.text)
    layout.deactivate()  # as WeasyPrint leaves its boxes' layouts until they are drawn
    joined.pango_layout = layout
    leader.children = (joined,)
