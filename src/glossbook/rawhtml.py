"""Raw HTML in a manuscript, by policy: an allow-list sanitizer (nh3, i.e. Ammonia).

Authors moving a glossary from a website write a little HTML among their Markdown:
``2<sup>256</sup>``, ``<br>``, ``<details>``, editorial ``<!-- comments -->``. The
elements below render in every edition (HTML, the EPUB's XHTML and WeasyPrint's PDF) and
are kept; comments are never published; everything else (``script``, ``style``,
``iframe``, event attributes, ``javascript:`` URLs, ...) is dropped, and ``dropped()``
names each such thing so the Markdown stage can warn with its file and line.

nh3 does the sanitizing; the standard library's HTML tokenizer only lists what the
sanitizer is about to drop, for the warnings.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

POLICIES = ("sanitize", "escape", "error")

# Structural and inline elements every edition renders.
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code",
        "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em",
        "figcaption", "figure", "hr", "i", "ins", "kbd", "li",
        "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "small", "span",
        "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
        "time", "tr", "u", "ul", "var", "wbr",
    }
)  # fmt: skip
# Elements dropped together with their content: code or styling, never text for a reader.
CONTENT_TAGS = frozenset({"script", "style", "template", "noscript", "iframe", "object"})
GLOBAL_ATTRIBUTES = frozenset({"title", "lang", "dir", "class"})
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": set(GLOBAL_ATTRIBUTES),
    "a": {"href", "hreflang"},
    "abbr": set(),
    "blockquote": {"cite"},
    "col": {"span"},
    "colgroup": {"span"},
    "del": {"cite", "datetime"},
    "details": {"open"},
    "ins": {"cite", "datetime"},
    "ol": {"start", "reversed", "type"},
    "q": {"cite"},
    "td": {"colspan", "rowspan", "headers"},
    "th": {"colspan", "rowspan", "headers", "scope", "abbr"},
    "time": {"datetime"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
URL_ATTRIBUTES = frozenset({"href", "cite"})
# Void elements: nh3 writes ``<br>``, the EPUB's XHTML needs ``<br />``.
_VOID = re.compile(r'<(br|hr|wbr|col)((?:\s+[\w:.-]+(?:="[^"]*")?)*)\s*>')
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


def sanitize(fragment: str) -> str:
    """Keep the allowed elements and attributes of an HTML fragment; drop the rest."""
    cleaned = nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(CONTENT_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        strip_comments=True,
        link_rel=None,
        url_schemes=set(URL_SCHEMES),
        url_relative="deny",  # a page of the old site, not of the book: broken in an EPUB
    )
    return _VOID.sub(r"<\1\2 />", cleaned)


def is_comment(raw: str) -> bool:
    """True for raw HTML that holds nothing but comments (and white space)."""
    return not nh3.clean(raw, tags=set(), strip_comments=True).strip() and "<!--" in raw


def dropped(raw: str) -> list[tuple[int, str]]:
    """What ``sanitize`` will drop from ``raw``: (line offset within ``raw``, description)."""
    finder = _Finder()
    finder.feed(raw)
    finder.close()
    return finder.found


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []

    def _add(self, what: str) -> None:
        self.found.append((self.getpos()[0] - 1, what))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            content = " and its content" if tag in CONTENT_TAGS else ""
            self._add(f"the element <{tag}>{content}")
            return
        allowed = ALLOWED_ATTRIBUTES["*"] | ALLOWED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                self._add(f"the attribute {name}=… of <{tag}>")
            elif name in URL_ATTRIBUTES and value:
                scheme = _SCHEME.match(value)
                if scheme is None:
                    self._add(f'the relative link {name}="{value}" of <{tag}>')
                elif scheme.group(1).lower() not in URL_SCHEMES:
                    self._add(f"the {scheme.group(1)}: link of <{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_pi(self, data: str) -> None:
        self._add("a processing instruction <?…>")

    def unknown_decl(self, data: str) -> None:
        self._add(f"the declaration <!{data[:20]}>")
