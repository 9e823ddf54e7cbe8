"""Whether a function of WeasyPrint (or tinyhtml5) is the very one a patch was written for.

The patches that stand in for a function whose code they follow line by line (``fontsetup``,
``computed``, ``backgrounds``, ``parsing``) install themselves only over that code: each
keeps a digest of the source it knows, and leaves any other version as it is.
"""

from __future__ import annotations

import hashlib
import inspect
from typing import Any


def same_source(function: Any, digest: str) -> bool:
    """Whether ``function``'s source has ``digest`` (the first 16 hexadecimal digits of its
    SHA-256); False when its source differs or cannot be read."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):  # no source to read
        return False
    return hashlib.sha256(source.encode()).hexdigest()[:16] == digest
