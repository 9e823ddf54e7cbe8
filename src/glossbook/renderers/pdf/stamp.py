"""Stamping: a body document laid out once, its page numbers drawn afterwards.

Every body document opens on a recto, so its page styles do not depend on its first folio,
and its cross-references print their page numbers in boxes of fixed width (print.css): the
true numbers cannot move a line. So each body document is laid out once, before any folio is
known, with its numbers left out (``record``, in the worker: the boxes keep their room, their
text is not drawn), and what each number box needs is kept: where it stands, its width,
alignment and font, and what it prints (strings, the page counter, the folio of a link's
target). When every page count is known, a small *numbers* document is made for it
(``numbers_html``): one page per page of the body document, the same size, each number in a
box of the recorded geometry and font, now with its true text; the join draws each of its
pages over the body page (``join.py``). The worker draws it from the atlas of its texts
(``atlas.py``: each text laid out once, a line each, its drawing copied to each of its
boxes), or else lays it out as one tall page, the pages one under the other (``tall_css``),
and cuts that into its pages (``cut``): the same drawing, without WeasyPrint's work for each
page (and, from the atlas, for each box). Its text layer is the whole text of the box, "(p. 12)",
at the place of the box, so a text extraction reads it in place.

A document whose numbers could move lines (a number box of no fixed width, a line of its own
that could wrap, a page number printed by ``target-counter()`` or ``counter(page)`` in the
text, several boxes in one line) is not stampable: ``record`` says so (None) and the plan
lays it out again with its true numbers, as it does for the references and the index.
"""

from __future__ import annotations

import html as htmllib
import io
import re
from decimal import Decimal
from typing import Any

from .drawing import PLACEHOLDER, roman

Stamps = dict[str, Any]  # {"size": [width, height, bleed], "pages": [[box, …], …]}

_GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "math"}
_FORMATS = {"decimal", "lower-roman", "upper-roman"}
_SIDES = ("top", "bottom", "left", "right")
NUMBERS = " (numbers)"  # the name of a numbers document: that of its document, and this
WIDE = 2000  # px: the width of a drawn number's box, wider than any number


class NotStampable(Exception):
    """The document's numbers cannot be drawn afterwards: lay it out with them."""


def record(document: Any, *, only_folios: bool = False) -> Stamps | None:
    """The number boxes of each page of a laid-out WeasyPrint document, their text taken out
    of the box tree (so that writing it draws the boxes without their numbers); None when
    the document is not stampable (then nothing is taken out). ``only_folios``: its folios
    alone, the page numbers in its text left as laid out (true: the index, laid out when
    every page it prints is known, before its own first folio is)."""
    try:
        sizes = {(p.width, p.height, tuple(sorted(p.bleed.values()))) for p in document.pages}
        if len(sizes) != 1:
            raise NotStampable("pages of different sizes")
        width, height, bleeds = sizes.pop()
        if len(set(bleeds)) != 1:
            raise NotStampable("uneven bleed")
        found = [_page(page._page_box, only_folios) for page in document.pages]
    except NotStampable:
        return None
    pages = []
    for boxes in found:
        records = []
        for box, entry in boxes:
            box.children = []  # drawn later, by the numbers document
            records.append(entry)
        pages.append(records)
    return {"size": [width, height, bleeds[0]], "pages": pages}


def _page(page_box: Any, only_folios: bool) -> list[tuple[Any, dict[str, Any]]]:
    from weasyprint.formatting_structure import boxes

    found: list[tuple[Any, dict[str, Any]]] = []
    margins = [b for b in page_box.children if isinstance(b, boxes.MarginBox)]
    for margin in margins:
        items = _content(margin)
        if not _counts_pages(items):
            continue
        if margin.style["width"] == "auto" and _neighbours(margin, margins):
            raise NotStampable("a folio in a box whose width depends on its neighbours")
        found.append((margin, _entry(margin, "folio", "", items)))

    def walk(box: Any) -> None:
        tag = str(getattr(box, "element_tag", ""))
        if tag.endswith(("::before", "::after")):
            items = _content(box)
            if any(kind == "attr()" and value[0] == "data-page" for kind, value in items):
                if only_folios:
                    return
                if not isinstance(box, boxes.InlineBlockBox) or box.style["width"] == "auto":
                    raise NotStampable("a page number in a box of no fixed width")
                if box.style["white_space"] not in ("nowrap", "pre"):
                    raise NotStampable("a page number in a box whose text may wrap")
                href = box.element.get("href", "") if box.element is not None else ""
                found.append((box, _entry(box, "page", href.removeprefix("#"), items)))
                return
            if _counts_pages(items) or any(k.startswith("target-") for k, _ in items):
                raise NotStampable("a page number the layout itself resolves")
        for child in getattr(box, "children", None) or []:
            walk(child)

    for child in page_box.children:
        if not isinstance(child, boxes.MarginBox):
            walk(child)
    return found


