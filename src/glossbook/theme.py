"""The theme: templates and stylesheets, from the book's ``styles/`` first, then glossbook's.

A book overrides any file of the built-in theme by putting a file at the same relative path
in its own ``styles/`` folder (``styles/templates/partials/entry.html``,
``styles/css/html.css``...), as mdBook's ``theme/`` and MkDocs' ``custom_dir`` do.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

BUILTIN = Path(__file__).parent / "styles"
BOOK_STYLES = "styles"


class Theme:
    def __init__(self, root: Path) -> None:
        self.folders = [root / BOOK_STYLES, BUILTIN]
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(f / "templates") for f in self.folders]),
            autoescape=jinja2.select_autoescape(["html", "xhtml", "xml"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def render(self, template: str, **context: object) -> str:
        return self.env.get_template(template).render(**context)

    def file(self, relative: str) -> Path:
        """The book's version of a theme file if it has one, else the built-in one."""
        for folder in self.folders:
            candidate = folder / relative
            if candidate.is_file():
                return candidate
        raise FileNotFoundError(relative)
