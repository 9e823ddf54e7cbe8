"""The print edition read back as a reader, a screen reader and a printer would.

- fonts: every font the PDF uses is embedded (a printer substitutes the rest);
- text layer: the text extracted from the PDF (poppler's ``pdftotext``, per page) holds
  every character and word of the source: a glyph that does not map back to its Unicode
  text (a missing or wrong ToUnicode) breaks search, copying and screen readers;
- page labels: the viewer's page numbers (``/PageLabels``) are the printed folios;
- page numbers: every number the book prints (contents, index, "Title (p. N)") is the folio
  the page map (``<slug>.layout.json``) gives its target, and each entry's heading stands
  on the page the map gives it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from lxml import html as lxml_html

from ..errors import Problem
from ..model import Book, IndexLine, PrintLayout, PrintPage
from . import Result

_HYPHEN_BREAK = re.compile(r"(\w)[\u2010\u00ad-] (\w)")
_CONTENTS_LINE = re.compile(r"^\s*(.*?\S)\s*(?:\.\s*){2,}\s*([0-9ivxlcdm]+)\s*$", re.I)
_WORD = re.compile(r"\w+")


def available() -> str:
    """Why the text checks cannot run here, or an empty string."""
    if shutil.which("pdftotext") is None:
        return "pdftotext is not installed (poppler-utils)"
    return ""


def read_layout(path: Path) -> PrintLayout:
    """The page map the PDF renderer wrote beside the PDF."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return PrintLayout(pages=[PrintPage(**page) for page in data["pages"]])


# --- fonts and page labels (pypdf) --------------------------------------------------------


def _reader(path: Path):  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    return PdfReader(path)


def fonts(path: Path) -> tuple[list[Problem], int]:
    """A problem for every font used and not embedded, and how many fonts were seen."""
    reader = _reader(path)
    shown = path.name
    seen: dict[int | str, tuple[str, bool]] = {}

    def walk(resources: object, page: int) -> None:
        resources = _resolve(resources)
        if not isinstance(resources, dict):
            return
        for font in (_resolve(resources.get("/Font")) or {}).values():
            key = getattr(font, "idnum", None) or id(font)
            font = _resolve(font)
            if key in seen:
                continue
            seen[key] = (str(font.get("/BaseFont", "?")), _embedded(font))
            if not seen[key][1]:
                seen[key] = (f"{seen[key][0]} (first used on page {page})", False)
        for xobject in (_resolve(resources.get("/XObject")) or {}).values():
            xobject = _resolve(xobject)
            if xobject.get("/Subtype") == "/Form":
                walk(xobject.get("/Resources"), page)

    for number, page in enumerate(reader.pages, 1):
        walk(page.get("/Resources"), number)
    problems = [
        Problem(
            shown,
            None,
            f"the font {name.lstrip('/')} is not embedded.",
            "Embed every font: a printer or reader without it substitutes another.",
        )
        for name, embedded in seen.values()
        if not embedded
    ]
    return problems, len(seen)


def _resolve(value: object) -> object:
    return value.get_object() if hasattr(value, "get_object") else value


def _embedded(font: object) -> bool:
    font = _resolve(font)
    assert isinstance(font, dict)
    if font.get("/Subtype") == "/Type3":
        return True  # drawn by the PDF's own glyph procedures
    if font.get("/Subtype") == "/Type0":
        font = _resolve(font["/DescendantFonts"][0])  # type: ignore[index]
        assert isinstance(font, dict)
    descriptor = _resolve(font.get("/FontDescriptor"))
    return isinstance(descriptor, dict) and any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def labels(path: Path, layout: PrintLayout) -> list[Problem]:
    """Every printed folio is the page's label in a viewer (unnumbered pages are free)."""
    found = _reader(path).page_labels
    problems: list[Problem] = []
    if len(found) != len(layout.pages):
        problems.append(
            Problem(
                path.name,
                None,
                f"the PDF has {len(found)} pages but its page map {len(layout.pages)}.",
                "Build the PDF again: the page map is from another build.",
            )
        )
    for page, label in zip(layout.pages, found, strict=False):
        if page.label and page.label != label:
            problems.append(
                Problem(
                    path.name,
                    None,
                    f"page {page.number} prints the folio {page.label} but a viewer shows "
                    f"it as page '{label}'.",
                    "The /PageLabels of the PDF must follow the printed folios.",
                )
            )
    return problems


