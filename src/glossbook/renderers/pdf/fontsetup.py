"""A text's Pango set-up made once for its font, not once for each line.

Each time WeasyPrint measures or draws a piece of text, it sets a Pango layout up from the
text's style (``Layout.setup``): a Pango context for the text's language and direction, a
font description from its font's family, style, stretch, weight, size and variant, its
OpenType features, and with a decoration the font's metrics. A chapter sets up some ten
thousand layouts for a few dozen fonts. And each time a line box or an inline box is laid
out, WeasyPrint finds its style's strut (``strut``: the line height and baseline of its
font) under a key made as a string of fourteen of its values.

``install`` has each of these made once and reused, for the document being laid out:

- the Pango context, for the font configuration, direction and language (a layout holds its
  own reference to its context, which nothing changes once it is made);
- the font description, for the values it is made of (a layout copies the description it is
  given);
- the OpenType features, for the values they are made of (each layout still gets an
  attribute list of its own, which WeasyPrint changes when it adds spacing);
- the font's metrics, for its context and description;
- a style's strut, for the style (kept with it, so that no other style takes its place;
  WeasyPrint copies a style before it changes one).

``clear`` forgets them (after each document). Installed only over the very functions this
module knows (by a digest of their source): with any other WeasyPrint, its own set-up is
used. The same PDF, to the byte.
"""

from __future__ import annotations

import importlib
from typing import Any

from .sources import same_source

# Digests of the sources of WeasyPrint's ``Layout.setup`` and ``strut`` this module stands
# in for.
_SOURCES = {"setup": "fb227a55094f41d4", "strut": "b57885b70dd08efe"}
# The modules that call ``strut``, each by its own name for it.
_STRUT_CALLERS = (
    "weasyprint.text.line_break",
    "weasyprint.layout.inline",
    "weasyprint.css.units",
    "weasyprint.css.computed_values",
)
_MISSING = object()

_CONTEXTS: dict[tuple[Any, ...], tuple[Any, Any]] = {}  # (fonts, direction, lang) → context
_DESCRIPTIONS: dict[tuple[Any, ...], Any] = {}  # font values → font description
_FEATURES: dict[tuple[Any, ...], bytes | None] = {}  # feature values → their setting
_METRICS: dict[tuple[Any, ...], tuple[float, ...]] = {}
_STRUTS: dict[int, tuple[Any, tuple[float, float]]] = {}  # style id → (style, strut)


def install() -> None:
    """Have WeasyPrint's text set-up made once per font (once per process); not with a
    WeasyPrint whose ``Layout.setup`` or ``strut`` is not the one this module knows."""
    from weasyprint.text import line_break

    layout = line_break.Layout
    if getattr(layout, "_fonts_kept", False):
        return
    layout._fonts_kept = True
    if not (
        same_source(layout.setup, _SOURCES["setup"])
        and same_source(line_break.strut, _SOURCES["strut"])
    ):
        return
    layout.setup = _setup_for(layout.setup)
    strut = line_break.strut

    def kept_strut(style: Any) -> Any:
        kept = _STRUTS.get(id(style))
        if kept is not None and kept[0] is style:
            return kept[1]
        result = strut(style)
        _STRUTS[id(style)] = (style, result)
        return result

    kept_strut.__wrapped__ = strut  # type: ignore[attr-defined]
    for name in _STRUT_CALLERS:
        module = importlib.import_module(name)
        if getattr(module, "strut", None) is strut:
            module.strut = kept_strut


def clear() -> None:
    """Forget what was made for the last document."""
    for kept in (_CONTEXTS, _DESCRIPTIONS, _FEATURES, _METRICS, _STRUTS):
        kept.clear()


