"""Writing editions safely: the whole build in one staging folder, swapped in at the end.

A build writes every edition (``html/``, ``<slug>.pdf``, ``<slug>.layout.json``,
``<slug>.epub``) into one staging folder inside the output folder,
``build/.glossbook-staging-XXXXXXXX/``, and only when all of them are complete moves them
into place in one final step:

1. the list of what is to be moved is written into the staging folder as a journal (the
   commit point: written whole, then renamed into place);
2. each edition is renamed over its target (a replaced folder is first moved aside into
   the staging folder); Ctrl-C and SIGTERM are held off during these renames;
3. the staging folder, with the old editions in it, is removed.

A build that fails or is interrupted before step 1 leaves the output folder exactly as it
was. Only a process killed outright (SIGKILL, power loss) during step 2, a few renames
long, can leave old and new editions side by side; the next build into the same folder
finds the journal and completes the swap before anything else. Staging folders of killed
builds, and the temporaries of older glossbook versions, are removed at the next start.

WeasyPrint and the standard library's ``tempfile`` put their temporary files in the staging
folder during the build (``tempfile.tempdir``), so they go with it. What must live in the
system's temporary folder (the layout pool's sockets need a short path) goes in a folder of
the process, ``glossbook-<pid>``, locked while the process lives: removed when it
ends, and by the next build if it was killed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from .errors import EnvironmentFailure, Problem

COMMITTED: list[Path] = []  # output folders this process has swapped a new build into
# Interrupts raised by our signal handlers. One raised inside a finaliser (``__del__``) is
# swallowed by Python; ``checkpoint()`` raises it again at the next safe place.
PENDING: list[type[BaseException]] = []
STAGING_PREFIX = ".glossbook-staging-"
JOURNAL = ".commit.json"
OLD = ".old"
TMP = ".tmp"
PROCESS_PREFIX = "glossbook-"
_PROCESS_FOLDER = re.compile(r"^glossbook-\d+(?:-[a-z0-9_]{8})?$")
# The temporary folder outside the builds under way (the system's), and the open, locked
# folders of this process (see ``process_folder``).
_OUTSIDE: list[str] = []
_HELD: dict[str, int] = {}

# Temporaries of glossbook versions that staged each edition beside its target.
_LEGACY = re.compile(
    r"^\.(html|[a-z0-9][a-z0-9-]*\.(?:pdf|epub|layout\.json))\.(?:old\.)?[a-z0-9_]{8}$"
)


class Staging:
    """The output folder of one build: ``with Staging(out) as folder:`` … ``commit()``.

    Entering locks the output folder against a second build, cleans what killed builds
    left, and makes the staging folder (its ``path``). ``commit()`` swaps every top-level
    file and folder of the staging folder into the output folder. Leaving removes the
    staging folder, committed or not.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out  # the staging folder, once entered
        self._lock: int | None = None
        self._tempdir: str | None = None
        self._tmpdir_env: str | None = None
        self.committed: list[Path] = []
        self._held: contextlib.AbstractContextManager[list[int]] | None = None

    def __enter__(self) -> Staging:
        out = self.out
        if out.exists() and not out.is_dir():
            raise EnvironmentFailure(
                [
                    Problem(
                        shown(out),
                        None,
                        "the output folder is a file.",
                        "Give a folder with --out, or move the file away.",
                    )
                ]
            )
        try:
            out.mkdir(parents=True, exist_ok=True)
            self._lock = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(self._lock)
                self._lock = None
                raise EnvironmentFailure(
                    [
                        Problem(
                            shown(out),
                            None,
                            "another glossbook build is writing into this folder.",
                            "Wait for it to finish, or build into another folder with --out.",
                        )
                    ]
                ) from None
            recover(out)
            clean_process_folders()
            self.path = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
            (self.path / TMP).mkdir()
        except OSError as error:
            self._release()
            raise environment_failure(error, out) from None
        # WeasyPrint's font folders and every other tempfile of this build live in the
        # staging folder, so a killed build leaves none in the system's temporary folder.
        _OUTSIDE.append(tempfile.gettempdir())
        self._tempdir = tempfile.tempdir
        self._tmpdir_env = os.environ.get("TMPDIR")
        tempfile.tempdir = str(self.path / TMP)
        os.environ["TMPDIR"] = str(self.path / TMP)
        return self

    def __exit__(self, *exc: object) -> None:
        if _OUTSIDE:
            _OUTSIDE.pop()
        tempfile.tempdir = self._tempdir
        if self._tmpdir_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = self._tmpdir_env
        try:
            # Ctrl-C or SIGTERM now would leave the staging folder half removed: they are
            # held off until it is gone, then raised.
            with held_signals() as received:
                if self.path != self.out:
                    shutil.rmtree(self.path, ignore_errors=True)
                self._release()
            for signum in received[:1]:
                signal.raise_signal(signum)
        finally:
            if self._held is not None:
                self._held.__exit__(None, None, None)
                self._held = None

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing releases the flock
            self._lock = None

    def commit(self) -> list[Path]:
        """Move every edition in the staging folder into the output folder, all at once.

        From here until the ``with`` block ends, Ctrl-C and SIGTERM are held off: the new
        build is in place, and the command finishes as a success.
        """
        names = sorted(n for n in os.listdir(self.path) if not n.startswith("."))
        checkpoint()
        self._held = held_signals()
        self._held.__enter__()
        try:
            journal = self.path / (JOURNAL + ".part")
            journal.write_text(json.dumps(names), encoding="utf-8")
            os.replace(journal, self.path / JOURNAL)
            _swap(self.path, self.out, names)
        except OSError as error:
            raise environment_failure(error, self.out) from None
        self.committed = [self.out / name for name in names]
        COMMITTED.append(self.out)
        return self.committed


