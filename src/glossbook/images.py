"""Checking a book's image files before anything is built from them.

Every edition embeds the book's images, and the EPUB must hold only what its readers can
show: raster images a reading system decodes (JPEG, PNG, GIF, WebP) and SVG that is
static and self-contained. ``check_image(path)`` says what is wrong with one file, or
``None`` when it is fine:

- raster images are decoded whole with Pillow (a truncated or corrupt file fails here,
  not as a log line in the middle of the PDF), and their bytes must be the format their
  name says (PNG bytes named ``.jpg`` get the wrong media type in the EPUB);
- SVG is parsed with lxml (no network, no entity expansion) and refused when it is not
  SVG, runs script (``<script>``, ``on…`` event attributes, ``javascript:`` links), or
  refers to anything outside itself (``http:``, ``file:``, another file): such a picture
  differs between editions and breaks the EPUB's rules.

Results are kept per file (path, size, modification time), so a preview rebuild or an
image used by many entries is checked once.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

RASTER = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP"}
SVG_SUFFIX = ".svg"
SUFFIXES = (*RASTER, SVG_SUFFIX)
SVG_NS = "http://www.w3.org/2000/svg"
_URL_IN_CSS = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]+)", re.I)
_IMPORT_IN_CSS = re.compile(r"@import", re.I)
_PILLOW = threading.Lock()  # guards Pillow's module-wide LOAD_TRUNCATED_IMAGES switch


def check_image(path: Path) -> str | None:
    """What is wrong with the image file at ``path`` (a sentence), or None if it is usable."""
    try:
        stat = path.stat()
    except OSError as error:
        return f"it cannot be read ({error.strerror or error})"
    return _check(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=4096)
def _check(name: str, size: int, mtime: int) -> str | None:
    path = Path(name)
    suffix = path.suffix.lower()
    if suffix == SVG_SUFFIX:
        return _check_svg(path)
    if suffix in RASTER:
        return _check_raster(path, RASTER[suffix])
    return (
        f"'{path.suffix or path.name}' is not an image format every edition can show "
        "(JPEG, PNG, GIF, WebP or SVG)"
    )


def _check_raster(path: Path, expected: str) -> str | None:
    from PIL import Image, ImageFile, UnidentifiedImageError

    try:
        with _PILLOW:
            # WeasyPrint lets Pillow accept truncated files; a check must not.
            tolerant, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
            try:
                with Image.open(path) as image:
                    found = image.format
                    image.load()  # decodes every pixel: a truncated file fails here
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = tolerant
    except UnidentifiedImageError:
        return "it is not an image Pillow can read (the file is damaged, or not an image)"
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        return f"it is damaged: {error}"
    except Image.DecompressionBombError:
        return "it is far too large (a decompression bomb?)"
    if found != expected:
        return f"its bytes are {found or 'unknown'}, but its name says {expected}"
    return None


def _check_svg(path: Path) -> str | None:
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        tree = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as error:
        return f"it is not well-formed SVG: {error.msg} (line {error.lineno})"
    except OSError as error:
        return f"it cannot be read ({error})"
    root = tree.getroot()
    if root.tag != f"{{{SVG_NS}}}svg":
        return (
            "it is not an SVG document (its root element must be <svg> in the "
            f'namespace "{SVG_NS}")'
        )
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        return "it declares XML entities; remove the DOCTYPE"
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments, processing instructions
        local = etree.QName(element).localname
        where = f"line {element.sourceline}"
        if local == "script":
            return f"it contains a script (<script> at {where}); an image must not run code"
        if local == "style" and element.text:
            reason = _css_reference(element.text)
            if reason:
                return f"its <style> at {where} {reason}"
        for attribute, value in element.attrib.items():
            name = etree.QName(attribute).localname.lower()
            if name.startswith("on"):
                return f"it has an event handler ('{name}' at {where}); an image must not run code"
            if name in ("href", "src") and not _internal(value):
                return (
                    f"it refers to '{value}' ({name} at {where}), outside itself; "
                    "embed what it shows, or link only to its own '#ids'"
                )
            if name == "style":
                reason = _css_reference(value)
                if reason:
                    return f"its style at {where} {reason}"
    return None


def _internal(value: str) -> bool:
    value = value.strip()
    return value.startswith("#") or value.lower().startswith("data:image/")


def _css_reference(css: str) -> str | None:
    if _IMPORT_IN_CSS.search(css):
        return "imports another stylesheet; an image must be self-contained"
    for match in _URL_IN_CSS.finditer(css):
        if not _internal(match.group(1)):
            return f"refers to '{match.group(1)}', outside itself"
    return None