def _setup_for(setup: Any) -> Any:
    """WeasyPrint's ``Layout.setup`` (``setup``), its context, font description, features
    and metrics made once for their values."""
    from weasyprint.text.constants import LST_TO_ISO, PANGO_DIRECTION
    from weasyprint.text.ffi import FROM_UNITS, ffi, gobject, pango, unicode_to_char_p
    from weasyprint.text.fonts import font_features, get_font_description

    metric_getters = (
        pango.pango_font_metrics_get_ascent,
        pango.pango_font_metrics_get_underline_position,
        pango.pango_font_metrics_get_strikethrough_position,
        pango.pango_font_metrics_get_underline_thickness,
        pango.pango_font_metrics_get_strikethrough_thickness,
    )

    def context_for(place: tuple[Any, str, str | None]) -> tuple[Any, Any]:
        font_config, direction, lang = place
        context = ffi.gc(
            pango.pango_font_map_create_context(font_config.font_map), gobject.g_object_unref
        )
        pango.pango_context_set_round_glyph_positions(context, False)
        pango.pango_context_set_base_dir(context, PANGO_DIRECTION[direction])
        lang_p, encoded = unicode_to_char_p(lang) if lang else (None, b"")
        if encoded:
            language = pango.pango_language_from_string(lang_p)
            pango.pango_context_set_language(context, language)
        else:
            language = pango.pango_language_get_default()
        made = _CONTEXTS[place] = (context, language)
        return made

    def description_for(font: tuple[Any, ...], style: Any) -> Any:
        try:
            description = _DESCRIPTIONS.get(font)
        except TypeError:  # a value that cannot be a key
            return get_font_description(style)
        if description is None:
            description = _DESCRIPTIONS[font] = get_font_description(style)
        return description

    def setting_of(values: tuple[Any, ...]) -> bytes | None:
        features = font_features(*values)
        return ",".join(f"{key} {value}" for key, value in features.items()).encode() or None

    def features_for(values: tuple[Any, ...]) -> bytes | None:
        try:
            setting = _FEATURES.get(values, _MISSING)
        except TypeError:  # a value that cannot be a key
            return setting_of(values)
        if setting is _MISSING:
            setting = _FEATURES[values] = setting_of(values)
        return setting  # type: ignore[return-value]

    def metrics_for(key: tuple[Any, ...], context: Any, description: Any, language: Any) -> Any:
        measured = ffi.gc(
            pango.pango_context_get_metrics(context, description, language),
            pango.pango_font_metrics_unref,
        )
        metrics = _METRICS[key] = tuple(FROM_UNITS * get(measured) for get in metric_getters)
        return metrics

    def kept_setup(self: Any, style: Any) -> None:
        self.style = style
        self.first_line_direction = 0
        font_config = style.font_config
        override = style["font_language_override"]
        if override != "normal":
            lang = LST_TO_ISO.get(override.lower(), override)
        else:
            lang = style["lang"] or None
        place = (font_config, style["direction"], lang)
        context, self.language = _CONTEXTS.get(place) or context_for(place)

        family = style["font_family"]
        assert not isinstance(family, str), "font_family should be a list"
        font = (
            tuple(family), style["font_style"], style["font_stretch"], style["font_weight"],
            style["font_size"], style["font_variant_caps"], style["font_variation_settings"],
        )  # fmt: skip
        description = description_for(font, style)
        self.layout = ffi.gc(pango.pango_layout_new(context), gobject.g_object_unref)
        pango.pango_layout_set_auto_dir(self.layout, False)
        pango.pango_layout_set_font_description(self.layout, description)

        if style["text_decoration_line"] != "none":
            key = (place, font)
            metrics = _METRICS.get(key) or metrics_for(key, context, description, self.language)
            (
                self.ascent, self.underline_position, self.strikethrough_position,
                self.underline_thickness, self.strikethrough_thickness,
            ) = metrics  # fmt: skip
        else:
            self.ascent = None
            self.underline_position = None
            self.strikethrough_position = None

        features = features_for((
            style["font_kerning"], style["font_variant_ligatures"],
            style["font_variant_position"], style["font_variant_caps"],
            style["font_variant_numeric"], style["font_variant_alternates"],
            style["font_variant_east_asian"], style["font_feature_settings"],
        ))  # fmt: skip
        if features:
            attr = font_config.font_features.get(features)
            if attr is None:
                attr = pango.pango_attr_font_features_new(features)
                font_config.font_features[features] = attr
            attr_list = pango.pango_attr_list_new()
            pango.pango_attr_list_insert(attr_list, attr)
            pango.pango_layout_set_attributes(self.layout, attr_list)

    kept_setup.__wrapped__ = setup  # type: ignore[attr-defined]
    return kept_setup
