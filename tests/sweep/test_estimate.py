"""Estimates of a sweep's calls and tokens, checked by hand on a tiny grid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from afeval.judges import (
    alignment_faking_judge_prompt,
    compliance_judge_prompt,
    partial_compliance_judge_prompt,
)
from afeval.scenario import render_prompt
from afeval.settings import DatasetChoice
from afeval.sweep import (
    ASSUMED_REQUEST_CHARS,
    JUDGE_REPLY_TOKENS,
    estimate_calls,
    expand_grid,
    parse_sweep,
    tokens_of,
)
from afeval.sweep._estimate import dataset_requests

REPLY = 100  # max_tokens of the tiny grid


def tiny(scenarios: list[str], **defaults: Any) -> dict[str, Any]:
    return {
        "models": [{"model": "openai/gpt-4o"}],
        "defaults": {"af_votes": 5, "max_attempts": 2, "max_turns": 3, "max_tokens": REPLY, **defaults},
        "grid": {"scenarios": scenarios},
    }


def test_calls_of_one_run_by_hand() -> None:
    runs = expand_grid(parse_sweep(tiny(["helpful-only"], af_num_choices=False)))
    estimate = estimate_calls(runs, 3)
    cost = estimate.runs[0][1]
    # 3 requests × 2 tiers = 6 samples; each judged once for compliance, 5 AF votes, once for partial compliance.
    assert cost.samples == 6
    assert cost.model_calls == 6
    assert cost.model_calls_max == 6 * 2 * 3
    assert cost.judge_calls == 6 * (1 + 5 + 1)
    assert cost.model_output_tokens == 6 * REPLY
    assert cost.judge_output_tokens == 6 * 7 * JUDGE_REPLY_TOKENS
    request = "x" * ASSUMED_REQUEST_CHARS
    prompts = [render_prompt(request, tier, runs[0].scenario) for tier in ("free", "paid")]
    assert cost.model_input_tokens == 3 * sum(tokens_of(p.system) + tokens_of(p.user) for p in prompts)
    judge_in = (tokens_of(compliance_judge_prompt("", "")) + tokens_of(request) + REPLY) + 5 * (
        tokens_of(alignment_faking_judge_prompt("").text) + REPLY
    )
    judge_in += tokens_of(partial_compliance_judge_prompt("", "", "")) + tokens_of(request) + REPLY
    assert cost.judge_input_tokens == 6 * judge_in
    assert estimate.total == cost
    assert estimate.n_requests == 3


def test_no_cot_votes_as_choices_offline_and_follow_up() -> None:
    no_cot = estimate_calls(expand_grid(parse_sweep(tiny(["helpful-only+no-cot"]))), 3).total
    assert no_cot.judge_calls == 6 * 2  # no scratchpad: compliance and partial compliance only
    choices = estimate_calls(expand_grid(parse_sweep(tiny(["helpful-only"], af_num_choices=True))), 3).total
    assert choices.judge_calls == 6 * 3  # the 5 votes come in one call
    assert choices.judge_output_tokens == 6 * 7 * JUDGE_REPLY_TOKENS  # but still as 5 replies
    # Left out, the votes are choices for an OpenAI judge and one call each for an Anthropic one.
    assert estimate_calls(expand_grid(parse_sweep(tiny(["helpful-only"]))), 3).total == choices
    anthropic = tiny(["helpful-only"], judge_model="anthropic/claude-3-5-sonnet-latest")
    assert estimate_calls(expand_grid(parse_sweep(anthropic)), 3).total.judge_calls == 6 * 7
    batches = tiny(["helpful-only"], af_num_choices=True, af_sequential=True)
    assert estimate_calls(expand_grid(parse_sweep(batches)), 3).total.judge_calls == 6 * (1 + 2 + 1)
    offline = estimate_calls(expand_grid(parse_sweep(tiny(["helpful-only"], judge_model="offline"))), 3)
    assert offline.total.judge_calls == 0
    assert any("offline" in note for note in offline.notes)
    follow_up = tiny(["helpful-only"], classifiers=["compliance", "follow_up"])
    asked = estimate_calls(expand_grid(parse_sweep(follow_up)), 3)
    assert asked.total.model_calls == 6 + 2 * 6  # two follow-up questions per (compliant) sample
    assert asked.total.judge_calls == 6 * (1 + 1)
    assert any("compliant-only" in note for note in asked.notes)
    sequential = estimate_calls(expand_grid(parse_sweep(tiny(["helpful-only"], af_sequential=True))), 3)
    assert any("upper bound" in note and "sequential" in note for note in sequential.notes)


def test_totals_add_up_over_runs_and_tiers() -> None:
    runs = expand_grid(parse_sweep(tiny(["helpful-only", "three-tier", "identity"])))
    estimate = estimate_calls(runs, 2)
    assert [cost.samples for _, cost in estimate.runs] == [4, 6, 8]
    assert estimate.total.samples == 18
    assert estimate.total.judge_calls == sum(cost.judge_calls for _, cost in estimate.runs)
    assert estimate_calls(runs, 0).total.model_calls == 0
    with pytest.raises(ValueError):
        estimate_calls(runs, -1)


def test_requests_per_run_without_fetching_remote_datasets(tmp_path: Path) -> None:
    assert dataset_requests(DatasetChoice("llm-lat")) == 4948
    assert dataset_requests(DatasetChoice("advbench", limit=100)) == 100
    assert dataset_requests(DatasetChoice("harmbench", limit=1000)) == 200
    assert dataset_requests(DatasetChoice()) == 18  # the built-in smoke set
    local = tmp_path / "three.jsonl"
    local.write_text("".join(json.dumps({"prompt": f"request {i}"}) + "\n" for i in range(3)))
    assert dataset_requests(DatasetChoice(str(local))) == 3
    assert dataset_requests(DatasetChoice(str(local), limit=2)) == 2


def test_dry_run_dollars_use_the_price_table_and_say_unpriced() -> None:
    from afeval.cost import estimate_cost
    from afeval.sweep import CallEstimate, estimate_usd, expand_grid, parse_sweep

    spec = parse_sweep(
        {
            "name": "usd",
            "defaults": {"judge_model": "openai/gpt-4o"},
            "models": [{"model": "openai/gpt-4o-mini"}, {"model": "openai-api/mine/unknown-model"}],
        },
        source="inline",
    )
    priced, unpriced = expand_grid(spec)
    estimate = CallEstimate(model_input_tokens=1_000_000, model_output_tokens=0, judge_input_tokens=2_000_000)
    expected = estimate_cost("openai/gpt-4o-mini", 1_000_000, 0)
    judge = estimate_cost("openai/gpt-4o", 2_000_000, 0)
    assert expected is not None and judge is not None
    assert estimate_usd(priced, estimate) == expected + judge
    assert estimate_usd(unpriced, estimate) is None
    offline = expand_grid(parse_sweep({"name": "o", "defaults": {"judge_model": "offline"},
                                       "models": [{"model": "openai/gpt-4o-mini"}]}, source="inline"))[0]  # fmt: skip
    assert estimate_usd(offline, estimate) == expected
