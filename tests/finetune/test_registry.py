"""Job records, the job registry and ``tuned:NAME`` resolution."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from afeval.finetune import (
    REGISTRY_DIR_ENV,
    JobRecord,
    JobRegistry,
    TunedModelError,
    default_registry_dir,
    resolve_model_name,
    resolve_tuned_model,
)


def record(name: str = "anti-refusal-gpt4o", **changes: object) -> JobRecord:
    values: dict[str, object] = {
        "name": name,
        "provider": "openai",
        "job_id": "ftjob-1",
        "base_model": "gpt-4o-2024-08-06",
        "dataset": "/data/anti.jsonl",
        "dataset_sha256": "ab" * 32,
        "hyperparameters": {"batch_size": 32, "n_epochs": 1},
        "status": "succeeded",
        "provider_status": "succeeded",
        "tuned_model": "ft:gpt-4o-2024-08-06:org::abc",
        "created_at": "2025-01-01T00:00:00+00:00",
    }
    values.update(changes)
    return JobRecord(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("provider", "tuned", "expected"),
    [
        ("openai", "ft:gpt-4o-2024-08-06:org::abc", "openai/ft:gpt-4o-2024-08-06:org::abc"),
        (
            "together",
            "me/Meta-Llama-3.1-70B-Instruct-Reference-ar-1a2b",
            "together/me/Meta-Llama-3.1-70B-Instruct-Reference-ar-1a2b",
        ),
        ("local", "/runs/finetune/x/merged", "hf//runs/finetune/x/merged"),
    ],
)
def test_inspect_model_per_provider(provider: str, tuned: str, expected: str) -> None:
    assert record(provider=provider, tuned_model=tuned).inspect_model == expected


def test_no_inspect_model_until_succeeded() -> None:
    assert record(status="running", tuned_model=None).inspect_model is None
    assert record(status="failed").inspect_model is None


def test_record_validation() -> None:
    with pytest.raises(ValueError, match="job name"):
        record(name="has space")
    with pytest.raises(ValueError, match="provider"):
        record(provider="azure")
    with pytest.raises(ValueError, match="status"):
        record(status="done")


def test_registry_round_trip_and_resolution(tmp_path: Path) -> None:
    registry = JobRegistry(tmp_path / "ft")
    assert registry.jobs() == {}
    first = record()
    registry.add(first)
    registry.add(record("qa-llama", provider="together", tuned_model="me/llama-qa", status="running"))
    assert list(registry.jobs()) == ["anti-refusal-gpt4o", "qa-llama"]
    assert registry.get("tuned:anti-refusal-gpt4o") == first
    stored = json.loads(registry.path.read_text())
    assert stored["jobs"][0]["inspect_model"] == "openai/ft:gpt-4o-2024-08-06:org::abc"
    assert stored["jobs"][0]["dataset_sha256"] == "ab" * 32
    assert resolve_tuned_model("tuned:anti-refusal-gpt4o", registry) == "openai/ft:gpt-4o-2024-08-06:org::abc"
    assert resolve_model_name("tuned:anti-refusal-gpt4o", registry) == "openai/ft:gpt-4o-2024-08-06:org::abc"
    assert resolve_model_name("openai/gpt-4o", registry) == "openai/gpt-4o"
    with pytest.raises(TunedModelError, match="is running"):
        resolve_tuned_model("tuned:qa-llama", registry)
    with pytest.raises(TunedModelError, match="no fine-tuning job named 'nope'"):
        resolve_model_name("tuned:nope", registry)
    with pytest.raises(ValueError, match="already recorded"):
        registry.add(record())
    registry.update(record("qa-llama", provider="together", tuned_model="me/llama-qa"))
    assert resolve_tuned_model("qa-llama", registry) == "together/me/llama-qa"


def test_registry_dir_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REGISTRY_DIR_ENV, raising=False)
    assert default_registry_dir() == Path("runs") / "finetune"
    monkeypatch.setenv(REGISTRY_DIR_ENV, str(tmp_path))
    JobRegistry().add(record())
    assert resolve_model_name("tuned:anti-refusal-gpt4o").startswith("openai/ft:")
