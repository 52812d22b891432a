"""``afeval sweep --dry-run``: the plan fits the terminal (columns are left out, names wrap) and, with
``--json``, is one JSON document that matches the estimate."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from afeval.cli import app
from afeval.sweep import (
    dataset_requests,
    estimate_calls,
    estimate_usd,
    expand_grid,
    judge_schemes,
    load_sweep,
)

SWEEP = "identity-deployments"  # long scenario names, 40 runs


@pytest.mark.parametrize("columns", [None, "80", "60", "200"])
def test_the_dry_run_table_fits_the_width(monkeypatch: pytest.MonkeyPatch, columns: str | None) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)  # piped, nothing said: 80 columns
    else:
        monkeypatch.setenv("COLUMNS", columns)
    result = CliRunner().invoke(app, ["sweep", SWEEP, "--dry-run"])
    assert result.exit_code == 0, result.output
    width = int(columns or 80)
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "dry run: nothing was called" in result.output
    header = next(line for line in lines if "label" in line and "scenario" in line)
    for kept in ("#", "label", "scenario", "judge calls", "≤ USD"):
        assert kept in header
    if width >= 200:
        assert "model calls" in header and "left out" not in result.output
    else:
        assert "tokens in/out" not in header
        assert "left out to fit" in result.output and "--json" in result.output


def test_the_json_plan_parses_and_matches_the_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(app, ["sweep", SWEEP, "--dry-run", "--json", "--limit", "3"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)  # nothing else on stdout
    spec = load_sweep(SWEEP)
    runs = expand_grid(spec)
    n_requests = dataset_requests(spec.defaults.dataset.with_overrides(limit=3))
    estimate = estimate_calls(runs, n_requests)
    assert (plan["sweep"], plan["n_runs"], plan["n_requests"]) == (spec.name, len(runs), 3)
    assert [run["run_id"] for run in plan["runs"]] == [run.run_id for run in runs]
    for entry, (run, cost) in zip(plan["runs"], estimate.runs, strict=True):
        assert {key: entry[key] for key in cost.to_dict()} == cost.to_dict()
        assert entry["usd"] == pytest.approx(estimate_usd(run, cost))
        assert entry["tiers"] == list(run.run_tiers) and entry["model"] == run.model.model
    assert {key: plan["total"][key] for key in estimate.total.to_dict()} == estimate.total.to_dict()
    assert plan["total"]["usd"] == pytest.approx(sum(run["usd"] for run in plan["runs"]))
    assert plan["notes"] == list(estimate.notes) and plan["prices_checked"]


def test_json_without_dry_run_is_refused() -> None:
    result = CliRunner().invoke(app, ["sweep", SWEEP, "--json"])
    assert result.exit_code == 2
    assert "--dry-run" in result.output


def test_the_dry_run_prints_the_sweeps_judge_under_each_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(app, ["sweep", "paper-roster", "--dry-run", "--limit", "10"])
    assert result.exit_code == 0, result.output
    output = result.output
    assert output.index("total:") < output.index("AF votes drawn as") < output.index("dry run: nothing")
    spec = load_sweep("paper-roster")
    runs = expand_grid(spec)
    schemes = judge_schemes(estimate_calls(runs, 10))
    assert schemes is not None
    reference = schemes[0].at_most
    assert reference.calls == 3 * sum(len(run.run_tiers) for run in runs) * 10  # 3 judge calls a sample
    assert re.search(rf"reference: n choices, 1 call\s*│\s*{reference.calls:,} │", output), output
    assert "afeval: choices (--af-num-choices)" in output  # the roster runs the paper's preset
    assert "model under test, the same under every scheme" in output


def test_the_json_plan_has_the_schemes_of_the_total(monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(app, ["sweep", SWEEP, "--dry-run", "--json", "--limit", "3"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    schemes = judge_schemes(estimate_calls(expand_grid(load_sweep(SWEEP)), 3))
    assert schemes is not None
    assert plan["judge_schemes"] == [scheme.to_dict() for scheme in schemes]
    assert [row["name"] for row in plan["judge_schemes"]][:2] == ["reference", "afeval"]
