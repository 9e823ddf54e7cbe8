"""Import a folder of Markdown pages (a Jekyll, Hugo or MkDocs site, an Obsidian vault, or
plain files) as a glossbook project.

Each page becomes ``manuscript/<slug>.md``:

- front matter keys are mapped (``title``; ``aliases``/``title-aliases``/``aka`` → other
  names; ``tags``/``categories`` → category; ``related``/``see_also`` → related entries;
  ``excerpt``/``description``/``summary`` → the lead paragraph, i.e. the definition);
  every key that could not be mapped is listed in the report;
- links between pages (``[[Wiki links]]``, relative ``other.md`` links, site links such
  as ``/topics/other/`` or ``other.html``, reference links whose label names a page)
  become ``[[cross-references]]``; links that name nothing of the book are kept as their
  text and listed;
- template tags (Liquid ``{% … %}``, Hugo shortcodes ``{{< … >}}``) and kramdown
  attribute lists (``{:.class}``) are removed and counted;
- images inside the site are copied into the project.

``import_folder`` returns a report; the command prints it and writes it next to
``glossbook.toml`` as ``import-report.txt``.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

import yaml

from .slugs import slugify

SOURCES = ("jekyll", "hugo", "mkdocs", "obsidian", "plain")

TITLE_KEYS = ("title", "name")
ALIAS_KEYS = ("aliases", "alias", "other_names", "title-aliases", "aka", "synonyms")
CATEGORY_KEYS = ("category", "categories", "tags", "tag", "topic-categories")
RELATED_KEYS = ("related", "see_also", "see-also", "seealso")
LEAD_KEYS = ("excerpt", "description", "summary", "oneliner", "short_description")
LINK_KEYS = ("shortname", "slug", "id", "permalink")  # only used to resolve links
SITE_MARKERS = ("_config.yml", "hugo.toml", "config.toml", "mkdocs.yml")

_YAML_FENCE = re.compile(r"\A---\s*\n(.*?\n)?(?:---|\.\.\.)\s*(?:\n|\Z)", re.S)
_TOML_FENCE = re.compile(r"\A\+\+\+\s*\n(.*?\n)?\+\+\+\s*(?:\n|\Z)", re.S)
_FENCED_CODE = re.compile(
    r"^[ \t]*(```|~~~).*?^[ \t]*\1[ \t]*$|(`+)[^`].*?(?<!`)\2(?!`)", re.S | re.M
)
_AT = re.compile(r"(?<![\w.+\-\\])@(?=[\w{])")  # would read as a citation
_LIQUID_COMMENT = re.compile(r"\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}", re.S)
_LIQUID_TAG = re.compile(r"\{%-?.*?-?%\}", re.S)
_LIQUID_OUTPUT = re.compile(r"\{\{-?(?![<%]).*?-?\}\}", re.S)
_SHORTCODE = re.compile(r"\{\{[<%]\s*/?\s*([\w-]+)[^}]*?[>%]\}\}", re.S)
_REF_SHORTCODE = re.compile(r"\{\{[<%]\s*(?:rel)?ref\s+\"?([^\"}>%]+?)\"?\s*[>%]\}\}")
_KRAMDOWN_IAL = re.compile(r"\{:[^}\n]*\}")
_WIKI = re.compile(r"(!?)\[\[([^\]\|#\n]*)(#[^\]\|\n]*)?(?:\|([^\]\n]*))?\]\]")
_LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]*)>?(\s+\"[^\"]*\")?\s*\)")
_REF_LINK = re.compile(r"(?<![\]!\\])\[((?:[^\[\]]|\[[^\[\]]*\])+)\]\[([^\[\]]*)\]")
_REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*(\S+)", re.M)
_ADMONITION = re.compile(
    r"^(!!!|\?\?\?\+?)\s*(\w+)(?:\s+\"([^\"]*)\")?\s*\n((?:(?: {4}|\t).*\n|\s*\n)*)", re.M
)
_CALLOUT = re.compile(r"^(>\s*)\[!(\w+)\][+-]?\s*", re.M)
_FIRST_HEADING = re.compile(r"\A\s*#\s+(.+?)\s*#*\s*$", re.M)


@dataclass
class Page:
    path: Path
    title: str
    slug: str
    meta: dict[str, Any]
    body: str
    aliases: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # names that resolve to this page


@dataclass
class Report:
    pages: int = 0
    skipped: list[str] = field(default_factory=list)
    unmapped: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    links: int = 0  # links rewritten into cross-references
    unresolved: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    images: int = 0
    missing_images: list[str] = field(default_factory=list)
    related_dropped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Imported {self.pages} pages, {self.links} links made cross-references."]
        if self.images:
            out.append(f"Copied {self.images} images.")
        if self.unmapped:
            out.append("Front-matter keys not mapped (their values are not in the book):")
            for key, files in sorted(self.unmapped.items()):
                sample = ", ".join(files[:3]) + (", …" if len(files) > 3 else "")
                out.append(f"  {key}: {len(files)} pages ({sample})")
        if self.removed:
            out.append("Removed from the text:")
            out += [f"  {what}: {n}" for what, n in sorted(self.removed.items())]
        if self.unresolved:
            out.append("Links that name no imported page (kept as their text):")
            for target, n in sorted(self.unresolved.items()):
                out.append(f"  {target}" + (f" ({n}×)" if n > 1 else ""))
        if self.related_dropped:
            out.append("Related entries that name no imported page (dropped):")
            out += [f"  {item}" for item in self.related_dropped]
        if self.missing_images:
            out.append("Images not found (kept as their alt text):")
            out += [f"  {item}" for item in self.missing_images]
        if self.skipped:
            out.append("Files not imported: " + ", ".join(self.skipped))
        return out


class SourceError(Exception):
    """The source folder cannot be imported; the message says why."""


def import_folder(
    source: Path,
    out: Path,
    kind: str,
    *,
    title: str = "",
    site_root: Path | None = None,
    site_url: str = "",
) -> Report:
    """Write a glossbook project into ``out`` (which must not exist or be empty)."""
    if not source.is_dir():
        raise SourceError(f"'{source}' is not a folder.")
    if out.exists() and any(out.iterdir()):
        raise SourceError(f"'{out}' is not empty; give a new folder with --out.")
    site = site_root or _site_root(source)
    report = Report()
    pages = _read_pages(source, kind, report)
    if not pages:
        raise SourceError(f"no Markdown pages in '{source}'.")
    lookup = _lookup(pages)
    manuscript = out / "manuscript"
    manuscript.mkdir(parents=True, exist_ok=True)
    for page in pages:
        body = _convert(page, lookup, kind, (source, site, site_url), manuscript, report)
        (manuscript / f"{page.slug}.md").write_text(
            _front_matter(page, lookup, report) + body, encoding="utf-8"
        )
    report.pages = len(pages)
    book_title = title or source.resolve().name.replace("_", " ").replace("-", " ").title()
    (out / "glossbook.toml").write_text(
        f'[book]\ntitle = {_toml_string(book_title)}\nlanguage = "en"\n', encoding="utf-8"
    )
    (out / "import-report.txt").write_text("\n".join(report.lines()) + "\n", encoding="utf-8")
    return report


# --- reading ------------------------------------------------------------------------------


def _read_pages(source: Path, kind: str, report: Report) -> list[Page]:
    pages: list[Page] = []
    taken: set[str] = set()
    files = sorted(
        p for p in source.rglob("*") if p.suffix.lower() in (".md", ".markdown") and p.is_file()
    )
    for path in files:
        relative = path.relative_to(source).as_posix()
        if any(part.startswith((".", "_")) for part in PurePosixPath(relative).parts) or (
            path.stem.lower() in ("readme", "index", "license", "contributing")
        ):
            report.skipped.append(relative)
            continue
        text = path.read_text(encoding="utf-8-sig")
        meta, body = _split(text)
        meta = {str(k).lower(): v for k, v in meta.items()}
        title = _text(_first(meta, TITLE_KEYS))
        heading = _FIRST_HEADING.match(body)
        if heading and (not title or _same(heading.group(1), title)):
            title = title or heading.group(1).strip()
            body = body[heading.end() :]  # the entry's title is its top heading
        if not body.strip() and not _text(_first(meta, LEAD_KEYS)).strip():
            report.skipped.append(f"{relative} (no text)")
            continue
        title = " ".join((title or path.stem.replace("-", " ").replace("_", " ")).split())
        slug = slugify(path.stem) or slugify(title) or "entry"
        base, n = slug, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        page = Page(path=path, title=title, slug=slug, meta=meta, body=body)
        page.aliases = [a for a in _texts(_first(meta, ALIAS_KEYS)) if not _same(a, title)]
        link_names = [_text(meta.get(k)) for k in LINK_KEYS if meta.get(k)]
        link_names += [PurePosixPath(n.rstrip("/")).name for n in link_names if "/" in n]
        page.keys = [title, path.stem, slug, *page.aliases, *link_names]
        pages.append(page)
    return pages


def _split(text: str) -> tuple[dict[str, Any], str]:
    match = _YAML_FENCE.match(text)
    if match:
        try:
            data = yaml.safe_load(match.group(1) or "") or {}
        except yaml.YAMLError:
            data = {}
        return (data if isinstance(data, dict) else {}), text[match.end() :]
    match = _TOML_FENCE.match(text)
    if match:
        try:
            return tomllib.loads(match.group(1) or ""), text[match.end() :]
        except tomllib.TOMLDecodeError:
            return {}, text[match.end() :]
    return {}, text


def _site_root(source: Path) -> Path:
    for folder in [source, *source.resolve().parents][:4]:
        if any((folder / marker).is_file() for marker in SITE_MARKERS):
            return folder
    return source


def _lookup(pages: list[Page]) -> dict[str, Page]:
    found: dict[str, Page] = {}
    for page in pages:
        for key in page.keys:
            found.setdefault(_norm(key), page)
    return found


# --- writing ------------------------------------------------------------------------------


def _front_matter(page: Page, lookup: dict[str, Page], report: Report) -> str:
    meta = page.meta
    front: dict[str, Any] = {"title": page.title}
    if page.aliases:
        front["other_names"] = _unique(page.aliases)
    categories = [c.lstrip("#") for key in CATEGORY_KEYS for c in _texts(meta.get(key))]
    if categories := _unique([c for c in categories if c.strip()]):
        front["category"] = categories
    related: list[str] = []
    for key in RELATED_KEYS:
        for item in _items(meta.get(key)):
            names = (
                [_text(item.get(k)) for k in ("title", "link", "url")]
                if isinstance(item, dict)
                else [_text(item)]
            )
            found = [_resolve(n, lookup) or _page_of_path(n, lookup) for n in names if n]
            target = next((f for f in found if f is not None), None)
            if target is None:
                report.related_dropped.append(f"{page.slug}: {next(iter(names), '')}")
            elif target.slug != page.slug and target.slug not in related:
                related.append(target.slug)
    if related:
        front["related"] = related
    known = {*TITLE_KEYS, *ALIAS_KEYS, *CATEGORY_KEYS, *RELATED_KEYS, *LEAD_KEYS, *LINK_KEYS}
    for key in meta:
        if key not in known:
            report.unmapped[key].append(page.slug)
    return "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n"


def _convert(
    page: Page,
    lookup: dict[str, Page],
    kind: str,
    where: tuple[Path, Path, str],
    manuscript: Path,
    report: Report,
) -> str:
    source, site, site_url = where
    body = page.body
    lead = _text(_first(page.meta, LEAD_KEYS)).strip()
    if lead and _words(lead) and _words(lead)[:8] != _words(body)[:8]:
        body = f"{lead}\n\n{body.lstrip()}"
    codes: list[str] = []

    def keep(text: str) -> str:
        """Set ``text`` aside: later rewriting steps do not see it."""
        codes.append(text)
        return f"\x00{len(codes) - 1}\x00"

    def keep_code(match: re.Match[str]) -> str:
        return keep(match.group(0))

    body = _FENCED_CODE.sub(keep_code, body)
    definitions = {_norm(m.group(1)): m.group(2) for m in _REF_DEF.finditer(body)}

    def count(what: str, pattern: re.Pattern[str], text: str, repl: Any = "") -> str:
        result, n = pattern.subn(repl, text)
        if n:
            report.removed[what] += n
        return result

    body = count("Liquid comments {% comment %}", _LIQUID_COMMENT, body)

    def ref_shortcode(match: re.Match[str]) -> str:
        return match.group(1)

    body = _REF_SHORTCODE.sub(ref_shortcode, body)
    body = count("Hugo shortcodes {{< … >}}", _SHORTCODE, body)
    body = count("Liquid tags {% … %}", _LIQUID_TAG, body)
    body = count("template output {{ … }}", _LIQUID_OUTPUT, body)
    body = count("kramdown attribute lists {:…}", _KRAMDOWN_IAL, body)
    if kind == "mkdocs":
        body = _ADMONITION.sub(_admonition, body)
    if kind == "obsidian":
        body = count("Obsidian callout markers [!note]", _CALLOUT, body, r"\1")

    def wiki(match: re.Match[str]) -> str:
        embed, target, _anchor, text = match.groups()
        if embed:
            return keep(_image(page, target.strip(), "", source, site, manuscript, report))
        found = _resolve(target, lookup)
        shown = (text or target).strip()
        if found is None:
            report.unresolved[f"[[{target.strip()}]]"] += 1
            return shown
        report.links += 1
        return keep(f"[[{found.slug}]]" if shown == found.title else f"[[{found.slug}|{shown}]]")

    body = _WIKI.sub(wiki, body)

    def site_link(text: str, url: str) -> str:
        """A link to a page of the site: a cross-reference, an absolute link, or text."""
        found = _page_of_path(urlparse(url).path, lookup)
        if found is not None:
            report.links += 1
            return keep(f"[[{found.slug}]]" if text == found.title else f"[[{found.slug}|{text}]]")
        if site_url:
            return keep(f"[{text}]({urljoin(site_url, url)})")
        report.unresolved[url] += 1
        return text

    def link(match: re.Match[str]) -> str:
        image, text, url, title = match.groups()
        if image:
            return keep(_image(page, url, text, source, site, manuscript, report, title or ""))
        if _is_absolute(url):
            return match.group(0)
        return site_link(text, url)

    body = _LINK.sub(link, body)

    def reference(match: re.Match[str]) -> str:
        text, label = match.groups()
        label = label or text
        defined = definitions.get(_norm(label))
        if defined is not None:
            return match.group(0) if _is_absolute(defined) else site_link(text, defined)
        found = _resolve(label, lookup)
        if found is None and len(label.split()) > 1:
            found = _resolve(label.split(None, 1)[1], lookup)  # "topic rbf" → "rbf"
        if found is None:
            report.unresolved[f"[{' '.join(label.split())}]"] += 1
            return text
        report.links += 1
        return keep(f"[[{found.slug}|{text}]]")

    body = _REF_LINK.sub(reference, body)

    def definition(match: re.Match[str]) -> str:
        url = match.group(2)
        return match.group(0) if _is_absolute(url) else ""  # site links were made above

    body = _REF_DEF.sub(definition, body)
    body = re.sub(r"(?<![\]\\])\[([^\[\]\n]+)\]\[\]", lambda m: m.group(1), body)
    body = count("'@' escaped as '\\@' (not citations)", _AT, body, r"\\@")
    while "\x00" in body:  # set-aside text may hold set-aside code
        body = re.sub("\x00(\\d+)\x00", lambda m: codes[int(m.group(1))], body)
    return "\n" + re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"


def _is_absolute(url: str) -> bool:
    return bool(urlparse(url).scheme) or url.startswith(("#", "//"))


def _admonition(match: re.Match[str]) -> str:
    _, kind, title, block = match.groups()
    lines = [
        line[4:] if line.startswith("    ") else line.lstrip("\t") for line in block.split("\n")
    ]
    head = f"> **{title or kind.title()}**\n>\n"
    return head + "\n".join(f"> {line}".rstrip() for line in lines).rstrip("> \n") + "\n\n"


def _page_of_path(path: str, lookup: dict[str, Page]) -> Page | None:
    path = unquote(path)
    if not path:
        return None
    stem = PurePosixPath(path.rstrip("/")).name
    stem = re.sub(r"\.(md|markdown|html?)$", "", stem)
    found = _resolve(stem, lookup)
    if found is None and path.rstrip("/").endswith(("/index", "/index.md", "/_index.md")):
        found = _resolve(PurePosixPath(path.rstrip("/")).parent.name, lookup)
    return found


def _image(
    page: Page,
    url: str,
    alt: str,
    source: Path,
    site: Path,
    manuscript: Path,
    report: Report,
    title: str = "",
) -> str:
    if urlparse(url).scheme or url.startswith("//"):
        return f"![{alt}]({url}{title})"
    path = unquote(urlparse(url).path)
    candidates = (
        [site / path.lstrip("/"), site / "static" / path.lstrip("/")]
        if path.startswith("/")
        else [page.path.parent / path, source / path]
    )
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        report.missing_images.append(f"{page.slug}: {url}")
        return alt
    name = f"figures/{found.name}"
    target = manuscript / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(found, target)
        report.images += 1
    return f"![{alt}]({name}{title})"


# --- values -------------------------------------------------------------------------------


def _first(meta: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((meta[k] for k in keys if meta.get(k) not in (None, "", [])), None)


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value)


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _texts(value: Any) -> list[str]:
    if isinstance(value, str) and "," in value and "\n" not in value:
        return [v.strip() for v in value.split(",") if v.strip()]
    return [_text(v).strip() for v in _items(value) if _text(v).strip()]


def _resolve(name: str, lookup: dict[str, Page]) -> Page | None:
    return lookup.get(_norm(name)) or lookup.get(slugify(name) or "\x00")


def _norm(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).casefold()


def _same(a: str, b: str) -> bool:
    return _norm(a) == _norm(b)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [i for i in items if not (_norm(i) in seen or seen.add(_norm(i)))]  # type: ignore[func-returns-value]


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
