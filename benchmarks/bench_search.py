"""Benchmark of the HTML edition's search: index size and time to first result.

    python benchmarks/bench_search.py [--entries 1000] [--no-sample]

For the sample book (the repository) and a generated book of N entries it prints:

- glossbook: the time and peak of Python allocations to build the search data
  (``search.files``), the size of ``js/search-index.js`` and ``js/entries.js`` (raw and
  gzipped, as a web server would send them);
- the peer: Lunr's own index of the same four fields as its documentation builds it
  (``lunr.lunr()``: English stemmer and stop words, slugs as references, its full
  serialisation), size and build time, and the ratios glossbook/peer;
- time to first result in Debian's Chromium, the edition opened from ``file://``: from the
  keystroke that starts a search (an other name from the middle of the book) to the first
  result shown, cold (the page loads lunr.min.js, the index and the entries' data on that
  keystroke) and warm (the next query), median of three fresh pages; and for the peer, the
  time lunr.js takes to load its index and answer the same query in the same page.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from lunr import lunr

from glossbook import search
from glossbook.pipeline import prepare
from glossbook.renderers import html

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from corpus import write_corpus  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]

TIME_QUERY = """async (query) => {
  const input = document.getElementById("search-input");
  const list = document.getElementById("search-results");
  list.textContent = "";
  const start = performance.now();
  input.focus();
  input.value = query;
  input.dispatchEvent(new Event("input"));
  while (!list.querySelector("[role=option]")) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return [performance.now() - start, list.querySelector("[role=option]").textContent];
}"""

PEER_QUERY = """async ([url, query]) => {
  const start = performance.now();
  await new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.onload = resolve;
    script.onerror = reject;
    document.head.appendChild(script);
  });
  const index = lunr.Index.load(window.peerIndex);
  const hits = index.search(query);
  return [performance.now() - start, hits.length ? hits[0].ref : ""];
}"""


def kib(n: int) -> str:
    return f"{n / 1024:,.1f} KiB"


def sizes(data: bytes) -> tuple[int, int]:
    return len(data), len(gzip.compress(data, 9))


def peer_index(book: object, language: str) -> bytes:
    """Lunr's index as its documentation builds it, of the same fields."""
    documents = [
        {
            "slug": e.slug,
            "title": e.title,
            "names": " ".join(e.other_names),
            "definition": e.definition,
            "body": search.plain_text(e.html),
        }
        for c in book.chapters  # type: ignore[attr-defined]
        for e in c.entries
    ]
    fields = [{"field_name": f, "boost": b} for f, b in search.FIELDS]
    index = lunr(ref="slug", fields=fields, documents=documents)
    text = json.dumps(index.serialize(), separators=(",", ":"))
    return f"window.peerIndex = {text};\n".encode()


def measure(name: str, root: Path, work: Path) -> None:
    book, _ = prepare(root)
    entries = [e for c in book.chapters for e in c.entries]
    start = time.perf_counter()
    files = search.files(book, html.entry_pages(book))
    ours_s = time.perf_counter() - start
    tracemalloc.start()  # a second run: tracing slows allocation down
    search.files(book, html.entry_pages(book))
    ours_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    start = time.perf_counter()
    peer = peer_index(book, book.metadata.language)
    peer_s = time.perf_counter() - start

    out = work / name
    html.render(book, out)
    (out / "html" / "peer-index.js").write_bytes(peer)
    index_raw, index_gz = sizes(files[search.INDEX_FILE])
    data_raw, data_gz = sizes(files[search.ENTRIES_FILE])
    peer_raw, peer_gz = sizes(peer)

    # An other name from the middle of the book, as a reader would type it.
    middle = next(e for e in entries[len(entries) // 2 :] if e.other_names)
    query = middle.other_names[0]
    cold, warm, peer_ms = [], [], []
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(3):
            page = browser.new_page()
            page.goto((out / "html" / f"{html.entry_pages(book)[middle.slug]}").as_uri())
            ms, first = page.evaluate(TIME_QUERY, query)
            cold.append(ms)
            ms, _ = page.evaluate(TIME_QUERY, query[: max(3, len(query) // 2)])
            warm.append(ms)
            ms, peer_first = page.evaluate(
                PEER_QUERY, [(out / "html" / "peer-index.js").as_uri(), query]
            )
            peer_ms.append(ms)
            page.close()
        browser.close()

    print(f"\n{name}: {len(entries)} entries; query {query!r} → {first!r}")
    print(f"  glossbook search data built in {ours_s:.2f} s, peak {ours_peak:.1f} MiB (Python)")
    print(f"  js/search-index.js  {kib(index_raw):>12}  gzip {kib(index_gz):>11}")
    print(f"  js/entries.js       {kib(data_raw):>12}  gzip {kib(data_gz):>11}")
    print(f"  peer (lunr default) {kib(peer_raw):>12}  gzip {kib(peer_gz):>11}  in {peer_s:.2f} s")
    print(
        f"  ratio index/peer    {index_raw / peer_raw:12.2f}  gzip {index_gz / peer_gz:11.2f}"
        f"  build time {ours_s / peer_s:.2f}"
    )
    print(
        f"  time to first result, file:// in Chromium (median of 3): cold "
        f"{statistics.median(cold):.0f} ms (loads lunr, index, entries), warm "
        f"{statistics.median(warm):.0f} ms; peer index load + query "
        f"{statistics.median(peer_ms):.0f} ms (first hit {peer_first!r})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--no-sample", action="store_true")
    options = parser.parse_args()
    print("Search benchmark (figures from a shared machine vary from run to run)")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        if not options.no_sample:
            measure("sample book", REPO, work)
        corpus = write_corpus(work / "corpus", options.entries)
        measure(f"generated book of {options.entries} entries", corpus, work)


if __name__ == "__main__":
    main()
