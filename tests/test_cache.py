"""The entry cache: unchanged files are not parsed again, changed ones are."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

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


def test_layout_cache_stays_warm_across_installs(make_book: BookFactory, tmp_path: Path) -> None:
    """The same glossbook installed elsewhere (another venv, another checkout) finds the
    layouts the first one cached: nothing is laid out again."""
    import shutil
    import subprocess
    import sys

    import glossbook

    root = make_book({"manuscript/a.md": entry_text("Alpha", "Text of alpha. " * 40)})
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(Path(glossbook.__file__).parent, elsewhere / "glossbook")
    layouts = root / "build" / ".cache" / "layout"

    def build(package: Path) -> list[Path]:
        command = [sys.executable, "-m", "glossbook", "build", str(root), "-f", "pdf", "-j", "1"]
        env = {**os.environ, "PYTHONPATH": str(package)}
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return sorted(layouts.rglob("*.pdf"))

    first = build(Path(glossbook.__file__).parent.parent)
    assert first
    assert build(elsewhere) == first  # no document laid out (nor cached) again


def test_templates_are_kept_compiled_and_compiled_again_when_changed(
    make_book: BookFactory,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    """A build keeps the templates as Jinja compiled them in the build cache (a new process
    does not compile them again); a template of the book's own changed since is compiled
    again, and the edition shows the change."""
    from glossbook import theme

    root = make_book({"manuscript/alpha.md": entry_text("Alpha", "Alpha's text.")})
    own = root / "styles" / "templates" / "html" / "search.html"
    own.parent.mkdir(parents=True)
    own.write_text('<p class="own-search">first</p>\n', encoding="utf-8")
    code, text = run_cli("build", str(root), "--format", "html")
    assert code == 0, text
    compiled = root / "build" / ".cache" / "templates"
    kept = sorted(compiled.iterdir())
    assert len(kept) >= 3 and all(path.stat().st_size for path in kept)
    page = root / "build" / "html" / "chapter-a.html"
    assert "first" in page.read_text(encoding="utf-8")
    theme._environment.cache_clear()  # as a new process: what is compiled comes from the cache
    own.write_text('<p class="own-search">second</p>\n', encoding="utf-8")
    code, text = run_cli("build", str(root), "--format", "html", "--no-cache")
    assert code == 0, text
    assert "second" in page.read_text(encoding="utf-8")
    assert sorted(compiled.iterdir()) == kept  # --no-cache: the cache left as it was
    theme._environment.cache_clear()
    own.write_text('<p class="own-search">third</p>\n', encoding="utf-8")
    code, text = run_cli("build", str(root), "--format", "html")
    assert code == 0, text
    assert "third" in page.read_text(encoding="utf-8")


def test_layout_cache_keeps_each_number_box_style_once(tmp_path: Path) -> None:
    """A stamped layout's number boxes are kept with their styles in a table (a chapter's
    thousand boxes share a few long styles) and read back as they were laid out."""
    import json

    from glossbook.renderers.pdf.cache import LayoutCache
    from glossbook.renderers.pdf.worker import Job, Laid

    serif, sans = "font-family:serif;font-size:11px", "font-family:sans-serif;font-size:9px"
    pages = [
        [{"kind": "folio", "style": serif, "x": 1.5}, {"kind": "page", "style": sans}],
        [{"kind": "folio", "style": serif, "x": 2.5}],
    ]
    stamps = {"size": [576.0, 864.0, 0], "pages": pages}
    job = Job("chapter-a", "<html></html>", (), "", stamp=True)
    laid = Laid("chapter-a", [["a"], []], [False, False], b"%PDF-1.7", [], 0.0)
    laid.stamps = json.loads(json.dumps(stamps))
    LayoutCache(tmp_path).put(job, laid)
    (kept,) = (tmp_path / "layout").glob("*/*.json")
    assert json.loads(kept.read_text(encoding="utf-8"))["stamps"]["styles"] == [serif, sans]
    again = LayoutCache(tmp_path).get(job)
    assert again is not None and again.stamps == stamps and again.pdf == b"%PDF-1.7"