def _content(box: Any) -> list[tuple[str, Any]]:
    content = box.style["content"]
    return list(content) if isinstance(content, (list, tuple)) else []


def _counts_pages(items: list[tuple[str, Any]]) -> bool:
    return any(
        kind in ("counter()", "counters()") and value[0] in ("page", "pages")
        for kind, value in items
    )


def _neighbours(margin: Any, margins: list[Any]) -> bool:
    side = next(s for s in _SIDES if margin.at_keyword.startswith(f"@{s}-"))
    return any(
        other is not margin
        and other.at_keyword.startswith(f"@{side}-")
        and not other.at_keyword.endswith("-corner")
        and other.children
        for other in margins
    )


def _entry(box: Any, kind: str, target: str, items: list[tuple[str, Any]]) -> dict[str, Any]:
    """What drawing the box's number takes: its text's parts, place, width and font."""
    from weasyprint.formatting_structure import boxes

    parts: list[list[str]] = []
    for item, value in items:
        if item == "string":
            parts.append(["s", value])
        elif kind == "page" and item == "attr()" and value[0] == "data-page":
            parts.append(["n", ""])
        elif kind == "folio" and item == "counter()" and value[0] == "page":
            if value[1] not in _FORMATS:
                raise NotStampable(f"a folio in {value[1]} figures")
            parts.append(["n", value[1]])
        else:
            raise NotStampable(f"a number box printing {item}")
    lines = [c for c in box.children if isinstance(c, boxes.LineBox)]
    texts = [t for line in lines for t in _texts(line)]
    if len(lines) != 1 or len(texts) != 1:
        raise NotStampable("a number box of other than one line of one text")
    line, text = lines[0], texts[0]
    container = box.style
    style = _font(text.style) + (
        f"text-indent:{_length(container['text_indent'])};"
        f"direction:{container['direction']};"
        f"white-space:{container['white_space']};"
    )
    return {
        "kind": kind,
        "target": target,
        "parts": parts,
        "x": box.content_box_x(),
        "y": line.position_y,
        "width": box.width,
        "align": _text_align(container["text_align_all"], container["direction"]),
        "style": style,
        "lang": text.style["lang"] or "",
    }


def _texts(box: Any) -> list[Any]:
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        return [box]
    if isinstance(box, boxes.AtomicInlineLevelBox):
        raise NotStampable("a box inside a number box")
    return [t for child in getattr(box, "children", None) or [] for t in _texts(child)]


def _text_align(value: str, direction: str) -> str:
    """left, right or center: where the text of a line stands in its box."""
    if value == "center":
        return value
    if value in ("start", "justify"):
        return "right" if direction == "rtl" else "left"
    if value == "end":
        return "left" if direction == "rtl" else "right"
    if value in ("left", "right"):
        return value
    raise NotStampable(f"text-align: {value}")


