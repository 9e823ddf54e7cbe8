"""Load a book project into the model: config, manuscript entries, front and back matter.

Reads ``glossbook.toml`` and every ``manuscript/**/*.md``, renders each body once to an
HTML fragment, and returns a ``Book`` whose entries are not yet in chapters: the passes
do that. Every problem found is collected; the caller raises them together.
"""

from __future__ import annotations

import pickle
from pathlib import Path

from .bibliography import load_bibliography
from .config import Config
from .csl import cache_folder
from .errors import ContentError, Problem, Problems
from .markdown import DocContext, Fragment, MarkdownRenderer
from .model import Book, Citation, Entry, InfoboxRow, MatterPage, Metadata, Work
from .remote import FOLDER, RemoteImages
from .slugs import slugify
from .sources import (
    ENTRY_KEYS,
    MATTER_KEYS,
    SLUG,
    SourceFile,
    Value,
    is_ignored,
    read_source,
    text_list,
    unreadable,
)

MANUSCRIPT = "manuscript"


class EntryCache:
    """Parsed entries kept between builds, for the live preview: an unchanged file (same
    size and modification time, same language, its images still there) is not parsed again.

    Each entry is kept pickled: the passes change the entries they are given, so every
    build gets a fresh copy, and unpickling one is several times cheaper than a deep copy.
    """

    def __init__(self) -> None:
        self.language = ""
        self.entries: dict[Path, tuple[object, bytes, dict[str, Path], list[Problem]]] = {}

    def get(self, path: Path, language: str) -> tuple[Entry, dict[str, Path], list[Problem]] | None:
        if language != self.language:
            self.entries.clear()
            self.language = language
        cached = self.entries.get(path)
        if cached is None or cached[0] != self.signature(path):
            return None
        _, entry, assets, warnings = cached
        if not all(p.is_file() for p in assets.values()):
            return None
        return pickle.loads(entry), assets, warnings

    def previous(self, path: Path) -> tuple[Entry, dict[str, Path]] | None:
        """The entry last kept for ``path`` and its images, whether or not the file changed
        since (what an edit is compared with)."""
        cached = self.entries.get(path)
        if cached is None:
            return None
        return pickle.loads(cached[1]), cached[2]

    def put(
        self, path: Path, entry: Entry, assets: dict[str, Path], warnings: list[Problem]
    ) -> None:
        data = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        self.entries[path] = (self.signature(path), data, assets, warnings)

    def signature(self, path: Path) -> object:
        """What tells that a file changed: its modification time and size."""
        return _signature(path)


def _signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return (stat.st_mtime_ns, stat.st_size)


def load_book(
    config: Config, problems: Problems, cache: EntryCache | None = None, *, offline: bool = False
) -> Book:
    root = config.root
    meta = config.values["book"]
    book = Book(
        metadata=Metadata(
            title=meta["title"],
            slug=meta["slug"],
            subtitle=meta["subtitle"],
            authors=list(meta["authors"]),
            language=meta["language"],
            publisher=meta["publisher"],
            identifier=meta["identifier"],
            date=meta["date"],
            edition=meta["edition"],
            rights=meta["rights"],
            description=meta["description"],
        ),
        root=root,
        settings={
            "trim": config.trim,
            "running_heads": config.values["print"]["running_heads"],
            "build": dict(config.values["build"]),
            "cover": meta["cover"] or None,
            "order": config.values["contents"]["order"],
            "chapters": config.chapters,
            "backlinks": config.values["contents"]["backlinks"],
            "style": config.values["citations"]["style"],
            "style_line": config.line_of("citations", "style"),
            "bibliography": config.values["citations"]["bibliography"],
            "accessibility": dict(config.values["accessibility"]),
        },
    )
    renderer = entry_renderer(config, offline=offline)
    folder = root / MANUSCRIPT
    if not folder.is_dir():
        problems.error(
            MANUSCRIPT,
            None,
            "the book has no manuscript/ folder.",
            "Create it and put one Markdown file per entry in it.",
        )
        return book
    seen_slugs: dict[str, str] = {}
    files = [p for p in sorted(folder.rglob("*.md")) if not is_ignored(p, folder)]
    if not files:
        problems.error(
            f"{MANUSCRIPT}/",
            None,
            "the manuscript folder has no entries.",
            "Put one Markdown file per entry in it, such as manuscript/attunement.md.",
        )
    for path in files:
        display = path.relative_to(root).as_posix()
        slug = path.stem
        if not path.is_file():
            if path.is_dir() and not path.is_symlink():
                continue  # a folder named x.md: its files are read on their own
            problems.error(display, None, *unreadable(path, FileNotFoundError()))
            continue
        if not SLUG.match(slug):
            problems.error(
                display,
                None,
                f"the file name '{path.name}' does not make a valid entry slug.",
                f"Rename it to '{slugify(slug) or 'entry'}.md': "
                "lower-case letters, digits and hyphens.",
            )
            continue
        if slug in seen_slugs:
            problems.error(
                display,
                None,
                f"duplicate slug '{slug}': {seen_slugs[slug]} has the same file name.",
                "Rename one of them; every entry's file name must be unique.",
            )
            continue
        seen_slugs[slug] = display
        entry, assets = read_entry(path, display, renderer, root, problems, cache)
        book.assets.update(assets)
        if entry is not None:
            book.entries.append(entry)
    _check_duplicate_titles(book.entries, problems)
    _bibliography(config, book, problems)
    for kind in ("front", "back"):
        for name in config.values["contents"][f"{kind}_matter"]:
            page = _matter(config, kind, name, renderer, problems, book.assets)
            if page is not None:
                (book.front if kind == "front" else book.back).append(page)
    return book


