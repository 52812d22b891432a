"""Writing a file whole or not at all: a temporary file beside it, moved into place once complete."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_output(path: Path, *, private: bool) -> Iterator[Path]:
    """A temporary file beside ``path`` for the block to write; it replaces ``path`` when the block ends without
    an error and is removed when it does not, so a crash never leaves a truncated file behind.

    ``private``: the file is readable by its owner only (0600, as ``tempfile.mkstemp`` makes it); otherwise it
    gets the process's default mode, as a file newly opened for writing does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if private:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(handle)
        temporary = Path(name)
    else:
        temporary = path.with_name(f".{path.name}.tmp")
    try:
        yield temporary
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str, *, private: bool = True) -> None:
    """Write ``path`` (UTF-8) through :func:`atomic_output`: readable by its owner only unless not ``private``."""
    with atomic_output(path, private=private) as temporary:
        temporary.write_text(text, encoding="utf-8")


def atomic_write_bytes(path: Path, data: bytes, *, private: bool = True) -> None:
    """Write ``path`` through :func:`atomic_output`: readable by its owner only unless not ``private``."""
    with atomic_output(path, private=private) as temporary:
        temporary.write_bytes(data)


# ---------------------------------------------------------------------------------------------------------
