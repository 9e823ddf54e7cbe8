"""Benchmark of the live preview under load: many browsers asking for pages at once.

    python benchmarks/bench_preview_load.py [--entries 500] [--clients 20,200] [--requests 5]

On a generated book of N entries (``corpus.write_corpus``), it starts ``glossbook preview``
in its own process and, as the peer, Python's own static server (``python -m http.server``,
the standard library's ``ThreadingHTTPServer`` with its default listen backlog of 5)
serving the same book's HTML edition from ``glossbook build --format html``. Against each,
for each client count C, C clients start together and each fetches ``--requests`` pages in
turn (a new connection per request, as a browser opening pages does), over every page
of the book. It prints per server and client count: requests, errors (refused, reset,
timed out after 30 s, or not 200), p50, p99 and slowest latency, requests per second,
the server's peak memory (VmHWM), and the peer's p99 over ours.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus

TIMEOUT_S = 30.0


@dataclass
class Result:
    latencies: list[float]
    errors: int
    seconds: float

    def row(self) -> str:
        values = sorted(self.latencies) or [float("nan")]
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        count = len(self.latencies) + self.errors
        return (
            f"{count:6d} {self.errors:6d} {statistics.median(values) * 1000:8.1f} "
            f"{p99 * 1000:8.1f} {values[-1] * 1000:8.1f} {count / self.seconds:8.0f}"
        )

    @property
    def p99(self) -> float:
        values = sorted(self.latencies)
        return values[min(len(values) - 1, int(len(values) * 0.99))] if values else float("inf")


async def fetch(port: int, path: str) -> float | None:
    """Seconds to fetch ``path`` whole (None on any failure)."""
    start = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), TIMEOUT_S
        )
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), TIMEOUT_S)
        writer.close()
    except (TimeoutError, OSError):
        return None
    if not data.startswith((b"HTTP/1.0 200", b"HTTP/1.1 200")):
        return None
    return time.perf_counter() - start


async def load(port: int, pages: list[str], clients: int, requests: int) -> Result:
    latencies: list[float] = []
    errors = 0
    start_line = asyncio.Event()

    async def client(n: int) -> None:
        nonlocal errors
        await start_line.wait()
        for k in range(requests):
            took = await fetch(port, pages[(n * requests + k) % len(pages)])
            if took is None:
                errors += 1
            else:
                latencies.append(took)

    tasks = [asyncio.create_task(client(n)) for n in range(clients)]
    await asyncio.sleep(0.05)
    start = time.perf_counter()
    start_line.set()
    await asyncio.gather(*tasks)
    return Result(latencies, errors, time.perf_counter() - start)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, process: subprocess.Popen[bytes], path: str = "/") -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server ended: {process.returncode}")
        if asyncio.run(fetch(port, path)) is not None:
            return
        time.sleep(0.2)
    raise SystemExit("the server did not start")


def peak_memory(pid: int) -> str:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "?"
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return f"{int(match.group(1)) / 1024:.0f} MB" if match else "?"


def run_server(
    name: str, command: list[str], port: int, pages: list[str], counts: list[int], requests: int
) -> dict[int, Result]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results: dict[int, Result] = {}
    try:
        wait_for(port, process)
        asyncio.run(load(port, pages, 4, 2))  # warm up
        for clients in counts:
            results[clients] = asyncio.run(load(port, pages, clients, requests))
            print(f"{name:22s} {clients:7d} {results[clients].row()}   {peak_memory(process.pid)}")
    finally:
        process.terminate()
        process.wait(30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--clients", default="20,200")
    parser.add_argument("--requests", type=int, default=5)
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        book = write_corpus(Path(tmp) / "book", args.entries)
        out = Path(tmp) / "out"
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "glossbook.cli",
                "build",
                str(book),
                "-f",
                "html",
                "-o",
                str(out),
            ],
            check=True,
            env=env,
            stderr=subprocess.DEVNULL,
        )
        html = out / "html"
        pages = sorted(f"/{p.name}" for p in html.glob("*.html"))
        size = sum((html / p[1:]).stat().st_size for p in pages) / len(pages) / 1024
        print(
            f"{args.entries} entries, {len(pages)} pages (mean {size:.0f} KiB); "
            f"{args.requests} requests per client, a new connection each; "
            f"machine: {os.cpu_count()} CPUs (shared)"
        )
        print(
            f"{'server':22s} {'clients':>7s} {'reqs':>6s} {'errors':>6s} {'p50 ms':>8s} "
            f"{'p99 ms':>8s} {'max ms':>8s} {'req/s':>8s}   peak memory"
        )
        port = free_port()
        ours = run_server(
            "glossbook preview",
            [sys.executable, "-m", "glossbook.cli", "preview", str(book), "--port", str(port)],
            port,
            pages,
            counts,
            args.requests,
        )
        port = free_port()
        peer = run_server(
            "python -m http.server",
            [sys.executable, "-m", "http.server", str(port), "-b", "127.0.0.1", "-d", str(html)],
            port,
            pages,
            counts,
            args.requests,
        )
        for clients in counts:
            ratio = peer[clients].p99 / ours[clients].p99
            print(
                f"{clients} clients: p99 {ours[clients].p99 * 1000:.0f} ms, "
                f"{ours[clients].errors} errors (peer: {peer[clients].p99 * 1000:.0f} ms, "
                f"{peer[clients].errors} errors; peer/ours p99 = {ratio:.2f})"
            )


if __name__ == "__main__":
    main()