# --- the text layer -----------------------------------------------------------------------


@dataclass
class Printed:
    """The PDF's text as pdftotext reads it, one string per page."""

    pages: list[str]  # reading order
    laid_out: list[str]  # with -layout: a running head is one line


_READ: dict[tuple[str, int, int], Printed] = {}
_READING = threading.Lock()


def read_text(path: Path) -> Printed:
    """The PDF's text, read once for every check of one file (they run in threads: one
    reads, the others wait); the two readings run side by side."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _READING:
        if key not in _READ:
            runs = [
                subprocess.Popen(
                    ["pdftotext", *options, str(path), "-"],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for options in ([], ["-layout"])
            ]
            texts = []
            for run in runs:
                out, err = run.communicate()
                if run.returncode:
                    raise subprocess.CalledProcessError(run.returncode, run.args, out, err)
                texts.append(out.split("\f")[:-1])
            _READ.clear()  # one file at a time is enough
            _READ[key] = Printed(*texts)
        return _READ[key]


def lines_of(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def joined(text: str) -> str:
    """Text on one line, words broken at a line end ("Misattune‐ ment") joined again."""
    return _HYPHEN_BREAK.sub(r"\1\2", " ".join(text.split()))


def _paragraph_text(fragment: str) -> str:
    """The printed text of an HTML fragment's paragraphs, list items and cells (footnote
    back-links and the like left out)."""
    if not fragment.strip():
        return ""
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    # Footnote calls print as superscript numbers, without markdown-it's brackets.
    for element in root.xpath('.//*[contains(@class, "footnote-ref")]'):
        element.drop_tree()
    for element in root.xpath('.//*[contains(@class, "footnote-backref")]'):
        element.drop_tree()
    parts = [" ".join(e.text_content().split()) for e in root.iter("p", "li", "td", "th", "dd")]
    return " ".join(parts)


def text_layer(book: Book, printed: Printed) -> tuple[list[Problem], int]:
    """Every character of the source's text and every word of each entry's title and
    definition must be found in the PDF's text layer."""
    text = "\n".join(printed.pages)
    flat = " ".join(text.split())
    words = set(_WORD.findall(flat)) | set(_WORD.findall(joined(text)))
    characters = set(flat)
    problems: list[Problem] = []
    missing_chars: dict[str, tuple[str, int]] = {}
    checked = 0
    for document in book.documents():
        source = f"{document.title} {_paragraph_text(document.html)}"
        checked += len(source)
        for char in set(source) - characters:
            # A ligature written as one character (U+FB01) may read back as its letters.
            spelled = unicodedata.normalize("NFKC", char)
            if spelled != char and spelled in flat:
                continue
            if not char.isspace() and char not in missing_chars:
                missing_chars[char] = (document.file, getattr(document, "line", 0))
        lead = getattr(document, "definition", "")
        said = unicodedata.normalize("NFKC", f"{document.title} {lead}")
        absent = [w for w in _WORD.findall(said) if w not in words]
        if absent:
            problems.append(
                Problem(
                    document.file,
                    getattr(document, "line", None),
                    f"the PDF's text layer lacks words of '{document.title}': "
                    f"{', '.join(sorted(set(absent))[:8])}.",
                    "A glyph of the font does not map back to its text (ToUnicode), or the "
                    "text was not printed.",
                )
            )
    for char, (file, line) in sorted(missing_chars.items()):
        problems.append(
            Problem(
                file,
                line or None,
                f"the character '{char}' (U+{ord(char):04X}) is in the text but not in the "
                "PDF's text layer.",
                "Its glyph does not map back to the character (ToUnicode): search, copying "
                "and screen readers get something else.",
            )
        )
    return problems, checked


# --- printed page numbers -----------------------------------------------------------------


def folio(layout: PrintLayout, anchor: str) -> str:
    page = layout.page_of(anchor)
    return page.label if page else "?"


