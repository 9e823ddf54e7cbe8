"""The preview after an edit: one that stays inside an entry is rebuilt alone, any other
rebuilds the book, and either way every page served is the page a full build makes.

A running preview on a copy of the sample book, driven over real HTTP (and, once, in
Debian's Chromium through Playwright); ``Outcome.partial`` tells which way a rebuild went.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from glossbook.loader import EntryCache
from glossbook.preview import Outcome, Preview
from glossbook.preview.site import build_site
from glossbook.renderers.pdf import DEFAULT_BLEED, css
from glossbook.theme import BUILTIN, Theme

from .conftest import copy_sample
from .test_preview import WAIT_S, Events, browser, edit, http_get

if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = ["browser"]  # the fixture, shared with test_preview

MISATTUNEMENT = "manuscript/emotional-misattunement.md"  # a figure, citations, footnotes
STILL_FACE = "manuscript/still-face-experiment.md"  # on chapter-s.html
CATASTROPHIZE = "manuscript/catastrophize.md"  # linked to by slug only, so it can be renamed
LEAD = "\nThe still face experiment is a laboratory procedure"
FOOTNOTE = "A footnote.[^new]\n\n[^new]: A new note.\n\n"
CITED = 'A cited lead <span class="citation" data-cites="mesman2009">(<a href='
RUPTURE = "manuscript/rupture-and-repair.md"  # on chapter-r.html
RUPTURE_LEAD = "\nRupture and repair"
RENAMED_SECTION = 'id="still-face-experiment--procedure-renamed"'


class Running:
    """A preview of a copy of the sample book, its event stream, and every build's outcome."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.outcomes: list[Outcome] = []
        self.built = threading.Condition()
        self.preview = Preview(root, port=0, on_build=self._note)
        self.preview.start()
        self.events = Events(self.preview.port)
        self.token = str(self.events.next_state()["site"])

    def _note(self, outcome: Outcome) -> None:
        with self.built:
            self.outcomes.append(outcome)
            self.built.notify_all()

    def save(self, file: str, old: str, new: str) -> Outcome:
        """Edit ``file`` and wait for the reload event of its build; that build's outcome."""
        seen = len(self.outcomes)
        edit(self.root / file, old, new)
        state = self.events.until(lambda s: s["site"] != self.token or bool(s["problems"]))
        assert state["problems"] == [], state["problems"]
        self.token = str(state["site"])
        with self.built:
            assert self.built.wait_for(lambda: len(self.outcomes) > seen, WAIT_S)
            outcome = self.outcomes[seen]
        assert outcome.ok and outcome.changed == {self.root / file}
        return outcome

    def page(self, file: str) -> str:
        status, _, body = http_get(self.preview.port, "/" + file)
        assert status == 200, file
        return body.decode("utf-8")

    def close(self) -> None:
        self.events.close()
        self.preview.stop()


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    book = Running(copy_sample(tmp_path / "book").resolve())
    yield book
    book.close()


def article(page: str, slug: str) -> str:
    """One entry's ``<article>`` in a served page."""
    match = re.search(rf'<article class="entry" id="{slug}".*?</article>', page, re.S)
    assert match, slug
    return match.group(0)


def same_as_a_full_build(running: Running) -> None:
    """Every page the preview now serves is what a full build of the book on disk makes."""
    fresh, _ = build_site(running.root, EntryCache(), "fresh", Theme(running.root))
    served = running.preview.state.site.pages
    assert list(served) == list(fresh.pages)
    for file in fresh.pages:
        assert served[file] == fresh.pages[file], file


def test_a_body_edit_is_rebuilt_alone_and_served(running: Running) -> None:
    before = running.preview.state.site.pages
    kept = before["chapter-a.html"]  # rendered before the edit
    figure = re.search(r'<span class="figure-number">\d+</span>', running.page("chapter-e.html"))
    assert figure

    outcome = running.save(
        MISATTUNEMENT,
        "Emotional misattunement refers to",
        "Edited in place: emotional misattunement refers to",
    )
    assert outcome.partial  # the entry alone was read and resolved
    page = running.page("chapter-e.html")
    body = article(page, "emotional-misattunement")
    assert "Edited in place: emotional misattunement refers to" in body
    assert figure.group(0) in body  # its figure keeps its number
    assert 'class="citation"' in body and "[@" not in body  # its citations stay formatted
    assert 'href="chapter-s.html#strange-situation"' in body  # links reach other pages
    # A page not showing the entry is kept as rendered, not rendered again.
    assert running.preview.state.site.pages["chapter-a.html"] is kept
    same_as_a_full_build(running)

    # A second edit of the same entry builds on the first.
    outcome = running.save(MISATTUNEMENT, "Edited in place:", "Edited twice:")
    assert outcome.partial
    assert "Edited twice: emotional" in running.page("chapter-e.html")
    same_as_a_full_build(running)


