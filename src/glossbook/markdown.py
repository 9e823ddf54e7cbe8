"""Markdown → HTML fragments, parsed once, shared by every renderer.

CommonMark (markdown-it-py) with tables, footnotes, definition lists and inline attributes
(mdit-py-plugins), plus the book's own syntax:

- cross-references ``[[Entry Title]]``, ``[[slug|shown text]]``;
- citations in pandoc syntax: ``[@key, p. 12]``, ``[-@key]``, ``[@a; @b]``, narrative ``@key``;
- an image alone in its paragraph is a figure: ``![alt text](figures/x.svg "Caption")``
  (the alt text is the caption when there is no title; ``alt=""`` is a decorative image);
- headings are sections under the entry's title, their levels normalised so they never skip.

What needs the whole book (which entry a cross-reference names, figure numbers, formatted
citations) is left as a placeholder element, recorded with its line, for the passes to fill.
Raw HTML follows the book's ``[markdown] raw_html`` policy (``rawhtml.py``): sanitized by an
allow-list (default), shown as text, or an error. Remote images follow ``[images] remote``
(``remote.py``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from . import rawhtml, remote, tables
from .csl import KEY, extract_keys
from .errors import Problems
from .images import check_image
from .model import Citation, Figure, Heading, IndexMark, Xref
from .remote import RemoteError, RemoteImages
from .slugs import slugify, unique

_NARRATIVE = re.compile(rf"@{KEY}(\s?\[[^\]\[@]*\])?")

QUOTES = {
    "en": "“”‘’",
    "de": "„“‚‘",
    "fr": ["«\u202f", "\u202f»", "‹\u202f", "\u202f›"],
    "sv": "””’’",
    "it": "«»“”",
    "es": "«»“”",
    "nl": "“”‘’",
    "ru": "«»„“",
}

XREF_PLACEHOLDER = re.compile(r'<a class="xref" data-xref="(\d+)"></a>')
CITE_PLACEHOLDER = re.compile(r'<span class="citation" data-cite="(\d+)">.*?</span>', re.S)
FIGURE_PLACEHOLDER = re.compile(r'<span class="figure-number" data-figure="(\d+)"></span>')


@dataclass
class Fragment:
    """The HTML of one document (or one inline value) and what it asks the passes to fill."""

    html: str
    definition: str = ""
    headings: list[Heading] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    xrefs: list[Xref] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    index_marks: list[IndexMark] = field(default_factory=list)
    assets: dict[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class DocContext:
    """The document a text belongs to, as rendering needs it (its body and its infobox
    values share one)."""

    anchor: str  # the document's id: footnote and heading ids are made under it
    display: str  # the file as messages name it
    root: Path  # the book's folder
    folder: Path  # the file's folder: relative image paths start there
    problems: Problems


@dataclass
class _DocState:
    anchor: str
    display: str
    base_line: int
    root: Path
    folder: Path
    problems: Problems
    fragment: Fragment
    line: int = 0  # file line of the block being parsed inline
    heading_ids: set[str] = field(default_factory=set)
    raw_html: str = "sanitize"
    remote: RemoteImages | None = None


def cite_keys(cluster: str) -> list[str]:
    """The citation keys in a raw cluster (``[see @a, p. 2; @b]`` → ``["a", "b"]``)."""
    if not cluster.startswith("["):
        match = _NARRATIVE.match(cluster)
        return [match.group("braced") or match.group("plain")] if match else []
    return extract_keys(cluster[1:-1])


class MarkdownRenderer:
    """A configured parser: one per book (its language sets the quotation marks)."""

    def __init__(
        self,
        language: str = "en",
        *,
        raw_html: str = "sanitize",
        remote: RemoteImages | None = None,
    ) -> None:
        base = language.split("-")[0].lower()
        self.language = language
        self.raw_html = raw_html
        self.remote = remote
        md = MarkdownIt(
            "commonmark",
            {
                "html": raw_html != "escape",
                "typographer": True,
                "quotes": QUOTES.get(base, QUOTES["en"]),
            },
            renderer_cls=_SanitizingRenderer,
        )
        md.enable(["table", "strikethrough", "replacements", "smartquotes"])
        md.use(footnote_plugin)
        md.use(deflist_plugin)
        md.use(attrs_plugin, spans=True, allowed=("id", "class", "index", "lang"))
        md.inline.ruler.before("link", "xref", _xref_rule)
        md.inline.ruler.before("link", "citation", _cluster_rule)
        md.inline.ruler.before("link", "narrative_citation", _narrative_rule)
        md.core.ruler.at("inline", _inline_with_lines)
        md.core.ruler.after("inline", "book_raw_html", _raw_html_rule)
        md.core.ruler.after("book_raw_html", "book_headings", _heading_rule)
        md.core.ruler.after("book_headings", "book_figures", _figure_rule)
        md.core.ruler.after("book_figures", "book_index_marks", _index_rule)
        md.core.ruler.after("book_index_marks", "book_tables", _table_rule)
        md.core.ruler.after("book_tables", "book_block_ids", _block_id_rule)
        md.add_render_rule("xref", _render_xref)
        md.add_render_rule("citation", _render_citation)
        md.add_render_rule("image", _render_image)
        md.add_render_rule("paragraph_open", _render_paragraph_open)
        md.add_render_rule("paragraph_close", _render_paragraph_close)
        self.md = md

    def render(
        self, text: str, doc: DocContext, *, base_line: int, fragment: Fragment | None = None
    ) -> Fragment:
        """Render a document body. ``base_line`` is the file line of the text's first line."""
        fragment = fragment or Fragment(html="")
        state = self._state(doc, base_line, fragment)
        text = tables.repair_delimiter_rows(text, doc.display, base_line, doc.problems)
        env: dict[str, Any] = {"docId": doc.anchor, "glossbook": state}
        tokens = self.md.parse(text, env)
        fragment.html = self.md.renderer.render(tokens, self.md.options, env)
        fragment.definition = _lead_text(tokens)
        return fragment

    def render_inline(self, text: str, doc: DocContext, *, line: int, fragment: Fragment) -> str:
        """Render one line of inline Markdown (an infobox value) into ``fragment``'s lists."""
        state = self._state(doc, line, fragment)
        state.line = line
        env: dict[str, Any] = {"docId": doc.anchor, "glossbook": state}
        return self.md.renderInline(text, env)

    def _state(self, doc: DocContext, base_line: int, fragment: Fragment) -> _DocState:
        state = _DocState(
            doc.anchor, doc.display, base_line, doc.root, doc.folder, doc.problems, fragment
        )
        state.raw_html, state.remote = self.raw_html, self.remote
        return state


