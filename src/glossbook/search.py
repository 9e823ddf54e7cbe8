"""Search and cross-reference previews for the HTML edition and the preview: the data files.

Built once per build, read by the theme's scripts (``styles/js/search.js``,
``styles/js/previews.js``) with no request to any server:

- ``js/entries.js``: every entry's slug, title, other names, definition and page address,
  in reading order (search results and the previews of cross-references show these);
- ``js/search-index.js``: a Lunr index (lunr on PyPI writes the format lunr.js 2.3 loads,
  ``styles/js/lunr.min.js``) of four fields, title, other names, definition and body text.
  Its document references are positions in the entries' list, and a term's empty field
  postings are left out (``search.js`` puts them back before ``lunr.Index.load``): both
  keep the file small, a third of Lunr's own serialisation.

Both are scripts that assign the data to a global rather than JSON files, because a page
opened from ``file://`` may not ``fetch()`` a neighbouring file but may load a script; the
search script inserts them on first use, so a page that is only read loads neither.

Words are folded as ``lookup.fold`` does (accents dropped, lower case in the book's language)
and split on anything but letters and digits before Lunr sees them; the script folds the
query the same way. No stemmer or stop-word list: they are English-only and would defeat
prefix matching as the reader types ("attun" must find "attunement").

Folding and splitting are most of the index's time: a build keeps each entry's words,
counted, in its build cache (``Counted``), so that after an edit only the edited entries
are folded again. Lunr's builder then takes the counted words (``_CountedBuilder``): the
same index, made with less work than word by word.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
from array import array
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html
from lunr.builder import Builder
from lunr.field_ref import FieldRef
from lunr.idf import idf as lunr_idf
from lunr.token_set import TokenSet
from lunr.vector import Vector

from . import __version__, collector, lookup, picklefile
from .model import Book, Entry

ENTRIES_FILE = "js/entries.js"
INDEX_FILE = "js/search-index.js"
WORDS_FILE = "search-words.pickle"  # in a build cache folder (``Counted``)
SCRIPTS = ("js/search.js", "js/previews.js")  # theme files the pages load
LIBRARY = "js/lunr.min.js"  # loaded by search.js on first use
LICENCES = ("js/LICENSE-lunr.txt",)
THEME_FILES = (*SCRIPTS, LIBRARY, *LICENCES)
FIELDS = (("title", 10), ("names", 5), ("definition", 2), ("body", 1))
_NOT_WORD = re.compile(r"[\W_]+")


def words(text: str, language: str) -> list[str]:
    """The words Lunr indexes for ``text``: folded, split on all but letters and digits."""
    return [w for w in _NOT_WORD.split(lookup.fold(text, language)) if w]


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment, as a reader sees it."""
    if not fragment.strip():
        return ""
    return lxml.html.fragment_fromstring(fragment, create_parent="div").text_content()


def files(book: Book, pages: dict[str, str], counted: Counted | None = None) -> dict[str, bytes]:
    """The generated data files, by path in the edition. ``pages`` maps each entry's slug
    to the page file that holds it (``chapter-a.html``); ``counted``: see ``Counted``."""
    return {name: make() for name, make in makers(book, pages, counted).items()}


def makers(
    book: Book, pages: dict[str, str], counted: Counted | None = None
) -> dict[str, Callable[[], bytes]]:
    """How to make each data file, for a caller that makes one only when it is asked for
    (the preview: a rebuild then costs nothing until a reader searches)."""
    names = functools.cache(lambda: lookup.names(book))  # made once for both
    return {
        ENTRIES_FILE: lambda: entries_script(book, pages, names()),
        INDEX_FILE: lambda: index_script(book, counted, names()),
    }


def _entries(book: Book) -> list[Entry]:
    return [e for c in book.chapters for e in c.entries]


def entries_script(
    book: Book, pages: dict[str, str], names: dict[str, list[str]] | None = None
) -> bytes:
    """``js/entries.js``: slug, title, other names, definition and address of every entry,
    in reading order (a search result's reference is its position here). ``names``: the
    book's ``lookup.names``, if made already."""
    names = lookup.names(book) if names is None else names
    entries = [
        {
            "s": entry.slug,
            "t": entry.title,
            "n": names[entry.slug][1:],
            "d": entry.definition,
            "u": f"{pages[entry.slug]}#{entry.anchor}",
        }
        for entry in _entries(book)
    ]
    return _script("glossbookEntries", {"lang": book.metadata.language, "entries": entries})


