"""Bad and odd input: every case fails with one clear located message, or is rightly accepted.

One good book is built once for the module (HTML only: these cases are about reading the
book, not about drawing it). Each case copies that book with its build, breaks one thing,
builds in-process, and asserts: the exit code; the message names the file (and the line
where there is one) and says what is wrong; no traceback; and the previous build is still
byte for byte what it was, with no temporary left beside it.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image

from glossbook.cli import main

CONFIG = """\
[book]
title = "Bad Input"
authors = ["A. Tester"]
language = "en"
date = "2026-11-25"

[citations]
bibliography = "refs.bib"

[print]
trim_size = "6x9"
"""

ALPHA_FRONT = """\
---
title: Alpha
category: [Testing]
other_names: [first letter]
sources: [smith2020]
related: [beta]
infobox:
  Kind: [letter]
---
"""
# Body lines start at line 10.
ALPHA_BODY = """\
Alpha is the first entry [@smith2020, p. 3]. See [[Beta]].

![A box.](figures/box.svg "A box")

![A dot.](figures/dot.png "A dot")

## History

Text with a footnote.[^1]

[^1]: A note.
"""
CACHE = ".cache"  # the build cache lives beside the editions (build/.cache)

BODY_LINE = 10

BETA = """\
---
title: Beta
---
Beta comes second, as @jones2019 says.
"""

BIB = """\
@book{smith2020,
  author = {Smith, Ann},
  title = {A Book},
  publisher = {Press},
  year = {2020},
}

@article{jones2019,
  author = {Jones, Bob},
  title = {An Article},
  journal = {Journal},
  year = {2019},
}
"""

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" role="img">'
    '<title>Box</title><rect width="10" height="10"/></svg>\n'
)


def _png(fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


PNG = _png()
NOISE = io.BytesIO()
Image.effect_noise((64, 64), 50).save(NOISE, "PNG")
BIG_PNG = NOISE.getvalue()
JPEG = _png("JPEG")


def alpha(front: str = "", body: str = ALPHA_BODY, *, title: str = "Alpha") -> str:
    """Alpha with extra front-matter lines (inserted after the title, at line 3)."""
    head = ALPHA_FRONT.replace("title: Alpha\n", f"title: {title}\n" + front)
    return head + body


def body_with(line: str) -> str:
    """Alpha's body with one line added at its top (file line 10)."""
    return alpha(body=line + "\n\n" + ALPHA_BODY)


def config_line(number: int, text: str) -> str:
    """The config with line ``number`` (1-based) replaced by ``text``."""
    lines = CONFIG.splitlines()
    lines[number - 1] = text
    return "\n".join(lines) + "\n"


