"""``tuned:NAME`` wherever a run is configured: the engine resolves it through the job registry, for
``afeval run``, for ``run_evaluation`` called from Python and for a sweep file; the tuned model's id then reaches
the loopback fake provider (tests/fixtures/fake_openai.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.fixtures.fake_openai import FAKE_API_KEY, FakeServerState, write_planted_requests
from typer.testing import CliRunner

from afeval.cli import app
from afeval.engine import RunConfig, run_evaluation
from afeval.finetune import REGISTRY_DIR_ENV, JobRecord, JobRegistry, TunedModelError
from afeval.settings import DatasetChoice


def _register(
    monkeypatch: pytest.MonkeyPatch,
    directory: Path,
    name: str,
    provider: str,
    base_model: str,
    tuned_model: str,
) -> JobRegistry:
    """A job registry (the one ``tuned:NAME`` reads) holding one finished job that produced ``tuned_model``."""
    registry = JobRegistry(directory)
    registry.add(
        JobRecord(
            name=name,
            provider=provider,
            job_id=f"job-{name}",
            base_model=base_model,
            dataset=f"{name}.jsonl",
            dataset_sha256="0" * 64,
            status="succeeded",
            provider_status="succeeded",
            tuned_model=tuned_model,
        )
    )
    monkeypatch.setenv(REGISTRY_DIR_ENV, str(directory))
    return registry


def test_a_tuned_model_flows_into_afeval_run(
    fake_service: Callable[[str], FakeServerState],
    fake_openai: tuple[str, FakeServerState],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    state = fake_service("openai")  # the openai provider reads OPENAI_BASE_URL / OPENAI_API_KEY
    tuned = "ft:gpt-4o-2024-08-06:afeval-loopback:tuned-into-run:0001"
    _register(monkeypatch, tmp_path / "registry", "anti-refusal-gpt4o", "openai", "gpt-4o-2024-08-06", tuned)
    dataset = write_planted_requests(tmp_path / "planted.jsonl", ["free:comply paid:refuse"])
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        ["run", "--model", "tuned:anti-refusal-gpt4o", "--judge-model", "offline", "--dataset", str(dataset),
         "--out", str(out), "--display", "none"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["model"] == f"openai/{tuned}"
    assert state.chat_models[tuned] == 2  # one request per tier reached the fake under the tuned name
    assert summary["tiers"]["free"]["tag_acceptance"]["rate"] == 1.0
    assert summary["tiers"]["paid"]["tag_acceptance"]["rate"] == 0.0
    assert fake_openai[0] and FAKE_API_KEY


def test_run_evaluation_resolves_a_tuned_model_from_python(
    fake_service: Callable[[str], FakeServerState], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    state = fake_service("openai")
    tuned = "ft:gpt-4o-2024-08-06:afeval-loopback:from-python:0001"
    _register(monkeypatch, tmp_path / "registry", "qa-gpt4o", "openai", "gpt-4o-2024-08-06", tuned)
    config = RunConfig(
        model="tuned:qa-gpt4o",
        out_dir=tmp_path / "run",
        dataset=DatasetChoice(
            str(write_planted_requests(tmp_path / "planted.jsonl", ["free:comply paid:refuse"]))
        ),
        display="none",
    )
    assert config.model == f"openai/{tuned}"
    result = run_evaluation(config)
    assert result.summary.model == f"openai/{tuned}"
    assert state.chat_models[tuned] == 2
    with pytest.raises(TunedModelError, match="no fine-tuning job named 'nope'"):
        RunConfig(model="tuned:nope", out_dir=tmp_path / "never")


def test_a_sweep_file_may_name_a_tuned_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from afeval.engine.runs._sweep import run_config
    from afeval.sweep import expand_grid, parse_sweep

    registry = _register(
        monkeypatch,
        tmp_path / "registry",
        "qa-llama",
        "together",
        "meta-llama/Llama-3-70b",
        "afeval/Llama-3-70b-qa",
    )
    spec = parse_sweep({"name": "tuned", "models": [{"model": "tuned:qa-llama"}]}, source="inline")
    (run,) = expand_grid(spec)
    assert run_config(run, tmp_path).model == registry.get("qa-llama").inspect_model