def _font(style: Any) -> str:
    """The computed style of a text as CSS declarations: what shapes its glyphs."""
    families = ", ".join(
        name if name in _GENERIC else '"' + name.replace('"', "") + '"'
        for name in style["font_family"]
    )
    declarations = {
        "font-family": families,
        "font-size": f"{style['font_size']!r}px",
        "font-weight": str(style["font_weight"]),
        "font-style": _keyword(style["font_style"]),
        "font-stretch": _keyword(style["font_stretch"]),
        "font-variant-caps": _keyword(style["font_variant_caps"]),
        "font-variant-position": _keyword(style["font_variant_position"]),
        "font-variant-numeric": _keywords(style["font_variant_numeric"]),
        "font-variant-ligatures": _keywords(style["font_variant_ligatures"]),
        "font-variant-east-asian": _keywords(style["font_variant_east_asian"]),
        "font-variant-alternates": _keywords(style["font_variant_alternates"]),
        "font-feature-settings": _settings(style["font_feature_settings"]),
        "font-variation-settings": _settings(style["font_variation_settings"]),
        "font-kerning": _keyword(style["font_kerning"]),
        "font-language-override": _override(style["font_language_override"]),
        "letter-spacing": _length(style["letter_spacing"]),
        "word-spacing": _length(style["word_spacing"]),
        "line-height": _line_height(style["line_height"]),
        "text-transform": _keyword(style["text_transform"]),
        "color": _color(style["color"]),
    }
    return "".join(f"{name}:{value};" for name, value in declarations.items())


def _keyword(value: Any) -> str:
    if not isinstance(value, str):
        raise NotStampable(f"an unexpected value {value!r}")
    return value