def index_script(
    book: Book, counted: Counted | None = None, names: dict[str, list[str]] | None = None
) -> bytes:
    """``js/search-index.js``: the Lunr index of the entries' four fields. ``counted``: the
    words of each entry already counted (a build's cache), else they are counted now;
    ``names``: the book's ``lookup.names``, if made already."""
    language = book.metadata.language
    names = lookup.names(book) if names is None else names
    counted = counted if counted is not None else Counted()
    with collector.paused(young=False):
        builder = _CountedBuilder(counted.frequencies)  # an empty pipeline: words arrive folded
        builder.ref("ref")
        for field, boost in FIELDS:
            builder.field(field, boost=boost)
        keys = []
        for n, entry in enumerate(_entries(book)):
            key, fields, scored = counted.entry(entry, names[entry.slug][1:], language)
            builder.add_counted(str(n), fields, scored)
            keys.append(key)
        index = builder.build().serialize()
        counted.scored(keys, builder)
        del builder
        for _term, posting in index["invertedIndex"]:
            for field, _boost in FIELDS:
                if not posting[field]:
                    del posting[field]
        script = _script("glossbookSearchIndex", index)
        del index
    return script


Fields = tuple[dict[str, int], ...]  # per field of FIELDS: each word's count, first seen first
Context = tuple[float, ...]  # what a field's scores were made from, besides its words (Scored)
Scored = tuple[Context, array]  # a field's scores: its words' in their order, and of what
# A field as kept: its words joined by spaces, their counts, the scores (or empty and none).
Packed = tuple[str, bytes, Context, bytes]


class Counted:
    """The words of each entry's four fields, counted, under the hash of what they are made
    from (its title, other names, definition, body and the book's language), and the
    scores Lunr gave them.

    With a ``file`` (``WORDS_FILE`` in a build cache folder), those of the last build are
    read from it and ``save`` writes those of this build (only): an entry whose text is
    unchanged is not folded and split again (most of the index's time), and a field whose
    words score as they did (``_CountedBuilder``) is not scored again. A file written by
    another glossbook version, or damaged, is ignored."""

    FORMAT = 3

    def __init__(self, file: Path | None = None) -> None:
        self.file = file
        self.known: dict[bytes, tuple[Packed, ...]] = {}
        self.used: dict[bytes, tuple[Packed, ...]] = {}
        self.frequencies: dict[str, int] = {}  # of each word, in the last build (Lunr's idf)
        self.changed = False  # anything the file does not hold
        kept = picklefile.load(file, __version__, self.FORMAT)
        if isinstance(kept, tuple) and len(kept) == 2 and isinstance(kept[0], dict):
            self.known, self.frequencies = kept

    def entry(
        self, entry: Entry, names: list[str], language: str
    ) -> tuple[bytes, Fields, tuple[Scored | None, ...]]:
        """The hash of ``entry``'s text, the counted words of its fields and their scores
        in the last build (``names``: its other names to index)."""
        source = json.dumps([language, entry.title, names, entry.definition]).encode()
        # (JSON holds no NUL byte: the body starts after the first)
        key = hashlib.blake2b(source + b"\0" + entry.html.encode(), digest_size=16).digest()
        packed = self.known.get(key)
        if packed is not None:
            self.used[key] = packed
            fields = tuple(
                dict(zip(w.split(), array("I", c), strict=True)) for w, c, _, _ in packed
            )
            scored = tuple((context, array("d", s)) if s else None for _, _, context, s in packed)
            return key, fields, scored
        self.changed = True
        fields = (
            _count(words(entry.title, language)),
            _count([w for name in names for w in words(name, language)]),
            _count(words(entry.definition, language)),
            _count(words(plain_text(entry.html), language)),
        )
        if self.file is not None:
            self.used[key] = tuple(
                (" ".join(f), array("I", f.values()).tobytes(), (), b"") for f in fields
            )
        return key, fields, (None,) * len(fields)

    def scored(self, keys: list[bytes], builder: _CountedBuilder) -> None:
        """Keep the scores ``builder`` made anew, of the entries of ``keys`` in order."""
        if self.file is None:
            return
        if builder.frequencies != self.frequencies:
            self.frequencies, self.changed = builder.frequencies, True
        for n, key in enumerate(keys):
            refs = [f"{field}/{n}" for field, _ in FIELDS]
            if not any(ref in builder.rescored for ref in refs):
                continue
            fields = []
            for (words_, counts, _, _), ref in zip(self.used[key], refs, strict=True):
                context, scores = builder.scores[ref]
                fields.append((words_, counts, context, scores.tobytes()))
            self.used[key] = tuple(fields)
            self.changed = True

    def save(self) -> None:
        """Write this build's words and scores to the file, if any."""
        if self.file is None or not (self.changed or self.used.keys() != self.known.keys()):
            return  # the file holds these already
        picklefile.save(self.file, __version__, self.FORMAT, (self.used, self.frequencies))


def _count(found: list[str]) -> dict[str, int]:
    return dict(Counter(found))  # a Counter keeps the order words are first seen in


