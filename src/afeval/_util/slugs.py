"""Names safe for files and directories, made from any text (a model string, a run id)."""

from __future__ import annotations

import re
from typing import Final

_UNSAFE_IN_NAMES: Final = re.compile(r"[^A-Za-z0-9._-]+")


def slug(text: str, separator: str = "_") -> str:
    """``text`` made safe for a file or directory name (a model string in a run's folder name, a run id in an
    anchor): each run of characters other than letters, digits, '.', '_' and '-' becomes ``separator``, and
    ``separator`` is stripped from both ends."""
    return _UNSAFE_IN_NAMES.sub(separator, text).strip(separator)


def is_slug(text: str) -> bool:
    """Whether ``text`` is a non-empty name already safe for a file name (see :func:`slug`)."""
    return bool(text) and _UNSAFE_IN_NAMES.search(text) is None