def _keywords(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return " ".join(value)
    raise NotStampable(f"an unexpected value {value!r}")


def _settings(value: Any) -> str:
    if value == "normal":
        return "normal"
    try:
        return ", ".join(f'"{tag}" {number!r}' for tag, number in value)
    except (TypeError, ValueError):
        raise NotStampable(f"an unexpected value {value!r}") from None


def _override(value: Any) -> str:
    return "normal" if value == "normal" else '"' + _keyword(value).replace('"', "") + '"'


def _length(value: Any) -> str:
    if value == "normal":
        return "normal"
    if isinstance(value, (int, float)):
        return f"{float(value)!r}px"
    unit = getattr(value, "unit", "")
    if unit == "px":
        return f"{float(value.value)!r}px"
    raise NotStampable(f"an unexpected length {value!r}")


def _line_height(value: Any) -> str:
    if value == "normal":
        return "normal"
    unit = getattr(value, "unit", "")
    if unit is None:
        return repr(float(value.value))
    return _length(value)


def _color(value: Any) -> str:
    try:
        red, green, blue = value.to("srgb").coordinates
        alpha = float(value.alpha)
    except (AttributeError, TypeError, ValueError):
        raise NotStampable(f"an unexpected colour {value!r}") from None
    channels = " ".join(f"{100 * float(c)!r}%" for c in (red, green, blue))
    return f"rgb({channels} / {alpha!r})"


# --- the parent: the numbers documents -----------------------------------------------------


def folio_text(number: int, style: str) -> str:
    if style == "lower-roman":
        return roman(number)
    if style == "upper-roman":
        return roman(number).upper()
    return str(number)


def numbers_html(
    stamps: Stamps, first_folio: int, labels: dict[str, str], digits: int, lang: str = ""
) -> str:
    """The numbers document of a stamped body document: one page per page, each number box
    drawn at its place with its true text. The boxes' fonts and alignments are classes of
    the document's own stylesheet, few and shared, their places the only inline styles:
    WeasyPrint parses a style attribute for every element that has one, which cost more
    than laying the numbers out."""
    classes: dict[str, str] = {}
    sections = []
    for n, records in enumerate(stamps["pages"]):
        boxes = []
        for entry in records:
            text = ""
            for kind, value in entry["parts"]:
                if kind == "s":
                    text += value
                elif entry["kind"] == "folio":
                    text += folio_text(first_folio + n, value)
                else:
                    text += labels.get(entry["target"], PLACEHOLDER * digits)
            # A wide box with the same point of alignment: a number wider than the text it
            # stands in for (a box of auto width) overflows on both sides, as when laid out.
            x, align = entry["x"], entry["align"]
            if align == "center":
                x += entry["width"] / 2 - WIDE / 2
            elif align == "right":
                x += entry["width"] - WIDE
            look = f"text-align:{align};{entry['style']}"
            name = classes.setdefault(look, f"n{len(classes)}")
            # A box in the document's language takes it from the document (an attribute
            # the cascade would match on each box).
            own = entry["lang"] and entry["lang"] != lang
            language = f' lang="{htmllib.escape(entry["lang"])}"' if own else ""
            where = f"left:{x!r}px;top:{entry['y']!r}px"
            boxes.append(
                f'<div class="{name}" style="{where}"{language}>{htmllib.escape(text)}</div>'
            )
        sections.append(f"<section>{''.join(boxes)}</section>")
    rules = "".join(f".{name}{{{look}}}" for look, name in classes.items())
    style = f"<style>{rules.replace('<', chr(92) + '3c ')}</style>" if rules else ""
    language = f' lang="{htmllib.escape(lang)}"' if lang else ""
    return (
        f"<!DOCTYPE html><html{language}><head>{style}</head>"
        f'<body><div class="frame"></div>{"".join(sections)}</body></html>'
    )


def numbers_css(stamps: Stamps) -> str:
    """The page of a numbers document: the body document's page size and bleed, no margin
    and nothing in it but its number boxes."""
    width, height, bleed = stamps["size"]
    return (
        f"@page {{ size: {width!r}px {height!r}px; margin: 0; bleed: {bleed!r}px; marks: none; }}\n"
        "html, body { margin: 0; padding: 0; }\n"
        "section { position: relative; height: 0; margin: 0; padding: 0; }\n"
        "section + section { break-before: page; }\n"
        "section > div { position: absolute; margin: 0; padding: 0; border: 0; hyphens: manual;"
        f" width: {WIDE}px; }}\n"
        ".frame { display: none; }\n"
    )


def tall_css(stamps: Stamps) -> str:
    """What lays a numbers document out as two pages (``numbers_css`` then this): an empty
    page of its size, then every page's numbers, the pages one under the other, on one tall
    page, which ``cut`` cuts into the document's pages. WeasyPrint's work for a page (its
    margin boxes, its layout and drawing) was a quarter of a numbers document's."""
    width, height, _ = stamps["size"]
    tall = height * len(stamps["pages"])
    return (
        f"@page {{ size: {width!r}px {tall!r}px; }}\n"
        f"@page :first {{ size: {width!r}px {height!r}px; }}\n"
        f".frame {{ display: block; height: 0; break-after: page; }}\n"
        f"section {{ height: {height!r}px; }}\n"
        "section + section { break-before: auto; }\n"
    )


def font_faces(text: str) -> str:
    """The ``@font-face`` rules of a stylesheet (what a numbers document needs of print.css)."""
    import tinycss2

    rules = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
    faces = [
        rule
        for rule in rules
        if rule.type == "at-rule" and rule.lower_at_keyword == "font-face" and rule.content
    ]
    return "\n".join(tinycss2.serialize([rule]) for rule in faces)


# The operators a numbers document's tall page may have outside its texts: graphics state
# only (anything painted there could not be told to a page).
_STATE = {"q", "Q", "cm", "gs", "rg", "RG", "g", "G", "k", "K", "cs", "CS", "sc", "scn", "SC"}
_STATE |= {"SCN", "w", "J", "j", "M", "d", "ri", "i"}
_Drawn = list[tuple[str, Any, set[int]]]  # ("op", instruction) | ("text", […]) | ("group", …)


def cut(pdf: bytes, html: str) -> tuple[bytes, int] | None:
    """A numbers document laid out with ``tall_css`` (an empty page, then the tall page) as
    the document of its pages (and their count): each page the tall page's drawing of its
    own numbers, moved
    up to its place (the same glyphs at the same places as when each page is laid out
    alone), with the empty page's size. None when the drawing is not as expected: WeasyPrint's
    turn of the page first, nothing but texts painted, each number one text, drawn in the
    order of the pages, on the band of its page."""
    import pikepdf

    counts = [
        len(re.findall(r"<div [^>]*>[^<]+</div>", section))
        for section in re.findall(r"<section>(.*?)</section>", html)
    ]
    source = pikepdf.Pdf.open(io.BytesIO(pdf))
    if len(source.pages) != 2 or not counts:
        return None
    frame, tall = source.pages
    turn = page_turn(pikepdf.parse_content_stream(frame))
    drawing = pikepdf.parse_content_stream(tall)
    if turn is None or page_turn(drawing) is None or (scale := page_scale(drawing)) is None:
        return None
    drawn = _drawn(drawing[1:], turn / scale, len(counts))
    if drawn is None or _counts(drawn, len(counts)) != counts:
        return None
    drawings = []
    for page in range(len(counts)):
        # The tall page turned about its own top, ``page`` pages down: the same as the
        # page's own turn (``turn``) with its numbers ``page`` pages higher.
        moved = [Decimal(1), 0, 0, Decimal(-1), 0, Decimal(repr(turn + page * turn))]
        instructions = [pikepdf.ContentStreamInstruction(moved, pikepdf.Operator("cm"))]
        drawings.append(instructions + _kept(drawn, page))
    return drawn_pages(source, drawings), len(counts)


def drawn_pages(source: Any, drawings: list[list[Any]]) -> bytes:
    """``source`` (an empty page, then a tall one: a numbers document laid out tall) as the
    document of one page per drawing (its instructions), each the size of the empty page
    and with the tall page's resources."""
    import pikepdf

    frame, tall = source.pages
    for instructions in drawings:
        contents = pikepdf.Stream(source, pikepdf.unparse_content_stream(instructions))
        sheet = pikepdf.Dictionary({k: v for k, v in frame.obj.items() if k != "/Parent"})
        sheet.Contents = source.make_indirect(contents)
        sheet.Resources = tall.obj.Resources
        source.pages.append(pikepdf.Page(sheet))
    del source.pages[0:2]
    out = io.BytesIO()
    source.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, deterministic_id=True)
    return out.getvalue()