def entry_renderer(config: Config, *, offline: bool = False) -> MarkdownRenderer:
    """The Markdown renderer the book's settings ask for (language, raw HTML, images)."""
    return MarkdownRenderer(
        config.values["book"]["language"],
        raw_html=config.values["markdown"]["raw_html"],
        remote=RemoteImages(
            config.values["images"]["remote"], config.root / FOLDER, offline=offline
        ),
    )


def read_entry(
    path: Path,
    display: str,
    renderer: MarkdownRenderer,
    root: Path,
    problems: Problems,
    cache: EntryCache | None = None,
) -> tuple[Entry | None, dict[str, Path]]:
    """One entry file (its slug already checked) and the images it uses; from ``cache``
    when the file is unchanged, else parsed (and kept there when it has no errors)."""
    hit = cache.get(path, renderer.language) if cache else None
    if hit is not None:
        entry, assets, warnings = hit
        problems.extend(warnings)
        return entry, assets
    found = Problems()
    assets: dict[str, Path] = {}
    source = read_source(path, display, ENTRY_KEYS, found)
    entry = _entry(source, path.stem, renderer, root, found, assets) if source else None
    problems.extend(found.items)
    if entry is not None and cache is not None and not found.errors:
        cache.put(path, entry, assets, found.warnings)
    return entry, assets


def _entry(
    source: SourceFile,
    slug: str,
    renderer: MarkdownRenderer,
    root: Path,
    problems: Problems,
    assets: dict[str, Path],
) -> Entry | None:
    display = source.display
    title_value = source.meta.get("title")
    if title_value is None or not title_value.text().strip():
        problems.error(
            display,
            title_value.line if title_value else 2,
            "this entry has no title." if title_value is None else "the title is empty.",
            "Add 'title: …' to the front matter.",
        )
        return None
    doc = DocContext(slug, display, root, source.path.parent, problems)
    fragment = renderer.render(source.body, doc, base_line=source.body_line)
    entry = Entry(
        slug=slug,
        title=" ".join(title_value.text().split()),
        file=display,
        line=title_value.line,
        html=fragment.html,
        definition=fragment.definition,
        categories=[v.value.strip() for v in text_list(source, "category", problems)],
        other_names=[" ".join(v.value.split()) for v in text_list(source, "other_names", problems)],
        headings=fragment.headings,
        figures=fragment.figures,
    )
    related = text_list(source, "related", problems)
    entry.related = [v.value.strip() for v in related]
    entry.related_lines = [v.line for v in related]
    sources = text_list(source, "sources", problems)
    entry.source_citations = [
        Citation(raw=f"@{v.value.strip()}", keys=[v.value.strip()], line=v.line) for v in sources
    ]
    entry.sources = [c.keys[0] for c in entry.source_citations]
    entry.infobox = _infobox(source, doc, renderer, fragment)
    entry.xrefs = fragment.xrefs
    entry.citations = fragment.citations
    entry.index_marks = fragment.index_marks
    assets.update(fragment.assets)
    return entry


