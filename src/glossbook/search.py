"""Search and cross-reference previews for the HTML edition and the preview: the data files.

Built once per build, read by the theme's scripts (``styles/js/search.js``,
``styles/js/previews.js``) with no request to any server:

- ``js/entries.js``: every entry's slug, title, other names, definition and page address,
  in reading order (search results and the previews of cross-references show these);
- ``js/search-index.js``: a Lunr index (lunr on PyPI writes the format lunr.js 2.3 loads,
  ``styles/js/lunr.min.js``) of four fields, title, other names, definition and body text.
  Its document references are positions in the entries' list, and a term's empty field
  postings are left out (``search.js`` puts them back before ``lunr.Index.load``): both
  keep the file small, a third of Lunr's own serialisation.

Both are scripts that assign the data to a global rather than JSON files, because a page
opened from ``file://`` may not ``fetch()`` a neighbouring file but may load a script; the
search script inserts them on first use, so a page that is only read loads neither.

Words are folded as ``lookup.fold`` does (accents dropped, lower case in the book's language)
and split on anything but letters and digits before Lunr sees them; the script folds the
query the same way. No stemmer or stop-word list: they are English-only and would defeat
prefix matching as the reader types ("attun" must find "attunement").
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator

import lxml.html
from lunr import builder as lunr_builder
from lunr.builder import Builder
from lunr.token import Token

from . import lookup
from .model import Book, Entry

ENTRIES_FILE = "js/entries.js"
INDEX_FILE = "js/search-index.js"
SCRIPTS = ("js/search.js", "js/previews.js")  # theme files the pages load
LIBRARY = "js/lunr.min.js"  # loaded by search.js on first use
LICENCES = ("js/LICENSE-lunr.txt",)
THEME_FILES = (*SCRIPTS, LIBRARY, *LICENCES)
FIELDS = (("title", 10), ("names", 5), ("definition", 2), ("body", 1))
_NOT_WORD = re.compile(r"[\W_]+")


def words(text: str, language: str) -> list[str]:
    """The words Lunr indexes for ``text``: folded, split on all but letters and digits."""
    return [w for w in _NOT_WORD.split(lookup.fold(text, language)) if w]


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment, as a reader sees it."""
    if not fragment.strip():
        return ""
    return lxml.html.fragment_fromstring(fragment, create_parent="div").text_content()


def files(book: Book, pages: dict[str, str]) -> dict[str, bytes]:
    """The generated data files, by path in the edition. ``pages`` maps each entry's slug
    to the page file that holds it (``chapter-a.html``)."""
    return {name: make() for name, make in makers(book, pages).items()}


def makers(book: Book, pages: dict[str, str]) -> dict[str, Callable[[], bytes]]:
    """How to make each data file, for a caller that makes one only when it is asked for
    (the preview: a rebuild then costs nothing until a reader searches)."""
    return {
        ENTRIES_FILE: lambda: entries_script(book, pages),
        INDEX_FILE: lambda: index_script(book),
    }


def _entries(book: Book) -> list[Entry]:
    return [e for c in book.chapters for e in c.entries]


def entries_script(book: Book, pages: dict[str, str]) -> bytes:
    """``js/entries.js``: slug, title, other names, definition and address of every entry,
    in reading order (a search result's reference is its position here)."""
    names = lookup.names(book)
    entries = [
        {
            "s": entry.slug,
            "t": entry.title,
            "n": names[entry.slug][1:],
            "d": entry.definition,
            "u": f"{pages[entry.slug]}#{entry.anchor}",
        }
        for entry in _entries(book)
    ]
    return _script("glossbookEntries", {"lang": book.metadata.language, "entries": entries})


def index_script(book: Book) -> bytes:
    """``js/search-index.js``: the Lunr index of the entries' four fields."""
    language = book.metadata.language
    names = lookup.names(book)
    builder = Builder()  # an empty pipeline: the words arrive folded and split
    builder.ref("ref")
    for field, boost in FIELDS:
        builder.field(field, boost=boost)
    with _words_as_tokens():
        for n, entry in enumerate(_entries(book)):
            builder.add(
                {
                    "ref": str(n),
                    "title": words(entry.title, language),
                    "names": [w for name in names[entry.slug][1:] for w in words(name, language)],
                    "definition": words(entry.definition, language),
                    "body": words(plain_text(entry.html), language),
                }
            )
    index = builder.build().serialize()
    for _term, posting in index["invertedIndex"]:
        for field, _boost in FIELDS:
            if not posting[field]:
                del posting[field]
    return _script("glossbookSearchIndex", index)


@contextlib.contextmanager
def _words_as_tokens() -> Iterator[None]:
    """While the index is built, Lunr's builder makes its tokens straight from our words.

    Given a list, ``lunr.tokenizer.Tokenizer`` lower-cases each element and deep-copies an
    empty metadata dictionary for each: a third of the indexing time, for words that
    arrive lower-cased (folded) already and carry no metadata. The tokens, and so the
    index, are the same.
    """
    original = lunr_builder.Tokenizer

    def tokens(obj: list[str], metadata: object = None, separator: object = None) -> list[Token]:
        return [Token(word, {}) for word in obj]

    lunr_builder.Tokenizer = tokens
    try:
        yield
    finally:
        lunr_builder.Tokenizer = original


def _script(name: str, data: object) -> bytes:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"window.{name} = {text};\n".encode()