def page_turn(drawing: list[Any]) -> float | None:
    """The height of WeasyPrint's turn of the page (its first instruction, ``1 0 0 -1 0 h
    cm``), in points."""
    if not drawing or str(drawing[0].operator) != "cm":
        return None
    operands = [float(x) for x in drawing[0].operands]
    return operands[5] if operands[:5] == [1, 0, 0, -1, 0] else None


def page_scale(drawing: list[Any]) -> float | None:
    """Points to CSS pixels: WeasyPrint's ``q s 0 0 s 0 0 cm`` after its turn."""
    if len(drawing) < 3 or [str(i.operator) for i in drawing[1:3]] != ["q", "cm"]:
        return None
    operands = [float(x) for x in drawing[2].operands]
    scale = operands[0]
    return scale if scale > 0 and operands == [scale, 0, 0, scale, 0, 0] else None


def _drawn(instructions: list[Any], height: float, pages: int) -> _Drawn | None:
    """The instructions as a tree of ``q … Q`` groups and texts (``BT … ET``), each text
    with its page (the band of the tall page its text matrix stands on), each group with
    the pages of its texts; None if anything but a text is painted, or the texts are not
    in the order of their pages."""
    stack: list[_Drawn] = [[]]
    text: list[Any] | None = None
    last = 0
    for instruction in instructions:
        operator = str(instruction.operator)
        if text is not None:
            text.append(instruction)
            if operator == "ET":
                ys = [float(i.operands[5]) for i in text if str(i.operator) == "Tm"]
                page = int(ys[0] // height) if ys else -1
                if not last <= page < pages or any(int(y // height) != page for y in ys):
                    return None
                last = page
                stack[-1].append(("text", text, {page}))
                text = None
        elif operator == "BT":
            text = [instruction]
        elif operator == "q":
            stack.append([("op", instruction, set())])
        elif operator == "Q" and len(stack) > 1:
            group = stack.pop()
            group.append(("op", instruction, set()))
            stack[-1].append(("group", group, set().union(*(p for _, _, p in group))))
        elif operator in _STATE - {"q", "Q"}:
            stack[-1].append(("op", instruction, set()))
        else:
            return None
    return stack[0] if len(stack) == 1 and text is None else None


def _counts(drawn: _Drawn, pages: int) -> list[int]:
    """How many texts stand on each page."""
    counts = [0] * pages
    for kind, value, on in drawn:
        if kind == "text":
            counts[next(iter(on))] += 1
        elif kind == "group":
            for page, count in enumerate(_counts(value, pages)):
                counts[page] += count
    return counts


def _kept(drawn: _Drawn, page: int) -> list[Any]:
    """The instructions that draw the page's texts: the graphics state outside any group,
    and the groups with a text of the page (a group with none, graphics state only, goes)."""
    kept = []
    for kind, value, on in drawn:
        if kind == "op":
            kept.append(value)
        elif page in on:
            kept += value if kind == "text" else _kept(value, page)
    return kept
