"""``afeval sweep``: a malformed sweep file costs one line and exit code 2, before any call to a model; a sweep
whose runs did not all finish exits 1.

The malformed files name models of the loopback fake provider (service ``badcfg``), so the fake's request
counter shows that nothing was sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from tests.cli.one_line import assert_one_line, invoke
from tests.fixtures.fake_openai import FakeServerState
from typer.testing import CliRunner

from afeval.cli import app
from afeval.engine import SweepResult, run_sweep

SERVICE = "badcfg"
SUBJECT = f"openai-api/{SERVICE}/subject"


@pytest.fixture
def server(fake_service: Callable[[str], FakeServerState]) -> FakeServerState:
    return fake_service(SERVICE)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("name = \n", "not valid TOML"),
        ('name = "x"\n[[models]]\nlabel = "m"\n', "model"),
        (f'name = "x"\n[[models]]\nmodel = "{SUBJECT}"\n[grid]\nscenarios = ["bogus"]\n', "bogus"),
    ],
)
@pytest.mark.parametrize("dry_run", [True, False])
def test_malformed_sweep_file(
    server: FakeServerState, tmp_path: Path, content: str, fragment: str, dry_run: bool
) -> None:
    path = tmp_path / "sweep.toml"
    path.write_text(content)
    args = ["sweep", str(path), "--out", str(tmp_path / "sweep-out"), "--display", "none"]
    lines = invoke([*args, "--dry-run"] if dry_run else args)
    # One message, one error (joined, so that a message wrapped at the terminal's width would count once).
    assert_one_line([" ".join(line.strip() for line in lines)], fragment)
    assert server.total() == 0


def test_a_sweep_with_runs_left_exits_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def stopped_early(*args: Any, **options: Any) -> SweepResult:
        plan = run_sweep(*args, **{**options, "dry_run": True})  # the plan, with its first run left out
        return replace(plan, dry_run=False, missing=(plan.runs[0].run_id,))

    dataset = tmp_path / "requests.jsonl"
    dataset.write_text('{"prompt": "Request 0"}\n')
    path = tmp_path / "sweep.toml"
    path.write_text(f'name = "x"\n[defaults]\ndataset = "{dataset}"\n[[models]]\nmodel = "{SUBJECT}"\n')
    monkeypatch.setattr("afeval.cli.sweep.run_sweep", stopped_early)
    result = CliRunner().invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert "sweep x · 1 runs" in result.stdout  # the plan, then the (empty) results table
    assert "no log (not run)" in result.stderr
    assert result.stderr.endswith("some runs did not finish; re-run the same command to resume them\n")