class _SanitizingRenderer(RendererHTML):
    """markdown-it's renderer, passing raw HTML through the allow-list sanitizer.

    An element may open in one token and close in another (``<sup>`` … ``</sup>``, or a
    ``<details>`` block around Markdown paragraphs), so the sanitizer sees the raw HTML of a
    whole document (or paragraph) at once, with the Markdown-made HTML between the raw
    pieces standing as placeholders; the placeholders are then filled back in.
    """

    def render(self, tokens: Any, options: Any, env: Any) -> str:
        if not any(t.type == "html_block" for t in tokens):
            return super().render(tokens, options, env)
        return self._sanitized(tokens, options, env, "html_block")

    def renderInline(self, tokens: Any, options: Any, env: Any) -> str:
        if not any(t.type == "html_inline" for t in tokens):
            return super().renderInline(tokens, options, env)
        return self._sanitized(tokens, options, env, "html_inline")

    def _sanitized(self, tokens: Any, options: Any, env: Any, raw_type: str) -> str:
        parts: list[tuple[bool, str]] = []
        for i, token in enumerate(tokens):
            if token.type == raw_type:
                parts.append((True, token.content))
            elif token.type == "inline":
                parts.append((False, self.renderInline(token.children or [], options, env)))
            elif token.type in self.rules:
                parts.append((False, self.rules[token.type](tokens, i, options, env)))
            else:
                parts.append((False, self.renderToken(tokens, i, options, env)))
        return _sanitized(parts)


_HOLE = re.compile("\ue000(\\d+)\ue001")


def _sanitized(parts: list[tuple[bool, str]]) -> str:
    """Sanitize the raw pieces of ``parts`` (raw?, html) together, Markdown's own HTML kept."""
    made: list[str] = []
    pieces: list[str] = []
    after_hole = False
    for raw, text in parts:
        if raw:
            pieces.append(text)
        elif after_hole:
            made[-1] += text
        else:
            made.append(text)
            pieces.append(f"\ue000{len(made) - 1}\ue001")
        after_hole = not raw
    cleaned = rawhtml.sanitize("".join(pieces))
    return _HOLE.sub(lambda m: made[int(m.group(1))], cleaned)


