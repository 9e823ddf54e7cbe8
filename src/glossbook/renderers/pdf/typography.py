"""Print typography the stylesheet cannot do alone: guide words short enough for the running
head, and URLs that break only where a reader expects a break.

- Guide words: each entry's ``data-guide`` (what print.css puts in the running head with
  ``string-set``) is its title, or its first words when the title is longer than the head has
  room for at the book's trim size: whole words, never cut in the middle, followed by "…".
  The folio has a margin box of its own, so a long guide word can never push it out.
- URLs and DOIs: a link whose text is a URL gets ``<wbr>`` break opportunities after ``/``
  (``//`` as one) and before ``.``, ``?``, ``#``, ``&``, ``=``, ``_`` and ``~`` (the Chicago
  Manual's rule), and print.css sets links ``hyphens: manual``: a URL breaks only there,
  never with an added hyphen a reader would type. Such a link is marked ``data-url``: a
  paragraph holding one is set ragged right (print.css), since a long unbreakable run
  would leave the justified line before it with only a few, very wide, word spaces. The
  ebook and HTML editions are untouched.
"""

from __future__ import annotations

import html as htmllib
import re

# The head's width for one guide word (the text block less the folio's box), in characters
# of 8.5 pt small capitals, on a 6 × 9 in page; other trim sizes scale it.
GUIDE_CHARS_6X9 = 52
_TEXT_WIDTH_6X9 = 4.5  # inches: 6 in less the 0.84 in gutter and 0.66 in outer margin

_ARTICLE = re.compile(r'<article class="entry"([^>]*?) data-title="([^"]*)"')
_URL_LINK = re.compile(r'(<a\s[^>]*href="(?:https?:|ftp:|doi:)[^"]*"[^>]*>)([^<]+)(</a>)')
# A chapter's title (pdf/chapter.html): its running head in title mode, shortened as guide
# words are, so that it never reaches the folio's box.
_CHAPTER_TITLE = re.compile(r'(<h1 class="chapter-title")>(.*?)</h1>', re.S)
_BREAK_AFTER_SLASHES = re.compile(r"(/+)")
_BREAK_BEFORE = re.compile(r"(?<=[^/\s])([.?#&=_~])")
_UNITS = {"in": 1.0, "mm": 1 / 25.4, "cm": 1 / 2.54, "pt": 1 / 72, "px": 1 / 96}


def guide_chars(trim: tuple[str, str] | None) -> int:
    """How many characters a guide word may have at this trim size."""
    if not trim:
        return GUIDE_CHARS_6X9
    match = re.fullmatch(r"\s*([\d.]+)\s*([a-z]+)\s*", trim[0])
    if not match or match.group(2) not in _UNITS:
        return GUIDE_CHARS_6X9
    width = float(match.group(1)) * _UNITS[match.group(2)] * 0.75  # the text block
    return max(16, int(GUIDE_CHARS_6X9 * width / _TEXT_WIDTH_6X9))


def guide_word(title: str, limit: int) -> str:
    """The title, or as many of its first whole words as fit in ``limit`` characters, and
    "…"; a first word longer than the limit is kept whole (the head's box clips it)."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    words, kept = title.split(" "), ""
    for word in words:
        if kept and len(kept) + 1 + len(word) + 1 > limit:
            break
        kept = f"{kept} {word}" if kept else word
    return kept.rstrip(",;:–—-") + "…"


def break_url(url: str) -> str:
    """A URL's text (HTML-escaped) with ``<wbr>`` where it may break."""
    text = htmllib.unescape(url)
    marked = _BREAK_AFTER_SLASHES.sub("\\1\0", text)
    marked = _BREAK_BEFORE.sub("\0\\1", marked)
    escaped = htmllib.escape(marked.rstrip("\0"), quote=False)
    return escaped.replace("\0", "<wbr>")


def typeset(fragment: str, guide_limit: int) -> str:
    """A part's HTML with its entries' guide words and its URLs' break opportunities."""

    def guide(match: re.Match[str]) -> str:
        short = guide_word(match.group(2), guide_limit)
        return f'{match.group(0)} data-guide="{short}"'

    def url(match: re.Match[str]) -> str:
        text = match.group(2)
        if not re.match(r"\s*(?:https?://|ftp://|doi:|www\.)", text):
            return match.group(0)
        opening = match.group(1)[:-1] + " data-url>"  # print.css sets its paragraph ragged
        return f"{opening}{break_url(text)}{match.group(3)}"

    def head(match: re.Match[str]) -> str:
        title = htmllib.unescape(re.sub(r"<[^>]*>", "", match.group(2)))
        short = htmllib.escape(guide_word(title, guide_limit), quote=True)
        return f'{match.group(1)} data-head="{short}">{match.group(2)}</h1>'

    fragment = _CHAPTER_TITLE.sub(head, fragment)
    return _URL_LINK.sub(url, _ARTICLE.sub(guide, fragment))
