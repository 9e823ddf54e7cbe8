"""Unicode collation for the book's language: sort keys and chapter letters.

Everything that orders words for a reader (chapters, entries within a chapter, the index)
goes through here, so that one language's rules apply everywhere. ICU implements the
Unicode Collation Algorithm with each language's tailoring (Swedish files "Ö" after "Z",
English files it under "O") and its AlphabeticIndex knows the letter headings a reader of
that language expects.
"""

from __future__ import annotations

import unicodedata
from functools import cached_property

import icu

SYMBOLS_HEADING = "#"

# Scripts whose letters get their own headings when titles use them. ICU's index for a
# language only lists that language's alphabet; other scripts would otherwise fall into
# one catch-all heading.
_SCRIPT_LOCALES = {
    "CYRILLIC": "ru",
    "GREEK": "el",
    "HEBREW": "he",
    "ARABIC": "ar",
    "HANGUL": "ko",
    "HIRAGANA": "ja",
    "KATAKANA": "ja",
    "ARMENIAN": "hy",
    "GEORGIAN": "ka",
    "DEVANAGARI": "hi",
    "THAI": "th",
}


class Collation:
    """Sorting and letter headings for one language (a BCP 47 tag such as ``en`` or ``sv``)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = icu.Locale.forLanguageTag(language)
        self._collator = icu.Collator.createInstance(self.locale)
        # Numbers in names sort by value, as readers expect: BIP8 < BIP9 < BIP32 < BIP174.
        self._collator.setAttribute(
            icu.UCollAttribute.NUMERIC_COLLATION, icu.UCollAttributeValue.ON
        )
        self._scripts: set[str] = set()

    @staticmethod
    def is_known_language(language: str) -> bool:
        """True when ICU has collation data for the language tag."""
        locale = icu.Locale.forLanguageTag(language)
        return bool(locale.getLanguage()) and locale.getLanguage() in icu.Locale.getISOLanguages()

    def key(self, text: str) -> bytes:
        """A sort key: compare keys to compare strings as the language's readers do."""
        return self._collator.getSortKey(text)

    def sorted(self, items: list[str]) -> list[str]:
        return sorted(items, key=self.key)

    def prepare(self, words: list[str]) -> None:
        """Register every script the words use, so each gets its own letter headings."""
        for word in words:
            script = _script_of(word)
            if script in _SCRIPT_LOCALES:
                self._scripts.add(script)
        self.__dict__.pop("_index", None)

    @cached_property
    def _index(self) -> icu.AlphabeticImmutableIndex:
        index = icu.AlphabeticIndex(self.locale)
        index.maxLabelCount = 1000
        for script in sorted(self._scripts):
            index.addLabels(icu.Locale(_SCRIPT_LOCALES[script]))
        return index.buildImmutableIndex()

    def heading(self, text: str) -> str:
        """The letter heading a word files under: "E" for "Élan vital", "#" for "3D"."""
        label, label_type = self._index.getBucket(self._index.getBucketIndex(text))
        if label_type == icu.UAlphabeticIndexLabelType.NORMAL:
            return label
        if label_type == icu.UAlphabeticIndexLabelType.UNDERFLOW:
            return SYMBOLS_HEADING
        # A script the language's index does not know (e.g. Han in an English book):
        # the word's first letter heads its own group.
        first = next((c for c in text if c.isalpha()), None)
        return first.upper() if first else SYMBOLS_HEADING

    def heading_key(self, heading: str) -> tuple[int, bytes]:
        """Sort key for headings: "#" first, then letters in collation order."""
        return (0, b"") if heading == SYMBOLS_HEADING else (1, self.key(heading))


def _script_of(word: str) -> str:
    for char in word:
        if char.isalpha():
            name = unicodedata.name(char, "")
            return name.split(" ", 1)[0]
    return ""