# --- core rules -------------------------------------------------------------------------


def _inline_with_lines(state: StateCore) -> None:
    """markdown-it's inline stage, telling inline rules the file line of each block."""
    doc: _DocState | None = state.env.get("glossbook")
    for token in state.tokens:
        if token.type == "inline":
            if doc is not None and token.map:
                doc.line = doc.base_line + token.map[0]
            if token.children is None:
                token.children = []
            state.md.inline.parse(token.content, state.md, state.env, token.children)


def _raw_html_rule(state: StateCore) -> None:
    """Raw HTML by the book's policy: warn about what the sanitizer drops, or (policy
    ``error``) report any raw HTML but comments as an error."""
    doc: _DocState | None = state.env.get("glossbook")
    if doc is None:
        return
    for token in state.tokens:
        line = doc.base_line + (token.map[0] if token.map else 0)
        if token.type == "html_block":
            _check_raw_html(doc, token.content, line)
        elif token.type == "inline":
            if state.inlineMode:
                line = doc.line
            for child in token.children or []:
                if child.type == "html_inline":
                    _check_raw_html(doc, child.content, line)
                if child.type in ("softbreak", "hardbreak"):
                    line += 1
                elif child.type in ("text", "html_inline", "code_inline"):
                    line += child.content.count("\n")


def _check_raw_html(doc: _DocState, raw: str, line: int) -> None:
    if rawhtml.is_comment(raw):
        return  # comments are never published
    if doc.raw_html == "error":
        if raw.lstrip().startswith("</"):
            return  # the element was reported where it opens
        doc.problems.error(
            doc.display,
            line,
            f"raw HTML '{' '.join(raw.split())[:60]}' in the text.",
            'Write it in Markdown, or set raw_html = "sanitize" in [markdown] of glossbook.toml.',
        )
        return
    for offset, what in rawhtml.dropped(raw):
        doc.problems.warning(
            doc.display,
            line + offset,
            f"raw HTML: {what} is not published (dropped).",
            "Only harmless formatting elements are kept (sup, sub, br, abbr, details, ...).",
        )


def _heading_rule(state: StateCore) -> None:
    """Headings are sections under the entry's title: the first one in a body becomes a
    section (h3) whatever its ``#`` count, and each deeper level one step down, so that
    levels never skip. A skip in the source is a warning."""
    doc: _DocState | None = state.env.get("glossbook")
    if doc is None:
        return
    tokens = state.tokens
    open_levels: list[tuple[int, int]] = []  # (level written, level given), outermost first
    given = 3
    warned: set[tuple[int, int]] = set()
    for i, token in enumerate(tokens):
        if token.type == "heading_close":
            token.tag = f"h{given}"
            continue
        if token.type != "heading_open":
            continue
        written = int(token.tag[1])
        while open_levels and open_levels[-1][0] >= written:
            open_levels.pop()
        parent_written = open_levels[-1][0] if open_levels else 1
        given = min(open_levels[-1][1] + 1 if open_levels else 3, 6)
        open_levels.append((written, given))
        if written != parent_written + 1 and (parent_written, written) not in warned:
            warned.add((parent_written, written))
            marks = "#" * written
            doc.problems.warning(
                doc.display,
                doc.base_line + (token.map[0] if token.map else 0),
                f"heading levels skip here ('{marks} ' under "
                + ("the entry's title" if parent_written == 1 else f"a {'#' * parent_written}")
                + f"): it is made a level-{given} heading.",
                "Sections start at '## ', subsections '### ', one level at a time.",
            )
        token.tag = f"h{given}"
        text = _plain_text(tokens[i + 1].children or [])
        anchor = unique(f"{doc.anchor}--{slugify(text) or 'section'}", doc.heading_ids)
        token.attrSet("id", anchor)
        doc.fragment.headings.append(Heading(given, anchor, text))


