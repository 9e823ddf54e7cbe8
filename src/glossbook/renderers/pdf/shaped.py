"""A line's text shaped once, for its layout and its drawing.

WeasyPrint shapes each line's text with Pango to lay the line out (``split_first_line``, its
text cut to the line by ``first_line_metrics``), then lets the Pango layout go
(``Layout.deactivate``), and when it draws the line makes the layout anew, shaping the text
again (``Layout.reactivate``): with the spacing a justified line adds between its words.
Where a line adds none (a line set flush left or right, centred, or the last line of a
justified paragraph: every line of an index), the layout it makes to draw is the layout it
let go, the same text in the same style.

``install`` has the layout that ``first_line_metrics`` made kept from the line's layout to
its drawing, and given back to draw a line of its text box that adds no spacing, in the
style it was made in; any other line (a justified one, whose box WeasyPrint gives a new
layout, or a box drawn twice) is shaped again as WeasyPrint does. The same PDF, to the
byte; a kept layout lives until its line is drawn, or dropped with its box.
"""

from __future__ import annotations

import inspect
from typing import Any

# The parameters of WeasyPrint's ``first_line_metrics``: the layout is its third.
_PARAMETERS = [
    "first_line", "text", "layout", "resume_at", "space_collapse", "style", "hyphenated",
    "hyphenation_character",
]  # fmt: skip


def install() -> None:
    """Have WeasyPrint keep each line's Pango layout for its drawing (once per process); not
    with a WeasyPrint whose ``first_line_metrics`` takes other parameters, or whose text
    layout lacks what this module stands in for (then it shapes each line again to draw
    it)."""
    from weasyprint.text import line_break

    layout = line_break.Layout
    if getattr(layout, "_shaped_once", False):
        return
    if list(inspect.signature(line_break.first_line_metrics).parameters) != _PARAMETERS:
        return
    if not all(callable(getattr(layout, name, None)) for name in ("deactivate", "reactivate")):
        return
    metrics, deactivate, reactivate = (
        line_break.first_line_metrics,
        layout.deactivate,
        layout.reactivate,
    )

    def kept_metrics(first_line: Any, text: str, made: Any, *args: Any, **kwargs: Any) -> Any:
        made._keep = True  # its ``deactivate``, at the end of ``metrics``, keeps it
        return metrics(first_line, text, made, *args, **kwargs)

    def kept_deactivate(self: Any) -> None:
        state = self.__dict__
        if state.pop("_keep", False):
            state["_kept"] = (self.layout, self.language, self.style)
        else:
            state.pop("_kept", None)
        deactivate(self)

    def kept_reactivate(self: Any, style: Any) -> None:
        kept = self.__dict__.pop("_kept", None)
        if kept is not None and kept[2] is style and not self.justification_spacing:
            self.layout, self.language, self.style = kept
            return
        reactivate(self, style)

    kept_metrics.__wrapped__ = metrics  # type: ignore[attr-defined]
    kept_deactivate.__wrapped__ = deactivate  # type: ignore[attr-defined]
    kept_reactivate.__wrapped__ = reactivate  # type: ignore[attr-defined]
    line_break.first_line_metrics = kept_metrics
    layout.deactivate = kept_deactivate
    layout.reactivate = kept_reactivate
    layout._shaped_once = True