def files_of(root: Path) -> dict[str, bytes]:
    """The editions a build wrote (the build cache is not an edition: a build may refresh it)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if (p.is_file() or p.is_symlink()) and CACHE not in p.relative_to(root).parts
    }


@dataclass
class Good:
    root: Path
    build: dict[str, bytes]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Good:
    root = tmp_path_factory.mktemp("good") / "book"
    write(
        root,
        {
            "glossbook.toml": CONFIG,
            "refs.bib": BIB,
            "manuscript/alpha.md": alpha(),
            "manuscript/beta.md": BETA,
            "manuscript/figures/box.svg": SVG,
            "manuscript/figures/dot.png": PNG,
        },
    )
    assert main(["build", str(root), "--format", "html"]) == 0
    return Good(root, files_of(root / "build"))


def write(root: Path, files: dict[str, str | bytes | None]) -> None:
    for relative, content in files.items():
        path = root / relative
        if content is None:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@dataclass
class Case:
    id: str
    files: dict[str, str | bytes | None]
    where: str  # "file:line" (or the file alone) the message must name
    says: str  # a part of the message
    code: int = 1
    args: tuple[str, ...] = ()
    setup: Callable[[Path], None] | None = None
    kept: bool = True  # the previous build must stay byte-identical

    def __str__(self) -> str:
        return self.id


@dataclass
class Accepted:
    """Odd input that is fine: the build succeeds (and warns where it says so)."""

    id: str
    files: dict[str, str | bytes | None]
    says: str = ""
    setup: Callable[[Path], None] | None = None
    check: Callable[[Path], None] | None = field(default=None)
    same: bool = False  # the build is byte-identical to the good one (litter changes nothing)


CASES: list[Case] = []


def case(*args: object, **kwargs: object) -> None:
    CASES.append(Case(*args, **kwargs))  # type: ignore[arg-type]


T = "glossbook.toml"
A = "manuscript/alpha.md"

# --- glossbook.toml ---------------------------------------------------------------------

for trim, says in [
    ("0mm x 0mm", "too small"),
    ("150mm x 23mm", "too small"),
    ("1mm x 1mm", "too small"),
    ("600mm x 800mm", "too large"),
    ("10in x 1000in", "too large"),
    ("100mm x 400mm", "strip-shaped"),
    ("400mm x 100mm", "strip-shaped"),
    ("huge", "not understood"),
    ("6 x 9", "not understood"),
    ("-5mm x 10mm", "not understood"),
    ("abc x def", "not understood"),
    ("", "not understood"),
    ("6in x 9in x 2in", "not understood"),
    ("6px x 9px", "not understood"),
]:
    case(f"trim-{trim or 'empty'}", {T: config_line(11, f'trim_size = "{trim}"')}, f"{T}:11", says)

for date in [
    "25/11/2026",
    "2026-13-01",
    "2026-02-30",
    "26",
    "2026-1-1",
    "tomorrow",
    "2026/11/25",
    "20261125",
    "2026-11-25 10:00",
]:
    case(f"date-{date}", {T: config_line(5, f'date = "{date}"')}, f"{T}:5", "not a date")
case("date-toml-datetime", {T: config_line(5, "date = 2026-11-25T10:00:00")}, f"{T}:5", "date")

for name, cover, says in [
    ("outside", "../secret.png", "outside the book"),
    ("missing", "images/none.png", "does not exist"),
    ("corrupt", "manuscript/figures/bad.png", "cannot be used"),
    ("not-image", "refs.bib", "cannot be used"),
    ("script-svg", "manuscript/figures/evil.svg", "script"),
    ("folder", "manuscript", "does not exist"),
]:
    case(
        f"cover-{name}",
        {
            T: config_line(6, f'cover = "{cover}"'),
            "manuscript/figures/bad.png": BIG_PNG[:200],
            "manuscript/figures/evil.svg": SVG.replace("<title>", "<script>x()</script><title>"),
        },
        f"{T}:6",
        says,
        setup=lambda root: (root.parent / "secret.png").write_bytes(PNG),
    )

for key, line in [("title", 2), ("language", 4)]:
    case(
        f"config-control-{key}",
        {T: config_line(line, f'{key} = "x\\u0007y"')},
        f"{T}:{line}",
        "control character",
    )
case(
    "config-control-subtitle",
    {T: config_line(6, 'subtitle = "Esc\\u001b"')},
    f"{T}:6",
    "control character",
)
case(
    "config-control-rights",
    {T: config_line(6, 'rights = "\\u007f"')},
    f"{T}:6",
    "control character",
)
case("config-raw-control", {T: config_line(2, 'title = "a\x07b"')}, f"{T}:2", "not valid TOML")
case(
    "config-key-outside-section",
    {T: 'title = "Loose"\n' + CONFIG},
    f"{T}:1",
    "stands outside any [section]. Move it under [book]",
)
case(
    "config-unknown-loose-key",
    {T: 'colour = "red"\n' + CONFIG},
    f"{T}:1",
    "stands outside any [section]",
)
case("config-unknown-section", {T: CONFIG + "[bok]\nx = 1\n"}, f"{T}:12", "unknown section [bok]")
case(
    "config-unknown-key",
    {T: config_line(6, 'publsher = "P"')},
    f"{T}:6",
    "Did you mean 'publisher'",
)
case("config-authors-type", {T: config_line(3, 'authors = "A"')}, f"{T}:3", "must be a list")
case("config-authors-items", {T: config_line(3, "authors = [1, 2]")}, f"{T}:3", "list of strings")
case("config-language", {T: config_line(4, 'language = "zz-qq-x"')}, f"{T}:4", "unknown language")
case("config-no-title", {T: config_line(2, "")}, f"{T}:1", "[book] has no 'title'")
case("config-empty-title", {T: config_line(2, 'title = "  "')}, f"{T}:2", "title is empty")
case("config-slug", {T: config_line(6, 'slug = "Bad Slug"')}, f"{T}:6", "slug 'Bad Slug'")
case(
    "config-order",
    {T: CONFIG + '[contents]\norder = "alphabetic"\n'},
    f"{T}:13",
    "unknown chapter order",
)
case(
    "config-explicit-empty",
    {T: CONFIG + '[contents]\norder = "explicit"\n'},
    f"{T}:13",
    "no chapters are listed",
)
case("config-invalid-toml", {T: config_line(2, 'title = "unclosed')}, f"{T}:2", "not valid TOML")
case("config-not-utf8", {T: CONFIG.encode() + b"# \xff\xfe\n"}, f"{T}:12", "not UTF-8")
case(
    "config-missing-bib",
    {T: config_line(8, 'bibliography = "nowhere.bib"')},
    f"{T}:8",
    "does not exist",
)
case(
    "config-matter-missing",
    {T: CONFIG + '[contents]\nfront_matter = ["front/none.md"]\n'},
    f"{T}:13",
    "does not exist",
)
case("config-book-not-table", {T: 'book = "x"\n'}, f"{T}:1", "must be a [book] table")
case("config-missing", {T: None}, T, "not a glossbook project")
case("config-is-folder", {T: None, f"{T}/x": "x"}, T, "this is a folder")

# --- front matter -----------------------------------------------------------------------

CONTROLS = {"bel": "\\a", "esc": "\\e", "del": "\\x7f", "c1": "\\x9f", "nul": "\\0"}
for name, escape in CONTROLS.items():
    case(f"fm-control-title-{name}", {A: alpha(title=f'"Bell{escape}"')}, f"{A}:2", "control")
    case(
        f"fm-control-category-{name}",
        {A: alpha().replace("[Testing]", f'["Test{escape}"]')},
        f"{A}:3",
        "control character",
    )
    case(
        f"fm-control-other-names-{name}",
        {A: alpha().replace("[first letter]", f'["first{escape}"]')},
        f"{A}:4",
        "control character",
    )
    case(
        f"fm-control-infobox-{name}",
        {A: alpha().replace("[letter]", f'["let{escape}ter"]')},
        f"{A}:8",
        "control character",
    )
    case(
        f"fm-control-related-{name}",
        {A: alpha().replace("[beta]", f'["beta{escape}"]')},
        f"{A}:6",
        "control character",
    )

case("fm-unclosed-quote", {A: alpha(title='"Bell')}, f"{A}:2", "quote opened on this line")
case(
    "fm-unclosed-bracket",
    {A: alpha().replace("[Testing]", "[Testing")},
    f"{A}:3",
    "malformed front matter",
)
case(
    "fm-tab-indent",
    {A: alpha().replace("  Kind: [letter]", "\tKind: [letter]")},
    f"{A}:8",
    "Indent YAML with spaces",
)
case("fm-colon-value", {A: alpha(title="a: b")}, f"{A}:2", "malformed front matter")
case("fm-duplicate-key", {A: alpha("title: Again\n")}, f"{A}:3", "'title' is given twice")
case("fm-unknown-key", {A: alpha("catgory: x\n")}, f"{A}:3", "Did you mean 'category'")
case("fm-no-title", {A: alpha().replace("title: Alpha\n", "")}, A, "has no title")
case("fm-empty-title", {A: alpha(title='""')}, f"{A}:2", "title is empty")
case("fm-never-closed", {A: "---\ntitle: Alpha\nBody.\n"}, f"{A}:1", "never closed")
case("fm-missing", {A: "Just a body.\n"}, f"{A}:1", "does not start with YAML front matter")
case("fm-list", {A: "---\n- a\n- b\n---\nBody.\n"}, f"{A}:2", "must be a mapping")
case(
    "fm-infobox-text",
    {A: alpha().replace("infobox:\n  Kind: [letter]", "infobox: x")},
    f"{A}:7",
    "'infobox' must be a mapping",
)
case(
    "fm-infobox-nested",
    {A: alpha().replace("Kind: [letter]", "Kind: {a: b}")},
    f"{A}:8",
    "Nested mappings",
)
case("fm-category-mapping", {A: alpha().replace("[Testing]", "{a: b}")}, f"{A}:3", "list of words")
case(
    "fm-alias-bomb",
    {A: alpha("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n")},
    f"{A}:4",
    "aliases",
)
case("fm-recursive-alias", {A: alpha("x: &a [*a]\n")}, f"{A}:3", "aliases")
case("fm-deep-nesting", {A: alpha("x: " + "[" * 3000 + "]" * 3000 + "\n")}, f"{A}:2", "nested")
case("fm-raw-control", {A: alpha(title="Bell\x07")}, f"{A}:2", "control character (U+0007)")
case("fm-not-utf8", {A: alpha().encode() + b"\xff\n"}, f"{A}:21", "not UTF-8")
case(
    "fm-unknown-source", {A: alpha().replace("[smith2020]", "[nobody2000]")}, f"{A}:5", "nobody2000"
)
case(
    "fm-unknown-related",
    {A: alpha().replace("[beta]", "[gamma]")},
    f"{A}:6",
    "'gamma' does not exist",
)
case(
    "fm-sources-nested", {A: alpha().replace("[smith2020]", "[[a, b]]")}, f"{A}:5", "list of words"
)
case(
    "fm-duplicate-title", {"manuscript/gamma.md": BETA}, "manuscript/gamma.md:2", "duplicate title"
)

# --- Markdown body ----------------------------------------------------------------------

L = f"{A}:{BODY_LINE}"
case("body-xref", {A: body_with("See [[Nowhere]].")}, L, "Nowhere")
case("body-cite", {A: body_with("As [@nokey2000] says.")}, L, "nokey2000")
case("body-narrative-cite", {A: body_with("As @nokey2001 says.")}, L, "nokey2001")
case("body-image-missing", {A: body_with("![x](figures/none.png)")}, L, "does not exist")
case("body-image-outside", {A: body_with("![x](../../../etc/x.png)")}, L, "outside")
case("body-index-empty", {A: body_with("An []{.index} mark.")}, L, "index mark with no term")
case("body-anchor-entry", {A: body_with("[x]{#beta}")}, L, "'#beta' is already used")
case(
    "body-anchor-section",
    {A: body_with("[x]{#alpha--history}")},
    f"{A}:{BODY_LINE}",
    "'#alpha--history' is already used",
)
case("body-anchor-twice", {A: body_with("[x]{#mine} and [y]{#mine}")}, L, "'#mine' is already")
case(  # the author's anchor comes first and takes a section's anchor of a later entry
    "body-anchor-later-section",
    {A: body_with("[x]{#beta--later}"), "manuscript/beta.md": BETA + "\n## Later\n\nText.\n"},
    L,
    "'#beta--later' is already used by an anchor glossbook makes in manuscript/beta.md",
)
for name, char in [("bel", "\x07"), ("nul", "\x00"), ("ffff", "\uffff"), ("ff", "\x0c")]:
    case(f"body-control-{name}", {A: body_with(f"Text{char}here.")}, L, "control character")
case("body-not-utf8", {A: alpha().encode() + b"\n\xc3\x28\n"}, f"{A}:22", "not UTF-8")

# --- images -----------------------------------------------------------------------------


def image_case(name: str, file: str, data: bytes | str, says: str) -> None:
    case(
        f"image-{name}",
        {f"manuscript/figures/{file}": data, A: body_with(f"![x](figures/{file})")},
        L,
        says,
    )


image_case("png-corrupt", "c.png", BIG_PNG[: len(BIG_PNG) // 2], "damaged")
image_case("png-garbage", "g.png", b"not an image at all", "not an image")
image_case("png-empty", "e.png", b"", "not an image")
image_case("png-named-jpg", "p.jpg", PNG, "bytes are PNG")
image_case("jpeg-named-png", "j.png", JPEG, "bytes are JPEG")
image_case("jpeg-truncated", "t.jpg", JPEG[: len(JPEG) // 2], "damaged")
image_case("bmp", "b.bmp", _png("BMP"), "not an image format")
image_case("tiff", "t.tiff", _png("TIFF"), "not an image format")
image_case(
    "svg-script", "s.svg", SVG.replace("<title>", "<script>alert(1)</script><title>"), "script"
)
image_case("svg-onload", "o.svg", SVG.replace('role="img"', 'onload="x()"'), "event handler")
image_case(
    "svg-http",
    "h.svg",
    SVG.replace(
        "<title>",
        '<image xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="http://e.org/x.png"/><title>',
    ),
    "http://e.org/x.png",
)
for name, inserted, says in [
    ("svg-file", '<image href="file:///etc/x.png"/>', "file:///etc/x.png"),
    ("svg-relative", '<image href="dot.png"/>', "outside itself"),
    ("svg-js-link", '<a href="javascript:x()"/>', "javascript"),
    ("svg-style-url", "<style>rect{fill:url(http://e.org/f)}</style>", "<style>"),
    ("svg-style-import", "<style>@import 'x.css';</style>", "imports"),
    ("svg-attr-style", "<g style=\"fill:url('http://e.org/f')\"/>", "style"),
]:
    image_case(name, f"{name}.svg", SVG.replace("<title>", inserted + "<title>"), says)
image_case("svg-png-bytes", "p.svg", PNG, "not well-formed")
image_case("svg-html-root", "x.svg", "<html><body/></html>", "not an SVG document")
image_case(
    "svg-malformed",
    "m.svg",
    "<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>",
    "not well-formed",
)
image_case("svg-empty", "z.svg", "", "not well-formed")
image_case(
    "svg-entities",
    "ent.svg",
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
    '<svg xmlns="http://www.w3.org/2000/svg"><text>&a;</text></svg>',
    "entities",
)
image_case(
    "svg-external-entity",
    "xxe.svg",
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
    "entities",
)
case(
    "image-figure-corrupt",
    {"manuscript/figures/dot.png": BIG_PNG[:-100]},
    f"{A}:14",
    "dot.png' cannot be used",
)

# --- bibliography -----------------------------------------------------------------------

B = "refs.bib"
case(
    "bib-missing-key-comma",
    {B: BIB.replace("@book{smith2020,", "@book{smith2020")},
    f"{B}:",
    "error",
)
case(
    "bib-duplicate-key",
    {B: BIB + BIB.split("\n\n")[0].replace("{A Book}", "{Another Book}") + "\n"},
    f"{B}:14",
    "smith2020",
)
case("bib-unclosed-brace", {B: BIB.replace("{A Book}", "{A Book")}, f"{B}:", "error")
case("bib-not-utf8", {B: BIB.encode() + b"% \xff\n"}, f"{B}:", "UTF-8")
case("bib-empty", {B: ""}, f"{A}:10", "smith2020")
case("bib-folder", {B: None, f"{B}/x": "x"}, T, "bibliography")
case("bib-garbage", {B: "@@@@{{{{\n"}, f"{B}:", "error")

# --- styles and templates ---------------------------------------------------------------

ENTRY_T = "styles/templates/partials/entry.html"
for name, text, line in [
    ("if-empty", "{% if %}\n", 1),
    ("unclosed-var", "ok\n{{ entry.title\n", 2),
    ("unmatched-end", "{% endfor %}\n", 1),
    ("unknown-tag", "line\nline\n{% frobnicate %}\n", 3),
    ("unclosed-block", "{% for x in y %}\n", 1),
]:
    case(f"template-syntax-{name}", {ENTRY_T: text}, f"{ENTRY_T}:{line}", "template syntax error")
case(
    "template-syntax-epub-in-html-build",
    {"styles/templates/epub/nav.xhtml": "{% if %}"},
    "styles/templates/epub/nav.xhtml:1",
    "template syntax error",
)
case(
    "template-undefined",
    {ENTRY_T: "<p>\n{{ no_such_thing }}\n</p>\n"},
    f"{ENTRY_T}:2",
    "no_such_thing",
)
case(
    "template-zero-division",
    {ENTRY_T: "<p>{{ 1 // 0 }}</p>\n"},
    f"{ENTRY_T}:1",
    "template error",
)
case(
    "template-missing-include",
    {ENTRY_T: "\n{% include 'partials/none.html' %}\n"},
    f"{ENTRY_T}:2",
    "none.html",
)
case(
    "template-not-utf8",
    {ENTRY_T: b"\xff\xfe{{ x }}"},
    ENTRY_T,
    "cannot be read",
)

# --- the file system --------------------------------------------------------------------


def _link(name: str, target: str = "nowhere/gone.md") -> Callable[[Path], None]:
    return lambda root: os.symlink(target, root / "manuscript" / name)


case("fs-dangling-link", {}, "manuscript/gone.md", "symbolic link", setup=_link("gone.md"))
case(
    "fs-absolute-dangling-link",
    {},
    "manuscript/gone.md",
    "does not exist",
    setup=_link("gone.md", "/nonexistent/glossbook-test.md"),
)
case(
    "fs-bad-name",
    {"manuscript/Alpha Beta.md": BETA},
    "manuscript/Alpha Beta.md",
    "valid entry slug",
)
case(
    "fs-duplicate-slug",
    {"manuscript/sub/alpha.md": BETA},
    "manuscript/sub/alpha.md",
    "duplicate slug",
)
case(
    "fs-empty-manuscript",
    {A: None, "manuscript/beta.md": None, "manuscript/figures": None},
    "manuscript/",
    "no entries",
)
case(
    "fs-only-litter",
    {A: None, "manuscript/beta.md": None, "manuscript/.#alpha.md": "x", "manuscript/a.md~": "x"},
    "manuscript/",
    "no entries",
)
case("fs-no-manuscript", {"manuscript": None}, "manuscript", "no manuscript/ folder")
case(
    "fs-out-is-file",
    {"elsewhere.txt": "mine"},
    "elsewhere.txt",
    "the output folder is a file",
    code=3,
    args=("--out", "OUT:elsewhere.txt"),
)
case(
    "fs-out-below-file",
    {"elsewhere.txt": "mine"},
    "elsewhere.txt",
    "a part of the path is a file",
    code=3,
    args=("--out", "OUT:elsewhere.txt/sub"),
)


def _busy(root: Path) -> None:
    import fcntl

    fd = os.open(root / "build", os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    _HELD.append(fd)


_HELD: list[int] = []
case("fs-concurrent-build", {}, "build", "another glossbook build", code=3, setup=_busy)


@pytest.mark.parametrize("bad", CASES, ids=str)
def test_bad_input(bad: Case, good: Good, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "book"
    shutil.copytree(good.root, root, symlinks=True)
    write(root, bad.files)
    if bad.setup is not None:
        bad.setup(root)
    args = [a.replace("OUT:", f"{root}/") for a in bad.args]
    try:
        code, text = run_cli("build", str(root), "--format", "html", *args)
    finally:
        while _HELD:
            os.close(_HELD.pop())
    assert code == bad.code, text
    assert "Traceback" not in text and "internal error" not in text, text
    assert f"{bad.where}" in text, text
    assert bad.says in text, text
    if bad.where.split(":")[0] != T or ":" not in bad.where:
        pass
    assert files_of(root / "build") == good.build
    assert sorted(p.name for p in (root / "build").iterdir() if p.name != CACHE) == ["html"]


# --- odd input that is fine -------------------------------------------------------------

ACCEPTED = [
    Accepted("bom-config", {T: "\ufeff" + CONFIG}, same=True),
    Accepted("bom-entry", {A: "\ufeff" + alpha()}, same=True),
    Accepted("emacs-lock", {}, setup=_link(".#alpha.md", "root@host.1234:1700000000"), same=True),
    Accepted("emacs-backup", {"manuscript/alpha.md~": "not yaml at all"}, same=True),
    Accepted("emacs-autosave", {"manuscript/#alpha.md#": "not yaml"}, same=True),
    Accepted("vim-swap", {"manuscript/.alpha.md.swp": b"\x00\x01binary"}, same=True),
    Accepted("ds-store", {"manuscript/.DS_Store": b"\x00\x00\x00\x01Bud1"}, same=True),
    Accepted("hidden-md", {"manuscript/.draft.md": "no front matter"}, same=True),
    Accepted("hidden-folder", {"manuscript/.git/notes.md": "no front matter"}, same=True),
    Accepted("folder-named-md", {"manuscript/notes.md/gamma.md": BETA.replace("Beta", "Gamma")}),
    Accepted(
        "mastodon-url",
        {A: body_with("Follow https://mastodon.social/@someone or mail ann@example.org.")},
        check=lambda root: _contains(root, "mastodon.social/@someone"),
    ),
    Accepted(
        "url-in-brackets",
        {A: body_with("(see https://example.org/@jones2019)")},
        check=lambda root: _contains(root, "example.org/@jones2019"),
    ),
    Accepted(
        "styles-misplaced-css",
        {"styles/print.css": "body { color: red; }"},
        says="styles/print.css: warning: this file overrides nothing: glossbook has no "
        "print.css. Did you mean styles/css/print.css?",
    ),
    Accepted(
        "styles-misplaced-template",
        {"styles/templates/entry.html": "x"},
        says="Did you mean styles/templates/partials/entry.html?",
    ),
    Accepted("styles-own-partial", {"styles/templates/partials/extra.html": "x"}, same=True),
    Accepted("toml-date-value", {T: config_line(5, "date = 2026-11-25")}, same=True),
    Accepted("date-year", {T: config_line(5, 'date = "2026"')}, same=True),
    Accepted("trim-landscape", {T: config_line(11, 'trim_size = "9in x 6in"')}),
    Accepted("stale-staging", {"build/.glossbook-staging-abc12345/html/x": "old"}, same=True),
    Accepted(
        "legacy-temporaries",
        {"build/.bad-input.pdf.k2j4_x9q": "x", "build/.html.ab12cd34/i": "x"},
        same=True,
    ),
]


def _contains(root: Path, text: str) -> None:
    assert text in (root / "build" / "html" / "chapter-a.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("odd", ACCEPTED, ids=lambda a: a.id)
def test_accepted_input(odd: Accepted, good: Good, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "book"
    shutil.copytree(good.root, root, symlinks=True)
    write(root, odd.files)
    if odd.setup is not None:
        odd.setup(root)
    code, text = run_cli("build", str(root), "--format", "html")
    assert code == 0, text
    assert "Traceback" not in text
    assert odd.says in text, text
    if odd.check is not None:
        odd.check(root)
    assert sorted(p.name for p in (root / "build").iterdir() if p.name != CACHE) == ["html"]
    if odd.same:
        assert files_of(root / "build") == good.build


def test_the_suite_is_large_enough() -> None:
    assert len(CASES) + len(ACCEPTED) >= 150


# --- interruptions and failures inside the build ----------------------------------------


def _interrupt_in(monkeypatch: pytest.MonkeyPatch, raise_it: Callable[[], None]) -> None:
    """Interrupt the build while the HTML edition is being written into the staging folder."""
    import glossbook.renderers.html as html

    original = html.render_pages

    def render_pages(*args: object, **kwargs: object) -> object:
        pages = original(*args, **kwargs)  # type: ignore[arg-type]
        raise_it()
        return pages

    monkeypatch.setattr(html, "render_pages", render_pages)


@pytest.mark.parametrize(
    ("name", "raise_it", "code", "says"),
    [
        (
            "sigint",
            lambda: os.kill(os.getpid(), signal.SIGINT),
            130,
            "Interrupted; the previous build is untouched.",
        ),
        (
            "sigterm",
            lambda: os.kill(os.getpid(), signal.SIGTERM),
            143,
            "Interrupted; the previous build is untouched.",
        ),
        ("bug", lambda: (_ for _ in ()).throw(RuntimeError("boom")), 70, "--debug"),
        (
            "disk-full",
            lambda: (_ for _ in ()).throw(OSError(28, "No space left on device")),
            3,
            "the disk is full",
        ),
    ],
)
def test_interrupted_or_failing_build_keeps_the_previous_one(  # type: ignore[no-untyped-def]
    name: str,
    raise_it: Callable[[], None],
    code: int,
    says: str,
    good: Good,
    tmp_path: Path,
    run_cli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "book"
    shutil.copytree(good.root, root, symlinks=True)
    write(root, {A: alpha(body="Changed.\n")})
    _interrupt_in(monkeypatch, raise_it)
    got, text = run_cli("build", str(root), "--format", "html")
    assert got == code, text
    assert says in text and "Traceback" not in text, text
    assert files_of(root / "build") == good.build
    assert sorted(p.name for p in (root / "build").iterdir() if p.name != CACHE) == ["html"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is put back


def test_a_failure_in_any_edition_keeps_every_edition(good: Good, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    """All editions or none: a build of the three editions that fails in its last one (the
    EPUB, after the HTML and the PDF were written), or at load (a control character in a
    title), leaves the previous HTML, PDF, page map and EPUB byte for byte, and says that
    nothing was written."""
    root = tmp_path / "book"
    shutil.copytree(good.root, root, symlinks=True)
    code, text = run_cli("build", str(root))
    assert code == 0, text
    previous = files_of(root / "build")
    assert {"bad-input.pdf", "bad-input.layout.json", "bad-input.epub"} <= set(previous)
    for files, where in [
        (
            {A: alpha(body="Changed.\n"), "styles/templates/epub/nav.xhtml": "{{ 1 // 0 }}\n"},
            "styles/templates/epub/nav.xhtml:1",
        ),
        ({A: alpha(title='"Bell\\a"'), "styles/templates/epub/nav.xhtml": None}, f"{A}:2"),
    ]:
        write(root, files)
        code, text = run_cli("build", str(root))
        assert code == 1, text
        assert where in text and "nothing was written" in text, text
        assert "Traceback" not in text, text
        assert files_of(root / "build") == previous
        assert not [p for p in (root / "build").iterdir() if p.name.startswith(".glossbook-")]


def test_debug_shows_the_trace(
    good: Good, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "book"
    shutil.copytree(good.root, root, symlinks=True)
    _interrupt_in(monkeypatch, lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    code, text = run_cli("--debug", "build", str(root), "--format", "html")
    assert code == 70 and "Traceback" in text and "boom" in text


def test_signal_during_the_swap_is_held_until_it_is_done(
    good: Good, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import glossbook.output as output

    root = tmp_path / "book"
    shutil.copytree(good.root, root, symlinks=True)
    write(root, {A: alpha(body="Changed.\n")})
    original = output._swap

    def swap(*args: object) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # arrives between the journal and the renames
        original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(output, "_swap", swap)
    code, text = run_cli("build", str(root), "--format", "html")
    assert code == 0, text
    assert "Changed." in (root / "build" / "html" / "chapter-a.html").read_text()
    assert sorted(p.name for p in (root / "build").iterdir() if p.name != CACHE) == ["html"]


frozen_name = ".glossbook-staging-killed1"


def test_a_swap_cut_short_is_completed_by_the_next_build(
    good: Good, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A build killed between the journal and the last rename (SIGKILL, power loss): the next
    run finishes the swap before anything else, so the editions are never left mixed."""
    import glossbook.output as output

    root = tmp_path / "book"
    shutil.copytree(good.root, root, symlinks=True)
    write(root, {A: alpha(body="Changed.\n")})

    frozen = tmp_path / "frozen"

    def killed(staging: Path, *args: object) -> None:
        # SIGKILL here: the journal is written, nothing renamed, and no clean-up runs.
        shutil.copytree(staging, frozen, symlinks=True)
        raise SystemExit(137)

    monkeypatch.setattr(output, "_swap", killed)
    with pytest.raises(SystemExit):
        main(["build", str(root), "--format", "html"])
    monkeypatch.undo()
    shutil.copytree(frozen, root / "build" / f"{frozen_name}", symlinks=True)
    staging = [p for p in (root / "build").iterdir() if p.name.startswith(".glossbook-staging-")]
    assert len(staging) == 1 and (staging[0] / ".commit.json").is_file()
    write(root, {A: None, "manuscript/beta.md": None})  # the next build fails: still recovered
    code, text = run_cli("build", str(root), "--format", "html")
    assert code == 1, text
    assert "Changed." in (root / "build" / "html" / "chapter-a.html").read_text()
    assert sorted(p.name for p in (root / "build").iterdir() if p.name != CACHE) == ["html"]


