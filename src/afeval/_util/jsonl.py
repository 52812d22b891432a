"""JSONL files: one JSON object per line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from afeval._util.files import atomic_output


def json_objects(
    lines: Iterable[str],
    *,
    path: object,
    error: Callable[[str], Exception] = ValueError,
    not_json: str = "line {line} of {path} is not valid JSON",
    not_object: str = "line {line} of {path} is not a JSON object",
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSONL file's ``lines``, one a line, each with its line number (from 1); blank lines
    are skipped. A line that is not JSON, or not an object, raises ``error`` with the message ``not_json`` or
    ``not_object`` makes: format fields ``line``, ``path``, ``error`` (the decoder's error) and ``type`` (the
    value's type name).

    Where the lines end is the caller's: a text file read line by line (or its text split at ``"\\n"``) ends them
    at line breaks only, while ``str.splitlines`` also cuts at U+0085, U+2028 and the like, which a JSON string
    written with ``ensure_ascii=False`` may hold."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(not_json.format(line=number, path=path, error=exc)) from None
        if not isinstance(value, dict):
            raise error(not_object.format(line=number, path=path, type=type(value).__name__))
        yield number, value


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The objects of a JSONL file, one line at a time (blank lines skipped); a line that is not JSON, or not
    an object, raises ValueError naming it."""
    with path.open(encoding="utf-8") as handle:
        for _, value in json_objects(handle, path=path):
            yield value


@contextmanager
def jsonl_writer(path: Path) -> Iterator[Callable[[Mapping[str, Any]], None]]:
    """Write a JSONL file a row at a time, in constant memory, through :func:`atomic_output` (in the process's
    default mode)."""
    with atomic_output(path, private=False) as temporary, temporary.open("w", encoding="utf-8") as handle:

        def write(row: Mapping[str, Any]) -> None:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")

        yield write


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Write ``rows`` as a JSONL file (UTF-8, not ASCII-escaped), moved into place once complete."""
    with jsonl_writer(path) as write:
        for row in rows:
            write(row)
