"""Benchmark of the print edition: glossbook's PDF against WeasyPrint on one plain document.

    python benchmarks/bench_pdf.py [--entries 200] [--repeat 1] [--no-sample]

For the sample book (the repository) and a generated book of N entries (``corpus.py``) it
prints the time glossbook takes to lay out and write the PDF (``renderers.pdf.layout``:
templates, a document per chapter on every core, page numbers, joining, fonts), the page
count and the peak memory (max RSS) of the process (its workers: see bench_scale.py), then
the same for the peer: WeasyPrint rendering the HTML edition's pages concatenated into one
document with the same page set-up and print.css, in one ``HTML(...).write_pdf()`` (no
prelims, no page references: the HTML edition's links point at other files), and the ratio
glossbook / peer. Reading the book (load, parse, passes) is the same for both and not
counted. Each measurement runs in a fresh process.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus

REPO = Path(__file__).resolve().parent.parent
_MAIN = re.compile(r'<main id="main">(.*)</main>', re.S)


def glossbook_pdf(root: Path) -> tuple[float, int]:
    from glossbook.pipeline import prepare
    from glossbook.renderers import pdf

    book, _ = prepare(root)
    start = time.perf_counter()
    data, layout = pdf.layout(book)
    seconds = time.perf_counter() - start
    assert data.startswith(b"%PDF")
    return seconds, len(layout.pages)


def peer_pdf(root: Path) -> tuple[float, int]:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from glossbook.pipeline import prepare
    from glossbook.renderers import html, pdf
    from glossbook.theme import Theme

    book, _ = prepare(root)
    start = time.perf_counter()
    theme = Theme(book.root)
    pages = html.render_pages(book, theme, [])
    bodies = [match.group(1) for text in pages.values() if (match := _MAIN.search(text))]
    document = (
        f'<!DOCTYPE html><html lang="{book.metadata.language}"><head><meta charset="utf-8">'
        f"<title>{book.metadata.title}</title></head><body>{''.join(bodies)}</body></html>"
    )
    fonts = FontConfiguration()
    stylesheet = theme.file(pdf.STYLESHEET)
    sheets = [
        CSS(string=pdf.page_setup(book, press=False, bleed=pdf.DEFAULT_BLEED), font_config=fonts),
        CSS(filename=str(stylesheet), font_config=fonts),
    ]
    rendered = HTML(string=document, base_url=book.root.resolve().as_uri() + "/").render(
        stylesheets=sheets, font_config=fonts
    )
    data = rendered.write_pdf()
    seconds = time.perf_counter() - start
    assert data.startswith(b"%PDF")
    return seconds, len(rendered.pages)


def _child(work: str, root: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    seconds, pages = {"glossbook": glossbook_pdf, "peer": peer_pdf}[work](Path(root))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((seconds, pages, peak))


def measure(work: str, root: Path, repeat: int) -> tuple[float, int, float]:
    """Best time of ``repeat`` fresh processes, the page count and the highest peak RSS (MiB)."""
    context = multiprocessing.get_context("spawn")
    best, pages, peak = float("inf"), 0, 0.0
    for _ in range(repeat):
        queue = context.Queue()
        process = context.Process(target=_child, args=(work, str(root), queue))
        process.start()
        seconds, pages, memory = queue.get()
        process.join()
        best, peak = min(best, seconds), max(peak, memory)
    return best, pages, peak


def row(name: str, entries: int, root: Path, repeat: int) -> None:
    ours = measure("glossbook", root, repeat)
    peer = measure("peer", root, repeat)
    print(
        f"{name:<14} {entries:>7} {ours[1]:>6} {ours[0]:>9.1f}s {ours[2]:>8.0f} "
        f"{peer[1]:>6} {peer[0]:>9.1f}s {peer[2]:>8.0f} {ours[0] / peer[0]:>6.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[200])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-sample", action="store_true", help="skip the sample book")
    args = parser.parse_args()
    print(
        f"{'book':<14} {'entries':>7} {'pages':>6} {'glossbook':>10} {'peak MiB':>8} "
        f"{'pages':>6} {'peer':>10} {'peak MiB':>8} {'ratio':>6}"
    )
    if not args.no_sample:
        from glossbook.pipeline import prepare

        book, _ = prepare(REPO)
        row("sample book", len(book.entries), REPO, args.repeat)
    for n in args.entries:
        with tempfile.TemporaryDirectory() as tmp:
            root = write_corpus(Path(tmp) / "book", n)
            row(f"generated {n}", n, root, args.repeat)
    print(f"(times: best of {args.repeat}, each run in a fresh process; peak: its max RSS)")


if __name__ == "__main__":
    main()
