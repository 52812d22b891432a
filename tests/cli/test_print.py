"""The one way a command reports a user's error: ``error: <message>`` as one line on stderr, exit code 2."""

from __future__ import annotations

import pytest
import typer

from afeval.cli._print import fail, user_errors
from afeval.datasets import DatasetError
from afeval.errors import AfevalError, ConfigError


def test_fail_prints_one_line_whatever_its_length_and_markup(capsys: pytest.CaptureFixture[str]) -> None:
    message = "[[models]] must list at least one model; " + "word " * 60
    with pytest.raises(typer.Exit) as stopped:
        fail(AfevalError(message))
    assert stopped.value.exit_code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"error: {message}\n"


@pytest.mark.parametrize(
    "error",
    [ConfigError("no key"), DatasetError("no file"), ValueError("max_tokens must be at least 1, got 0")],
)
def test_user_errors_are_caught(error: Exception, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as stopped, user_errors():
        raise error
    assert stopped.value.exit_code == 2
    assert capsys.readouterr().err == f"error: {error}\n"


def test_other_errors_pass_unless_named(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(OSError), user_errors():
        raise OSError("disk full")
    with pytest.raises(typer.Exit), user_errors(OSError):
        raise OSError("disk full")
    assert capsys.readouterr().err == "error: disk full\n"
