"""The book as documents: which parts are laid out together, in which order, with which
numbers; the folios, the page map and the pieces to join.

Documents (``Unit``): the front (prelims, contents, front matter: roman folios), each
chapter and each back-matter page (the body, folios from 1), the references and the index
(the apparatus). Each opens on a recto; a blank page follows one that ends on a recto.

The layout runs in waves, each a batch of independent jobs for the executor:

1. *the body, once*: every body document, written as PDF with its page numbers left out
   (``stamp.py``: their boxes keep their room, as wide as the book's folios in print.css,
   and are recorded), so that neither its page breaks nor its pages depend on any number;
   this gives every page count, hence every folio. Its layout is the same whatever the
   numbers, so the cache keeps it across edits that move them;
2. *final*: the documents whose numbers cannot be stamped, laid out with their true
   numbers: the references (which print body page numbers in running text), and a body
   document a book's own print.css lets numbers move lines in (``stamp.record`` finds it);
   repeated for those whose pages still changed, until they settle. Once the body is laid
   out for good, the index goes in this wave too (every page it prints is known; its own
   folios, which wait for the references' pages, are left out and stamped: ``index_ahead``),
   and the front as soon as the references are laid out (the index's first folio is the
   last number it prints: ``front_after``, a job given while the wave runs);
3. the rest of the index and the front when they could not go earlier, the blank page, and
   a small numbers document per stamped document (its true folios and "(p. N)"), which the
   join draws over its pages.

Numbers documents whose numbers are known after the first wave (every page they print in
the body, and no body document in the final wave) can go in the second, beside the
references: as many as fill the workers the references leave idle, the rest staying in the
last wave. Every executor starts the longest jobs first (``Job.cost``), so that the workers
of a wave end together.

A cached job (``cache.py``) is not laid out again: a warm build lays out nothing; a
one-entry edit lays out that entry's chapter (from the edit on, ``resume.py``), the numbers
of the documents whose numbers it moved (small), and the references, index and front.
The tagged variants (PDF/A, PDF/UA), which WeasyPrint writes whole, do not stamp
(``stamp=False``): there the first wave is provisional (placeholder numbers, or the last
build's numbers, speculatively) and the final wave lays every body document out again with
its true numbers.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ...model import Book, PrintLayout, PrintPage
from ...shown import text_digest
from . import resume
from .cache import Drawn, LayoutCache
from .css import Sheet
from .drawing import Drawing, Part, roman, with_page_numbers
from .executors import local_file
from .join import Piece
from .stamp import NUMBERS, font_faces, numbers_css, numbers_html, tall_css
from .worker import Job, Laid

LOG = logging.getLogger("glossbook.pdf")
MAX_ROUNDS = 4
# A job's estimated work (``Job.cost``), in characters of a chapter's HTML: the contents
# about as much a character (its dot leaders drawn as one text a line, ``leaders.py``; three
# times as much when drawn a dot each), a numbers document (drawn from its atlas) about as
# much a page as 100 characters of a chapter.
FRONT_WEIGHT = 1
NUMBERS_PAGE = 100
BLANK = "blank-page"
_SRC = re.compile(r"""src="([^"]+)\"""")  # after a space: ``_sources``
_URL = re.compile(r"""url\(\s*(['"]?)([^'")\s]+)\1\s*\)""")


Printed = tuple[str, str | None]  # a target and the folio a numbers document prints of it


class Progress(Protocol):
    def start(self, what: str, total: int) -> None: ...
    def grow(self, count: int) -> None: ...  # more documents to lay out in this step
    def advance(self, laid: Laid) -> None: ...


class Runner(Protocol):
    workers: int  # how many jobs run at once

    # ``done`` is told of each layout as it is made, and may give jobs to lay out in the
    # same map: their layouts follow the jobs', in the order given.
    def map(self, jobs: list[Job], done: Callable[[Laid], list[Job] | None]) -> list[Laid]: ...


@dataclass
class Unit:
    """One WeasyPrint document of the book, and its last layout."""

    name: str
    parts: list[Part]
    kind: str  # "front", "body" or "apparatus"
    first_folio: int = 1
    pad: bool = False  # a blank page follows, so that the next document opens on a recto
    laid: Laid | None = None
    job: Job | None = None  # what ``laid`` was laid out from
    numbers: Laid | None = None  # a stamped document's numbers, drawn over its pages

    @property
    def count(self) -> int:
        return self.laid.count if self.laid else 0


def units(all_parts: list[Part]) -> list[Unit]:
    """The documents of the book in reading order."""
    front = [p for p in all_parts if p.section == "front"]
    result = [Unit("front", front, "front")] if front else []
    for part in all_parts:
        if part.section != "front":
            kind = "apparatus" if part.kind in ("references", "index") else "body"
            result.append(Unit(part.anchor, [part], kind))
    return result


class Plan:
    """Lays the book out (``run``), then holds its documents, folios and page map."""

    def __init__(
        self,
        book: Book,
        drawing: Drawing,
        sheets: list[Sheet],
        all_parts: list[Part],
        *,
        identifier: bytes,
        runner: Runner,
        cache: LayoutCache | None = None,
        drawn: Drawn | None = None,
        progress: Progress | None = None,
        dated: bool = False,
        stamp: bool = True,
    ) -> None:
        self.book = book
        self.drawing = drawing
        self.sheets = tuple(sheets)
        self.parts = all_parts
        self.units = units(all_parts)
        self.identifier = identifier
        self.runner = runner
        self.cache = cache
        self.drawn = drawn
        self.progress = progress
        self.dated = dated  # the front document carries the creation date (variants)
        self.base_url = book.root.resolve().as_uri() + "/"
        self.digits = estimate_digits(book)
        self.stamp = stamp  # body documents laid out once, their numbers stamped
        self.blank: Laid | None = None
        faces = [Sheet(font_faces(sheet.text), sheet.base_url) for sheet in self.sheets]
        self.faces = tuple(sheet for sheet in faces if sheet.text)
        self._digests: dict[str, str] = {}
        self._jobs: dict[tuple[str, int, bool, bool, bool, int], tuple[dict[str, str], Job]] = {}
        self._numbers: dict[str, tuple[tuple[Laid, int, int], list[Printed], Job]] = {}
        self._sheet_urls: set[str] | None = None

    # --- the waves ------------------------------------------------------------------------

    def run(self) -> None:
        body = [u for u in self.units if u.kind == "body"]
        apparatus = [u for u in self.units if u.kind == "apparatus"]
        front = [u for u in self.units if u.kind == "front"]
        last = self.cache.last() if self.cache else None
        if last is not None:
            self.digits = int(last.get("digits", self.digits))
        for _attempt in range(3):  # until the boxes are as wide as the widest folio
            if self.stamp:
                # Once, the numbers left out: they are stamped when the folios are known.
                jobs = [self.job(u, {}, 1, stamp=True) for u in body]
            elif last is not None and int(last.get("digits", 0)) == self.digits:
                # Speculative: the numbers of the last build; where they are still true, this
                # is the final layout.
                labels, folios = last.get("labels", {}), last.get("folios", {})
                jobs = [self.job(u, labels, int(folios.get(u.name, 1))) for u in body]
            else:
                jobs = [self.job(u, {}, 1, write=False) for u in body]
            for unit, job, laid in zip(body, jobs, self.lay_out(jobs, "Layout"), strict=True):
                kept = job.write and (not job.stamp or laid.stamps is not None)
                unit.laid, unit.job = laid, job if kept else None
            self.number()
            needed = len(str(max([u.first_folio + u.count - 1 for u in body], default=1)))
            if needed == self.digits:
                break
            self.digits = needed
        stamped = [u for u in body if u.job is not None and u.job.stamp]
        final = [u for u in body if u not in stamped]
        if apparatus and apparatus[0].name == "references":
            final.append(apparatus[0])
        rest = [u for u in apparatus + front if u not in final]
        waiting = list(stamped)  # whose numbers documents are still to be laid out
        index = next((u for u in apparatus if u.parts[0].kind == "index"), None)
        for _round in range(MAX_ROUNDS):
            labels = self.labels()
            wanted = [(u, self.job(u, labels, u.first_folio)) for u in final]
            todo = [(u, job) for u, job in wanted if u.job != job]
            ahead = self.index_ahead(index, final, labels) if _round == 0 else []
            later = [u for u in rest if u is not index] if ahead else rest
            wave = [j for _, j in todo + ahead]
            follow = self.front_after(final, front) if ahead else None
            # (the front, given while this wave runs, is of its work, not the last wave's)
            beside = [self.job(u, labels, 1) for u in front] if follow else []
            last_units = [u for u in later if u not in front] if follow else later
            early = self.early_numbers(waiting, final, wave + beside, last_units, labels)
            moved = False
            jobs = wave + [job for _, job in early]
            laid_out = self.lay_out(jobs, "Layout", follow)
            for (unit, job), laid in zip(todo, laid_out, strict=False):
                before = unit.laid.anchors if unit.laid else None
                moved |= unit.kind == "body" and before != laid.anchors
                unit.laid, unit.job = laid, job
            for (unit, job), laid in zip(ahead, laid_out[len(todo) :], strict=False):
                if laid.stamps is not None:  # else laid out with its folios, last
                    unit.laid, unit.job = laid, job
                    waiting.append(unit)
            for (unit, _job), laid in zip(early, laid_out[len(wave) :], strict=True):
                unit.numbers = laid
                waiting.remove(unit)
            self.number()
            if not moved:
                break
        else:
            LOG.warning("page numbers did not settle after %d layouts", MAX_ROUNDS)
        labels = self.labels()
        # (the contents laid out beside the index: with the numbers it now prints, or again)
        rest = [
            u
            for u in rest
            if u.job is None or (u.kind == "front" and u.job != self.job(u, labels, 1))
        ]
        jobs = [self.job(u, labels, u.first_folio) for u in rest]
        jobs.append(self.blank_job())
        jobs += [self.numbers_job(u, labels) for u in waiting]
        laid_out = self.lay_out(jobs, "Contents, index and page numbers")
        for unit, job, laid in zip(rest, jobs, laid_out, strict=False):
            unit.laid, unit.job = laid, job
        self.blank = laid_out[len(rest)]
        for unit, laid in zip(waiting, laid_out[len(rest) + 1 :], strict=True):
            unit.numbers = laid
        self.number()
        for unit in self.units:
            for warning in unit.laid.warnings if unit.laid else []:
                LOG.warning("WeasyPrint: %s", warning)
        if self.cache:
            folios = {u.name: u.first_folio for u in body}
            self.cache.remember({"digits": self.digits, "labels": self.labels(), "folios": folios})
        if self.drawn:
            self.drawn.save()

    def index_ahead(
        self, index: Unit | None, final: list[Unit], labels: dict[str, str]
    ) -> list[tuple[Unit, Job]]:
        """The index, to lay out beside the references rather than after them: once every
        body document is laid out for good (so every page it prints is known), with its
        folios alone left out to be stamped (its own first folio waits for the references'
        pages; its layout does not: every document opens on a recto)."""
        if index is None or index.job is not None or not self.stamp:
            return []
        if any(u.kind == "body" for u in final):
            return []
        return [(index, self.job(index, labels, 1, stamp=True, only_folios=True))]

    def front_after(
        self, final: list[Unit], front: list[Unit]
    ) -> Callable[[Laid], list[Job]] | None:
        """What lays the front (the contents) out as soon as the references are, beside the
        index: the last number it prints, the index's first folio, follows from the
        references' pages (a ``follow`` of ``lay_out``)."""
        references = next((u for u in final if u.kind == "apparatus"), None)
        if references is None or not front:
            return None
        unit = front[0]

        def follow(laid: Laid) -> list[Job]:
            if laid.name == references.name and references.laid is None:
                references.laid = laid
                self.number()
                unit.job = self.job(unit, self.labels(), 1)
                return [unit.job]
            if unit.job is not None and laid.name == unit.name:
                unit.laid = laid
            return []

        return follow

    def early_numbers(
        self,
        waiting: list[Unit],
        final: list[Unit],
        wave: list[Job],
        last: list[Unit],
        labels: dict[str, str],
    ) -> list[tuple[Unit, Job]]:
        """The numbers documents to lay out now, beside the references, rather than in the
        last wave: those that fill the workers the references leave idle, past what the last
        wave needs to keep its own workers busy beside the index and the contents. Only when
        their numbers are known: every body document laid out for good (so no folio moves
        any more) and every page they print one standing in a body document."""
        workers = max(1, getattr(self.runner, "workers", 1))
        if workers == 1 or not wave or any(u.kind == "body" for u in final):
            return []
        settled = {
            a for u in self.units if u.kind == "body" and u.laid for p in u.laid.anchors for a in p
        }
        ready = [
            (u, self.numbers_job(u, labels))
            for u in waiting
            if u.laid is not None
            and u.laid.stamps is not None
            and all(
                box["kind"] != "page" or box["target"] in settled
                for page in u.laid.stamps["pages"]
                for box in page
            )
        ]
        # The room each wave has: what its workers would idle beside its longest job.
        costs = [job.cost for job in wave]
        room_now = workers * max(costs) - sum(costs)
        later = [self.job(u, labels, u.first_folio).cost for u in last] or [0]
        room_later = workers * max(later) - sum(later)
        early = []
        for unit, job in sorted(ready, key=lambda pair: -pair[1].cost):
            if job.cost <= room_later:
                room_later -= job.cost
            elif job.cost <= room_now:
                room_now -= job.cost
                early.append((unit, job))
        return early

    def lay_out(
        self, jobs: list[Job], what: str, follow: Callable[[Laid], list[Job]] | None = None
    ) -> list[Laid]:
        """The jobs' layouts, from the cache where it has them. A chapter whose last layout
        the cache holds is laid out from its edit on, in a window (``resume.py``); a window
        that does not meet the last layout again runs to the chapter's end, then, if that
        fails too, the whole chapter is laid out. ``follow``: told of each layout made (and
        of each of the jobs it gives, once laid out or found in the cache), it may give
        jobs to lay out at once, beside the rest (``follow_up``)."""
        results: list[Laid | None] = [self.cache.get(j) if self.cache else None for j in jobs]
        pending = [n for n, laid in enumerate(results) if laid is None]
        priors = {n: self._prior(jobs[n]) for n in pending}
        added: list[Job] = []  # the jobs ``follow`` gave that are laid out here

        def done(laid: Laid) -> list[Job]:
            if self.progress:
                self.progress.advance(laid)
            if follow is None:
                return []
            given = self.follow_up(follow, laid)
            added.extend(given)
            if given and self.progress:
                self.progress.grow(len(given))
            return given

        for attempt in ("window", "to the end", "whole"):
            if not pending:
                break
            windows: dict[int, resume.Window | None] = {}
            for n in pending:
                prior = priors[n] if attempt != "whole" else None
                to_end = attempt != "window"
                windows[n] = resume.window(jobs[n], *prior, to_end=to_end) if prior else None
            if self.progress:
                self.progress.start(what, len(pending))
            if any(windows.values()) and "pikepdf" not in sys.modules:
                # What the splice needs, imported while the windows are laid out.
                threading.Thread(target=importlib.import_module, args=("pikepdf",)).start()
            sent = [window.job if (window := windows[n]) else jobs[n] for n in pending]
            start = len(added)
            made = self.runner.map(sent, done)
            for n, laid in zip(pending, made, strict=False):
                window, prior = windows[n], priors[n]
                results[n] = resume.splice(window, prior[0], laid) if window and prior else laid
            for job, laid in zip(added[start:], made[len(sent) :], strict=True):
                if self.cache:
                    self.cache.put(job, laid)
            pending = [n for n in pending if results[n] is None]
        laid_out = [laid for laid in results if laid is not None]
        if self.cache:
            for n in priors:  # (the last layout of a document found in the cache is known)
                job, laid = jobs[n], laid_out[n]
                self.cache.put(job, laid)
                if job.stamp and job.write and laid.opens and (parts := resume.chunks(job.html)):
                    self.cache.remember_prior(job, parts.digests())
        return laid_out

    def follow_up(self, follow: Callable[[Laid], list[Job]], laid: Laid) -> list[Job]:
        """The jobs ``follow`` gives on ``laid`` that the cache does not hold; those it
        holds are given back to ``follow`` at once (which may give more)."""
        fresh = []
        for job in follow(laid):
            cached = self.cache.get(job) if self.cache else None
            if cached is None:
                fresh.append(job)
            else:
                fresh += self.follow_up(follow, cached)
        return fresh

    def _prior(self, job: Job) -> tuple[Laid, list[list[str]]] | None:
        """The last layout of a chapter to lay out, if the cache has it (``resume.py``)."""
        if not (self.cache and job.stamp and job.write) or job.only_folios:
            return None
        return self.cache.prior(job)

    # --- jobs -------------------------------------------------------------------------------

    def job(
        self,
        unit: Unit,
        labels: dict[str, str],
        first_folio: int,
        write: bool = True,
        *,
        stamp: bool = False,
        only_folios: bool = False,
    ) -> Job:
        # The same job is asked for again (its cost, then the job, in the later waves).
        memo = (unit.name, first_folio, write, stamp, only_folios, self.digits)
        known = self._jobs.get(memo)
        if known is not None and known[0] == labels:
            return known[1]
        text = self.text(unit, labels)
        cost = len(text) * (FRONT_WEIGHT if unit.kind == "front" else 1)
        job = self._job(
            unit.name, text, first_folio, write, stamp=stamp, only_folios=only_folios, cost=cost
        )
        self._jobs[memo] = (dict(labels), job)
        return job

    def text(self, unit: Unit, labels: dict[str, str]) -> str:
        """A document's HTML, with ``labels`` for the page numbers it prints: from the build
        cache's drawings (``cache.Drawn``) when all its parts show is known (``Drawing.shown``)
        and was drawn before with the same numbers."""
        dated = self.dated and unit.kind == "front"
        every = unit.kind == "body"
        key = None
        if self.drawn is not None and not dated:
            shown = [self.drawing.shown(part) for part in unit.parts]
            if all(shown):
                numbers = [self.digits, every, sorted(labels.items())]
                key = text_digest(json.dumps([shown, self.drawing.shell(), numbers]))
                text = self.drawn.get(key)
                if text is not None:
                    return text
        fragments = [self.drawing.part(part, labels) for part in unit.parts]
        # Every document's boxes as wide as the body's folios, as in one document of the book.
        document = self.drawing.document(fragments, self.digits, dated=dated)
        text = with_page_numbers(document, labels, self.digits, every=every)
        if key is not None and self.drawn is not None:
            self.drawn.put(key, text)
        return text

    def blank_job(self) -> Job:
        return self._job(BLANK, "<html><body></body></html>", 1, True)

    def numbers_job(self, unit: Unit, labels: dict[str, str]) -> Job:
        """The numbers document of a stamped body document (``stamp.py``)."""
        assert unit.laid is not None and unit.laid.stamps is not None
        stamps = unit.laid.stamps
        # Asked for again in a later wave: the same job while the numbers it prints are.
        targets = {box["target"] for page in stamps["pages"] for box in page}
        printed = sorted((target, labels.get(target)) for target in targets)
        known = self._numbers.get(unit.name)
        same = known is not None and known[0][0] is unit.laid  # the same layout, not its equal
        if same and known[0][1:] == (unit.first_folio, self.digits) and known[1] == printed:
            return known[2]
        language = self.book.metadata.language
        text = numbers_html(stamps, unit.first_folio, labels, self.digits, language)
        sheets = (*self.faces, Sheet(numbers_css(stamps)))
        cost = NUMBERS_PAGE * len(stamps["pages"])
        tall = tall_css(stamps)
        job = self._job(unit.name + NUMBERS, text, 1, True, sheets=sheets, cost=cost, tall=tall)
        self._numbers[unit.name] = ((unit.laid, unit.first_folio, self.digits), printed, job)
        return job

    def _job(
        self,
        name: str,
        text: str,
        first_folio: int,
        write: bool,
        *,
        stamp: bool = False,
        only_folios: bool = False,
        sheets: tuple[Sheet, ...] | None = None,
        cost: int | None = None,
        tall: str = "",
    ) -> Job:
        return Job(
            name,
            text,
            self.sheets if sheets is None else sheets,
            self.base_url,
            first_folio,
            write,
            stamp,
            only_folios,
            self.identifier,
            self.digests(text),
            cost=len(text) if cost is None else cost,
            tall=tall,
        )

    def digests(self, text: str) -> tuple[tuple[str, str], ...]:
        """Each local file a document refers to (its images, the stylesheets' fonts), with
        the hash of its content: part of the job's cache key, and what a remote worker is
        sent."""
        if self._sheet_urls is None:  # the same for every document
            self._sheet_urls = {
                url
                for sheet in self.sheets
                for url in _urls((m.group(2) for m in _URL.finditer(sheet.text)), sheet.base_url)
            }
        urls = self._sheet_urls | set(_urls(_sources(text), self.base_url))
        result = []
        for url in sorted(urls):
            if url not in self._digests:
                file = local_file(url)
                data = file.read_bytes() if file.is_file() else b""
                self._digests[url] = hashlib.sha256(data).hexdigest()
            result.append((url, self._digests[url]))
        return tuple(result)

    # --- numbers --------------------------------------------------------------------------

    def number(self) -> None:
        """Each document's first folio and blank page, from the page counts known so far."""
        folio = 1
        for unit in self.units:
            if unit.kind == "front":
                unit.first_folio, unit.pad = 1, unit.count % 2 == 1
                continue
            unit.first_folio = folio
            unit.pad = unit.count % 2 == 1 and unit is not self.units[-1]
            folio += unit.count + unit.pad

    def labels(self) -> dict[str, str]:
        """The folio of the page each anchor first stands on (a document not laid out yet:
        its first anchor, on its first folio)."""
        result: dict[str, str] = {}
        for unit in self.units:
            if unit.laid is None:
                result.setdefault(unit.parts[0].anchor, str(unit.first_folio))
                continue
            for n, anchors in enumerate(unit.laid.anchors):
                label = roman(n + 1) if unit.kind == "front" else str(unit.first_folio + n)
                for anchor in anchors:
                    result.setdefault(anchor, label)
        return result

    def page_map(self) -> PrintLayout:
        """The page map of the joined pages: folios and the anchors first standing on each
        page. A page with no printed folio (the prelims, blank pages) has an empty label."""
        starts = {part.anchor: part for part in self.parts}
        seen: set[str] = set()
        result: list[PrintPage] = []
        kind, section = "prelims", "front"
        number = 0
        for unit in self.units:
            assert unit.laid is not None
            for n, page in enumerate(unit.laid.anchors):
                number += 1
                anchors = [a for a in page if a not in seen]
                seen.update(anchors)
                for anchor in anchors:
                    if anchor in starts:
                        kind, section = starts[anchor].kind, starts[anchor].section
                label = roman(number) if unit.kind == "front" else str(unit.first_folio + n)
                if kind == "prelims" or unit.laid.blank[n]:
                    label = ""
                begins = unit.laid.starts[n] if n < len(unit.laid.starts) else []
                result.append(PrintPage(number, label, anchors, section, begins))
            if unit.pad:
                number += 1
                result.append(PrintPage(number=number, label="", section=section))
        return PrintLayout(pages=result)

    def pieces(self) -> list[Piece]:
        """The documents to join, blank pages included."""
        result = []
        for unit in self.units:
            assert unit.laid is not None and unit.laid.pdf is not None
            anchors = {a for page in unit.laid.anchors for a in page}
            numbers = unit.numbers.pdf if unit.numbers else None
            result.append(Piece(unit.laid.pdf, anchors, numbers))
            if unit.pad and self.blank is not None and self.blank.pdf is not None:
                result.append(Piece(self.blank.pdf, set()))
        return result

    def final_jobs(self) -> list[Job]:
        """The jobs of the finished layout, blank pages included, in reading order."""
        result = []
        for unit in self.units:
            assert unit.job is not None
            result.append(unit.job)
            if unit.pad:
                result.append(self.blank_job())
        return result


def estimate_digits(book: Book) -> int:
    """A first guess at the digits of the last folio of the body (about 2,600 characters of
    HTML to a page, and an opening and half a blank page per document, on 6 × 9 in); the
    layout corrects it, at the cost of a provisional layout more."""
    size = sum(len(e.html) for e in book.entries) + sum(len(p.html) for p in book.back)
    pages = size // 2600 + (3 * (len(book.chapters) + len(book.back))) // 2
    return len(str(max(pages, 1)))


def _sources(text: str) -> Iterator[str]:
    """The ``src`` attributes of a document's HTML: found by their literal ``src="`` and
    a look at the character before (a pattern beginning with a space would be tried at
    every space of a chapter's text, ten times as slow)."""
    for match in _SRC.finditer(text):
        if match.start() and text[match.start() - 1].isspace():
            yield match.group(1)


def _urls(references: Iterable[str], base: str) -> list[str]:
    """The local files among ``references`` (relative to ``base``)."""
    from urllib.parse import urljoin

    result = []
    for reference in references:
        url = urljoin(base, reference) if base else reference
        if url.startswith("file:") and Path(local_file(url)).is_file():
            result.append(url.split("#")[0])
    return result
