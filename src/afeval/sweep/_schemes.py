"""The judge's calls, tokens and dollars of a run (or a sweep) under each way of drawing the alignment-faking
votes, side by side: what ``--dry-run`` prints below the plan.

The schemes: the reference pipeline's (the ``af_votes`` votes as ``n`` choices of one call); afeval's setting
for the run (choices or one call per vote, by the judge's provider unless ``--af-num-choices`` says, and
sequential or not); one call per vote; sequential voting with one call per vote; sequential voting with each
batch of ``k`` votes one call of ``n=k`` choices. Every scheme also pays the judge calls that are not AF votes
(StrongREJECT, partial compliance, ...), the same under every scheme. The model under test's calls do not
depend on the scheme: they are not part of these figures.

A sequential vote stops once its verdict is settled, so its figures come twice: at most (every batch drawn)
and expected, at :data:`SEQUENTIAL_EXPECTED_VOTES` votes per sample.

Dollars come in three columns, each from the judge's entry in the price table (:mod:`afeval.cost`): list
price (every input token uncached); through the provider's batch API (list price × its batch factor; None where
Inspect has no batch mode for the provider); and with prompt caching (None where the model has no
``cached_input`` price). Prompt caching is assumed to reuse exactly the prefixes a provider can reuse: the AF
vote prompt is its rubric followed by the scratchpad, so (1) every AF call of a run after the first reads the
rubric from the cache, and (2) every AF call of a sample after its first reads the scratchpad too (separate
vote calls, later sequential batches). The first sight of a reused prefix is written to the cache (priced at
``cache_write`` where the model has one, else as input). The StrongREJECT and partial-compliance prompts put
the request and response inside their rubrics, so the prefix they share is short (under OpenAI's 1,024-token
minimum): they are counted uncached. The batch and caching discounts are shown apart, not combined.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from afeval._util.model_names import provider_of
from afeval.cost import TokenUsage, cost_of, price_of
from afeval.judges.sequential import SequentialVotingPolicy
from afeval.judges.voting import DEFAULT_AF_VOTES
from afeval.settings import AfVoteCalls
from afeval.sweep._estimate import (
    JUDGE_REPLY_TOKENS,
    JudgeLoad,
    SweepEstimate,
    judge_load,
    vote_calls_per_sample,
)
from afeval.sweep._spec import SweepRun

SEQUENTIAL_EXPECTED_VOTES: Final = 7.2
"""AF votes a sequential vote draws per sample on average, out of :data:`DEFAULT_AF_VOTES` (20): measured by
``bench/judge_cost.py`` (400 samples of the sequential policy's tuning population, a fifth of them near the
threshold; docs/benchmarks.md). Another vote count is scaled in proportion."""


@dataclass(frozen=True)
class JudgeFigures:
    """The judge's calls, tokens and dollars under one scheme. ``cached_input_tokens`` and
    ``cache_write_tokens`` are the part of ``input_tokens`` that prompt caching would read from and write to
    the cache; the dollars are None where the judge is unpriced, or has no batch API / cache price."""

    calls: int = 0
    input_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    usd: float | None = 0.0
    batch_usd: float | None = 0.0
    cached_usd: float | None = 0.0

    def __add__(self, other: JudgeFigures) -> JudgeFigures:
        return JudgeFigures(
            calls=self.calls + other.calls,
            input_tokens=self.input_tokens + other.input_tokens,
            cached_input_tokens=self.cached_input_tokens + other.cached_input_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            usd=_sum(self.usd, other.usd),
            batch_usd=_sum(self.batch_usd, other.batch_usd),
            cached_usd=_sum(self.cached_usd, other.cached_usd),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "input_tokens": self.input_tokens,
            "cached_input_tokens": self.cached_input_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "output_tokens": self.output_tokens,
            "usd": self.usd,
            "batch_usd": self.batch_usd,
            "cached_usd": self.cached_usd,
        }


def _sum(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b


@dataclass(frozen=True)
class JudgeScheme:
    """One way of drawing the AF votes and what the judge spends under it: ``at_most`` every vote drawn
    (exact for a fixed vote), ``expected`` at :data:`SEQUENTIAL_EXPECTED_VOTES` (sequential schemes only).
    ``vote_calls`` is None for afeval's setting over runs that resolve it differently."""

    name: str
    description: str
    vote_calls: AfVoteCalls | None
    sequential: bool
    at_most: JudgeFigures
    expected: JudgeFigures | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "vote_calls": self.vote_calls,
            "sequential": self.sequential,
            "at_most": self.at_most.to_dict(),
            "expected": self.expected.to_dict() if self.expected is not None else None,
        }


@dataclass(frozen=True)
class _Scheme:
    name: str
    description: str
    vote_calls: AfVoteCalls
    sequential: bool


_FIXED_SCHEMES: Final = (
    _Scheme("reference", "reference: n choices, 1 call", "choices", False),
    _Scheme("separate", "one call per vote", "separate", False),
    _Scheme("sequential-separate", "sequential, call per vote", "separate", True),
    _Scheme("sequential-choices", "sequential, n=k per batch", "choices", True),
)
AFEVAL_SCHEME: Final = "afeval"
"""The name of the row with afeval's own setting for the run."""


