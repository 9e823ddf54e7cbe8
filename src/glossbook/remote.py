"""Remote images (``![alt](https://…)``), by the book's ``[images] remote`` policy.

- ``download`` (default): each URL is fetched once (http and https only, with a timeout
  and a size limit) into a content-addressed cache in the book's folder, beside
  ``build/``: ``remote-images/<sha256>.<ext>`` (and ``remote-images/by-url/`` naming the
  file of each URL), so every edition embeds the file from the same path. Offline builds
  use what the cache holds and a placeholder for the rest.
- ``link``: the HTML edition shows the image from its URL; print and ebook, which cannot
  fetch it, print a placeholder "[image: alt text, URL]".
- ``error``: a remote image is an error.

The Markdown stage asks ``RemoteImages.fetch``; the HTML renderer turns the placeholders
of linked images back into ``<img>`` with ``linked_images``.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from . import __version__

POLICIES = ("download", "link", "error")
FOLDER = "remote-images"  # the cache, in the book's folder; the same path in every edition
SCHEMES = ("http", "https")
TIMEOUT = 20.0  # seconds
MAX_BYTES = 20 * 1024 * 1024

# The image formats every edition can embed, recognised by their first bytes.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)
_LINKED = re.compile(r'<span class="remote-image" data-src="([^"]*)" data-alt="([^"]*)">.*?</span>')


class RemoteError(Exception):
    """A remote image could not be fetched; the message says why."""


@dataclass
class RemoteImages:
    policy: str
    cache: Path
    offline: bool = False
    timeout: float = TIMEOUT
    max_bytes: int = MAX_BYTES

    def cached(self, url: str) -> Path | None:
        pointer = self.cache / "by-url" / _digest(url.encode())
        if not pointer.is_file():
            return None
        path = self.cache / pointer.read_text(encoding="utf-8").strip()
        return path if path.is_file() else None

    def fetch(self, url: str) -> Path:
        """The cached file of ``url``, downloading it first if needed."""
        found = self.cached(url)
        if found is not None:
            return found
        if self.offline:
            raise RemoteError("offline, and not downloaded before")
        data = _download(url, self.timeout, self.max_bytes)
        kind = image_kind(data)
        if kind is None:
            raise RemoteError("what it returned is not a PNG, JPEG, GIF, WebP or SVG image")
        name = f"{_digest(data)}.{kind}"
        _write(self.cache / name, data)
        _write(self.cache / "by-url" / _digest(url.encode()), name.encode())
        return self.cache / name


def is_remote(src: str) -> bool:
    return bool(urlparse(src).scheme) or src.startswith("//")


def placeholder(alt: str, url: str) -> str:
    """What print and ebook show for an image they cannot embed."""
    return f"[image: {alt}, {url}]" if alt else f"[image: {url}]"


def linked_images(fragment: str) -> str:
    """HTML edition: a linked remote image's placeholder becomes the image itself."""
    return _LINKED.sub(lambda m: f'<img src="{m.group(1)}" alt="{m.group(2)}" />', fragment)


def linked_placeholder(alt: str, url: str) -> str:
    quoted_url, quoted_alt = html.escape(url), html.escape(alt)
    return (
        f'<span class="remote-image" data-src="{quoted_url}" data-alt="{quoted_alt}">'
        f"{html.escape(placeholder(alt, url), quote=False)}</span>"
    )


def image_kind(data: bytes) -> str | None:
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return "svg"
    return None


def _download(url: str, timeout: float, max_bytes: int) -> bytes:
    if urlparse(url).scheme not in SCHEMES:
        raise RemoteError("only http and https addresses are fetched")
    request = urllib.request.Request(url, headers={"User-Agent": f"glossbook/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if urlparse(response.geturl()).scheme not in SCHEMES:
                raise RemoteError("it redirects to an address that is not http or https")
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise RemoteError(f"it is larger than {max_bytes // (1024 * 1024)} MB")
            data = response.read(max_bytes + 1)
    except urllib.error.HTTPError as error:
        raise RemoteError(f"the server answered {error.code} {error.reason}") from error
    except urllib.error.URLError as error:
        raise RemoteError(f"no connection ({error.reason})") from error
    except (TimeoutError, OSError) as error:
        raise RemoteError(f"no answer ({error})") from error
    if len(data) > max_bytes:
        raise RemoteError(f"it is larger than {max_bytes // (1024 * 1024)} MB")
    return data


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)
