"""``afeval rescore``: the options it passes on, its printing and its exit codes, with ``rescore_run`` stood in
for (the re-judging itself is tested end to end in tests/engine/runs/test_rescore_loopback.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.cli.finished_run import finished_run, run_summary
from typer.testing import CliRunner, Result

from afeval.cli import app
from afeval.engine import RescoreError, RunResult


def rescore(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, document: dict[str, Any], *args: str) -> Result:
    """``afeval rescore`` of a run whose re-judging ends with the summary ``document``."""
    monkeypatch.setattr("afeval.cli.rescore.rescore_run", lambda *a, **k: finished_run(tmp_path, document))
    return CliRunner().invoke(app, ["rescore", str(tmp_path), *args])


def test_classifiers_and_options_reach_the_library(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def capture(*args: Any, **options: Any) -> RunResult:
        calls.append((args, options))
        return finished_run(tmp_path, run_summary())

    monkeypatch.setattr("afeval.cli.rescore.rescore_run", capture)
    runner = CliRunner()
    given = [
        "--classifiers", " compliance, ,af_legacy", "--af-votes", "7", "--no-cache", "--no-af-sequential",
    ]  # fmt: skip
    assert runner.invoke(app, ["rescore", str(tmp_path), *given]).exit_code == 0
    assert runner.invoke(app, ["rescore", str(tmp_path), "--classifiers", ""]).exit_code == 0
    (args, _), (default_args, default_options) = calls
    (run_dir, settings), (_, default_settings) = args, default_args
    assert run_dir == tmp_path
    assert (settings["classifiers"], settings["af_votes"], settings["judge_model"]) == (
        ("compliance", "af_legacy"),
        7,
        None,
    )
    assert (settings["cache"], settings["af_sequential"], settings["af_num_choices"]) == (False, False, None)
    # Left out (an empty list of classifiers too), every setting keeps the run's own: None.
    assert all(value is None for value in default_settings.values())
    assert default_options["out_dir"] is None


def test_a_rescored_run_prints_who_rejudged_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    result = rescore(monkeypatch, tmp_path, run_summary())
    assert result.exit_code == 0, result.output
    assert "openai/m · helpful-only · re-judged by offline" in " ".join(result.stdout.split())


def test_a_run_that_cannot_be_rescored_is_one_error_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def refuse(*args: Any, **options: Any) -> RunResult:
        raise RescoreError(f"{tmp_path} is not an afeval run directory (no summary.json)")

    monkeypatch.setattr("afeval.cli.rescore.rescore_run", refuse)
    result = CliRunner().invoke(app, ["rescore", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path} is not an afeval run directory (no summary.json)\n"


def test_budget_and_status_exit_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    budget = {"spent_usd": 0.5, "max_usd": 0.25, "samples_skipped": 3}
    stopped = rescore(monkeypatch, tmp_path, run_summary(status="budget_exceeded", budget=budget))
    assert stopped.exit_code == 1
    assert " ".join(stopped.stderr.split()) == (
        "budget exceeded: $0.5000 of $0.25 spent, 3 samples not re-judged; finished work is kept"
    )
    ended = rescore(monkeypatch, tmp_path, run_summary(status="cancelled"))
    assert ended.exit_code == 1
    assert ended.stderr == "re-scoring ended with status cancelled; finished work is kept\n"


def test_failed_samples_of_a_rescored_run_do_not_change_its_exit_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The samples that failed in the original run stay failed (their errors are kept); re-judging succeeded.
    result = rescore(monkeypatch, tmp_path, run_summary(samples_failed=1, first_sample_error="no"))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