def heading_pages(book: Book, layout: PrintLayout, printed: Printed) -> dict[str, int]:
    """Entry slug → the body page where the entry's title stands as a line of its own,
    below the running head (the first line: book title or guide words)."""
    first: dict[str, int] = {}  # a line of a body page -> the first page it stands on
    for page in layout.pages:
        if page.section == "body" and page.number <= len(printed.laid_out):
            for line in lines_of(printed.laid_out[page.number - 1])[1:]:
                first.setdefault(line, page.number)
    found: dict[str, int] = {}
    for entry in book.entries:
        number = first.get(" ".join(entry.title.split()))
        if number is not None:
            found[entry.slug] = number
    return found


def heading_problems(
    book: Book, layout: PrintLayout, printed: Printed, pdf: str
) -> tuple[list[Problem], int]:
    where = heading_pages(book, layout, printed)
    problems: list[Problem] = []
    for entry in book.entries:
        mapped = layout.page_of(entry.slug)
        if mapped is None:
            problems.append(Problem(pdf, None, f"the page map has no page for '{entry.title}'."))
            continue
        if entry.slug not in where:  # a title wrapped over two lines: look on its page
            text = joined("\n".join(lines_of(printed.pages[mapped.number - 1])[1:]))
            if joined(entry.title) not in text:
                where[entry.slug] = 0
        if where.get(entry.slug, mapped.number) != mapped.number:
            real = where[entry.slug]
            at = f"page {real}" if real else "no page"
            problems.append(
                Problem(
                    pdf,
                    None,
                    f"the page map puts '{entry.title}' on page {mapped.number} "
                    f"(folio {mapped.label}) but its heading stands on {at}.",
                    "Build the PDF again; if it persists, report it: page numbers printed "
                    "from this map are wrong.",
                )
            )
    return problems, len(book.entries)


def index_text(book: Book, layout: PrintLayout, printed: Printed) -> str:
    """The printed index as one line, running heads and folios left out."""
    start = layout.page_of("names-index")
    if start is None:
        return ""
    title = re.escape(book.metadata.title)
    # Running heads and folios: whole lines at the top or foot of a page.
    head = re.compile(rf"[0-9ivxlcdm]+|{title}|[0-9ivxlcdm]+ {title}|Index", re.I)
    pages = []
    for text in printed.pages[start.number - 1 :]:
        lines = lines_of(text)
        kept = [
            line
            for n, line in enumerate(lines)
            if not (head.fullmatch(line) and (n < 2 or n >= len(lines) - 2))
        ]
        pages.append(" ".join(kept))
    return joined(" ".join(pages))


def ranges(labels: list[str]) -> str:
    """Folios merged into ranges as the index prints them: "3, 14–16"."""
    numbers = sorted({int(label) for label in labels if label.isdigit()})
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    shown = [f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs]
    others = sorted({label for label in labels if label and not label.isdigit()})
    return ", ".join([*others, *shown])


def expected_index_lines(book: Book, layout: PrintLayout) -> list[str]:
    """Every index line and sub-entry as the page map says it must print."""

    def at(slug: str, title: str) -> str:
        return f"{title} {folio(layout, slug)}"

    expected: list[str] = []
    for group in book.index:
        for line in group.lines:
            expected += _expected_line(line, layout, at)
    return expected


def _expected_line(line: IndexLine, layout: PrintLayout, at) -> list[str]:  # type: ignore[no-untyped-def]
    found: list[str] = []
    if line.locators:
        if line.is_title:
            text = at(line.locators[0].slug, line.term)
        else:
            text = f"{line.term} — " + "; ".join(at(loc.slug, loc.title) for loc in line.locators)
        if line.see_also:
            text += ". See also " + "; ".join(at(loc.slug, loc.title) for loc in line.see_also)
        found.append(text)
    elif line.places:
        found.append(f"{line.term}, {ranges([folio(layout, p.target) for p in line.places])}")
    for sub in line.subentries:
        if sub.places:
            found.append(f"{sub.term}, {ranges([folio(layout, p.target) for p in sub.places])}")
    return found


def index_problems(
    book: Book, layout: PrintLayout, printed: Printed, pdf: str
) -> tuple[list[Problem], int]:
    text = index_text(book, layout, printed)
    # pdftotext's reading order runs two numbers a word space apart into one ("0 1" read
    # as "01") at times, when the first begins a wrapped line: compared again without
    # spaces between digits, the digits in the same order.
    close = _DIGIT_SPACE.sub("", text)
    expected = expected_index_lines(book, layout)
    problems = [
        Problem(
            pdf,
            None,
            f"the index should print '{line}' (pages from the page map) but does not.",
            "Build the PDF again: its index numbers do not match its pages.",
        )
        for line in expected
        if line not in text and _DIGIT_SPACE.sub("", line) not in close
    ]
    return problems, len(expected)


