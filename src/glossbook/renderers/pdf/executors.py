"""Where layout jobs run: in this process, in a pool of local worker processes, or on the
workers of a Dask distributed cluster. Every executor returns the same results for the same
jobs (the layout is a pure function of the job), so the book's bytes do not depend on it.

The local pool lives for one layout: its workers start with the build's temporary folder,
keep nothing from one build to the next, and die with the build on every path out. A
success shuts them down; an error, Ctrl-C or SIGTERM kills them at once; if the build
process is killed outright (SIGKILL), each worker notices that its parent has gone and exits,
and the forkserver they came from exits after them. Workers ignore Ctrl-C: a terminal
sends it to the whole process group, and it is the build's to handle.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.util
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from ...errors import UsageError
from ...output import held_signals, process_folder, remove_process_folder
from .css import Sheet
from .worker import Job, Laid, lay_out, lay_out_shipped, load, read_sheets, release

EXECUTORS = ("local", "dask")
# Told of each layout as it is made; may give jobs to lay out in the same map, whose layouts
# follow those of the jobs given, in the order given.
Done = Callable[[Laid], list[Job] | None]


class Inline:
    """Jobs one after the other in this process (``--jobs 1``, the preview)."""

    workers = 1

    def map(self, jobs: list[Job], done: Done) -> list[Laid]:
        queue, results = list(jobs), []
        while len(results) < len(queue):
            results.append(lay_out(queue[len(results)]))
            queue += done(results[-1]) or []
        return results

    def close(self) -> None:
        release()  # the stylesheets' fonts are in this build's temporary folder


class Pool:
    """A pool of local worker processes for one layout; each worker reads the stylesheets
    and fonts once. ``close`` shuts it down (``failed``: kills its workers at once)."""

    def __init__(self, workers: int, tempdir: str | None = None) -> None:
        self.workers = workers
        self.warmed = 0  # the workers started by ``warm``
        _multiprocessing_folder()
        context = multiprocessing.get_context("forkserver")
        # Not WeasyPrint: the forkserver would import it (half a second) before it forks the
        # first worker, and the build waits for that; each worker imports it as it warms up.
        context.set_forkserver_preload(["glossbook.renderers.pdf.executors"])
        _start_forkserver()
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(tempdir or tempfile.gettempdir(),),
        )

    def map(self, jobs: list[Job], done: Done) -> list[Laid]:
        # A job is given to the pool when a worker is free for it, not before: a job given
        # while the map runs (``done``) starts before the shorter jobs still waiting.
        futures: dict[Future[Laid], int] = {}
        waiting = [(n, jobs[n]) for n in longest_first(jobs)]
        results: list[Any] = [None] * len(jobs)
        running: set[Future[Laid]] = set()
        while waiting or running:
            free = self.workers - len(running)
            running |= self._submit(futures, waiting[:free])
            del waiting[:free]
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=futures.__getitem__):
                results[futures[future]] = future.result()
                more = done(results[futures[future]]) or []
                waiting += [(len(results) + n, job) for n, job in enumerate(more)]
                waiting.sort(key=lambda placed: -placed[1].cost)  # stable: ties keep their order
                results += [None] * len(more)
        return results

    def _submit(
        self, futures: dict[Future[Laid], int], jobs: list[tuple[int, Job]]
    ) -> set[Future[Laid]]:
        """Submit the jobs, each with its place in the results; the new futures. Submitting
        starts the workers: Ctrl-C and SIGTERM wait until each started worker is known to
        the pool (and so can be killed), then are raised."""
        submitted = set()
        with held_signals() as received:
            for n, job in jobs:
                future = self.pool.submit(lay_out, job)
                futures[future] = n
                submitted.add(future)
        for signum in received[:1]:
            signal.raise_signal(signum)
        return submitted

    def submit(self, work: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``work(*args)`` on a worker (the join, while this process makes the EPUB)."""
        return self.pool.submit(work, *args)

    def warm(self, sheets: tuple[Sheet, ...] | None, workers: int | None = None) -> None:
        """Start ``workers`` workers now (default: every one, or as many as were started
        so), each reading the stylesheets and their fonts (with None, only loading
        WeasyPrint), while this process draws the documents or reads the book (the first job
        then finds its worker ready). The pool starts the others when it has work for
        them."""
        count = workers or self.warmed or self.workers
        self.warmed = max(self.warmed, count)
        with held_signals() as received:
            for _ in range(count):
                if sheets is None:
                    self.pool.submit(load)
                else:
                    self.pool.submit(read_sheets, sheets)
        for signum in received[:1]:
            signal.raise_signal(signum)

    def close(self, failed: bool = False) -> None:
        if failed:
            self.kill()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def kill(self) -> None:
        """Kill the workers now (their jobs are abandoned)."""
        kill = getattr(self.pool, "kill_workers", None)  # Python 3.14
        if kill is not None:
            kill()
            return
        for process in list((getattr(self.pool, "_processes", None) or {}).values()):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                process.kill()


