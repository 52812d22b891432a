"""A user's error on the command line: exit code 2 and one line, ``error: ...`` (shared by the command tests)."""

from __future__ import annotations

from typer.testing import CliRunner

from afeval.cli import app


def invoke(args: list[str]) -> list[str]:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    return [line for line in result.output.splitlines() if line.strip()]


def assert_one_line(lines: list[str], *fragments: str) -> None:
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: "), lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
