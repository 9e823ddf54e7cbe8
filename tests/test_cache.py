"""The entry cache: unchanged files are not parsed again, changed ones are."""

from __future__ import annotations

import os
import pickle

from glossbook.loader import EntryCache
from glossbook.pipeline import prepare

from .conftest import BookFactory, entry_text


def test_cache_reuses_unchanged_entries_and_sees_edits(make_book: BookFactory) -> None:
    root = make_book(
        {
            "manuscript/a.md": entry_text("Alpha", "Points to [[Beta]]."),
            "manuscript/b.md": entry_text("Beta", "Original."),
        }
    )
    cache = EntryCache()
    first, _ = prepare(root, cache)
    assert len(cache.entries) == 2
    cached_alpha = pickle.loads(cache.entries[root / "manuscript" / "a.md"][1])
    second, _ = prepare(root, cache)
    # Same content, but a fresh copy: passes on one build never leak into the next.
    assert second.entry("a").html == first.entry("a").html
    assert second.entry("a") is not first.entry("a")
    assert 'data-xref="0"' in cached_alpha.html  # the cache keeps the unresolved fragment
    path = root / "manuscript" / "b.md"
    path.write_text(entry_text("Beta", "Edited."))
    os.utime(path, ns=(1, 1))
    third, _ = prepare(root, cache)
    assert "Edited." in third.entry("b").html
