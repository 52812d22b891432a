"""Every sweep file shipped with afeval loads, expands, names registered Inspect providers, and passes
``afeval sweep NAME --dry-run`` (which spends nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from afeval.cli import app
from afeval.sweep import estimate_calls, expand_grid, load_sweep, packaged_sweeps
from afeval.sweep._estimate import dataset_requests

EXPERIMENT_FAMILIES = {
    "paper-roster",
    "extras",
    "three-tier",
    "five-tier",
    "never-used-never-trained",
    "identity-deployments",
    "clarifications",
    "lab-swaps",
    "base-models",
    "multi-turn",
}


def test_every_family_has_a_packaged_file() -> None:
    assert set(packaged_sweeps()) == EXPERIMENT_FAMILIES


@pytest.mark.parametrize("name", sorted(EXPERIMENT_FAMILIES))
def test_packaged_sweep_expands_with_registered_providers(name: str) -> None:
    from inspect_ai._util.registry import registry_lookup
    from inspect_ai.model._providers import providers  # noqa: F401  (registers the providers)

    spec = load_sweep(name)
    assert spec.name == name
    runs = expand_grid(spec)
    assert runs
    assert len({run.run_id for run in runs}) == len(runs)
    for model in spec.models:
        provider = model.model.split("/", 1)[0]
        assert registry_lookup("modelapi", provider) is not None, model.model
    estimate = estimate_calls(runs, dataset_requests(spec.defaults.dataset))
    assert estimate.total.model_calls > 0 and estimate.total.judge_calls > 0


@pytest.mark.parametrize("name", sorted(EXPERIMENT_FAMILIES))
def test_dry_run_of_packaged_sweep(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the default output directory is relative: nothing may appear there
    result = CliRunner().invoke(app, ["sweep", name, "--dry-run"])
    assert result.exit_code == 0, result.output
    runs = len(expand_grid(load_sweep(name)))
    assert f"{runs} runs" in result.output
    assert "dry run: nothing was called" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_bad_sweep_file_is_one_red_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[models]]\nmodel = "openai/gpt-4o"\n[grid]\nscenarios = ["four-tier"]\n')
    result = CliRunner().invoke(app, ["sweep", str(bad), "--dry-run"])
    assert result.exit_code == 2
    assert "unknown scenario part 'four-tier'" in result.output
    assert "Traceback" not in result.output


def test_a_missing_key_stops_before_any_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SWEEPNOKEY_API_KEY", raising=False)
    monkeypatch.delenv("SWEEPNOKEY_BASE_URL", raising=False)
    sweep = tmp_path / "s.toml"
    sweep.write_text(
        '[defaults]\njudge_model = "offline"\nlimit = 1\n[[models]]\nmodel = "openai-api/sweepnokey/model"\n'
    )
    result = CliRunner().invoke(
        app, ["sweep", str(sweep), "--out", str(tmp_path / "out"), "--display", "none"]
    )
    assert result.exit_code == 2, result.output
    assert "cannot use model" in result.output
    assert not (tmp_path / "out").exists()