def test_a_title_edit_rebuilds_the_book_and_updates_the_other_pages(running: Running) -> None:
    assert "Catastrophizing" not in running.page("index.html")
    outcome = running.save(CATASTROPHIZE, "title: Catastrophize\n", "title: Catastrophizing\n")
    assert not outcome.partial
    assert ">Catastrophizing</a>" in running.page("index.html")  # the contents
    see_also = article(running.page("chapter-w.html"), "window-of-tolerance")
    assert 'href="chapter-c.html#catastrophize">Catastrophizing</a>' in see_also
    same_as_a_full_build(running)


def test_a_new_link_updates_the_linked_entrys_backlinks(running: Running) -> None:
    assert "still-face-experiment" not in article(running.page("chapter-o.html"), "oxytocin")
    outcome = running.save(STILL_FACE, LEAD, "\nSee [[Oxytocin]]. " + LEAD[1:])
    assert not outcome.partial
    backlinks = article(running.page("chapter-o.html"), "oxytocin")
    assert 'href="chapter-s.html#still-face-experiment">Still Face Experiment</a>' in backlinks
    same_as_a_full_build(running)


@pytest.mark.parametrize(
    ("old", "new", "shown"),
    [
        (LEAD, "\nA new paragraph.\n" + LEAD, "A new paragraph.</p>"),
        ("## Procedure", FOOTNOTE + "## Procedure", "A new note."),
        ("## Procedure", "## Procedure Renamed", RENAMED_SECTION),
    ],
    ids=["paragraph", "footnote", "section"],
)
def test_an_edit_that_adds_or_removes_anchors_is_rebuilt_alone(
    running: Running, old: str, new: str, shown: str
) -> None:
    outcome = running.save(STILL_FACE, old, new)
    assert outcome.partial
    assert shown in article(running.page("chapter-s.html"), "still-face-experiment")
    same_as_a_full_build(running)
    assert running.save(STILL_FACE, new, old).partial  # and removed again
    assert shown not in running.page("chapter-s.html")
    same_as_a_full_build(running)


def test_an_anchor_linked_from_another_page_rebuilds_the_book(running: Running) -> None:
    procedure = "still-face-experiment--procedure"
    link = f"[its procedure](#{procedure}) "
    assert running.save(RUPTURE, RUPTURE_LEAD, "\n" + link + RUPTURE_LEAD[1:]).partial
    assert f'href="chapter-s.html#{procedure}"' in running.page("chapter-r.html")
    outcome = running.save(STILL_FACE, "## Procedure", "## Procedure Renamed")
    assert not outcome.partial  # the link on chapter-r.html no longer finds its place
    assert f'href="chapter-s.html#{procedure}"' not in running.page("chapter-r.html")
    same_as_a_full_build(running)
    outcome = running.save(STILL_FACE, "## Procedure Renamed", "## Procedure")
    assert not outcome.partial  # ... and then finds it again
    assert f'href="chapter-s.html#{procedure}"' in running.page("chapter-r.html")
    same_as_a_full_build(running)


@pytest.mark.parametrize(
    ("old", "new", "page", "shown"),
    [
        ("  - FFSF\n", "  - FFSF test name\n", "names-index.html", "FFSF test name"),
        (LEAD, "\nA cited lead [@mesman2009]. " + LEAD[1:], "chapter-s.html", CITED),
    ],
    ids=["other-name", "citation"],
)
def test_an_edit_that_changes_the_entrys_outline_rebuilds_the_book(
    running: Running, old: str, new: str, page: str, shown: str
) -> None:
    outcome = running.save(STILL_FACE, old, new)
    assert not outcome.partial
    assert shown in running.page(page)
    same_as_a_full_build(running)


