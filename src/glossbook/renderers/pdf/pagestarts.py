"""Where each laid-out page begins: the first words of its text and the elements they stand
in, read from WeasyPrint's boxes, so that the EPUB can put the print page's page-break
marker at that very point, inside a paragraph when the page begins mid-paragraph.

Only the page's own flow counts: its running heads and folios (margin boxes), footnote area
and generated content (``::before``, ``::after``, list markers, footnote calls) are not the
book's text. A word hyphenated at a line's end is joined again, without its hyphen.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

WORDS = 12  # at most this many words of a page's beginning


def page_starts(document: Any) -> list[list[str]]:
    """For each page of a WeasyPrint document: ``[first words, id, id, …]``, the ids of the
    elements around the first word, innermost first; ``[]`` for a page with no text."""
    return [_start(page) for page in document.pages]


def _start(page: Any) -> list[str]:
    box = getattr(page, "_page_box", None)
    children = getattr(box, "children", None) or []
    if not children:  # the page's flow is its first child; margin boxes and notes follow
        return []
    text, ids = "", []
    for line, chain, hyphen in _lines(children[0], []):
        if not ids:
            ids = list(dict.fromkeys(reversed(chain)))
        text += line
        if hyphen and text.endswith(hyphen) and not text.endswith(" " + hyphen):
            text = text.removesuffix(hyphen)  # the rest of the word opens the next line
        else:
            text += " "
        if len(text.split()) > WORDS:
            break
    words = text.split()[:WORDS]
    return [" ".join(words), *ids] if words else []


def _lines(box: Any, chain: list[str]) -> Iterator[tuple[str, list[str], str]]:
    """The lines under ``box`` in order: (their text, the ids of the elements around their
    first text, innermost last, the hyphenation character of their last text)."""
    if _generated(box):
        return
    chain = _with_id(box, chain)
    kind = type(box).__name__
    if kind in ("LineBox", "TextBox"):
        texts = list(_texts(box, chain))
        if texts:
            yield "".join(t for t, _, _ in texts), texts[0][1], texts[-1][2]
        return
    for child in getattr(box, "children", None) or []:
        yield from _lines(child, chain)


def _texts(box: Any, chain: list[str]) -> Iterator[tuple[str, list[str], str]]:
    if _generated(box):
        return
    chain = _with_id(box, chain)
    if type(box).__name__ == "TextBox":
        yield box.text, chain, _hyphen(box)
        return
    for child in getattr(box, "children", None) or []:
        yield from _texts(child, chain)


def _generated(box: Any) -> bool:
    return "::" in (getattr(box, "element_tag", "") or "")


def _with_id(box: Any, chain: list[str]) -> list[str]:
    element = getattr(box, "element", None)
    anchor = element.get("id") if element is not None and hasattr(element, "get") else None
    return [*chain, anchor] if anchor and anchor not in chain else chain


def _hyphen(box: Any) -> str:
    try:
        return str(box.style["hyphenate_character"] or "")
    except (AttributeError, KeyError, TypeError):
        return ""


def page_opens(document: Any, anchors: list[list[str]], kind: str = "entry") -> list[str]:
    """For each page of a WeasyPrint document: the id of the element of class ``kind`` that
    opens it (the first box of the page's flow, begun on that page, not continued from the
    page before), or "" (``resume.py`` lays a chapter out again from such a page)."""
    result = []
    for n, page in enumerate(document.pages):
        opened = _opening(getattr(page, "_page_box", None), kind)
        before = anchors[n - 1] if n else []
        result.append(opened if opened and opened not in before else "")
    return result


def _opening(page_box: Any, kind: str) -> str:
    """The id of the outermost element of class ``kind`` on the first-child path of the
    page's flow, or ""."""
    children = getattr(page_box, "children", None) or []
    box = children[0] if children else None
    while box is not None:
        element = getattr(box, "element", None)
        is_element = element is not None and hasattr(element, "get") and not _generated(box)
        if is_element and kind in (element.get("class") or "").split():
            return str(element.get("id") or "")
        inner = getattr(box, "children", None) or []
        box = inner[0] if inner else None
    return ""
