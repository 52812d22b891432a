"""The first line of a message or of an error, as one-line reports quote them."""

from __future__ import annotations

from typing import overload


@overload
def first_line(text: str, limit: int | None = None) -> str: ...


@overload
def first_line(text: None, limit: int | None = None) -> None: ...


def first_line(text: str | None, limit: int | None = None) -> str | None:
    """The first non-blank line of ``text``, stripped ("" when there is none; None for None), cut to ``limit``
    characters when given (an ellipsis marks the cut)."""
    if text is None:
        return None
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if limit is None or len(line) <= limit else line[: limit - 1] + "…"


def error_line(exc: BaseException) -> str:
    """An exception in one line: the first line of its message, or its type's name when the message is blank."""
    return first_line(str(exc)) or type(exc).__name__
