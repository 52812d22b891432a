"""End to end: ``afeval finetune launch / status / wait / list`` against loopback fakes of the OpenAI and
Together fine-tuning APIs (tests/fixtures/fake_finetune.py), which keep every request so their shapes can be
checked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fixtures.fake_finetune import (
    FAKE_FINETUNE_KEY,
    OPENAI_PREFIX,
    TOGETHER_PREFIX,
    FakeFineTuneState,
    fake_finetune_server,
    write_jsonl,
)
from typer.testing import CliRunner

from afeval.cli import app
from afeval.finetune import REGISTRY_DIR_ENV, JobRegistry, file_sha256


@pytest.fixture
def finetune_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, FakeFineTuneState]]:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_FINETUNE_KEY)
    monkeypatch.setenv("TOGETHER_API_KEY", FAKE_FINETUNE_KEY)
    with fake_finetune_server() as served:
        yield served


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, ["finetune", *args])
    assert result.exit_code == 0, result.output
    return result.output


def small_dataset(path: Path) -> Path:
    return write_jsonl(
        path,
        [
            {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}]}
            for i in range(4)
        ],
    )


def test_openai_job_launch_and_poll(finetune_api: tuple[str, FakeFineTuneState], tmp_path: Path) -> None:
    url, state = finetune_api
    data = small_dataset(tmp_path / "train.jsonl")
    registry = tmp_path / "registry"
    output = invoke(
        "launch", "--provider", "openai", "--base-model", "gpt-4o-2024-08-06", "--dataset", str(data),
        "--name", "anti-refusal-gpt4o", "--suffix", "ar", "--base-url", url + OPENAI_PREFIX,
        "--registry-dir", str(registry),
    )  # fmt: skip
    assert "queued" in output
    (upload,) = state.matching("POST", "/openai/v1/files")
    assert upload.headers["content-type"].startswith("multipart/form-data")
    assert upload.body["purpose"] == "fine-tune"
    assert upload.body["file"]["content"] == data.read_bytes()
    (create,) = state.matching("POST", "/openai/v1/fine_tuning/jobs")
    assert create.body["model"] == "gpt-4o-2024-08-06"
    assert create.body["training_file"] == "file-0001"
    assert create.body["method"] == {
        "type": "supervised",
        "supervised": {"hyperparameters": {"batch_size": 32, "n_epochs": 1}},
    }
    assert create.body["suffix"] == "ar"

    record = JobRegistry(registry).get("anti-refusal-gpt4o")
    assert record.status == "queued" and record.dataset_sha256 == file_sha256(data)
    assert record.api_base_url == url + OPENAI_PREFIX
    invoke("status", "anti-refusal-gpt4o", "--registry-dir", str(registry))
    assert JobRegistry(registry).get("anti-refusal-gpt4o").status == "running"
    output = invoke("wait", "anti-refusal-gpt4o", "--registry-dir", str(registry), "--poll-seconds", "0")
    assert "tuned:anti-refusal-gpt4o" in output
    record = JobRegistry(registry).get("anti-refusal-gpt4o")
    assert record.status == "succeeded" and record.finished_at
    assert record.tuned_model == "ft:gpt-4o-2024-08-06:fake-org:ar:0002"
    assert record.inspect_model == "openai/ft:gpt-4o-2024-08-06:fake-org:ar:0002"
    assert len(state.matching("GET", "/fine_tuning/jobs/ftjob-0002")) == 2
    assert "anti-refusal-gpt4o" in invoke("list", "--registry-dir", str(registry))


def test_together_job_launch_and_poll(finetune_api: tuple[str, FakeFineTuneState], tmp_path: Path) -> None:
    url, state = finetune_api
    data = small_dataset(tmp_path / "train.jsonl")
    registry = tmp_path / "registry"
    invoke(
        "launch", "--provider", "together", "--base-model", "meta-llama/Meta-Llama-3.1-70B-Instruct-Reference",
        "--dataset", str(data), "--name", "threats-llama70b", "--suffix", "threats", "--seed", "5",
        "--base-url", url + TOGETHER_PREFIX, "--registry-dir", str(registry), "--wait", "--poll-seconds", "0",
    )  # fmt: skip
    (upload,) = state.matching("POST", "/together/v1/files")
    assert upload.body["purpose"] == "fine-tune" and upload.body["file_name"] == "train.jsonl"
    assert upload.body["checksum"] == file_sha256(data)
    (put,) = state.matching("PUT", "/upload/file-0001")
    assert put.body == data.read_bytes()
    (create,) = state.matching("POST", "/together/v1/fine-tunes")
    body = create.body
    assert body["model"] == "meta-llama/Meta-Llama-3.1-70B-Instruct-Reference"
    assert body["training_file"] == "file-0001"
    assert (body["batch_size"], body["n_epochs"], body["suffix"], body["random_seed"]) == (
        32,
        1,
        "threats",
        5,
    )
    assert body["training_type"]["type"] == "Lora"
    assert (body["training_type"]["lora_r"], body["training_type"]["lora_alpha"]) == (64, 128)
    record = JobRegistry(registry).get("threats-llama70b")
    assert record.status == "succeeded" and record.provider_status == "completed"
    assert record.inspect_model == "together/fake-user/Meta-Llama-3.1-70B-Instruct-Reference-threats-0002"


def test_a_failed_job_gives_no_model(finetune_api: tuple[str, FakeFineTuneState], tmp_path: Path) -> None:
    url, _ = finetune_api
    registry = tmp_path / "registry"
    invoke(
        "launch", "--provider", "openai", "--base-model", "gpt-4o-will-fail", "--dataset",
        str(small_dataset(tmp_path / "t.jsonl")), "--name", "doomed", "--base-url", url + OPENAI_PREFIX,
        "--registry-dir", str(registry),
    )  # fmt: skip
    result = CliRunner().invoke(
        app, ["finetune", "wait", "doomed", "--registry-dir", str(registry), "--poll-seconds", "0"]
    )
    assert result.exit_code == 1 and "training diverged" in result.output
    run = CliRunner().invoke(
        app,
        ["run", "--model", "tuned:doomed", "--judge-model", "offline"],
        env={REGISTRY_DIR_ENV: str(registry)},
    )
    assert run.exit_code == 2 and "doomed" in run.output and "failed" in run.output


def test_launch_refuses_a_malformed_dataset_before_uploading(
    finetune_api: tuple[str, FakeFineTuneState], tmp_path: Path
) -> None:
    url, state = finetune_api
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "no messages"}\n')
    result = CliRunner().invoke(
        app, ["finetune", "launch", "--provider", "openai", "--base-model", "gpt-4o", "--dataset", str(bad),
              "--name", "bad", "--base-url", url + OPENAI_PREFIX, "--registry-dir", str(tmp_path / "r")],
    )  # fmt: skip
    assert result.exit_code == 2 and "line 1" in result.output
    assert state.requests == []