_DIGIT_SPACE = re.compile(r"(?<=\d) (?=\d)")


def xref_problems(
    book: Book, layout: PrintLayout, printed: Printed, pdf: str
) -> tuple[list[Problem], int]:
    """Every "Title (p. N)" printed names the folio where the titled entry starts."""
    text = joined("\n".join(printed.pages))
    slugs = {" ".join(e.title.split()): e.slug for e in book.entries}
    if not slugs:
        return [], 0
    names = "|".join(re.escape(t) for t in sorted(slugs, key=len, reverse=True))
    found = re.findall(rf"({names}) \(p\. ([0-9ivxlcdm]+)\)", text)
    problems = [
        Problem(
            pdf,
            None,
            f"'{title} (p. {number})' is printed but '{title}' starts on page "
            f"{folio(layout, slugs[title])}.",
            "Build the PDF again: a cross-reference's page number is wrong.",
        )
        for title, number in found
        if number != folio(layout, slugs[title])
    ]
    return problems, len(found)


def contents_problems(
    book: Book, layout: PrintLayout, printed: Printed, pdf: str
) -> tuple[list[Problem], int]:
    """Every line of the printed contents shows its target's folio."""
    start = layout.page_of("contents")
    if start is None:
        return [], 0
    titles: dict[str, str] = {}
    for page in [*book.front, *book.back]:
        titles[" ".join(page.title.split())] = page.anchor
    for chapter in book.chapters:
        titles[" ".join(chapter.title.split())] = chapter.anchor
        for entry in chapter.entries:
            titles[" ".join(entry.title.split())] = entry.anchor
    if book.references:
        titles.setdefault("References", "references")
    if book.index:
        titles.setdefault("Index", "names-index")
    problems: list[Problem] = []
    checked = 0
    for page in layout.pages[start.number - 1 :]:
        others = [a for a in page.anchors if not a.startswith("contents")]
        if page.number > start.number and (page.section != "front" or others):
            break  # the contents end where the next part begins
        for line in printed.laid_out[page.number - 1].splitlines():
            match = _CONTENTS_LINE.match(line)
            if not match:
                continue
            title = " ".join(match.group(1).rstrip(". ").split())
            if title not in titles:
                continue
            checked += 1
            want = folio(layout, titles[title])
            if match.group(2) != want:
                problems.append(
                    Problem(
                        pdf,
                        None,
                        f"the contents print '{title}' at page {match.group(2)} but it "
                        f"starts on page {want}.",
                        "Build the PDF again: the contents' page numbers are wrong.",
                    )
                )
    return problems, checked


# --- the whole PDF ------------------------------------------------------------------------


def check_fonts_and_labels(path: Path, layout: PrintLayout | None) -> Result:
    try:
        import pypdf  # noqa: F401
    except ImportError:
        return Result(
            "pdf fonts", skipped="pypdf is not installed (pip install 'glossbook[check]')"
        )
    problems, count = fonts(path)
    note = f"{count} fonts"
    if layout is not None:
        problems += labels(path, layout)
        note += f", {len(layout.pages)} page labels"
    return Result("pdf fonts and labels", problems, note=note)


def check_text(book: Book, path: Path) -> Result:
    why = available()
    if why:
        return Result("pdf text layer", skipped=why)
    problems, checked = text_layer(book, read_text(path))
    return Result("pdf text layer", problems, note=f"{checked} characters of source text")


def check_page_numbers(book: Book, path: Path, layout: PrintLayout) -> Result:
    why = available()
    if why:
        return Result("pdf page numbers", skipped=why)
    printed = read_text(path)
    problems: list[Problem] = []
    notes: list[str] = []
    for name, run in (
        ("headings", heading_problems),
        ("contents lines", contents_problems),
        ("index lines", index_problems),
        ("cross-references", xref_problems),
    ):
        found, count = run(book, layout, printed, path.name)
        problems += found
        notes.append(f"{count - len(found)}/{count} {name}")
    return Result("pdf page numbers", problems, note=", ".join(notes))
