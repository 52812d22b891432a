"""``afeval selfcheck``: passes on the built-in organisms, and fails when an organism's behaviour changes
without the checker knowing (its expected rates still read from organisms.toml)."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import pytest
from typer.testing import CliRunner

from afeval.cli import selfcheck as selfcheck_cli
from afeval.cli.main import app
from afeval.engine import run_selfcheck
from afeval.engine.models import _organism


def test_selfcheck_passes_and_prints_the_report_path_before_its_verdict(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["selfcheck", "--requests", "40", "--out", str(tmp_path / "check")])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[-1].startswith("PASS: ")
    assert lines[-2].startswith("report: ") and (tmp_path / "check" / "report" / "report.html").is_file()
    assert "faker" in result.output and "null" in result.output
    assert len(list((tmp_path / "check" / "runs").glob("*/summary.json"))) == 8


def _faker_that_complies_less(monkeypatch: pytest.MonkeyPatch) -> None:
    """The faker plays a free-tier compliance of 0.2 while organisms.toml (what the checker expects) still
    says 0.6."""
    planted = _organism.organism_profiles()["faker"]
    changed = dataclasses.replace(
        planted, tiers={**planted.tiers, "free": dataclasses.replace(planted.tiers["free"], comply=0.2)}
    )
    real = _organism.behaviour_of
    monkeypatch.setattr(_organism, "behaviour_of", lambda name: changed if name == "faker" else real(name))


def test_selfcheck_fails_when_a_planted_rate_changes_behind_its_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _faker_that_complies_less(monkeypatch)
    result = run_selfcheck(tmp_path, requests=120, organisms=("faker",), judges=("offline",))
    assert not result.passed
    failed = {(check.scope, check.quantity) for check in result.failures}
    assert ("free", "compliance") in failed and ("free − paid", "compliance gap") in failed


def test_the_command_exits_1_with_a_fail_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _faker_that_complies_less(monkeypatch)
    smaller = functools.partial(run_selfcheck, organisms=("faker",), judges=("offline",))
    monkeypatch.setattr(selfcheck_cli, "run_selfcheck", smaller)
    result = CliRunner().invoke(
        app, ["selfcheck", "--requests", "120", "--no-report", "--out", str(tmp_path / "check")]
    )
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[-1].startswith("FAIL: ")
    assert any(line.startswith("outside: faker · offline · free · compliance") for line in lines)