def afeval_scheme(run: SweepRun) -> _Scheme:
    """afeval's setting for ``run``, saying what it resolved from: the judge's provider, or the option."""
    judging = run.settings.judging
    calls = judging.af_vote_calls
    why = (
        f"auto, {provider_of(judging.judge_model)}"
        if judging.af_num_choices is None
        else ("--af-num-choices" if judging.af_num_choices else "--no-af-num-choices")
    )
    sequential = "sequential, " if judging.af_sequential else ""
    return _Scheme(AFEVAL_SCHEME, f"afeval: {sequential}{calls} ({why})", calls, judging.af_sequential)


def expected_votes(votes: int) -> float:
    """The votes a sequential vote of ``votes`` draws per sample on average: :data:`SEQUENTIAL_EXPECTED_VOTES`
    scaled to ``votes``, never fewer than its first batch nor more than ``votes``."""
    first_batch = min(SequentialVotingPolicy.batch_size, votes)
    return min(float(votes), max(float(first_batch), SEQUENTIAL_EXPECTED_VOTES * votes / DEFAULT_AF_VOTES))


def _calls_and_votes(load: JudgeLoad, scheme: _Scheme, expected: bool) -> tuple[float, float]:
    """AF calls and votes per sample under ``scheme``: at most, or (sequential) expected."""
    upper = vote_calls_per_sample(load.votes, scheme.vote_calls, scheme.sequential)
    if not (expected and scheme.sequential and load.votes):
        return float(upper), float(load.votes)
    votes = expected_votes(load.votes)
    per_call = 1 if scheme.vote_calls == "separate" else min(SequentialVotingPolicy.batch_size, load.votes)
    return min(float(upper), votes / per_call), votes


def _figures(run: SweepRun, load: JudgeLoad, samples: int, scheme: _Scheme, expected: bool) -> JudgeFigures:
    """One run's judge figures under ``scheme`` (see the module's docstring for what caching reuses)."""
    per_sample_calls, per_sample_votes = _calls_and_votes(load, scheme, expected)
    vote_calls = round(samples * per_sample_calls)
    other_calls = samples * len(load.calls)
    input_tokens = samples * sum(rubric + rest for rubric, rest in load.calls) + vote_calls * (
        load.vote_rubric + load.vote_rest
    )
    output_tokens = round((other_calls + samples * per_sample_votes) * JUDGE_REPLY_TOKENS)
    repeats = max(vote_calls - samples, 0)  # AF calls of a sample after its first
    cached = max(vote_calls - 1, 0) * load.vote_rubric + repeats * load.vote_rest
    written = (load.vote_rubric if vote_calls > 1 else 0) + min(samples, repeats) * load.vote_rest
    judge = run.settings.judging.judge_model
    price = price_of(judge)
    listed = TokenUsage(input_tokens=input_tokens, output_tokens=output_tokens)
    with_cache = TokenUsage(
        input_tokens=input_tokens - cached - written,
        output_tokens=output_tokens,
        cached_input_tokens=cached,
        cache_write_tokens=written,
    )
    return JudgeFigures(
        calls=other_calls + vote_calls,
        input_tokens=input_tokens,
        cached_input_tokens=cached,
        cache_write_tokens=written,
        output_tokens=output_tokens,
        usd=cost_of(judge, listed).usd,
        batch_usd=(
            cost_of(judge, listed, batch=True).usd if price is not None and price.batch_factor < 1 else None
        ),
        cached_usd=(
            cost_of(judge, with_cache).usd if price is not None and price.cached_input is not None else None
        ),
    )


def judge_schemes(estimate: SweepEstimate) -> tuple[JudgeScheme, ...] | None:
    """The judge's figures of every run of ``estimate`` under each scheme, summed over the runs: the reference,
    afeval's setting, one call per vote, and the two sequential schemes. None when no run calls a judge (the
    offline judge)."""
    judged = [
        (run, load, cost.samples) for run, cost in estimate.runs if (load := judge_load(run)) is not None
    ]
    if not judged:
        return None
    afeval = {afeval_scheme(run) for run, _, _ in judged}
    if len(afeval) == 1:
        (own,) = afeval
        description, own_calls = own.description, own.vote_calls
    else:
        description, own_calls = (
            "afeval: per run ("
            + "; ".join(sorted(s.description.removeprefix("afeval: ") for s in afeval))
            + ")",
            None,
        )
    own_sequential = any(scheme.sequential for scheme in afeval)
    rows: list[JudgeScheme] = []
    for index, fixed in enumerate(_FIXED_SCHEMES):
        rows.append(_row(judged, [fixed] * len(judged), fixed.description, fixed.vote_calls))
        if index == 0:  # afeval's own setting, right after the reference it is measured against
            per_run = [afeval_scheme(run) for run, _, _ in judged]
            rows.append(_row(judged, per_run, description, own_calls, sequential=own_sequential))
    return tuple(rows)


def _row(
    judged: list[tuple[SweepRun, JudgeLoad, int]],
    schemes: list[_Scheme],
    description: str,
    vote_calls: AfVoteCalls | None,
    *,
    sequential: bool | None = None,
) -> JudgeScheme:
    """One row: each judged run under its scheme (``schemes``, in the runs' order), summed."""
    at_most = expected = JudgeFigures()
    for (run, load, samples), scheme in zip(judged, schemes, strict=True):
        at_most = at_most + _figures(run, load, samples, scheme, expected=False)
        expected = expected + _figures(run, load, samples, scheme, expected=True)
    is_sequential = schemes[0].sequential if sequential is None else sequential
    return JudgeScheme(
        name=schemes[0].name,
        description=description,
        vote_calls=vote_calls,
        sequential=is_sequential,
        at_most=at_most,
        expected=expected if is_sequential else None,
    )
