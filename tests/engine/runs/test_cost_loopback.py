"""Cost accounting, the ``--max-cost`` budget, batch mode and prompt caching, end to end against the loopback
fake provider.

The fake serves on 127.0.0.1, so its models cost nothing unless a price table names them: these tests point
``AFEVAL_PRICE_TABLE`` at a table of their own that prices ``openai-api/costfake/subject`` and ``.../judge``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tests.fixtures.fake_openai as fake
from inspect_ai.event import ModelEvent
from inspect_ai.log import read_eval_log
from tests.fixtures.fake_openai import FakeServerState, write_planted_requests
from typer.testing import CliRunner

import afeval.engine.runs._executor as executor
from afeval.cli import app
from afeval.cost import PRICE_TABLE_ENV

SERVICE = "costfake"
SUBJECT = f"openai-api/{SERVICE}/subject"
JUDGE = f"openai-api/{SERVICE}/judge"
AF_VOTES = 3
# Dollars per million tokens: large, so a few hundred fake tokens give visible cents.
PRICES = f"""
checked = "2026-01-01"
source = "test prices"

[models]
"{SUBJECT}" = {{ input = 1000.0, cached_input = 250.0, output = 4000.0 }}
"{JUDGE}" = {{ input = 500.0, cached_input = 125.0, output = 2000.0, batch = 0.5 }}
"""


@pytest.fixture
def server(fake_service: Callable[[str], FakeServerState]) -> FakeServerState:
    return fake_service(SERVICE)


@pytest.fixture
def priced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "prices.toml"
    path.write_text(PRICES)
    monkeypatch.setenv(PRICE_TABLE_ENV, str(path))
    return path


def write_dataset(path: Path, n: int) -> Path:
    plans = ["comply+af", "refuse", "comply", "partial+maybe"]
    return write_planted_requests(path, [(plans[index % len(plans)], "refuse") for index in range(n)])


def run_cli(dataset: Path, out: Path, *extra: str) -> Any:
    return CliRunner().invoke(
        app,
        [
            "run",
            "--model", SUBJECT,
            "--judge-model", JUDGE,
            "--dataset", str(dataset),
            "--out", str(out),
            "--af-votes", str(AF_VOTES),
            "--display", "none",
            *extra,
        ],
    )  # fmt: skip


def expected_usd(
    usage: dict[str, int], input_price: float, cached_price: float, output_price: float
) -> float:
    return (
        usage["input_tokens"] * input_price
        + usage["input_tokens_cache_read"] * cached_price
        + usage["output_tokens"] * output_price
    ) / 1e6


def test_summary_prices_each_model_and_the_cli_prints_it(
    server: FakeServerState, priced: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    result = run_cli(write_dataset(tmp_path / "d.jsonl", 2), out)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    cost = summary["cost"]
    usage = summary["usage"]
    assert set(cost["per_model"]) == {SUBJECT, JUDGE}
    subject = cost["per_model"][SUBJECT]
    judge = cost["per_model"][JUDGE]
    assert subject["role"] == "model" and judge["role"] == "judge"
    assert subject["usd"] == pytest.approx(expected_usd(usage[SUBJECT], 1000, 250, 4000))
    assert judge["usd"] == pytest.approx(expected_usd(usage[JUDGE], 500, 125, 2000))
    assert judge["batch"] is False
    assert cost["total_usd"] == pytest.approx(subject["usd"] + judge["usd"])
    assert cost["unpriced_models"] == []
    assert cost["prices_checked"] == "2026-01-01"
    assert summary["budget"] is None
    assert usage[SUBJECT]["output_tokens"] > 0 and usage[JUDGE]["input_tokens"] > 0
    line = next(line for line in result.output.splitlines() if line.startswith("cost: "))
    assert f"${cost['total_usd']:.2f}" in line and "prices checked 2026-01-01" in line


def test_loopback_models_cost_nothing_without_a_price(server: FakeServerState, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = run_cli(write_dataset(tmp_path / "d.jsonl", 1), out)
    assert result.exit_code == 0, result.output
    cost = json.loads((out / "summary.json").read_text())["cost"]
    assert cost["total_usd"] == 0.0
    assert all(entry["note"] == "runs locally: no per-token price" for entry in cost["per_model"].values())


@pytest.mark.parametrize("part_size", [None, 5], ids=["one eval", "in parts of 5"])
def test_budget_stops_starting_samples_keeps_finished_ones_and_the_same_command_resumes(
    server: FakeServerState,
    priced: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    part_size: int | None,
) -> None:
    if part_size is not None:  # the budget carries over from part to part
        monkeypatch.setattr(executor, "RUN_PART_SAMPLES", part_size)
    dataset = write_dataset(tmp_path / "d.jsonl", 8)  # 16 samples
    # One sample at a time, so the budget is checked between samples; the first run prices one sample.
    probe = run_cli(dataset, tmp_path / "probe", "--limit", "1", "--tiers", "free", "--max-connections", "1")
    assert probe.exit_code == 0, probe.output
    per_sample = json.loads((tmp_path / "probe" / "summary.json").read_text())["cost"]["total_usd"]
    assert per_sample > 0
    server.reset()

    out = tmp_path / "run"
    budget = f"{per_sample * 4.5:.6f}"
    result = run_cli(dataset, out, "--max-connections", "1", "--max-cost", budget, "--no-cache")
    assert result.exit_code == 1, result.output
    assert "budget exceeded" in result.output and "re-run the same command" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "budget_exceeded"
    finished = summary["budget"]["samples_finished"]
    rows = (out / "samples.jsonl").read_text().splitlines()
    assert 2 <= finished == len(rows) < 16
    assert summary["budget"]["samples_skipped"] == 16 - finished
    # Only finished samples reached the provider; the spend stays within one sample of the budget.
    assert server.total("subject") == finished
    assert summary["budget"]["spent_usd"] == pytest.approx(summary["cost"]["total_usd"])
    assert summary["cost"]["total_usd"] <= float(budget) + 2 * per_sample
    assert sum(tier["n"] for tier in summary["tiers"].values()) == finished


def test_a_budgeted_run_resumes_from_the_cache(server: FakeServerState, priced: Path, tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.jsonl", 4)  # 8 samples
    out = tmp_path / "run"
    first = run_cli(dataset, out, "--max-connections", "1", "--max-cost", "0.0001")
    assert first.exit_code == 1, first.output
    done = json.loads((out / "summary.json").read_text())["budget"]["samples_finished"]
    calls = server.total("subject")
    assert calls == done < 8
    # The same command with room for the rest: the finished samples replay from the cache at no cost.
    again = run_cli(dataset, out, "--max-connections", "1", "--max-cost", "1000")
    assert again.exit_code == 0, again.output
    assert server.total("subject") == 8
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "success" and len((out / "samples.jsonl").read_text().splitlines()) == 8


def test_budget_with_an_unpriced_model_is_refused_before_any_call(
    server: FakeServerState, priced: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FARAWAY_BASE_URL", "https://models.example.invalid/v1")
    monkeypatch.setenv("FARAWAY_API_KEY", "sk-not-used")
    result = CliRunner().invoke(
        app,
        [
            "run", "--model", SUBJECT, "--judge-model", "openai-api/faraway/judge",
            "--dataset", str(write_dataset(tmp_path / "d.jsonl", 1)), "--out", str(tmp_path / "o"),
            "--max-cost", "5", "--display", "none",
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--max-cost needs a price" in result.output and "openai-api/faraway/judge" in result.output
    assert server.total() == 0


def _model_events(log_dir: Path) -> Iterator[ModelEvent]:
    log = read_eval_log(str(next(log_dir.glob("*.eval"))))
    for sample in log.samples or []:
        for event in sample.events:
            if isinstance(event, ModelEvent):
                yield event


def test_batch_and_cache_prompt_reach_the_calls_and_a_rerun_stays_cached(
    server: FakeServerState, priced: Path, tmp_path: Path
) -> None:
    dataset = write_dataset(tmp_path / "d.jsonl", 2)
    plain = run_cli(dataset, tmp_path / "plain")
    assert plain.exit_code == 0, plain.output
    events = list(_model_events(tmp_path / "plain" / "logs"))
    assert events and all(not event.config.batch and event.config.cache_prompt is None for event in events)

    calls = server.total()
    out = tmp_path / "batched"
    result = run_cli(dataset, out, "--batch", "--batch-generation", "--cache-prompt")
    assert result.exit_code == 0, result.output
    # Inspect leaves batch and cache_prompt out of its cache keys: every call replays from the first run.
    assert server.total() == calls
    events = list(_model_events(out / "logs"))
    judge = [event for event in events if event.model.endswith("/judge")]
    subject = [event for event in events if event.model.endswith("/subject")]
    assert judge and subject
    assert all(event.config.batch is True for event in judge + subject)
    assert all(event.config.cache_prompt is True for event in subject)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["judges"]["batch"] is True and summary["generation"]["batch"] is True
    assert summary["generation"]["cache_prompt"] is True


def test_judge_batch_only_marks_the_judge_and_halves_its_price(
    server: FakeServerState, priced: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    result = run_cli(write_dataset(tmp_path / "d.jsonl", 2), out, "--batch", "--no-cache")
    assert result.exit_code == 0, result.output
    events = list(_model_events(out / "logs"))
    assert all(event.config.batch is True for event in events if event.model.endswith("/judge"))
    assert all(not event.config.batch for event in events if event.model.endswith("/subject"))
    summary = json.loads((out / "summary.json").read_text())
    judge = summary["cost"]["per_model"][JUDGE]
    assert judge["batch"] is True and summary["cost"]["per_model"][SUBJECT]["batch"] is False
    listed = expected_usd(summary["usage"][JUDGE], 500, 125, 2000)
    assert judge["usd"] == pytest.approx(listed * 0.5)
    assert judge["naive_usd"] == pytest.approx(listed)
    assert judge["saved_usd"] == pytest.approx(listed * 0.5)
    assert "saved $" in result.output


def _cached_prefix_usage(seen: set[str]) -> Callable[[str, list[str]], dict[str, Any]]:
    """The fake's usage, plus provider-style prompt caching: a prompt whose opening 2,000 characters were seen
    before reports those tokens (in whole 128-token blocks, as OpenAI does) as cached."""
    original = fake._usage

    def usage(prompt: str, texts: list[str]) -> dict[str, Any]:
        reported: dict[str, Any] = dict(original(prompt, texts))
        prefix = prompt[:2000]
        if len(prefix) == 2000 and prefix in seen:
            reported["prompt_tokens_details"] = {"cached_tokens": (len(prefix) // 4) // 128 * 128}
        seen.add(prefix)
        return reported

    return usage


def test_cached_input_tokens_are_reported_and_priced_at_the_cached_rate(
    server: FakeServerState, priced: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake, "_usage", _cached_prefix_usage(set()))
    out = tmp_path / "run"
    result = run_cli(write_dataset(tmp_path / "d.jsonl", 3), out, "--no-cache", "--max-connections", "1")
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    usage = summary["usage"][SUBJECT]
    # Every generation after the first shares the system prompt's opening with an earlier one.
    assert usage["input_tokens_cache_read"] == (server.total("subject") - 1) * 384
    subject = summary["cost"]["per_model"][SUBJECT]
    assert subject["cached_input_tokens"] == usage["input_tokens_cache_read"]
    assert subject["usd"] == pytest.approx(expected_usd(usage, 1000, 250, 4000))
    naive = (
        (usage["input_tokens"] + usage["input_tokens_cache_read"]) * 1000 + usage["output_tokens"] * 4000
    ) / 1e6
    assert subject["naive_usd"] == pytest.approx(naive)
    assert subject["saved_usd"] == pytest.approx(usage["input_tokens_cache_read"] * 750 / 1e6)
    assert re.search(r"\(\d[\d,]* cached\)", result.output)
