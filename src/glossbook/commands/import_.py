"""``glossbook import PATH --from jekyll|hugo|mkdocs|obsidian|plain [--out DIR]``: turn a
folder of Markdown pages into a glossbook project (see ``importer.py``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UsageError
from ..importer import SOURCES

EXAMPLE = "glossbook import site/_glossary --from jekyll --out my-glossary"
DESCRIPTION = """\
Each page becomes an entry: front-matter keys are mapped (title, aliases, tags, related,
excerpt, ...), links between pages become [[cross-references]], template tags are
removed, and a report lists every key and link that could not be mapped (also written to
import-report.txt in the new project)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="the folder of Markdown pages to import")
    parser.add_argument(
        "--from",
        dest="source",
        required=True,
        choices=SOURCES,
        help="what wrote the pages: sets which link and template syntax is understood",
    )
    parser.add_argument(
        "--out", "-o", default=None, help="the new project's folder (default: PATH-glossbook)"
    )
    parser.add_argument("--title", default=None, help="the book's title (default: from PATH)")
    parser.add_argument(
        "--site-root",
        default=None,
        help="the site's root folder, for links and images written as /path (default: found "
        "from _config.yml, hugo.toml, config.toml or mkdocs.yml above PATH)",
    )
    _site_url_argument(parser)


def _site_url_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--site-url",
        default="",
        help="the published site's address (https://…/): links to its other pages become "
        "links there; without it they are kept as their text",
    )


def execute(args: argparse.Namespace) -> int:
    from ..console import console
    from ..importer import SourceError, import_folder

    source = Path(args.path)
    out = (
        Path(args.out)
        if args.out
        else source.resolve().parent / f"{source.resolve().name}-glossbook"
    )
    try:
        report = import_folder(
            source,
            out,
            args.source,
            title=args.title or "",
            site_root=Path(args.site_root) if args.site_root else None,
            site_url=args.site_url,
        )
    except SourceError as error:
        raise UsageError(str(error)) from error
    for line in report.lines():
        console.print(line, soft_wrap=True, markup=False)
    console.print(
        f"Wrote the project to {out}/ (this report: {out / 'import-report.txt'}). "
        f"Build it with: glossbook build {out}",
        markup=False,
    )
    return 0
