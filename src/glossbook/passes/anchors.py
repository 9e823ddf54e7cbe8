"""Anchors the author wrote (``[text]{#name}``) must not take one the book already uses.

Every entry's slug, every section, footnote, figure and index mark is an anchor in one
namespace shared by all editions; a ``{#name}`` equal to one of them would make links
land in the wrong place (or the EPUB invalid). Each clash is an error at the line where
the ``{#name}`` is written.
"""

from __future__ import annotations

import re

from ..errors import Problems
from ..model import Book

_ID = re.compile(r'\bid="([^"]+)"')


def run(book: Book, problems: Problems) -> None:
    owner: dict[str, str] = {}  # anchor -> what holds it, for the message
    held_in: dict[str, str] = {}  # anchor -> the file whose HTML holds it first
    documents = book.documents()
    for document in documents:
        owner[document.anchor] = f"the entry or page in {document.file}"
    written_in: dict[str, dict[str, int]] = {}  # read only when a name is taken

    def written(file: str) -> dict[str, int]:
        if file not in written_in:
            written_in[file] = _written_ids(book, file)
        return written_in[file]

    for document in documents:
        for match in _ID.finditer(document.html):
            anchor = match.group(1)
            if anchor not in owner:
                owner[anchor] = f"an anchor in {document.file}"
                held_in[anchor] = document.file
                continue
            if anchor in written(document.file):
                problems.error(
                    document.file,
                    written(document.file)[anchor],
                    f"the anchor '#{anchor}' is already used by {owner[anchor]}.",
                    "Choose another name for it; links to this place would go astray.",
                )
                continue
            # The author's anchor came first, in reading order, and takes a name this
            # document generates (a section, footnote or index mark of a later entry).
            first = held_in.get(anchor)
            if first is not None and first != document.file and anchor in written(first):
                problems.error(
                    first,
                    written(first)[anchor],
                    f"the anchor '#{anchor}' is already used by an anchor glossbook makes "
                    f"in {document.file}.",
                    "Choose another name for it; links to this place would go astray.",
                )
            # otherwise not the author's: a clash of generated names is reported elsewhere


def _written_ids(book: Book, file: str) -> dict[str, int]:
    """``{#name}`` anchors written in the file, by name, with their first line."""
    try:
        text = (book.root / file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for match in re.finditer(r"\{[^}]*#([^\s}.#]+)", line):
            found.setdefault(match.group(1), number)
    return found