def checkpoint() -> None:
    """Raise an interrupt that arrived but was swallowed (in a finaliser, say)."""
    if PENDING:
        raise PENDING[0]()


def _swap(staging: Path, out: Path, names: list[str]) -> None:
    """Rename each of ``names`` from ``staging`` over ``out``; safe to run again."""
    old = staging / OLD
    old.mkdir(exist_ok=True)
    for name in names:
        new, target = staging / name, out / name
        if not os.path.lexists(new):
            continue  # moved already, by a run this one completes
        if os.path.lexists(target) and (
            (target.is_dir() and not target.is_symlink()) or new.is_dir()
        ):
            os.replace(target, old / name)  # a folder cannot be renamed over a folder
        os.replace(new, target)


def settle(out: Path) -> None:
    """Before a build reads anything: complete or discard what a killed build left in
    ``out`` (if no other build is running there now)."""
    if not out.is_dir():
        return
    try:
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return  # reported when the build writes
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        recover(out)
    except OSError:
        pass  # another build holds it, or the folder is read-only: Staging reports that
    finally:
        os.close(fd)


def recover(out: Path) -> None:
    """Finish or discard what killed builds left in ``out`` (call with the lock held)."""
    for child in out.iterdir():
        if child.name.startswith(STAGING_PREFIX) and child.is_dir():
            journal = child / JOURNAL
            if journal.is_file():
                try:
                    names = json.loads(journal.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    names = []
                _swap(child, out, [n for n in names if isinstance(n, str) and "/" not in n])
            shutil.rmtree(child, ignore_errors=True)
        elif _LEGACY.match(child.name):
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)


def system_temp() -> str:
    """The system's temporary folder: not the staging folder of a build under way."""
    return _OUTSIDE[0] if _OUTSIDE else tempfile.gettempdir()


def process_folder() -> Path:
    """A new folder of this process in the system's temporary folder, for what needs a
    short path there. It is locked (``flock``) while the process lives, so that
    ``clean_process_folders`` removes it once the process has gone, killed or not; the
    caller removes it when done."""
    while True:
        folder = os.path.join(system_temp(), f"{PROCESS_PREFIX}{os.getpid()}")  # short
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            folder = tempfile.mkdtemp(prefix=f"{PROCESS_PREFIX}{os.getpid()}-", dir=system_temp())
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)  # not inherited by child processes
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with contextlib.suppress(OSError):
            if os.stat(folder).st_ino == os.fstat(fd).st_ino:
                _HELD[folder] = fd
                return Path(folder)
        os.close(fd)  # another build's clean-up took it before it was locked: again


def remove_process_folder(folder: Path) -> None:
    """Remove a folder made by ``process_folder`` and let its lock go."""
    shutil.rmtree(folder, ignore_errors=True)
    fd = _HELD.pop(str(folder), None)
    if fd is not None:
        os.close(fd)


def clean_process_folders() -> None:
    """Remove the folders ``process_folder`` made in processes that have gone (a killed
    build's): only ours (by name and owner), only those no living process holds locked."""
    base = system_temp()
    try:
        names = os.listdir(base)
    except OSError:
        return
    for name in names:
        path = os.path.join(base, name)
        if not _PROCESS_FOLDER.match(name) or path in _HELD:
            continue
        try:
            info = os.lstat(path)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                continue
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)  # its process lives (or it cannot be locked): left alone
            continue
        try:
            shutil.rmtree(path, ignore_errors=True)
        finally:
            os.close(fd)


@contextlib.contextmanager
def held_signals() -> Iterator[list[int]]:
    """Hold off Ctrl-C and SIGTERM (main thread only): they are noted, not raised."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def note(signum: int, frame: object) -> None:
        received.append(signum)

    previous = {s: signal.signal(s, note) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


WHAT_TO_DO = {
    errno.ENOSPC: ("the disk is full", "Free some space, or build elsewhere with --out."),
    errno.EDQUOT: ("the disk quota is used up", "Free some space, or build elsewhere with --out."),
    errno.EROFS: ("the file system is read-only", "Build into another folder with --out."),
    errno.EACCES: (
        "permission denied",
        "Make the folder writable for you, or build elsewhere with --out.",
    ),
    errno.EPERM: (
        "operation not permitted",
        "Make the folder writable for you, or build elsewhere with --out.",
    ),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "Check the --out path."),
    errno.EEXIST: ("a file is in the way", "Move it away, or build elsewhere with --out."),
    errno.ENAMETOOLONG: ("the path is too long", "Build into a folder with a shorter path."),
}


def environment_failure(error: OSError, fallback: Path) -> EnvironmentFailure:
    """An OSError from the machine (disk, permissions, paths) as a located problem."""
    what, todo = WHAT_TO_DO.get(
        error.errno or 0, (error.strerror or str(error), "Check the folder and try again.")
    )
    file = fallback
    if isinstance(error.filename, str) and STAGING_PREFIX not in error.filename:
        file = Path(error.filename)  # else: a temporary of ours, named by its output folder
    return EnvironmentFailure([Problem(shown(file), None, f"cannot write here: {what}.", todo)])


def shown(path: Path) -> str:
    """``path`` relative to the working folder when inside it, else as it is."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix() or "."
    except (ValueError, OSError):
        return str(path)


@contextlib.contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield an empty temporary folder; on success it replaces ``target`` in one step."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.replace(target, old / target.name)
    os.replace(staging, target)
    os.chmod(target, 0o755)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged_file(target: Path) -> Iterator[Path]:
    """Yield a temporary path; on success it is renamed over ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    staging = Path(name)
    try:
        yield staging
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    os.chmod(staging, 0o644)
    os.replace(staging, target)
