"""A box with nothing to paint behind it, known as such once for its style.

When a page is laid out, WeasyPrint visits every box on it to place its backgrounds
(``layout_box_backgrounds``): it resolves the box's corner radii, looks for a border image, a
mask, background images, a background colour and shadows, and for most boxes (a paragraph,
a line, a run of text) finds none and sets no background. Whether it finds any depends on
the box's style alone, and so do the radii when each corner has a zero radius.

``install`` has that answer kept for each style, for the document being laid out: a box of
a style with square corners, no border image or mask, no background image, a transparent
background colour and no shadow gets its square corners and no background at once, and its
children are visited as WeasyPrint visits them; any other box, and the page, as WeasyPrint
places them. ``clear`` forgets the styles (after each document); a style is kept with its
answer, so that no other style takes its place. Installed only over the very functions this
module knows (by a digest of their source). The same PDF, to the byte.
"""

from __future__ import annotations

from typing import Any

from .sources import same_source

# Digests of the sources of WeasyPrint's ``layout_box_backgrounds`` and
# ``resolve_radii_percentages``.
_SOURCES = ("617a870678c82755", "4980b3798c671710")
_CORNERS = tuple(
    f"border_{corner}_radius" for corner in ("top_left", "top_right", "bottom_right", "bottom_left")
)
_SQUARE = (0, 0)
_BARE: dict[int, tuple[Any, bool]] = {}  # style id → (style, nothing to paint)


def install() -> None:
    """Have bare boxes known by their style (once per process); not with a WeasyPrint whose
    functions are not the ones this module knows."""
    from weasyprint.layout import background, percent

    place = background.layout_box_backgrounds
    if getattr(place, "__wrapped__", None) is not None:
        return
    functions = (place, percent.resolve_radii_percentages)
    if all(same_source(f, digest) for f, digest in zip(functions, _SOURCES, strict=True)):
        background.layout_box_backgrounds = _placing(place)


def clear() -> None:
    """Forget the styles of the last document."""
    _BARE.clear()


def _bare(style: Any) -> bool:
    """Whether a box of this style has square corners and nothing to paint behind it."""
    from weasyprint.draw.color import get_color

    return (
        all((0, "px") in style[corner] for corner in _CORNERS)
        and style["border_image_source"][0] == "none"
        and style["mask_border_source"][0] == "none"
        and not style["box_shadow"]
        and (
            style["visibility"] == "hidden"
            or (
                all(kind != "url" and not value for kind, value in style["background_image"])
                and get_color(style, "background_color").alpha == 0
            )
        )
    )


def _placing(place: Any) -> Any:
    def placed(
        page: Any,
        box: Any,
        get_image_from_uri: Any,
        layout_children: bool = True,
        style: Any = None,
    ) -> None:
        if style is None and box is not page:
            own = box.style
            kept = _BARE.get(id(own))
            if kept is None or kept[0] is not own:
                kept = _BARE[id(own)] = (own, _bare(own))
            if kept[1]:
                for corner in _CORNERS:
                    setattr(box, corner, _SQUARE)
                if layout_children:
                    for child in box.all_children():
                        placed(page, child, get_image_from_uri)
                box.background = None
                return
        place(page, box, get_image_from_uri, layout_children, style)

    placed.__wrapped__ = place  # type: ignore[attr-defined]
    return placed
