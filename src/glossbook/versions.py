"""The versions of glossbook and of the engines it drives: what a bug report needs."""

from __future__ import annotations

import platform
from importlib import metadata

from . import __version__


def _distribution(*names: str) -> str:
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "unknown"


def versions() -> list[str]:
    """One line per component: glossbook, WeasyPrint, pandoc, ICU, Python."""
    lines = [f"glossbook {__version__}"]
    try:
        import weasyprint

        lines.append(f"WeasyPrint {weasyprint.__version__} (PDF edition)")
    except (ImportError, OSError) as error:  # OSError: Pango or another library is missing
        lines.append(f"WeasyPrint not usable: {error}")
    try:
        import pypandoc

        lines.append(
            f"pandoc {pypandoc.get_pandoc_version()} (citations; "
            f"pypandoc-binary {_distribution('pypandoc-binary', 'pypandoc')})"
        )
    except (ImportError, OSError) as error:
        lines.append(f"pandoc not usable: {error}")
    try:
        import icu

        lines.append(
            f"ICU {icu.ICU_VERSION}, Unicode {icu.UNICODE_VERSION} (collation; PyICU {icu.VERSION})"
        )
    except ImportError as error:
        lines.append(f"ICU not usable: {error}")
    lines.append(f"Python {platform.python_version()}")
    return lines
