"""Look-up by name: every name a reader may look an entry up by, and how names are compared.

An entry is found by its title, by each of its other names, and by each term marked for the
index (``[…]{.index}``, main term or sub-entry) that names it, that is, a marked term that
reads as the entry's title or one of its other names once case and accents are set aside
("Elan vital" marked in a body names the entry "Élan vital"). The EPUB's search-key map
and the HTML edition's search both read the names from here, so every edition finds the same
entry by the same name.

``fold`` is the comparison: letters lower-cased by the rules of the book's language (ICU:
Turkish "I" becomes dotless "ı", "İ" becomes "i"), then accents (every combining mark)
dropped. The search script folds what the reader types the same way
(``toLocaleLowerCase(lang)``, ``String.normalize("NFKD")``, ``\\p{M}`` removed).
"""

from __future__ import annotations

import functools
import unicodedata

import icu

from .model import Book

# Languages whose lower-casing of ASCII letters differs from the default (ICU's special
# casing: Turkish and Azeri dotted and dotless i, Lithuanian i with accents).
_SPECIAL_CASING = {"tr", "az", "lt"}


def fold(text: str, language: str) -> str:
    """``text`` without accents, lower-cased in ``language``: what search compares."""
    if text.isascii() and language.split("-")[0].lower() not in _SPECIAL_CASING:
        return text.lower()  # the common case, the same result, many times faster
    lowered = str(icu.UnicodeString(text).toLower(_locale(language)))  # first: Turkish "İ" → "i"
    decomposed = unicodedata.normalize("NFKD", lowered)
    if decomposed.isascii():
        return decomposed
    # No ASCII character is a mark: asking only of the others is 2-3x faster on prose.
    bare = "".join(
        c for c in decomposed if c.isascii() or not unicodedata.category(c).startswith("M")
    )
    return unicodedata.normalize("NFC", bare)


@functools.cache
def _locale(language: str) -> icu.Locale:
    return icu.Locale.forLanguageTag(language)


def names(book: Book) -> dict[str, list[str]]:
    """Every entry's names, by slug, in reading order: its title first, then its other
    names, then the marked index terms that name it but are spelt otherwise. No name is
    listed twice for one entry (names equal but for case count as one)."""
    language = book.metadata.language
    result: dict[str, list[str]] = {}
    by_name: dict[str, list[str]] = {}  # folded title or other name -> slugs
    for entry in (e for c in book.chapters for e in c.entries):
        listed = result.setdefault(entry.slug, [])
        for name in [entry.title, *entry.other_names]:
            _add(listed, name)
            by_name.setdefault(fold(name, language), []).append(entry.slug)
    for doc in book.documents():
        for mark in doc.index_marks:
            for term in (mark.term, mark.sub):
                for slug in by_name.get(fold(term, language), []) if term else []:
                    _add(result[slug], term)
    return result


def _add(listed: list[str], name: str) -> None:
    name = " ".join(name.split())
    if name and all(name.casefold() != other.casefold() for other in listed):
        listed.append(name)
