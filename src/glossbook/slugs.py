"""Slugs: the ASCII names used for files and anchors."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str) -> str:
    """ASCII slug for file names and anchors: "Émotion & Co." → "emotion-co"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def unique(anchor: str, taken: set[str]) -> str:
    """``anchor``, or ``anchor-2``, ``anchor-3``… whichever is not yet taken; then take it."""
    candidate, n = anchor, 2
    while candidate in taken:
        candidate, n = f"{anchor}-{n}", n + 1
    taken.add(candidate)
    return candidate
