"""Watching the book's files for the preview, with watchfiles (inotify, FSEvents, ...).

Only the book's own files are watched, not the whole project folder (which may hold
``build/``, ``.git`` or a virtual environment with thousands of folders): the project
folder itself without descending (``glossbook.toml``, a ``.bib`` or matter page lying
there, folders appearing), and recursively ``manuscript/``, ``styles/`` and the folders of
the matter pages and bibliography named in ``glossbook.toml``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import watchfiles

from ..config import CONFIG_FILE, load_config
from ..loader import MANUSCRIPT
from ..sources import is_ignored
from ..theme import BOOK_STYLES

log = logging.getLogger(__name__)

STEP_MS = 50  # changes are reported once nothing more has changed for this long
DEBOUNCE_MS = 1600  # ... or after this long, while changes keep coming
READY_S = 5.0  # longest wait for watches to be in place, or for a watch thread to end


@dataclass(frozen=True)
class Targets:
    """What to watch: the project folder (not descending) and folders watched recursively."""

    root: Path
    folders: frozenset[Path]  # watched recursively; every change in them counts
    names: frozenset[str]  # names directly in root whose changes count

    def relevant(self, path: Path, deleted: bool = False) -> bool:
        """Whether a change to ``path`` can change the book. Editors' and the system's files
        (``.#x.md``, ``x.md~``, ``.x.md.swp``, ``.DS_Store``) are not the book's, as the build
        agrees (``is_ignored``); their removal still counts, so that a build that failed while
        one was there is made again and its overlay clears."""
        if path.parent == self.root:
            return path.name in self.names
        folder = next((f for f in self.folders if path.is_relative_to(f)), None)
        if folder is None:
            return False
        return deleted or not is_ignored(path, folder)


def targets(root: Path) -> Targets:
    """The book's files as ``glossbook.toml`` names them (defaults when it cannot be read)."""
    root = root.resolve()
    named = [MANUSCRIPT, BOOK_STYLES]
    files = ["bibliography.bib"]
    try:
        config = load_config(root)
    except Exception:  # a broken config is reported by the build; watch the usual places
        pass
    else:
        contents = config.values["contents"]
        files = [config.values["citations"]["bibliography"]]
        files += list(contents["front_matter"]) + list(contents["back_matter"])
        style = config.values["citations"]["style"]
        if isinstance(style, str) and style.endswith(".csl"):
            files.append(style)
    folders: set[Path] = set()
    names = {CONFIG_FILE, *named}
    for name in named:
        folders.add(root / name)
    for name in files:
        path = (root / name).resolve()
        if not path.is_relative_to(root) or path == root:
            continue
        first = path.relative_to(root).parts[0]
        names.add(first)  # the file itself, or the top folder holding it
        if path.parent != root:
            folders.add(path.parent)
    existing = frozenset(f for f in folders if f.is_dir() and not _inside_any(f, folders))
    return Targets(root=root, folders=existing, names=frozenset(names))


def _inside_any(folder: Path, folders: Iterable[Path]) -> bool:
    return any(folder != other and folder.is_relative_to(other) for other in folders)


class _Stop:
    """The stop event handed to ``watchfiles.watch``, which also tells when watching has
    begun: watchfiles asks ``is_set()`` only once its watches are in place."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.ready = threading.Event()

    def is_set(self) -> bool:
        self.ready.set()
        return self.event.is_set()


class Watcher:
    """Threads running ``watchfiles.watch``; ``on_change`` gets each batch of relevant paths.

    ``update(targets)`` restarts the watch when the targets changed (a new folder, a new
    bibliography) or a watch thread ended (its folder was deleted), and returns once the
    new watches are in place: call it before reading the book, so that no change falls
    between the two.
    """

    def __init__(self, on_change: Callable[[set[Path]], None]) -> None:
        self.on_change = on_change
        self.current: Targets | None = None
        self._threads: list[tuple[threading.Thread, _Stop]] = []
        self._lock = threading.Lock()

    def update(self, wanted: Targets) -> None:
        with self._lock:
            alive = all(thread.is_alive() for thread, _ in self._threads)
            if wanted == self.current and alive and self._threads:
                return
            self._halt()
            self.current = wanted
            groups: list[tuple[list[Path], bool]] = [([wanted.root], False)]
            if wanted.folders:
                groups.append((sorted(wanted.folders), True))
            for paths, recursive in groups:
                stop = _Stop()
                thread = threading.Thread(
                    target=self._run,
                    args=(paths, recursive, wanted, stop),
                    name=f"glossbook-watch-{'tree' if recursive else 'root'}",
                    daemon=True,
                )
                thread.start()
                self._threads.append((thread, stop))
            for _, stop in self._threads:
                stop.ready.wait(READY_S)

    def stop(self) -> None:
        with self._lock:
            self._halt()
            self.current = None

    def _halt(self) -> None:
        for _, stop in self._threads:
            stop.event.set()
        for thread, _ in self._threads:
            thread.join(timeout=READY_S)
        self._threads = []

    def _run(self, paths: list[Path], recursive: bool, wanted: Targets, stop: _Stop) -> None:
        try:
            for changes in watchfiles.watch(
                *paths,
                recursive=recursive,
                stop_event=stop,
                debounce=DEBOUNCE_MS,
                step=STEP_MS,
                raise_interrupt=False,
            ):
                relevant = {
                    Path(p)
                    for change, p in changes
                    if wanted.relevant(Path(p), deleted=change == watchfiles.Change.deleted)
                }
                if relevant:
                    self.on_change(relevant)
        except Exception:  # the folder went away, or the OS refused a watch
            log.warning("watching %s stopped", ", ".join(map(str, paths)), exc_info=True)
        finally:
            stop.ready.set()