_EARLY: list[tuple[int, Pool]] = []  # a pool started before the book was read, and its size


def start_early(jobs: int | None = None) -> None:
    """Start the local layout pool now, before the build reads the book: a worker loads
    WeasyPrint meanwhile (half a second, which a one-entry edit would otherwise wait for),
    and the layout's ``executor`` takes the pool over. One worker: a build after an edit
    lays out a chapter or two, and workers loading WeasyPrint would take the cores from the
    build reading the book; the pool starts the others when it has work for them. Until the
    layout takes the pool, its workers keep their temporary files in this process's folder
    (``output.process_folder``: removed when the process ends, or by the next build if it
    is killed), as the build's temporary folder does not exist yet. ``stop_early`` closes
    it if no layout took it."""
    workers = _workers("local", jobs, "")
    if workers > 1 and not _EARLY:
        _multiprocessing_folder()
        pool = Pool(workers, tempdir=multiprocessing.util.get_temp_dir())
        _EARLY.append((workers, pool))
        pool.warm(None, 1)


def stop_early(failed: bool = False) -> None:
    """Close the pool ``start_early`` started, if no layout took it over."""
    while _EARLY:
        _EARLY.pop()[1].close(failed=failed)


_FOLDER: list[Path] = []  # the folder of this process for multiprocessing, once made


def _multiprocessing_folder() -> None:
    """Give multiprocessing its folder (where the forkserver's socket goes, which needs a
    short path) in the system's temporary folder: a folder of this process, removed when the
    process ends, and by the next build if it is killed (``output.process_folder``). Not the
    build's staging folder: the forkserver serves every build of this process."""
    config = multiprocessing.current_process()._config  # what util.get_temp_dir() reads
    if _FOLDER or config.get("tempdir"):
        return  # made already
    folder = process_folder()
    _FOLDER.append(folder)
    config["tempdir"] = str(folder)
    # At exit, after multiprocessing's own clean-up (priority 0 and above).
    multiprocessing.util.Finalize(None, _forget_folder, args=(folder,), exitpriority=-200)


def _forget_folder(folder: Path) -> None:
    config = multiprocessing.current_process()._config
    if config.get("tempdir") == str(folder):
        config["tempdir"] = None
    remove_process_folder(folder)


def _start_forkserver() -> None:
    """Start multiprocessing's forkserver (and resource tracker) if they are not running,
    ignoring Ctrl-C from their first instruction: a terminal sends SIGINT to the whole
    process group, and one landing while the forkserver still starts up would kill it with a
    traceback (and the build with it). An ignored signal stays ignored across fork and exec,
    so this process ignores it while it starts them (a few milliseconds)."""
    import multiprocessing.forkserver

    if threading.current_thread() is not threading.main_thread():
        multiprocessing.forkserver.ensure_running()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


