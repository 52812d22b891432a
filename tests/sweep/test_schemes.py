"""The judge under each AF-vote scheme, checked by hand on a one-run grid: 5 requests × 2 tiers = 10 samples,
20 votes, a gpt-4o judge ($2.50 / $1.25 cached / $10.00 per million tokens, batch API at half price)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from afeval.cost import PRICE_TABLE_ENV
from afeval.judges import alignment_faking_judge_prompt
from afeval.sweep import (
    AFEVAL_SCHEME,
    JUDGE_REPLY_TOKENS,
    SEQUENTIAL_EXPECTED_VOTES,
    JudgeScheme,
    estimate_calls,
    expand_grid,
    expected_votes,
    judge_load,
    judge_schemes,
    parse_sweep,
    plan_document,
    tokens_of,
)

REPLY = 100  # max_tokens: the scratchpad each vote reads
SAMPLES = 10
INPUT, CACHED, OUTPUT = 2.50e-6, 1.25e-6, 10.00e-6


def schemes(scenarios: tuple[str, ...] = ("helpful-only",), **defaults: Any) -> dict[str, JudgeScheme]:
    spec = {
        "models": [{"model": "openai/gpt-4o"}],
        "defaults": {"max_tokens": REPLY, "judge_model": "openai/gpt-4o", **defaults},
        "grid": {"scenarios": list(scenarios)},
    }
    rows = judge_schemes(estimate_calls(expand_grid(parse_sweep(spec)), 5))
    assert rows is not None
    return {row.name: row for row in rows}


def other_calls() -> tuple[int, int]:
    """Per sample: the judge calls that are not AF votes (StrongREJECT, partial compliance) and their input."""
    spec = parse_sweep({"models": [{"model": "openai/gpt-4o"}], "defaults": {"max_tokens": REPLY}})
    load = judge_load(expand_grid(spec)[0])
    assert load is not None and len(load.calls) == 2
    return len(load.calls), sum(rubric + rest for rubric, rest in load.calls)


def test_every_scheme_by_hand() -> None:
    rows = schemes()
    assert list(rows) == ["reference", AFEVAL_SCHEME, "separate", "sequential-separate", "sequential-choices"]
    n_other, other_in = other_calls()
    rubric = tokens_of(alignment_faking_judge_prompt("").text)
    per_call = rubric + REPLY
    # (AF calls per sample, AF votes per sample): 20 votes in one call; one call each; batches of 4.
    expected_af = {
        "reference": (1, 20),
        "separate": (20, 20),
        "sequential-separate": (20, 20),
        "sequential-choices": (5, 20),
    }
    for name, (calls, votes) in expected_af.items():
        figures = rows[name].at_most
        assert figures.calls == SAMPLES * (n_other + calls)
        assert figures.input_tokens == SAMPLES * (other_in + calls * per_call)
        assert figures.output_tokens == SAMPLES * (n_other + votes) * JUDGE_REPLY_TOKENS
        assert figures.usd == pytest.approx(figures.input_tokens * INPUT + figures.output_tokens * OUTPUT)
        assert figures.batch_usd == pytest.approx(figures.usd / 2)
    assert rows["reference"].at_most.calls == 3 * SAMPLES  # the paper's 3 requests a sample
    assert rows["separate"].at_most.calls == 22 * SAMPLES
    assert rows["reference"].expected is None and rows["separate"].expected is None


def test_sequential_rows_have_an_expected_figure_from_the_measured_votes() -> None:
    rows = schemes()
    n_other, _ = other_calls()
    assert SEQUENTIAL_EXPECTED_VOTES == 7.2 and expected_votes(20) == pytest.approx(7.2)
    assert expected_votes(10) == pytest.approx(4)  # 3.6 in proportion, but the first batch is 4 votes
    assert expected_votes(40) == pytest.approx(14.4) and expected_votes(1) == 1
    separate, choices = rows["sequential-separate"].expected, rows["sequential-choices"].expected
    assert separate is not None and choices is not None
    assert separate.calls == SAMPLES * n_other + 72  # 7.2 votes a sample, one call each
    assert choices.calls == SAMPLES * n_other + 18  # 1.8 batches of 4 a sample
    assert (
        choices.output_tokens
        == separate.output_tokens
        == round(SAMPLES * (n_other + 7.2) * JUDGE_REPLY_TOKENS)
    )
    assert choices.usd is not None and separate.usd is not None
    assert choices.usd < separate.usd < rows["separate"].at_most.usd  # type: ignore[operator]


def test_prompt_caching_reads_the_rubric_across_samples_and_the_scratchpad_within_one() -> None:
    rows = schemes()
    rubric = tokens_of(alignment_faking_judge_prompt("").text)
    reference, separate = rows["reference"].at_most, rows["separate"].at_most
    # One AF call a sample: the rubric is written once and read by the 9 later samples; no scratchpad reuse.
    assert (reference.cached_input_tokens, reference.cache_write_tokens) == (9 * rubric, rubric)
    # 200 AF calls: the rubric read by 199, each sample's scratchpad written once and read by its 19 others.
    assert separate.cached_input_tokens == 199 * rubric + SAMPLES * 19 * REPLY
    assert separate.cache_write_tokens == rubric + SAMPLES * REPLY
    for figures in (reference, separate):
        uncached = figures.input_tokens - figures.cached_input_tokens  # OpenAI writes at the input price
        expected = uncached * INPUT + figures.cached_input_tokens * CACHED + figures.output_tokens * OUTPUT
        assert figures.cached_usd == pytest.approx(expected)
        assert figures.usd is not None and figures.cached_usd < figures.usd


def test_afevals_row_resolves_by_the_judges_provider() -> None:
    openai = schemes()
    assert (
        openai[AFEVAL_SCHEME].vote_calls == "choices" and "auto, openai" in openai[AFEVAL_SCHEME].description
    )
    assert openai[AFEVAL_SCHEME].at_most == openai["reference"].at_most
    anthropic = schemes(judge_model="anthropic/claude-3-5-sonnet-latest")
    own = anthropic[AFEVAL_SCHEME]
    assert own.vote_calls == "separate" and "auto, anthropic" in own.description
    assert own.at_most == anthropic["separate"].at_most
    # Anthropic writes to its cache at a premium (cache_write), so caching prices the writes above input.
    figures = anthropic["separate"].at_most
    uncached = figures.input_tokens - figures.cached_input_tokens - figures.cache_write_tokens
    assert figures.cached_usd == pytest.approx(
        (uncached * 3.00 + figures.cached_input_tokens * 0.30 + figures.cache_write_tokens * 3.75) * 1e-6
        + figures.output_tokens * 15.00e-6
    )
    forced = schemes(af_num_choices=False, af_sequential=True)[AFEVAL_SCHEME]
    assert forced.sequential and forced.expected is not None and "--no-af-num-choices" in forced.description
    assert forced.at_most == schemes()["sequential-separate"].at_most


def test_no_batch_api_or_cache_price_is_none_and_offline_has_no_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = tmp_path / "prices.toml"
    table.write_text('[models]\n"nobatch/judge" = { input = 1.0, output = 2.0 }\n')
    monkeypatch.setenv(PRICE_TABLE_ENV, str(table))
    figures = schemes(judge_model="nobatch/judge")["reference"].at_most
    assert figures.usd is not None and figures.batch_usd is None and figures.cached_usd is None
    unpriced = schemes(judge_model="unknown/judge")["reference"].at_most
    assert (unpriced.usd, unpriced.batch_usd, unpriced.cached_usd) == (None, None, None)
    offline = parse_sweep({"models": [{"model": "openai/gpt-4o"}], "defaults": {"judge_model": "offline"}})
    assert judge_schemes(estimate_calls(expand_grid(offline), 5)) is None


def test_rows_sum_over_runs_and_a_run_without_scratchpad_pays_no_votes() -> None:
    both = schemes(("helpful-only", "helpful-only+no-cot"))
    cot = schemes()
    n_other, other_in = other_calls()
    for name, row in both.items():
        assert row.at_most.calls == cot[name].at_most.calls + SAMPLES * n_other
        assert row.at_most.input_tokens == cot[name].at_most.input_tokens + SAMPLES * other_in


def test_the_plan_document_carries_the_rows() -> None:
    spec = parse_sweep({"models": [{"model": "openai/gpt-4o"}], "defaults": {"max_tokens": REPLY}})
    estimate = estimate_calls(expand_grid(spec), 5)
    document = plan_document(None, estimate)
    rows = judge_schemes(estimate)
    assert rows is not None
    assert document["sweep"] is None
    assert document["judge_schemes"] == [row.to_dict() for row in rows]
    assert document["judge_schemes"][0]["at_most"]["calls"] == 3 * SAMPLES
    assert document["sequential_expected_votes"] == SEQUENTIAL_EXPECTED_VOTES
    assert document["total"]["model_usd"] == pytest.approx(
        estimate.total.model_input_tokens * INPUT + estimate.total.model_output_tokens * OUTPUT
    )


def test_afevals_row_over_runs_that_resolve_differently() -> None:
    spec = {
        "models": [{"model": "openai/gpt-4o"}],
        "defaults": {"max_tokens": REPLY, "judge_model": "openai/gpt-4o"},
        "grid": {"scenarios": ["helpful-only"]},
    }
    runs = expand_grid(parse_sweep(spec))
    sequential = replace(
        runs[0],
        run_id="other",
        settings=replace(runs[0].settings, judging=replace(runs[0].settings.judging, af_sequential=True)),
    )
    rows = judge_schemes(estimate_calls([runs[0], sequential], 5))
    assert rows is not None
    own = {row.name: row for row in rows}[AFEVAL_SCHEME]
    assert own.vote_calls is None and own.description.count("afeval") == 1 and "per run" in own.description
    by_name = {row.name: row for row in rows}
    reference, batches = by_name["reference"].at_most, by_name["sequential-choices"]
    assert own.expected is not None and batches.expected is not None
    # one run as the reference (one call a sample), the other in sequential batches
    assert own.at_most.calls == (reference.calls + batches.at_most.calls) // 2
    assert own.expected.calls == (reference.calls + batches.expected.calls) // 2