def _infobox(
    source: SourceFile, doc: DocContext, renderer: MarkdownRenderer, fragment: Fragment
) -> list[InfoboxRow]:
    problems = doc.problems
    value = source.meta.get("infobox")
    if value is None:
        return []
    if not isinstance(value.value, dict):
        problems.error(
            source.display,
            value.line,
            "'infobox' must be a mapping of label to text or list.",
            "Write one 'Label: text' or 'Label: [a, b]' per line, indented under 'infobox:'.",
        )
        return []
    rows: list[InfoboxRow] = []
    for label, item in value.value.items():
        items: list[Value]
        if isinstance(item.value, str):
            items = [item]
        elif isinstance(item.value, list) and all(isinstance(v.value, str) for v in item.value):
            items = item.value
        else:
            problems.error(
                source.display,
                item.line,
                f"infobox row '{label}' must be text or a list of texts.",
                "Nested mappings are not allowed in an infobox.",
            )
            continue
        values = [
            renderer.render_inline(v.value, doc, line=v.line, fragment=fragment)
            for v in items
            if v.value.strip()
        ]
        rows.append(InfoboxRow(label=str(label), values=values, line=item.line))
    return rows


def _bibliography(config: Config, book: Book, problems: Problems) -> None:
    """Read the .bib file named in the config, if the book has one."""
    name = config.values["citations"]["bibliography"]
    path = config.root / name
    book.bibliography_file = name
    if not path.is_file():
        if "bibliography" in config.given.get("citations", set()):
            problems.error(
                config.file,
                config.line_of("citations", "bibliography"),
                f"the bibliography '{name}' does not exist.",
                "Check the path, relative to the folder of glossbook.toml.",
            )
        return
    try:
        bibliography = load_bibliography(
            path, name, lang=book.metadata.language, cache_dir=cache_folder(config.root)
        )
    except ContentError as error:
        problems.extend(error.problems)
        return
    problems.extend(bibliography.problems)
    book.bibliography = {
        key: Work(key=key, csl=item.csl, line=item.line)
        for key, item in bibliography.entries.items()
    }


def _check_duplicate_titles(entries: list[Entry], problems: Problems) -> None:
    seen: dict[str, Entry] = {}
    for entry in entries:
        key = entry.title.casefold()
        if key in seen:
            first = seen[key]
            problems.error(
                entry.file,
                entry.line,
                f"duplicate title '{entry.title}': {first.file}:{first.line} has the same title.",
                "Give each entry its own title (an alternative name belongs in other_names).",
            )
        else:
            seen[key] = entry


def _matter(
    config: Config,
    kind: str,
    name: str,
    renderer: MarkdownRenderer,
    problems: Problems,
    assets: dict[str, Path],
) -> MatterPage | None:
    root = config.root
    path = (root / name).resolve()
    key = f"{kind}_matter"
    if not path.is_file() or not path.is_relative_to(root.resolve()):
        problems.error(
            config.file,
            config.line_of("contents", key),
            f"the {kind} matter page '{name}' does not exist in the book.",
            "Check the path, relative to the folder of glossbook.toml.",
        )
        return None
    display = path.relative_to(root.resolve()).as_posix()
    source = read_source(path, display, MATTER_KEYS, problems)
    if source is None:
        return None
    title = source.meta.get("title")
    if title is None or not title.text().strip():
        problems.error(
            display, title.line if title else 2, "this page has no title.", "Add 'title: …'."
        )
        return None
    slug = f"{kind}-{slugify(path.stem) or 'page'}"
    doc = DocContext(slug, display, root, path.parent, problems)
    fragment = renderer.render(source.body, doc, base_line=source.body_line)
    assets.update(fragment.assets)
    return MatterPage(
        slug=slug,
        title=" ".join(title.text().split()),
        file=display,
        html=fragment.html,
        kind=kind,
        xrefs=fragment.xrefs,
        citations=fragment.citations,
        figures=fragment.figures,
        index_marks=fragment.index_marks,
    )