def _start_worker(tempdir: str) -> None:
    """Run in each worker process as it starts."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the build handles Ctrl-C: it kills us
    # This build's temporary folder (the forkserver may have started in an earlier build).
    tempfile.tempdir = tempdir
    os.environ["TMPDIR"] = tempdir
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: Any) -> None:
    """Wait for the build process to go (its end of a pipe closes), then exit at once."""
    parent.join()
    os._exit(1)


class Dask:
    """The workers of a Dask distributed cluster. They share no file system with this
    machine: each job carries the files it refers to (fonts, images) as data."""

    def __init__(self, scheduler: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise UsageError(
                "the dask executor needs the 'distributed' package: pip install 'glossbook[dask]'."
            ) from None
        try:
            self.client = Client(scheduler, timeout=10, set_as_default=False)
        except OSError as error:
            raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {error}.") from None
        self.files: dict[tuple[str, str], Any] = {}  # (URL, SHA-256): its data on the workers
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def map(self, jobs: list[Job], done: Done) -> list[Laid]:
        from distributed import as_completed as completed

        futures = {self._submit(jobs[n]): n for n in longest_first(jobs)}
        results: list[Any] = [None] * len(jobs)
        running = completed(list(futures), loop=self.client.loop)
        for future in running:
            results[futures[future]] = future.result()
            for job in done(results[futures[future]]) or []:
                futures[(added := self._submit(job))] = len(results)
                results.append(None)
                running.add(added)
        return results

    def _submit(self, job: Job) -> Any:
        urls = tuple(url for url, _ in job.digests)
        return self.client.submit(
            lay_out_shipped,
            job,
            urls,
            *self._files(job),
            key=f"glossbook-{job.key()}",
            pure=False,
            priority=job.cost,  # the longest first, so that the workers end together
        )

    def _files(self, job: Job) -> Iterator[Any]:
        """The job's files, each sent to the workers once (the stylesheets' fonts are the
        same for every job)."""
        for file in job.digests:
            if file not in self.files:
                data = local_file(file[0]).read_bytes()
                self.files[file] = self.client.scatter(data, broadcast=True)
            yield self.files[file]

    def close(self) -> None:
        self.client.close()


def longest_first(jobs: list[Job]) -> list[int]:
    """The order to start the jobs in: the longest first (by their estimated cost), so that
    no worker is left with a long job while the others have nothing to do."""
    return sorted(range(len(jobs)), key=lambda n: -jobs[n].cost)


def local_file(url: str) -> Path:
    return Path(url2pathname(urlsplit(url).path))


@contextlib.contextmanager
def executor(kind: str = "local", jobs: int | None = None, scheduler: str = "") -> Iterator[Any]:
    """The executor for ``--executor``/``--jobs``/``--scheduler``, closed after use."""
    workers = _workers(kind, jobs, scheduler)
    early = _EARLY.pop() if _EARLY else None
    if early is not None and (kind, early[0]) != ("local", workers):
        early[1].close()
        early = None
    if kind == "dask":
        runner: Any = Dask(scheduler)
    elif early is not None:
        runner = early[1]
    else:
        runner = Pool(workers) if workers > 1 else Inline()
    try:
        yield runner
    except BaseException:
        if isinstance(runner, Pool):
            runner.close(failed=True)
        elif hasattr(runner, "close"):
            runner.close()
        raise
    if hasattr(runner, "close"):
        runner.close()


def _workers(kind: str, jobs: int | None, scheduler: str) -> int:
    """The local workers the options ask for (0 on a cluster); a UsageError if they are
    wrong."""
    if kind not in EXECUTORS:
        raise UsageError(f"unknown executor '{kind}'; choose from: {', '.join(EXECUTORS)}.")
    if kind == "dask":
        if not scheduler:
            raise UsageError(
                "the dask executor needs a scheduler: --scheduler tcp://HOST:PORT "
                "(or scheduler in [build] of glossbook.toml)."
            )
        return 0
    workers = jobs or os.cpu_count() or 1
    if workers < 1:
        raise UsageError(f"--jobs must be at least 1, not {workers}.")
    return workers


class OnDemand:
    """The executor of ``executor``, started when it is first given jobs: a layout the cache
    holds whole starts no worker (nor the forkserver, which imports WeasyPrint) and reaches
    no cluster. Its options are checked at once. A context manager, like ``executor``: it
    closes what it started."""

    def __init__(self, kind: str = "local", jobs: int | None = None, scheduler: str = "") -> None:
        _workers(kind, jobs, scheduler)
        self.options = (kind, jobs, scheduler)
        self.runner: Any = None
        self.stack = contextlib.ExitStack()

    def __enter__(self) -> OnDemand:
        return self

    def __exit__(self, *failure: Any) -> bool:
        return self.stack.__exit__(*failure)

    def map(self, jobs: list[Job], done: Done) -> list[Laid]:
        if self.runner is None:
            self.runner = self.stack.enter_context(executor(*self.options))
        return self.runner.map(jobs, done)  # type: ignore[no-any-return]
