"""Reading a BibTeX/biblatex ``.bib`` file into CSL-JSON items.

bibtexparser v2 splits the file into blocks (with their line numbers); our middleware
resolves ``@string`` and month macros and ``#`` concatenation, bibtexparser's middlewares
split month and name fields, and this module converts each entry to a CSL-JSON item:
LaTeX to Unicode, brace-protected words to ``<span class="nocase">``, English titles to
sentence case (the CSL convention; styles that want title case apply it), biblatex
``crossref`` inheritance, name particles, dates. Pandoc reads the CSL-JSON, never the .bib.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.middlewares import (
    LibraryMiddleware,
    MonthIntMiddleware,
    SeparateCoAuthors,
    SplitNameParts,
)
from bibtexparser.middlewares.names import NameParts
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    Field,
    MiddlewareErrorBlock,
    ParsingFailedBlock,
    String,
)
from pylatexenc import latexwalker, macrospec
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from glossbook.errors import Problem, Problems, did_you_mean

__all__ = [
    "BibEntry",
    "Bibliography",
    "latex_to_rich_text",
    "latex_to_text",
    "load_bibliography",
    "sentence_case",
]


@dataclass
class BibEntry:
    """One entry: its key, the 1-based line of its ``@type{key,``, and its CSL-JSON item."""

    key: str
    line: int
    csl: dict[str, Any]


@dataclass
class Bibliography:
    """The entries of a .bib file in file order, and the warnings found reading it."""

    entries: dict[str, BibEntry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


# --------------------------------------------------------------------------- vocabulary

#: BibTeX/biblatex entry type -> CSL type.
ENTRY_TYPES: dict[str, str] = {
    "article": "article-journal",
    "suppperiodical": "article-journal",
    "book": "book",
    "mvbook": "book",
    "collection": "book",
    "mvcollection": "book",
    "proceedings": "book",
    "mvproceedings": "book",
    "reference": "book",
    "mvreference": "book",
    "manual": "book",
    "booklet": "pamphlet",
    "inbook": "chapter",
    "bookinbook": "chapter",
    "suppbook": "chapter",
    "incollection": "chapter",
    "suppcollection": "chapter",
    "inreference": "entry-encyclopedia",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "misc": "document",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "unpublished": "manuscript",
    "periodical": "periodical",
    "patent": "patent",
    "dataset": "dataset",
    "software": "software",
    "standard": "standard",
    "review": "review",
    "letter": "personal_communication",
    "movie": "motion_picture",
    "video": "motion_picture",
    "audio": "song",
    "music": "song",
    "artwork": "graphic",
    "image": "graphic",
    "legislation": "legislation",
    "jurisdiction": "legal_case",
}
_CHAPTER_TYPES = {
    "inbook",
    "bookinbook",
    "suppbook",
    "incollection",
    "suppcollection",
    "inreference",
    "inproceedings",
    "conference",
}
_BOOK_PARENTS = {
    "book",
    "collection",
    "proceedings",
    "reference",
    "mvbook",
    "mvcollection",
    "mvproceedings",
    "mvreference",
}
#: Genre a thesis or report gets when its ``type`` field does not say.
_DEFAULT_GENRE = {
    "phdthesis": "PhD thesis",
    "mastersthesis": "Master's thesis",
    "techreport": "Technical report",
}
#: biblatex localisation keys allowed in ``type``.
_GENRE_KEYS = {
    "phdthesis": "PhD thesis",
    "mathesis": "Master's thesis",
    "mastersthesis": "Master's thesis",
    "candthesis": "Candidate thesis",
    "techreport": "Technical report",
    "resreport": "Research report",
    "software": "Software",
    "datacd": "CD-ROM",
    "audiocd": "Audio CD",
}

#: Fields holding lists of people; values are split into names.
NAME_FIELDS = (
    "author",
    "editor",
    "translator",
    "bookauthor",
    "editora",
    "editorb",
    "editorc",
    "annotator",
    "commentator",
    "introduction",
    "foreword",
    "afterword",
    "holder",
    "collaborator",
)
#: Fields we read (directly or through another field); any other field is ignored.
USED_FIELDS = {
    *NAME_FIELDS,
    "title",
    "subtitle",
    "titleaddon",
    "shorttitle",
    "booktitle",
    "booksubtitle",
    "booktitleaddon",
    "maintitle",
    "mainsubtitle",
    "maintitleaddon",
    "journal",
    "journaltitle",
    "journalsubtitle",
    "shortjournal",
    "journalabbrev",
    "eventtitle",
    "eventdate",
    "venue",
    "series",
    "volume",
    "volumes",
    "number",
    "issue",
    "part",
    "edition",
    "version",
    "pages",
    "pagetotal",
    "chapter",
    "publisher",
    "address",
    "location",
    "institution",
    "school",
    "organization",
    "howpublished",
    "doi",
    "url",
    "isbn",
    "issn",
    "pmid",
    "pmcid",
    "eprint",
    "eprinttype",
    "archiveprefix",
    "note",
    "addendum",
    "language",
    "langid",
    "date",
    "year",
    "month",
    "day",
    "origdate",
    "origyear",
    "urldate",
    "type",
    "entrysubtype",
    "pubstate",
    "crossref",
    "xref",
    "article-number",
    "eid",
}
#: Bookkeeping fields written by JabRef, Zotero/Better BibTeX, BibDesk, Mendeley, Web of
#: Science and biblatex itself: ignored without a warning.
QUIET_FIELDS = {
    "abstract",
    "keywords",
    "file",
    "files",
    "owner",
    "timestamp",
    "creationdate",
    "modificationdate",
    "groups",
    "ranking",
    "readstatus",
    "priority",
    "printed",
    "qualityassured",
    "relevance",
    "comment",
    "comments",
    "annote",
    "annotation",
    "date-added",
    "date-modified",
    "local-url",
    "eprintclass",
    "primaryclass",
    "isrn",
    "lccn",
    "mrclass",
    "mrnumber",
    "mrreviewer",
    "zbl",
    "zblnumber",
    "copyright",
    "rights",
    "shorthand",
    "shorthandintro",
    "label",
    "options",
    "ids",
    "hyphenation",
    "langidopts",
    "library",
    "extra",
    "sortkey",
    "sortname",
    "sorttitle",
    "sortyear",
    "presort",
    "indextitle",
    "indexsorttitle",
    "shortauthor",
    "shorteditor",
    "shortseries",
    "key",
    "affiliation",
    "affiliations",
    "da",
    "journal-iso",
    "keywords-plus",
    "research-areas",
    "unique-id",
    "earlyaccessdate",
    "publication-type",
    "cited-references",
    "number-of-cited-references",
    "orcid-numbers",
    "researcherid-numbers",
    "doc-delivery-number",
    "funding-acknowledgement",
    "funding-text",
    "callnumber",
    "call-number",
    "archive",
    "archive_location",
    "archivelocation",
    "related",
    "relatedtype",
    "relatedstring",
    "relatedoptions",
    "execute",
    "entryset",
    "editortype",
    "editoratype",
    "editorbtype",
    "editorctype",
    "urlyear",
    "urlmonth",
    "lastchecked",
    "accessed",
    "bibsource",
    "biburl",
    "pst",
    "citation-key",
}
_QUIET_PREFIXES = (
    "bdsk-",
    "citeulike",
    "mendeley",
    "web-of-science",
    "times-cited",
    "usage-count",
    "jabref",
    "_",
    "x-",
    "zotero",
)

_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
#: BibTeX's predefined macros (plain.bst / biblatex): ``month = jan``.
_PREDEFINED_MACROS = {m[:3]: m.capitalize() for m in _MONTHS}
_SEASONS = {"spring": 1, "summer": 2, "autumn": 3, "fall": 3, "winter": 4}

#: babel/polyglossia language names -> BCP 47.
_LANGUAGES = {
    "english": "en-US",
    "american": "en-US",
    "usenglish": "en-US",
    "british": "en-GB",
    "ukenglish": "en-GB",
    "canadian": "en-CA",
    "australian": "en-AU",
    "newzealand": "en-NZ",
    "german": "de-DE",
    "ngerman": "de-DE",
    "austrian": "de-AT",
    "naustrian": "de-AT",
    "swissgerman": "de-CH",
    "nswissgerman": "de-CH",
    "french": "fr-FR",
    "francais": "fr-FR",
    "spanish": "es-ES",
    "catalan": "ca-AD",
    "italian": "it-IT",
    "portuguese": "pt-PT",
    "portuges": "pt-PT",
    "brazil": "pt-BR",
    "brazilian": "pt-BR",
    "dutch": "nl-NL",
    "danish": "da-DK",
    "swedish": "sv-SE",
    "norwegian": "nb-NO",
    "norsk": "nb-NO",
    "nynorsk": "nn-NO",
    "finnish": "fi-FI",
    "icelandic": "is-IS",
    "polish": "pl-PL",
    "czech": "cs-CZ",
    "slovak": "sk-SK",
    "slovene": "sl-SI",
    "croatian": "hr-HR",
    "serbian": "sr-RS",
    "hungarian": "hu-HU",
    "romanian": "ro-RO",
    "bulgarian": "bg-BG",
    "russian": "ru-RU",
    "ukrainian": "uk-UA",
    "greek": "el-GR",
    "turkish": "tr-TR",
    "hebrew": "he-IL",
    "arabic": "ar",
    "persian": "fa-IR",
    "farsi": "fa-IR",
    "latin": "la",
    "japanese": "ja-JP",
    "chinese": "zh-CN",
    "korean": "ko-KR",
    "vietnamese": "vi-VN",
    "thai": "th-TH",
    "estonian": "et-EE",
    "latvian": "lv-LV",
    "lithuanian": "lt-LT",
    "basque": "eu",
    "galician": "gl-ES",
    "welsh": "cy-GB",
    "irish": "ga-IE",
    "afrikaans": "af-ZA",
    "indonesian": "id-ID",
    "malay": "ms-MY",
}
_BCP47 = re.compile(r"^[a-zA-Z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")

#: Pandoc citation key syntax (see ``glossbook.csl.extract_keys``).
_PANDOC_KEY = re.compile(r"^\w+(?:[:.#$%&\-+?<>~/]+\w+)*$")

_NOCASE_OPEN = '<span class="nocase">'


# --------------------------------------------------------------------------- LaTeX


def _build_latex() -> tuple[Any, LatexNodes2Text, Callable[[str], bool]]:
    """The pylatexenc parser context and text converter, with bibliography macros."""
    markup = {
        "emph": "<i>%s</i>",
        "textit": "<i>%s</i>",
        "textsl": "<i>%s</i>",
        "mkbibemph": "<i>%s</i>",
        "mkbibitalic": "<i>%s</i>",
        "textbf": "<b>%s</b>",
        "mkbibbold": "<b>%s</b>",
        "textsc": '<span style="font-variant:small-caps;">%s</span>',
        "textsuperscript": "<sup>%s</sup>",
        "mkbibsuperscript": "<sup>%s</sup>",
        "textsubscript": "<sub>%s</sub>",
        "mkbibsubscript": "<sub>%s</sub>",
        "mkbibquote": "“%s”",
        "enquote": "“%s”",
        "textquote": "“%s”",
        "url": "%s",
        "nolinkurl": "%s",
        "mbox": "%s",
        "hbox": "%s",
        "textnormal": "%s",
        "textrm": "%s",
        "textsf": "%s",
        "texttt": "%s",
        "textup": "%s",
        "textmd": "%s",
        "ensuremath": "%s",
        "noopsort": "",
        "SortNoop": "",
        "sortnoop": "",
        "noop": "",
        "nocite": "",
    }
    constants = {
        "LaTeX": "LaTeX",
        "TeX": "TeX",
        "BibTeX": "BibTeX",
        "LaTeXe": "LaTeX2e",
        "relax": "",
        "protect": "",
        "xspace": "",
        "textendash": "–",
        "textemdash": "—",
        "textquoteleft": "‘",
        "textquoteright": "’",
        "textquotedblleft": "“",
        "textquotedblright": "”",
        "textasciitilde": "~",
        "textbackslash": "\\",
        "textunderscore": "_",
    }
    walker_db = latexwalker.get_default_latex_context_db()
    walker_db.add_context_category(
        "glossbook-bib",
        prepend=True,
        macros=[macrospec.MacroSpec(name, "{") for name in markup]
        + [macrospec.MacroSpec(name, "") for name in constants],
    )
    text_db = get_default_latex_context_db()
    text_db.add_context_category(
        "glossbook-bib",
        prepend=True,
        macros=[MacroTextSpec(name, simplify_repl=repl) for name, repl in markup.items()]
        + [MacroTextSpec(name, simplify_repl=repl) for name, repl in constants.items()],
    )
    converter = LatexNodes2Text(latex_context=text_db, math_mode="text")

    def is_known(name: str) -> bool:
        # pylatexenc drops the name of a macro it does not know: worth a warning.
        return text_db.get_macro_spec(name) is not None

    return walker_db, converter, is_known


_WALKER_DB, _LATEX_TEXT, _is_known_macro = _build_latex()
# Characters that need the LaTeX converter; anything else is plain text.
_NEEDS_LATEX = re.compile(r"[\\{}$~%&`'_^]|--")
_UNESCAPED_SPECIAL = re.compile(r"(?<!\\)([%&#])")
_SPACES = re.compile(r"[ \t\r\n]+")


def _parse_latex(value: str) -> list[Any]:
    # In a .bib file `%`, `&` and `#` inside a value are text, not TeX syntax.
    value = _UNESCAPED_SPECIAL.sub(r"\\\1", value)
    walker = latexwalker.LatexWalker(value, latex_context=_WALKER_DB, tolerant_parsing=True)
    nodes: list[Any] = walker.get_latex_nodes()[0]
    return nodes


def _unknown_macros(nodes: list[Any]) -> Iterator[str]:
    for node in nodes:
        if node is None:
            continue
        if isinstance(node, latexwalker.LatexMacroNode):
            if not _is_known_macro(node.macroname):
                yield node.macroname
            if node.nodeargd is not None:
                yield from _unknown_macros([a for a in node.nodeargd.argnlist if a is not None])
        elif isinstance(node, (latexwalker.LatexGroupNode, latexwalker.LatexEnvironmentNode)):
            yield from _unknown_macros(node.nodelist)


def _finish(text: str) -> str:
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text).strip())


def latex_to_text(value: str, warn: Callable[[str], None] | None = None) -> str:
    """Decode a LaTeX field value to plain Unicode text (braces dropped)."""
    text, unknown = _decode(value, rich=False)
    if warn is not None:
        for name in unknown:
            warn(f"unknown LaTeX command \\{name} was dropped")
    return text


def latex_to_rich_text(value: str, warn: Callable[[str], None] | None = None) -> str:
    """Decode a LaTeX field value to CSL rich text.

    A brace group at the top level that does not start with a command (``{DNA}``, not the
    special character ``{\\"o}``) protects its case: it becomes ``<span class="nocase">``.
    ``\\emph``/``\\textit`` become ``<i>``, ``\\textbf`` ``<b>``, ``\\textsc`` small caps.
    """
    text, unknown = _decode(value, rich=True)
    if warn is not None:
        for name in unknown:
            warn(f"unknown LaTeX command \\{name} was dropped")
    return text


@lru_cache(maxsize=1 << 16)
def _decode(value: str, rich: bool) -> tuple[str, tuple[str, ...]]:
    """Decoded text and unknown command names; cached, as names and journals repeat."""
    if not _NEEDS_LATEX.search(value):
        return _finish(value), ()
    if not _NEEDS_LATEX.search(value.replace("--", "")):
        return _finish(value.replace("---", "—").replace("--", "–")), ()
    nodes = _parse_latex(value)
    unknown = tuple(dict.fromkeys(_unknown_macros(nodes)))
    return _finish(_rich(nodes) if rich else _LATEX_TEXT.nodelist_to_text(nodes)), unknown


def _rich(nodes: list[Any]) -> str:
    out: list[str] = []
    plain: list[Any] = []

    def flush() -> None:
        if plain:
            out.append(_LATEX_TEXT.nodelist_to_text(plain))
            plain.clear()

    for node in nodes:
        if isinstance(node, latexwalker.LatexGroupNode) and node.delimiters == ("{", "}"):
            first = next(
                (
                    n
                    for n in node.nodelist
                    if not (isinstance(n, latexwalker.LatexCharsNode) and not n.chars.strip())
                ),
                None,
            )
            if first is None or isinstance(first, latexwalker.LatexMacroNode):
                # `{\"o}` is a special character in BibTeX, not a case-protected group.
                plain.append(node)
                continue
            flush()
            inner = _LATEX_TEXT.nodelist_to_text(node.nodelist)
            if inner.strip():
                out.append(f"{_NOCASE_OPEN}{inner}</span>")
            else:
                out.append(inner)
        else:
            plain.append(node)
    flush()
    return "".join(out)


# --------------------------------------------------------------------------- sentence case

_TAG = re.compile(
    r'(<span class="nocase">|<span style="font-variant:small-caps;">|</span>'
    r"|</?i>|</?b>|</?sup>|</?sub>)"
)
_TOKEN = re.compile(r"\S+")
_PART = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def sentence_case(rich: str) -> str:
    """Lower-case capitalised words of an English title, as BibTeX's ``change.case$ "t"``.

    The first word and the first word after ``:``, ``?`` or ``!`` keep their capital;
    words with capitals after the first letter (``DNA``, ``iPhone``, ``McDonald``),
    single letters and anything inside ``<span class="nocase">`` are kept.
    """
    out: list[str] = []
    spans: list[bool] = []  # open spans: True for nocase
    at_start = True
    for piece in _TAG.split(rich):
        if not piece:
            continue
        if _TAG.fullmatch(piece):
            if piece.startswith("<span"):
                spans.append(piece == _NOCASE_OPEN)
            elif piece == "</span>" and spans:
                spans.pop()
            out.append(piece)
            continue
        if any(spans):
            out.append(piece)
            if piece.strip():
                at_start = piece.rstrip()[-1] in ":?!"
            continue

        def token(m: re.Match[str]) -> str:
            nonlocal at_start
            word = m.group(0)
            start = at_start
            at_start = word[-1] in ":?!"
            return _PART.sub(lambda p: _lower_part(p, start and p.start() == _first(word)), word)

        out.append(_TOKEN.sub(token, piece))
    return "".join(out)


def _first(word: str) -> int:
    m = _PART.search(word)
    return m.start() if m else -1


def _lower_part(m: re.Match[str], keep: bool) -> str:
    part = m.group(0)
    letters = [c for c in part if c.isalpha()]
    if keep or len(letters) < 2:
        return part
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return part.lower()
    return part


# --------------------------------------------------------------------------- macros


class ResolveMacrosMiddleware(LibraryMiddleware):
    """Lower-case field names, resolve ``@string``/month macros and ``#``, strip delimiters.

    Unlike bibtexparser's ``ResolveStringReferencesMiddleware`` this handles concatenation
    (``"10~" # jan``) and macros used inside other macros, and records undefined macros
    and repeated fields in the entry's parser metadata for our warnings.
    """

    def __init__(self) -> None:
        super().__init__(allow_inplace_modification=True)

    @classmethod
    def metadata_key(cls) -> str:
        return "glossbook_macros"

    def transform(self, library: Library) -> Library:
        raw = {s.key.lower(): s.value for s in library.blocks if isinstance(s, String)}
        macros: dict[str, str] = dict(_PREDEFINED_MACROS)
        resolving: set[str] = set()

        def lookup(name: str) -> str | None:
            if name in macros:
                return macros[name]
            if name not in raw or name in resolving:
                return None
            resolving.add(name)
            macros[name] = _resolve(raw[name], lookup, [])
            resolving.discard(name)
            return macros[name]

        blocks = []
        for block in library.blocks:
            if isinstance(block, DuplicateFieldKeyBlock):
                entry = block.ignore_error_block
                assert isinstance(entry, Entry)
                block = entry
            if isinstance(block, Entry):
                self._entry(block, lookup)
            blocks.append(block)
        return Library(blocks=blocks, fail_on_duplicate_key=False)

    def _entry(self, entry: Entry, lookup: Callable[[str], str | None]) -> None:
        seen: dict[str, Field] = {}
        notes: list[tuple[int | None, str]] = []
        for fld in entry.fields:
            name = fld.key.strip().lower()
            line = fld.start_line + 1 if fld.start_line is not None else None
            if name in seen:
                notes.append(
                    (
                        line,
                        f"field '{name}' is repeated in entry '{entry.key}'; the first one is used",
                    )
                )
                continue
            undefined: list[str] = []
            value = _resolve(str(fld.value), lookup, undefined)
            for macro in undefined:
                notes.append(
                    (
                        line,
                        f"@string '{macro}' used in field '{name}' is not defined; "
                        "its name was used as text",
                    )
                )
            seen[name] = Field(key=name, value=value, start_line=fld.start_line)
        entry.fields = list(seen.values())
        entry.parser_metadata[self.metadata_key()] = notes


def _resolve(value: str, lookup: Callable[[str], str | None], undefined: list[str]) -> str:
    """The text of a raw BibTeX value: ``{..}``, ``".."``, numbers, macros, joined by ``#``."""
    parts: list[str] = []
    for token in _split_concatenation(value.strip()):
        if len(token) >= 2 and (token[0], token[-1]) in {("{", "}"), ('"', '"')}:
            parts.append(token[1:-1])
        elif token.isdigit():
            parts.append(token)
        else:
            text = lookup(token.lower())
            if text is None:
                undefined.append(token)
                text = token
            parts.append(text)
    return "".join(parts)


def _split_concatenation(value: str) -> list[str]:
    tokens: list[str] = []
    depth = 0
    quoted = False
    start = 0
    i = 0
    while i < len(value):
        c = value[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(depth - 1, 0)
        elif c == '"' and depth == 0:
            quoted = not quoted
        elif c == "#" and depth == 0 and not quoted:
            tokens.append(value[start:i].strip())
            start = i + 1
        i += 1
    tokens.append(value[start:].strip())
    return [t for t in tokens if t]


# --------------------------------------------------------------------------- loading


@contextmanager
def _quiet_bibtexparser() -> Iterator[None]:
    """bibtexparser logs every failed block; we report them ourselves."""
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def load_bibliography(
    path: Path, display_path: str | None = None, *, lang: str = "en-US"
) -> Bibliography:
    """Read ``path`` into CSL-JSON items; raise ``ContentError`` listing every error.

    ``display_path`` names the file in problems (default: ``path``). ``lang`` is the
    language assumed for entries without ``langid``/``language``: English titles are
    sentence-cased (BibTeX's convention that unbraced words may change case).
    """
    shown = display_path or str(path)
    problems = Problems()
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.error(
            shown,
            line,
            "the file is not UTF-8 text.",
            "Save it as UTF-8 (JabRef: File > Properties > Encoding; BibDesk: Preferences).",
        )
        problems.raise_if_errors()
        raise AssertionError("unreachable") from exc

    stack = [
        ResolveMacrosMiddleware(),
        MonthIntMiddleware(),
        SeparateCoAuthors(name_fields=NAME_FIELDS),
        SplitNameParts(name_fields=NAME_FIELDS),
    ]
    with _quiet_bibtexparser():
        library = bibtexparser.parse_string(text, parse_stack=stack)

    entries: dict[str, tuple[Entry, int]] = {}
    folded: dict[str, str] = {}
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            first = (block.previous_block.start_line or 0) + 1
            if isinstance(block.previous_block, String):
                problems.warning(
                    shown,
                    line,
                    f"@string '{block.key}' is defined again (first at line {first}); "
                    "the first definition is used.",
                )
                continue
            problems.error(
                shown,
                line,
                f"duplicate key '{block.key}': it is already used by the entry at {shown}:{first}.",
                "Rename one of the two entries, or delete the copy, and update citations.",
            )
        elif isinstance(block, MiddlewareErrorBlock):
            entry = block.ignore_error_block
            key = entry.key if isinstance(entry, Entry) else "?"
            problems.error(
                shown,
                _name_error_line(block) or line,
                f"entry '{key}': {block.error}.",
                "Separate names with ' and ', write each as 'Last, First' and balance braces.",
            )
        elif isinstance(block, ParsingFailedBlock):
            reason = (getattr(block.error, "abort_reason", None) or str(block.error)).strip()
            problems.error(
                shown,
                line,
                f"malformed entry{_raw_key(block.raw)}: {reason.rstrip('.')}.",
                "Check that every field is 'name = {value},' and that braces and quotes "
                "are balanced up to the entry's closing '}'.",
            )
        elif isinstance(block, Entry):
            key = block.key
            for note_line, message in block.parser_metadata.get(
                ResolveMacrosMiddleware.metadata_key(), []
            ):
                problems.warning(shown, note_line or line, message)
            if not key:
                problems.error(shown, line, f"@{block.entry_type} entry without a key.")
                continue
            if key.casefold() in folded and folded[key.casefold()] != key:
                other = folded[key.casefold()]
                problems.warning(
                    shown,
                    line,
                    f"keys '{key}' and '{other}' (line {entries[other][1]}) differ only in "
                    "case; BibTeX treats them as the same key.",
                )
            folded.setdefault(key.casefold(), key)
            if not _PANDOC_KEY.match(key):
                problems.warning(
                    shown,
                    line,
                    f"key '{key}' has characters pandoc's @key syntax does not allow;",
                    f"cite it as @{{{key}}} or rename it.",
                )
            entries[key] = (block, line)

    result = Bibliography()
    fields_by_key = {key: _fields(entry) for key, (entry, _) in entries.items()}
    for key, (entry, line) in entries.items():
        fields = _inherit(key, entry, line, entries, fields_by_key, shown, problems)
        converter = _Converter(key, entry.entry_type, fields, line, shown, problems, lang)
        result.entries[key] = BibEntry(key=key, line=line, csl=converter.convert())
    problems.raise_if_errors()
    result.problems = problems.warnings
    return result


def _raw_key(raw: str | None) -> str:
    m = re.match(r"\s*@\s*\w+\s*[{(]\s*([^,\s{}()=\"]+)", raw or "")
    return f" '{m.group(1)}'" if m else ""


def _name_error_line(block: MiddlewareErrorBlock) -> int | None:
    entry = block.ignore_error_block
    name = getattr(block.error, "name", None)
    if not isinstance(entry, Entry) or name is None:
        return None
    for fld in entry.fields:
        if isinstance(fld.value, list) and name in fld.value and fld.start_line is not None:
            return fld.start_line + 1
    return None


@dataclass
class _Value:
    """A field's value after macro resolution, and the 1-based line of its ``=``."""

    value: Any
    line: int | None


def _fields(entry: Entry) -> dict[str, _Value]:
    return {
        f.key: _Value(f.value, f.start_line + 1 if f.start_line is not None else None)
        for f in entry.fields
    }


#: Fields a child never inherits (biblatex's defaults).
_NOT_INHERITED = {
    "crossref",
    "xref",
    "ids",
    "entryset",
    "entrysubtype",
    "execute",
    "label",
    "options",
    "presort",
    "related",
    "relatedoptions",
    "relatedstring",
    "relatedtype",
    "shorthand",
    "shorthandintro",
    "sortkey",
    "shorttitle",
    "sorttitle",
    "indextitle",
    "indexsorttitle",
    "file",
    "abstract",
    "keywords",
    "owner",
    "timestamp",
}


def _inherit(
    key: str,
    entry: Entry,
    line: int,
    entries: dict[str, tuple[Entry, int]],
    fields_by_key: dict[str, dict[str, _Value]],
    shown: str,
    problems: Problems,
) -> dict[str, _Value]:
    """The entry's fields with those of its ``crossref`` parent(s) filled in, biblatex-style."""
    fields = dict(fields_by_key[key])
    child_type = entry.entry_type
    seen = {key}
    current = fields
    while "crossref" in current:
        ref = current["crossref"]
        parent_key = str(ref.value).strip()
        if parent_key not in entries:
            parent_key = next((k for k in entries if k.casefold() == parent_key.casefold()), "")
        if not parent_key:
            problems.warning(
                shown,
                ref.line or line,
                f"entry '{key}': crossref '{ref.value}' is not in this file; nothing inherited.",
                "Add the parent entry or remove the crossref field.",
            )
            break
        if parent_key in seen:
            problems.warning(shown, ref.line or line, f"entry '{key}': crossref cycle.")
            break
        seen.add(parent_key)
        parent, _ = entries[parent_key]
        parent_fields = fields_by_key[parent_key]
        for name, value in _inherited_fields(parent.entry_type, child_type, parent_fields):
            fields.setdefault(name, value)
        current = parent_fields
        child_type = parent.entry_type
    return fields


def _inherited_fields(
    parent_type: str, child_type: str, parent: dict[str, _Value]
) -> Iterator[tuple[str, _Value]]:
    renames: dict[str, str] = {}
    if parent_type.startswith("mv") and parent_type in _BOOK_PARENTS:
        renames = {"title": "maintitle", "subtitle": "mainsubtitle", "titleaddon": "maintitleaddon"}
    elif parent_type in _BOOK_PARENTS and child_type in _CHAPTER_TYPES:
        renames = {"title": "booktitle", "subtitle": "booksubtitle", "titleaddon": "booktitleaddon"}
        if child_type in {"inbook", "bookinbook", "suppbook"} and "author" in parent:
            yield "bookauthor", parent["author"]
    elif parent_type == "periodical" and child_type in {"article", "suppperiodical"}:
        renames = {"title": "journaltitle", "subtitle": "journalsubtitle"}
    for name, value in parent.items():
        if name in _NOT_INHERITED:
            continue
        if name in renames:
            yield renames[name], value
        elif name in {"title", "subtitle", "titleaddon"}:
            continue  # a child has its own title
        else:
            yield name, value


# --------------------------------------------------------------------------- conversion

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_URL_ESCAPES = re.compile(r"\\([_%&#$~{}])")
_ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
_DATE = re.compile(r"^(-?\d{1,4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?([?~%]?)$")


class _Converter:
    """Builds the CSL-JSON item of one entry, reporting warnings at field lines."""

    def __init__(
        self,
        key: str,
        entry_type: str,
        fields: dict[str, _Value],
        line: int,
        shown: str,
        problems: Problems,
        lang: str,
    ) -> None:
        self.key = key
        self.type = entry_type.lower()
        self.fields = fields
        self.line = line
        self.shown = shown
        self.problems = problems
        self.lang = lang

    def warn(self, message: str, line: int | None = None, hint: str = "") -> None:
        self.problems.warning(self.shown, line or self.line, f"entry '{self.key}': {message}", hint)

    def _warner(self, name: str) -> Callable[[str], None]:
        line = self.fields[name].line if name in self.fields else None
        return lambda message: self.warn(f"field '{name}': {message}", line)

    def has(self, name: str) -> bool:
        value = self.fields.get(name)
        return value is not None and not (isinstance(value.value, str) and not value.value.strip())

    def raw(self, name: str) -> str:
        value = self.fields[name].value
        return value if isinstance(value, str) else str(value)

    def text(self, name: str) -> str:
        return latex_to_text(self.raw(name), self._warner(name))

    def rich(self, name: str) -> str:
        return latex_to_rich_text(self.raw(name), self._warner(name))

    # -- item

    def convert(self) -> dict[str, Any]:
        csl: dict[str, Any] = {"id": self.key, "type": self._csl_type()}
        # Said explicitly, so that citeproc title-cases English titles in any book language.
        language = self._language() or self.lang
        csl["language"] = language
        english = language.lower().startswith("en")
        self._names(csl)
        self._titles(csl, english)
        self._numbers(csl)
        self._publisher(csl)
        self._dates(csl)
        self._links(csl)
        self._notes(csl)
        self._warn_unused()
        return csl

    def _csl_type(self) -> str:
        kind = ENTRY_TYPES.get(self.type)
        if kind is None:
            hint = did_you_mean(self.type, set(ENTRY_TYPES), n=1)
            self.warn(
                f"entry type @{self.type} has no CSL equivalent; formatted as a generic document.",
                hint=hint or f"Use one of @{', @'.join(sorted(ENTRY_TYPES)[:12])}, ….",
            )
            return "document"
        if kind == "article-journal" and self.has("entrysubtype"):
            subtype = self.raw("entrysubtype").strip().lower()
            kind = {"magazine": "article-magazine", "newspaper": "article-newspaper"}.get(
                subtype, kind
            )
        return kind

    def _language(self) -> str | None:
        for name in ("langid", "language"):
            if not self.has(name):
                continue
            value = self.text(name).strip()
            tag = _LANGUAGES.get(value.lower().replace(" ", ""))
            if tag is None and _BCP47.match(value):
                tag = value
            if tag is None:
                self.warn(
                    f"language '{value}' is not a known language name; titles are not "
                    "case-converted.",
                    self.fields[name].line,
                    "Use a babel name (english, german…) or a BCP 47 tag like 'de-DE'.",
                )
                return "und"
            return tag
        return None

    # -- names

    def _names(self, csl: dict[str, Any]) -> None:
        targets = {
            "author": "author",
            "editor": "editor",
            "translator": "translator",
            "bookauthor": "container-author",
            "collaborator": "contributor",
        }
        for name, variable in targets.items():
            if name in self.fields and isinstance(self.fields[name].value, list):
                people = [self._person(p, name) for p in self.fields[name].value]
                people = [p for p in people if p]
                if people:
                    csl[variable] = people

    def _person(self, parts: NameParts, field_name: str) -> dict[str, str]:
        warn = self._warner(field_name)

        def words(items: list[str]) -> str:
            return " ".join(latex_to_text(w, warn) for w in items).replace("\xa0", " ").strip()

        if not parts.first and not parts.von and not parts.jr and len(parts.last) == 1:
            only = parts.last[0]
            if only == "others":
                return {"literal": "others"}
            if _is_one_group(only):
                # {{World Health Organization}}: a corporate name, never inverted.
                return {"literal": words([only[1:-1]])}
        person: dict[str, str] = {}
        given = list(parts.first)
        dropping: list[str] = []
        # "Beethoven, Ludwig van": trailing lower-case words of First are a particle.
        while len(given) > 1 and _is_lower_word(given[-1]):
            dropping.insert(0, given.pop())
        if parts.last:
            person["family"] = words(parts.last)
        if given:
            person["given"] = words(given)
        if dropping:
            person["dropping-particle"] = words(dropping)
        if parts.von:
            person["non-dropping-particle"] = words(parts.von)
        if parts.jr:
            person["suffix"] = words(parts.jr)
        return {k: v for k, v in person.items() if v}

    # -- titles

    def _title(self, base: str, sub: str, addon: str, english: bool) -> tuple[str, str]:
        """Title and its main part (for ``title-short``) from title/subtitle/titleaddon."""
        main = self.rich(base)
        if english:
            main = sentence_case(main)
        full = main
        if self.has(sub):
            subtitle = self.rich(sub)
            if english:
                subtitle = sentence_case(subtitle)
            full = f"{full}: {subtitle}"
        if self.has(addon):
            full = f"{full}. {self.rich(addon)}"
        return full, main

    def _titles(self, csl: dict[str, Any], english: bool) -> None:
        if self.has("title"):
            title, main = self._title("title", "subtitle", "titleaddon", english)
            csl["title"] = title
            if self.has("shorttitle"):
                short = self.rich("shorttitle")
                csl["title-short"] = sentence_case(short) if english else short
            elif main != title:
                csl["title-short"] = main
            elif ": " in title and _balanced(title.split(": ", 1)[0]):
                csl["title-short"] = title.split(": ", 1)[0]
        container = ""
        for base, sub, addon, sentence in (
            ("booktitle", "booksubtitle", "booktitleaddon", english),
            ("maintitle", "mainsubtitle", "maintitleaddon", english),
            ("journaltitle", "journalsubtitle", "", False),
            ("journal", "journalsubtitle", "", False),
        ):
            if self.has(base):
                container, _ = self._title(base, sub, addon, sentence)
                break
        if container:
            csl["container-title"] = container
        for name in ("shortjournal", "journalabbrev"):
            if self.has(name):
                csl["container-title-short"] = self.rich(name)
                break
        if self.has("series"):
            csl["collection-title"] = self.rich("series")
        if self.has("eventtitle"):
            csl["event-title"] = self.rich("eventtitle")
        if self.has("venue"):
            csl["event-place"] = self.text("venue")

    # -- numbers

    def _numbers(self, csl: dict[str, Any]) -> None:
        if self.has("volume"):
            csl["volume"] = self.text("volume")
        if self.has("volumes"):
            csl["number-of-volumes"] = self.text("volumes")
        if self.has("number"):
            number = self.text("number")
            if self.type in {"article", "periodical", "suppperiodical"}:
                csl["issue"] = number
            elif self.has("series") and csl["type"] in {"book", "chapter", "paper-conference"}:
                csl["collection-number"] = number
            else:
                csl["number"] = number
        if self.has("issue") and "issue" not in csl:
            csl["issue"] = self.text("issue")
        for name in ("article-number", "eid"):
            if self.has(name) and "number" not in csl:
                csl["number"] = self.text(name)
        if self.has("part"):
            csl["part-number"] = self.text("part")
        if self.has("edition"):
            csl["edition"] = _edition(self.text("edition"))
        if self.has("version"):
            csl["version"] = self.text("version")
        if self.has("pages"):
            csl["page"] = self.text("pages")
        if self.has("pagetotal"):
            csl["number-of-pages"] = self.text("pagetotal")
        if self.has("chapter"):
            csl["chapter-number"] = self.text("chapter")
        if self.has("isbn"):
            csl["ISBN"] = self.text("isbn")
        if self.has("issn"):
            csl["ISSN"] = self.text("issn")
        if self.has("pmid"):
            csl["PMID"] = self.text("pmid")
        if self.has("pmcid"):
            csl["PMCID"] = self.text("pmcid")
        genre = ""
        if self.has("type"):
            value = self.text("type")
            genre = _GENRE_KEYS.get(value.lower(), value)
        elif self.type in _DEFAULT_GENRE:
            genre = _DEFAULT_GENRE[self.type]
        if genre:
            csl["genre"] = genre
        if self.has("pubstate"):
            state = self.text("pubstate")
            csl["status"] = {"inpress": "in press", "prepublished": "preprint"}.get(
                state.lower(), state
            )

    # -- publisher

    def _publisher(self, csl: dict[str, Any]) -> None:
        order = ["publisher"]
        if csl["type"] == "thesis":
            order = ["school", "institution", "publisher"]
        elif csl["type"] == "report":
            order = ["institution", "publisher", "organization"]
        order += ["organization", "institution", "school"]
        for name in order:
            if self.has(name):
                csl["publisher"] = self.text(name)
                break
        for name in ("location", "address"):
            if self.has(name):
                csl["publisher-place"] = self.text(name)
                break
        if self.has("howpublished"):
            value = self.raw("howpublished").strip()
            url = _url(value)
            if url.startswith(("http://", "https://")) and " " not in url:
                csl.setdefault("URL", url)
            elif "publisher" not in csl:
                csl["publisher"] = self.text("howpublished")

    # -- dates

    def _dates(self, csl: dict[str, Any]) -> None:
        if self.has("date"):
            issued = self._edtf("date")
            if issued:
                csl["issued"] = issued
        elif self.has("year"):
            issued = self._year(csl)
            if issued:
                csl["issued"] = issued
        if self.has("origdate"):
            original = self._edtf("origdate")
            if original:
                csl["original-date"] = original
        elif self.has("origyear"):
            year = self.text("origyear")
            if year.isdigit():
                csl["original-date"] = {"date-parts": [[int(year)]]}
        if self.has("eventdate"):
            event = self._edtf("eventdate")
            if event:
                csl["event-date"] = event
        if self.has("urldate"):
            accessed = self._edtf("urldate")
            if accessed:
                csl["accessed"] = accessed

    def _edtf(self, name: str) -> dict[str, Any] | None:
        # EDTF, not TeX: `~` means approximate, and `--` a range.
        value = self.raw(name).replace("{", "").replace("}", "").replace("--", "/").strip()
        ends = value.split("/") if "/" in value else [value]
        parts: list[list[int]] = []
        circa = False
        for end in ends:
            end = end.strip()
            if not end or end == "..":
                continue  # open-ended range: CSL-JSON has no way to say it
            m = _DATE.match(end)
            if not m:
                self.warn(
                    f"date '{value}' is not YYYY, YYYY-MM or YYYY-MM-DD; used as written.",
                    self.fields[name].line,
                )
                return {"literal": value}
            year, month, day, flag = m.groups()
            part = [int(year)]
            if month:
                part.append(int(month))
                if day:
                    part.append(int(day))
            circa = circa or bool(flag)
            parts.append(part)
        if not parts:
            return None
        date: dict[str, Any] = {"date-parts": parts}
        if circa:
            date["circa"] = True
        return date

    def _year(self, csl: dict[str, Any]) -> dict[str, Any] | None:
        value = self.text("year").strip()
        line = self.fields["year"].line
        m = re.fullmatch(r"(\d{1,4})([a-z]?)", value)
        range_m = re.fullmatch(r"(\d{4})\s*(?:--|–|-|/)\s*(\d{4})", value)
        lowered = value.lower().rstrip(".")
        if m:
            if m.group(2):
                self.warn(
                    f"year '{value}': the letter is dropped; the style adds "
                    f"{m.group(1)}a/{m.group(1)}b itself when needed.",
                    line,
                )
            date: dict[str, Any] = {"date-parts": [[int(m.group(1)), *self._month_day()]]}
            return date
        if range_m:
            return {"date-parts": [[int(range_m.group(1))], [int(range_m.group(2))]]}
        if lowered in {"forthcoming", "in press", "inpress", "submitted", "in preparation"}:
            csl.setdefault("status", "in press" if lowered == "inpress" else lowered)
            return None
        if lowered in {"n.d", "nd", "n. d", "no date", "s.d", "undated"}:
            return None
        self.warn(f"year '{value}' is not a number; used as written.", line)
        return {"literal": value}

    def _month_day(self) -> list[int]:
        if not self.has("month"):
            return []
        month = self.fields["month"].value
        day = self.text("day") if self.has("day") else ""
        if isinstance(month, str):
            text = latex_to_text(month).replace("\xa0", " ").strip().rstrip(".").lower()
            # `month = "10~" # jan` and `month = jan # "~10"` give a day too.
            m = re.fullmatch(r"(\d{1,2})\.?\s+(\w+)|(\w+)\.?\s+(\d{1,2})", text)
            if m:
                day = day or m.group(1) or m.group(4)
                text = m.group(2) or m.group(3)
            found = next(
                (
                    i + 1
                    for i, name in enumerate(_MONTHS)
                    if len(text) >= 3 and name.startswith(text)
                ),
                None,
            )
            if found is None and text in _SEASONS:
                found = 20 + _SEASONS[text]  # CSL-JSON seasons are months 21-24
            if found is None and text.isdigit() and 1 <= int(text) <= 12:
                found = int(text)
            if found is None:
                self.warn(f"month '{month}' is not a month; ignored.", self.fields["month"].line)
                return []
            month = found
        result = [int(month)]
        if day.isdigit() and month <= 12:
            result.append(int(day))
        return result

    # -- links and notes

    def _links(self, csl: dict[str, Any]) -> None:
        if self.has("doi"):
            csl["DOI"] = _DOI_PREFIX.sub("", _url(self.raw("doi")))
        if self.has("url"):
            csl["URL"] = _url(self.raw("url"))
        if self.has("eprint"):
            kind = ""
            for name in ("eprinttype", "archiveprefix"):
                if self.has(name):
                    kind = self.text(name).lower()
            eprint = _url(self.raw("eprint"))
            if kind == "arxiv":
                csl.setdefault("URL", f"https://arxiv.org/abs/{eprint}")
            elif kind in {"pubmed", "pmid"}:
                csl.setdefault("PMID", eprint)
            elif kind == "jstor":
                csl.setdefault("URL", f"https://www.jstor.org/stable/{eprint}")
            elif kind == "hdl":
                csl.setdefault("URL", f"https://hdl.handle.net/{eprint}")

    def _notes(self, csl: dict[str, Any]) -> None:
        notes = [self.rich(name) for name in ("note", "addendum") if self.has(name)]
        if notes:
            csl["note"] = ". ".join(n.rstrip(".") for n in notes)

    def _warn_unused(self) -> None:
        known = USED_FIELDS | QUIET_FIELDS
        for name, value in self.fields.items():
            if name in known or name.startswith(_QUIET_PREFIXES):
                continue
            hint = did_you_mean(name, USED_FIELDS, n=1)
            self.warn(
                f"field '{name}' is not used by citation styles and was ignored.",
                value.line,
                hint,
            )


def _is_one_group(word: str) -> bool:
    """True for ``{...}`` whose first brace closes at the very end."""
    if len(word) < 2 or word[0] != "{" or word[-1] != "}":
        return False
    depth = 0
    for i, c in enumerate(word):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0 and i != len(word) - 1:
                return False
    return True


def _is_lower_word(word: str) -> bool:
    letters = [c for c in latex_to_text(word) if c.isalpha()]
    return bool(letters) and letters[0].islower()


def _balanced(rich: str) -> bool:
    return rich.count("<span") == rich.count("</span>") and rich.count("<i>") == rich.count("</i>")


def _edition(value: str) -> str:
    m = re.fullmatch(r"(\d+)(?:st|nd|rd|th)?\.?(?:\s+(?:ed\.?|edition))?", value, re.IGNORECASE)
    if m:
        return m.group(1)
    word = value.lower().split(" ")[0]
    if word in _ORDINAL_WORDS:
        return str(_ORDINAL_WORDS[word])
    return value


def _url(value: str) -> str:
    value = value.strip()
    m = re.fullmatch(r"\\(?:url|href|nolinkurl)\s*\{(.*)\}(?:\s*\{.*\})?", value, re.DOTALL)
    if m:
        value = m.group(1)
    value = value.replace("{\\textasciitilde}", "~").replace("\\textasciitilde{}", "~")
    value = _URL_ESCAPES.sub(r"\1", value)
    return value.replace("{", "").replace("}", "").strip()
