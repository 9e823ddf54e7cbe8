"""A style's inherited and initial values taken at once.

WeasyPrint computes an element's style lazily, a property the first time it is read
(``ComputedStyle.__missing__``): some thirty checks and lookups a property, whatever its
value. Most properties an element's style is asked for are not in its cascade: an inherited
one takes its parent's value, any other its initial value, and nothing else happens to
either (not a property WeasyPrint treats apart, not one a logical property of the cascade
sets, not a value to compute).

``install`` has those two cases answered first, as WeasyPrint answers them, and every other
property (in the cascade, set through a logical property, the root element's, a decoration,
``page``, ``position``, ``float``, ``display``, an initial value to compute, a value with a
math function) computed by WeasyPrint's own code. Installed only over the very function this
module knows (by a digest of its source). The same PDF, to the byte.
"""

from __future__ import annotations

from typing import Any

from .sources import same_source

# A digest of the source of WeasyPrint's ``ComputedStyle.__missing__``.
_SOURCE = "b318d8efc8ac79d7"
# Values that hold no math function (``check_math`` looks into tuples and tokens).
_PLAIN = (str, int, float, type(None))


def install() -> None:
    """Have inherited and initial values taken at once (once per process); not with a
    WeasyPrint whose ``ComputedStyle.__missing__`` is not the one this module knows."""
    from weasyprint import css

    style = css.ComputedStyle
    missing = style.__dict__["__missing__"]
    if getattr(missing, "__wrapped__", None) is not None:
        return
    if same_source(missing, _SOURCE):
        style.__missing__ = _missing_for(missing)


def _missing_for(missing: Any) -> Any:
    from weasyprint.css import (
        INHERITED,
        INITIAL_NOT_COMPUTED,
        INITIAL_VALUES,
        PHYSICAL_FUNCTIONS,
        check_math,
    )

    # The properties answered here: whether each is inherited, and for a physical property
    # the function that names its logical property (by direction).
    apart = {"float", "display", "position", "page"}
    kinds: dict[str, tuple[bool, Any]] = {}
    for key in INITIAL_VALUES:
        inherited = key in INHERITED
        if key in apart or key[:16] == "text_decoration_":
            continue
        if not inherited and key in INITIAL_NOT_COMPUTED:
            continue
        kinds[key] = (inherited, PHYSICAL_FUNCTIONS.get(key))
    logical: dict[tuple[str, str], str] = {}  # (property, direction) → its logical property

    def taken(self: Any, key: str) -> Any:
        kind = kinds.get(key)
        cascaded = self.cascaded
        parent = self.parent_style
        if kind is None or key in cascaded or parent is None:
            return missing(self, key)
        inherited, physical = kind
        if physical is not None:
            direction = self["direction"]
            name = logical.get((key, direction))
            if name is None:
                name = logical[key, direction] = physical(block="ttb", inline=direction)
            if name in cascaded:
                return missing(self, key)
        if inherited:
            value = parent[key]
            if type(value) in _PLAIN or not check_math(value):
                self[key] = value
                return value
            return missing(self, key)
        value = self[key] = INITIAL_VALUES[key]
        return value

    taken.__wrapped__ = missing  # type: ignore[attr-defined]
    return taken