def _figure_rule(state: StateCore) -> None:
    """Check every image against the book's files; a paragraph of one image is a figure."""
    doc: _DocState | None = state.env.get("glossbook")
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "inline" or doc is None:
            continue
        line = doc.base_line + (token.map[0] if token.map else 0)
        for image in _images(token.children or []):
            src = str(image.attrGet("src") or "")
            if remote.is_remote(src):
                _remote_image(doc, image, src, line)
            else:
                image.attrSet("src", _asset(doc, src, line))
        if i == 0 or tokens[i - 1].type != "paragraph_open" or i + 1 >= len(tokens):
            continue
        children = [c for c in token.children or [] if not (c.type == "text" and not c.content)]
        if len(children) != 1 or children[0].type != "image":
            continue
        image = children[0]
        alt = " ".join(_plain_text(image.children or []).split())
        caption = str(image.attrGet("title") or "") or alt
        if not caption:
            continue  # alt="" and no title: a decorative image, not a numbered figure
        number = len(doc.fragment.figures) + 1
        anchor = str(image.attrGet("id") or f"fig-{doc.anchor}-{number}")
        image.attrs.pop("id", None)
        image.attrs.pop("title", None)
        doc.fragment.figures.append(Figure(anchor=anchor, caption=caption, line=line))
        tokens[i - 1].meta["figure"] = (anchor, number, caption)
        tokens[i + 1].meta["figure"] = True


def _index_rule(state: StateCore) -> None:
    """``[term]{.index}`` and ``[text]{index="main!sub"}`` become anchored index marks."""
    doc: _DocState | None = state.env.get("glossbook")
    if doc is None:
        return
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        line = doc.line if not token.map else doc.base_line + token.map[0]
        children = token.children
        for i, child in enumerate(children):
            if child.type != "span_open":
                continue
            classes = str(child.attrGet("class") or "").split()
            spec = child.attrGet("index")
            if spec is None and "index" not in classes:
                continue
            depth, j = 1, i + 1
            while j < len(children) and depth:
                depth += {"span_open": 1, "span_close": -1}.get(children[j].type, 0)
                j += 1
            text = " ".join(_plain_text(children[i + 1 : j - 1]).split())
            main, _, sub = str(spec or text).partition("!")
            if not main.strip():
                doc.problems.error(
                    doc.display, line, "an index mark with no term.", "Write [term]{.index}."
                )
                continue
            anchor = f"ix-{doc.anchor}-{len(doc.fragment.index_marks) + 1}"
            doc.fragment.index_marks.append(
                IndexMark(" ".join(main.split()), " ".join(sub.split()), anchor, line)
            )
            child.attrs.pop("index", None)
            classes = [c for c in classes if c != "index"] + ["index-mark"]
            child.attrSet("class", " ".join(classes))
            child.attrSet("id", anchor)


def _table_rule(state: StateCore) -> None:
    """Wide tables get a class (print sets them smaller); a paragraph that looks like a pipe
    table but is not one is a warning."""
    doc: _DocState | None = state.env.get("glossbook")
    if doc is None or state.inlineMode:
        return
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type == "table_open":
            columns = 0
            for following in tokens[i + 1 :]:
                if following.type == "th_open":
                    columns += 1
                elif following.type in ("tr_close", "table_close"):
                    break
            if columns >= tables.WIDE:
                token.attrJoin("class", "wide-table")
        elif (
            token.type == "paragraph_open"
            and i + 1 < len(tokens)
            and tables.looks_like_table(tokens[i + 1].content)
        ):
            doc.problems.warning(
                doc.display,
                doc.base_line + (token.map[0] if token.map else 0),
                "this paragraph looks like a pipe table but is not one: it prints as text.",
                "A table is a header row, a delimiter row (| --- | --- |) and body rows, "
                "with a blank line before it.",
            )


BLOCKS = (
    "paragraph_open",
    "bullet_list_open",
    "ordered_list_open",
    "table_open",
    "dl_open",
    "blockquote_open",
    "fence",
    "code_block",
)


def _block_id_rule(state: StateCore) -> None:
    """Give every top-level block an anchor (``<slug>-b<n>``): the print layout reports which
    blocks start on each page, so the ebook can mark where each print page begins."""
    doc: _DocState | None = state.env.get("glossbook")
    if doc is None or state.inlineMode:
        return
    n = 0
    for token in state.tokens:
        if token.level == 0 and token.type in BLOCKS and "figure" not in token.meta:
            n += 1
            if token.attrGet("id") is None:
                token.attrSet("id", f"{doc.anchor}-b{n}")


def _images(children: list[Token]) -> list[Token]:
    found: list[Token] = []
    for child in children:
        if child.type == "image":
            found.append(child)
        elif child.children:
            found.extend(_images(child.children))
    return found


