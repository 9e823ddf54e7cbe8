"""Where layout jobs run: in this process, in a pool of local worker processes, or on the
workers of a Dask distributed cluster. Every executor returns the same results for the same
jobs (the layout is a pure function of the job), so the book's bytes do not depend on it."""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from ...errors import UsageError
from .worker import Job, Laid, lay_out

EXECUTORS = ("local", "dask")
Done = Callable[[Laid], None]


class Inline:
    """Jobs one after the other in this process (``--jobs 1``, the preview)."""

    def map(self, jobs: list[Job], done: Done) -> list[Laid]:
        results = []
        for job in jobs:
            results.append(lay_out(job))
            done(results[-1])
        return results


class Pool:
    """A pool of local worker processes; each reads the stylesheets and fonts once."""

    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["glossbook.renderers.pdf.worker", "weasyprint"])
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)

    def map(self, jobs: list[Job], done: Done) -> list[Laid]:
        futures = {self.pool.submit(lay_out, job): n for n, job in enumerate(jobs)}
        results: list[Any] = [None] * len(jobs)
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done(results[futures[future]])
        return results

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


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
        self.files: dict[str, bytes] = {}

    def map(self, jobs: list[Job], done: Done) -> list[Laid]:
        from distributed import as_completed as completed

        futures = {}
        for n, job in enumerate(jobs):
            shipped = dataclasses.replace(job, files=tuple(self._files(job)))
            future = self.client.submit(lay_out, shipped, key=f"glossbook-{job.key()}", pure=False)
            futures[future] = n
        results: list[Any] = [None] * len(jobs)
        for future in completed(list(futures), loop=self.client.loop):
            results[futures[future]] = future.result()
            done(results[futures[future]])
        return results

    def _files(self, job: Job) -> Iterator[tuple[str, bytes]]:
        for url, _digest in job.digests:
            if url not in self.files:
                self.files[url] = local_file(url).read_bytes()
            yield url, self.files[url]

    def close(self) -> None:
        self.client.close()


def local_file(url: str) -> Path:
    return Path(url2pathname(urlsplit(url).path))


@contextlib.contextmanager
def executor(kind: str = "local", jobs: int | None = None, scheduler: str = "") -> Iterator[Any]:
    """The executor for ``--executor``/``--jobs``/``--scheduler``, closed after use."""
    if kind not in EXECUTORS:
        raise UsageError(f"unknown executor '{kind}'; choose from: {', '.join(EXECUTORS)}.")
    if kind == "dask":
        if not scheduler:
            raise UsageError(
                "the dask executor needs a scheduler: --scheduler tcp://HOST:PORT "
                "(or scheduler in [build] of glossbook.toml)."
            )
        runner: Any = Dask(scheduler)
    else:
        workers = jobs or os.cpu_count() or 1
        if workers < 1:
            raise UsageError(f"--jobs must be at least 1, not {workers}.")
        runner = Inline() if workers == 1 else Pool(workers)
    try:
        yield runner
    finally:
        if hasattr(runner, "close"):
            runner.close()