class _CountedBuilder(Builder):
    """Lunr's builder fed counted words, with the same state, index and serialisation as
    ``Builder.add`` given the words one by one, and less work:

    - ``add_counted`` takes each field's words counted (``Counted``), where ``add`` makes a
      token of each word (a Token object with a deep-copied metadata dictionary) and counts
      them one at a time;
    - a field's scores are taken as the last build made them when all they are made of is
      as it was: the field's words and their counts (the entry's hash), the number of
      documents, the field's average length and boost, and the frequency (Lunr's idf) of
      each of its words, given (``frequencies``) as in the last build;
    - the documents' field vectors are made by sorting their (term, score) pairs once,
      where Lunr inserts each pair in turn into a sorted list (the same vectors: a field
      holds each term once);
    - no token set is made: it serves searching in Python, and the file does not hold it.
    """

    def __init__(self, frequencies: dict[str, int] | None = None) -> None:
        super().__init__()
        self.last_frequencies = frequencies or {}
        self.frequencies: dict[str, int] = {}  # of each term: in how many fields it is
        self.known: dict[str, Scored] = {}  # the last build's scores, by field reference
        self.scores: dict[str, Scored] = {}  # this build's
        self.rescored: set[str] = set()  # the field references scored anew
        self.idfs: dict[str, float] = {}  # Lunr's, of the terms of the fields scored anew

    def add_counted(self, ref: str, fields: Fields, scored: tuple[Scored | None, ...]) -> None:
        self._documents[ref] = {}
        self.document_count += 1
        postings = self.inverted_index
        for field_name, terms, known in zip(self._fields, fields, scored, strict=True):
            field_ref = str(FieldRef(ref, field_name))
            self.field_term_frequencies[field_ref] = terms
            self.field_lengths[field_ref] = sum(terms.values())
            if known is not None:
                self.known[field_ref] = known
            for term in terms:
                if term not in postings:
                    posting: dict[str, Any] = {name: {} for name in self._fields}
                    posting["_index"] = self.term_index
                    self.term_index += 1
                    postings[term] = posting
                postings[term][field_name][ref] = {}  # no metadata (Lunr's: empty too)

    def _create_field_vectors(self) -> None:
        """Lunr's scores (BM25, the same arithmetic in the same order), each vector sorted."""
        k1, b, count = self._k1, self._b, self.document_count
        indices = {term: posting["_index"] for term, posting in self.inverted_index.items()}
        fields = list(self._fields)
        self.frequencies = {
            term: sum(len(posting[name]) for name in fields)
            for term, posting in self.inverted_index.items()
        }
        last = self.last_frequencies
        changed = {term for term, n in self.frequencies.items() if last.get(term) != n}
        vectors: dict[str, Vector] = {}
        for field_ref, frequencies in self.field_term_frequencies.items():
            if not frequencies:  # (an empty field's average length may be 0)
                self.scores[field_ref] = ((), array("d"))
                vectors[field_ref] = _Rounded([])
                continue
            parsed = FieldRef.from_string(field_ref)
            name = parsed.field_name
            field_boost = self._fields[name].boost
            doc_boost = self._documents[parsed.doc_ref].get("boost", 1)
            context = (k1, b, count, self.average_field_length[name], field_boost, doc_boost)
            known = self.known.get(field_ref)
            if known is not None and known[0] == context and changed.isdisjoint(frequencies):
                scores = known[1]
            else:
                scores = self._scores(field_ref, frequencies, context)
                self.rescored.add(field_ref)
            self.scores[field_ref] = (context, scores)
            pairs = sorted(zip(map(indices.__getitem__, frequencies), scores, strict=True))
            vectors[field_ref] = _Rounded(list(itertools.chain.from_iterable(pairs)))
        self.field_vectors = vectors

    def _scores(self, field_ref: str, frequencies: dict[str, int], context: Context) -> array:
        """A field's words' scores, in their order, as Lunr makes them."""
        k1, b, count, average, field_boost, doc_boost = context
        length = k1 * (1 - b + b * (self.field_lengths[field_ref] / average))
        scores, idfs = array("d"), self.idfs
        for term, tf in frequencies.items():
            idf = idfs.get(term)
            if idf is None:
                idf = idfs[term] = lunr_idf(self.inverted_index[term], count)
            score = idf * ((k1 + 1) * tf) / (length + tf) * field_boost * doc_boost
            scores.append(round(score, 3))
        return scores

    def _create_token_set(self) -> None:
        self.token_set = TokenSet()


class _Rounded(Vector):
    """A vector whose scores were rounded as they were made: Lunr's ``serialize`` rounds
    each element again, which leaves every one as it is."""

    def serialize(self) -> list[float]:
        return self.elements


def _script(name: str, data: object) -> bytes:
    text = json.dumps(data, ensure_ascii=False, check_circular=False, separators=(",", ":"))
    return f"window.{name} = {text};\n".encode()