# --- inline rules -----------------------------------------------------------------------


def _line_at(state: StateInline, pos: int) -> int:
    doc: _DocState | None = state.env.get("glossbook")
    if doc is None:
        return 0
    return doc.line + state.src.count("\n", 0, pos)


def _xref_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if not src.startswith("[[", pos):
        return False
    end = src.find("]]", pos + 2)
    if end < 0:
        return False
    inner = src[pos + 2 : end]
    if not inner.strip() or "[" in inner or "\n" in inner.strip():
        return False
    if not silent:
        target, _, text = inner.partition("|")
        doc: _DocState | None = state.env.get("glossbook")
        xref = Xref(
            target=" ".join(target.split()), text=" ".join(text.split()), line=_line_at(state, pos)
        )
        token = state.push("xref", "a", 0)
        if doc is not None:
            doc.fragment.xrefs.append(xref)
            token.meta = {"n": len(doc.fragment.xrefs) - 1, "xref": xref}
        else:
            token.meta = {"n": -1, "xref": xref}
    state.pos = end + 2
    return True


def _cluster_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "[" or src.startswith("[[", pos) or src.startswith("[^", pos):
        return False
    depth, end = 0, -1
    for i in range(pos, len(src)):
        if src[i] == "\\":
            continue
        if src[i] == "[":
            depth += 1
        elif src[i] == "]":
            depth -= 1
            if depth == 0:
                end = i
                break
    if end < 0:
        return False
    raw = src[pos : end + 1]
    if end + 1 < len(src) and src[end + 1] in "([":
        return False  # a link or reference link
    keys = cite_keys(raw)
    if not keys or all(_in_bare_url(raw, raw.find("@" + k)) for k in keys):
        return False
    if not silent:
        _push_citation(state, raw, keys, pos)
    state.pos = end + 1
    return True


def _narrative_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "@":
        return False
    if pos > 0 and (src[pos - 1].isalnum() or src[pos - 1] in "_.+-"):
        return False  # an e-mail address or a word with @ inside
    if getattr(state, "linkLevel", 0) > 0:
        return False  # the text of a link: a citation would be a link inside a link
    if _in_bare_url(src, pos):
        return False  # https://mastodon.social/@someone
    match = _NARRATIVE.match(src, pos)
    if not match:
        return False
    raw = match.group(0)
    if not silent:
        _push_citation(state, raw, [match.group("braced") or match.group("plain")], pos)
    state.pos = match.end()
    return True


def _in_bare_url(src: str, pos: int) -> bool:
    """Whether the ``@`` at ``pos`` is inside a bare URL or address (never a citation)."""
    if pos < 0:
        return False
    start = max(src.rfind(c, 0, pos) for c in " \t\n([<;") + 1
    word = src[start:pos].lower()
    return "://" in word or word.startswith(("www.", "mailto:"))


def _push_citation(state: StateInline, raw: str, keys: list[str], pos: int) -> None:
    doc: _DocState | None = state.env.get("glossbook")
    citation = Citation(raw=" ".join(raw.split()), keys=keys, line=_line_at(state, pos))
    token = state.push("citation", "span", 0)
    token.content = raw
    if doc is not None:
        doc.fragment.citations.append(citation)
        token.meta = {"n": len(doc.fragment.citations) - 1}
    else:
        token.meta = {"n": -1}


# --- render rules -----------------------------------------------------------------------


