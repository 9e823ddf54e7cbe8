"""What the libraries glossbook drives may print: only what tells the author about the book.

WeasyPrint logs (and the PDF renderer passes on as ``WeasyPrint: …`` warnings) messages
about the machine rather than the book: that it subsets fonts with fontTools because
HarfBuzz's subsetter is not installed (once per font, every build), or that emoji need a
newer HarfBuzz. An author can do nothing about them in the book, so they are dropped;
messages about the book's own content and styles (a glyph its fonts lack, an image that
cannot be read, a CSS rule that is ignored) are shown as warnings. The same goes for the
messages WeasyPrint gives about glossbook's built-in stylesheet, which the author did not
write. ``GLOSSBOOK_LOG=debug`` shows everything, for a bug report.
"""

from __future__ import annotations

import logging
import os
import re

# Messages about the machine or about glossbook itself, never about the book.
NOISE = (
    re.compile(r"Using fontTools instead of HarfBuzz-Subset"),
    re.compile(r"Please install HarfBuzz version .* harfbuzz-vector"),
    re.compile(r"in glossbook's css/"),
)

# WeasyPrint's records reach the terminal only as the PDF renderer passes them on, under
# glossbook.pdf (it turns those about a book's own print.css into errors instead).
LOGGER = "glossbook"


def is_noise(message: str) -> bool:
    """True for a message that says nothing about the book."""
    return any(pattern.search(message) for pattern in NOISE)


class BookMessages(logging.Filter):
    """Lets through only the records that tell the author something about the book."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not is_noise(record.getMessage())


class ConsoleHandler(logging.Handler):
    """Shows a record as a warning line on glossbook's console (standard error)."""

    def emit(self, record: logging.LogRecord) -> None:
        from rich.markup import escape

        from .console import console

        try:
            colour = "red" if record.levelno >= logging.ERROR else "yellow"
            label = "error" if record.levelno >= logging.ERROR else "warning"
            text = f"[{colour}]{label}:[/] {escape(record.getMessage())}"
            console.print(text, soft_wrap=True, highlight=False)
        except Exception:  # pragma: no cover - logging must never break a build
            self.handleError(record)


def install() -> None:
    """Show glossbook's warnings (WeasyPrint's among them) on the console, through the filter.

    Idempotent: the CLI calls it once per run (tests run it many times in one process).
    """
    logger = logging.getLogger(LOGGER)
    if any(isinstance(h, ConsoleHandler) for h in logger.handlers):
        return
    if os.environ.get("GLOSSBOOK_LOG", "").lower() == "debug":
        logger.setLevel(logging.DEBUG)
        logger.addHandler(ConsoleHandler(logging.DEBUG))
        return
    handler = ConsoleHandler(logging.WARNING)
    handler.addFilter(BookMessages())
    logger.addHandler(handler)
