"""The HTML parser's scanning expressions, made once.

WeasyPrint parses each document with tinyhtml5, whose input stream reads runs of text up to
one of a few characters (``chars_until``: an attribute's name, its value, the text between
tags) with a regular expression made from those characters, meant to be kept in a cache
(``characters_until_regex``). The cache is never read back: the expression is stored under
a key made after its name was rebound to the expression, so every run scanned builds the
expression's source again and asks ``re`` for it. The index of a 1,000-entry book scans
70,000 such runs, half its parse.

``install`` puts in the cache's place a dictionary that makes a missing expression itself,
as ``chars_until`` makes it, and keeps it under the key it is looked up by. Installed only
over the very function this module knows (by a digest of its source); a tinyhtml5 that reads
its cache as meant is left as it is. The same parse, to the tree.
"""

from __future__ import annotations

import re
from typing import Any

from .sources import same_source

# A digest of the source of tinyhtml5's ``HTMLUnicodeInputStream.chars_until``.
_SOURCE = "dfe353323dff1fdc"


class _Expressions(dict[tuple[Any, bool], re.Pattern[str]]):
    """``chars_until``'s cache: each expression made when first looked up, and kept."""

    def __missing__(self, key: tuple[Any, bool]) -> re.Pattern[str]:
        characters, opposite = key
        source = "".join(f"\\x{ord(character):02x}" for character in characters)
        if not opposite:
            source = f"^{source}"
        expression = self[key] = re.compile(f"[{source}]+")
        return expression


def install() -> None:
    """Have tinyhtml5's scanning expressions kept (once per process); not with a tinyhtml5
    whose ``chars_until`` is not the one this module knows."""
    from tinyhtml5 import inputstream

    if isinstance(inputstream.characters_until_regex, _Expressions):
        return
    if same_source(inputstream.HTMLUnicodeInputStream.chars_until, _SOURCE):
        inputstream.characters_until_regex = _Expressions()