def _render_xref(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    return f'<a class="xref" data-xref="{tokens[idx].meta["n"]}"></a>'


def _render_citation(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    return (
        f'<span class="citation" data-cite="{token.meta["n"]}">'
        f"{html.escape(token.content, quote=False)}</span>"
    )


def _render_image(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    if "placeholder" in token.meta:
        url, linked = token.meta["placeholder"]
        alt = " ".join(_plain_text(token.children or []).split())
        if linked:
            return remote.linked_placeholder(alt, url)
        text = html.escape(remote.placeholder(alt, url), quote=False)
        return f'<span class="image-placeholder">{text}</span>'
    attrs = [("src", str(token.attrGet("src") or "")), ("alt", _plain_text(token.children or []))]
    attrs += [(k, str(v)) for k, v in token.attrItems() if k not in ("src", "alt")]
    return "<img " + " ".join(f'{k}="{html.escape(v)}"' for k, v in attrs) + " />"


def _render_paragraph_open(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    figure = tokens[idx].meta.get("figure")
    if figure is None:
        return self.renderToken(tokens, idx, options, env)
    anchor, _, _ = figure
    return f'<figure class="figure" id="{html.escape(anchor)}">\n'


def _render_paragraph_close(
    self: Any, tokens: list[Token], idx: int, options: Any, env: Any
) -> str:
    if not tokens[idx].meta.get("figure"):
        return self.renderToken(tokens, idx, options, env)
    opening = next(
        t for t in reversed(tokens[:idx]) if t.type == "paragraph_open" and "figure" in t.meta
    )
    _, number, caption = opening.meta["figure"]
    return (
        '\n<figcaption><span class="figure-label">Figure '
        f'<span class="figure-number" data-figure="{number}"></span>.</span> '
        f"{html.escape(caption, quote=False)}</figcaption>\n</figure>\n"
    )


# --- helpers ----------------------------------------------------------------------------


def _remote_image(doc: _DocState, image: Token, src: str, line: int) -> None:
    """A remote image, by the book's ``[images] remote`` policy (see ``remote.py``)."""
    url = f"https:{src}" if src.startswith("//") else src
    policy = doc.remote.policy if doc.remote else "error"
    scheme = urlparse(url).scheme.lower()
    if policy == "error" or scheme not in remote.SCHEMES:
        doc.problems.error(
            doc.display,
            line,
            f"the image '{src}' is not a file of the book.",
            "Download it into the project (e.g. manuscript/figures/) and link it by path"
            + (
                '; or set remote = "download" or "link" in [images] of glossbook.toml.'
                if scheme in remote.SCHEMES
                else " (only http and https images are fetched)."
            ),
        )
        return
    assert doc.remote is not None
    if policy == "link":
        image.meta["placeholder"] = (url, True)
        doc.problems.warning(
            doc.display,
            line,
            f"the image '{url}' is linked, not embedded: print and ebook show a placeholder.",
            'Set remote = "download" in [images] of glossbook.toml to embed it everywhere.',
        )
        return
    try:
        path = doc.remote.fetch(url)
    except RemoteError as error:
        if doc.remote.offline:
            image.meta["placeholder"] = (url, False)
            doc.problems.warning(
                doc.display,
                line,
                f"the image '{url}' was not downloaded ({error}): every edition shows a "
                "placeholder.",
                "Build without --offline to fetch it.",
            )
            return
        doc.problems.error(
            doc.display,
            line,
            f"could not download the image '{url}': {error}.",
            "Check the address; or build with --offline (a placeholder stands in), or put "
            "the file into the project and link it by path.",
        )
        return
    relative = f"{remote.FOLDER}/{path.name}"
    doc.fragment.assets[relative] = path
    image.attrSet("src", relative)


def _asset(doc: _DocState, src: str, line: int) -> str:
    """Check that an image exists inside the book and return its path from the book root."""
    parsed = urlparse(src)
    path = (doc.folder / unquote(parsed.path)).resolve()
    root = doc.root.resolve()
    if not path.is_relative_to(root):
        doc.problems.error(
            doc.display,
            line,
            f"the image '{src}' lies outside the book's folder.",
            "Move it into the project.",
        )
        return src
    if not path.is_file():
        doc.problems.error(
            doc.display,
            line,
            f"the image '{src}' does not exist.",
            f"Looked for {path.relative_to(root).as_posix()}; check the file name.",
        )
        return src
    relative = path.relative_to(root).as_posix()
    reason = check_image(path)
    if reason:
        doc.problems.error(
            doc.display,
            line,
            f"the image '{src}' cannot be used: {reason}.",
            f"Fix or replace {relative}.",
        )
        return src
    doc.fragment.assets[relative] = path
    return relative


def _plain_text(children: list[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "xref":
            xref: Xref = child.meta["xref"]
            parts.append(xref.text or xref.target)
        elif child.children:
            parts.append(_plain_text(child.children))
    return "".join(parts)


def _lead_text(tokens: list[Token]) -> str:
    """The plain text of the first paragraph that is not a figure: the entry's definition."""
    for i, token in enumerate(tokens):
        if token.type == "paragraph_open" and token.level == 0 and "figure" not in token.meta:
            text = _plain_text(tokens[i + 1].children or [])
            return " ".join(text.split())
    return ""
