"""The ``afeval`` application: every command is registered and answers ``--help``, from the installed script's
entry point and from ``python -m afeval.cli``."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from afeval.cli import app

COMMANDS = ["run", "sweep", "report", "rescore", "selfcheck", "judges", "finetune", "prompts"]


def command_paths(group: TyperGroup, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, TyperGroup):
            yield from command_paths(command, (*prefix, name))


ALL_COMMANDS = sorted(command_paths(typer.main.get_group(app)))


def test_commands_in_order() -> None:
    assert list(typer.main.get_group(app).commands) == COMMANDS
    assert {("judges", "validate"), ("judges", "score")} <= set(ALL_COMMANDS)


@pytest.mark.parametrize("path", [(), *ALL_COMMANDS], ids=lambda path: " ".join(path) or "afeval")
def test_help_exits_0(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_the_script_entry_point_is_the_app() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    module, _, name = pyproject["project"]["scripts"]["afeval"].partition(":")
    assert getattr(importlib.import_module(module), name) is app


def test_python_dash_m() -> None:
    env = {**os.environ, "COLUMNS": "120"}
    result = subprocess.run(
        [sys.executable, "-m", "afeval.cli", "--help"], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Usage: python -m afeval.cli [OPTIONS] COMMAND [ARGS]..." in result.stdout