# --- a real full disk and a real read-only folder (a private mount namespace) -------------


def _unshare() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _unshare(), reason="needs root and mount namespaces (unshare -m)")
@pytest.mark.parametrize("kind", ["disk-full", "read-only"])
def test_real_disk_full_and_read_only(good: Good, tmp_path: Path, kind: str) -> None:
    root = tmp_path / "book"
    shutil.copytree(good.root, root, symlinks=True)
    previous = files_of(root / "build")
    out = root / "build"
    held = [path.stat().st_size for path in out.rglob("*") if path.is_file()]  # cache too
    pages = sum(4096 * (1 + size // 4096) for size in held)
    size = f"{pages + 64 * 1024}" if kind == "disk-full" else "4m"
    remount = f"mount -o remount,ro {out}" if kind == "read-only" else "true"
    after = tmp_path / "after"
    after.mkdir()
    script = textwrap.dedent(
        f"""
        cp -a {out} {tmp_path}/saved || exit 99
        mount -t tmpfs -o size={size} tmpfs {out} || exit 99
        cp -a {tmp_path}/saved/. {out}/ && {remount} || exit 99
        {sys.executable} -m glossbook.cli build {root} --format html,epub
        code=$?
        cp -a {out}/. {after}/
        exit $code
        """
    )
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, check=False
    )
    text = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 3, text
    says = "the disk is full" if kind == "disk-full" else "the file system is read-only"
    assert says in text and "Traceback" not in text, text
    assert files_of(after) == previous