def test_an_anchor_held_elsewhere_is_an_error_as_in_a_full_build(running: Running) -> None:
    edit(running.root / STILL_FACE, LEAD, "\n[Taken]{#oxytocin} " + LEAD[1:])
    state = running.events.until(lambda s: bool(s["problems"]))
    assert "the anchor '#oxytocin' is already used" in str(state["problems"])
    assert running.outcomes[-1].problems and not running.outcomes[-1].partial


def test_a_book_with_its_own_templates_is_rebuilt_whole(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "book").resolve()
    partial = root / "styles" / "templates" / "partials" / "entry.html"
    partial.parent.mkdir(parents=True)
    shutil.copyfile(BUILTIN / "templates" / "partials" / "entry.html", partial)
    running = Running(root)
    try:
        outcome = running.save(STILL_FACE, LEAD, "\nOwn templates. " + LEAD[1:])
        assert not outcome.partial  # a template of its own may show the text on any page
        assert "Own templates. The still face" in running.page("chapter-s.html")
    finally:
        running.close()


def test_an_edit_after_a_failed_build_rebuilds_the_book(running: Running) -> None:
    edit(running.root / STILL_FACE, LEAD, "\n[[No Such Entry]] " + LEAD[1:])
    state = running.events.until(lambda s: bool(s["problems"]))
    assert "No Such Entry" in str(state["problems"])
    outcome = running.save(STILL_FACE, "[[No Such Entry]] ", "Fixed. ")
    assert not outcome.partial  # the last good build is older than the cache
    assert "Fixed. The still face experiment" in running.page("chapter-s.html")
    same_as_a_full_build(running)


def test_body_edits_reload_the_page_in_chromium(running: Running, browser: Browser) -> None:
    from playwright.sync_api import expect

    timeout = WAIT_S * 1000
    page = browser.new_page()
    page.goto(running.preview.url + "chapter-s.html")
    entry = page.locator("#still-face-experiment")
    expect(entry).to_be_visible()
    page.evaluate("window.notReloaded = true")
    assert running.save(STILL_FACE, LEAD, "\nSeen in the browser. " + LEAD[1:]).partial
    expect(entry).to_contain_text("Seen in the browser.", timeout=timeout)
    assert page.evaluate("window.notReloaded") is None  # the page reloaded itself

    # A new link is shown on the page of the entry it links to (a full rebuild).
    page.goto(running.preview.url + "chapter-o.html")
    backlinks = page.locator("#oxytocin .backlinks")
    expect(backlinks).not_to_contain_text("Still Face Experiment")
    assert not running.save(STILL_FACE, "Seen in the browser.", "See [[Oxytocin]].").partial
    expect(backlinks).to_contain_text("Still Face Experiment", timeout=timeout)


def test_the_print_stylesheet_is_checked_once_per_theme(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glossbook.pipeline import prepare

    root = copy_sample(tmp_path / "book")
    book, _ = prepare(root)
    checked: list[object] = []
    real = css.stylesheets
    monkeypatch.setattr(css, "stylesheets", lambda *a, **k: checked.append(1) or real(*a, **k))
    theme = Theme(root)
    first = css.check(book, theme, press=False, bleed=DEFAULT_BLEED)
    again = css.check(prepare(root)[0], theme, press=False, bleed=DEFAULT_BLEED)  # a rebuild
    assert first == again and len(checked) == 1
    css.check(book, theme, press=True, bleed=DEFAULT_BLEED)  # another page set-up
    css.check(book, Theme(root), press=False, bleed=DEFAULT_BLEED)  # a new theme
    assert len(checked) == 3


def test_the_terminal_says_when_an_entry_was_rebuilt_alone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from glossbook.commands.preview import _report

    changed = frozenset({Path("manuscript/attunement.md")})
    _report(Outcome(build=2, seconds=0.01, problems=[], changed=changed, partial=True))
    _report(Outcome(build=3, seconds=0.5, problems=[], changed=changed))
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "Rebuilt after a change to attunement.md in 0.01 s (the edited entry alone).",
        "Rebuilt after a change to attunement.md in 0.50 s.",
    ]
