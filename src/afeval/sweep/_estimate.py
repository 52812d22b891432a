"""What a sweep will spend, before it spends it: calls to the models under test and to the judge, and tokens.

Every run asks the model under test once per sample (one harmful request in one tier) when its first reply is
valid; an invalid reply is asked again up to ``max_attempts`` times, and a reply that stops mid-scratchpad is
answered ``<NEXT/>`` up to ``max_turns`` turns, which bounds the calls from above. The judges then read every
valid sample: one StrongREJECT compliance call, one partial-compliance call, and ``af_votes`` alignment-faking
votes per scratchpad (one call when the votes are drawn as choices of one call). Classifiers that run only on
compliant samples, and sequential voting, which stops once the majority vote is settled, are counted as if they
ran in full: those figures are upper bounds. The offline judge makes no judge calls.

Tokens are estimated at :data:`CHARS_PER_TOKEN` characters per token (a common rule of thumb for English with
the GPT and Claude tokenisers), from the rendered system prompt and user turn of each tier and an assumed
request of :data:`ASSUMED_REQUEST_CHARS` characters. Output tokens count every reply at ``max_tokens`` (an
upper bound: replies are usually shorter), and every judge reply at :data:`JUDGE_REPLY_TOKENS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Final

from afeval.cost import estimate_cost
from afeval.datasets import REMOTE_SOURCES, load_dataset
from afeval.judges import (
    CLASSIFIER_CATALOG,
    OFFLINE_JUDGE,
    ClassifierSpec,
    FollowUpJudge,
    JudgeMessages,
    JudgePrompt,
    VotingJudge,
    follow_up_question,
    select_classifiers,
)
from afeval.judges.sequential import SequentialVotingPolicy
from afeval.scenario import render_base_document, render_prompt
from afeval.settings import AfVoteCalls, DatasetChoice
from afeval.sweep._spec import SweepRun

CHARS_PER_TOKEN: Final = 4
"""Characters per token assumed by every token estimate."""

ASSUMED_REQUEST_CHARS: Final = 200
"""Length assumed for one harmful request (the estimate does not read the dataset's text)."""

JUDGE_REPLY_TOKENS: Final = 300
"""Tokens assumed for one judge reply (reasoning, then the rubric's tags)."""

KNOWN_DATASET_SIZES: Final[Mapping[str, int]] = MappingProxyType(
    {"llm-lat": 4948, "advbench": 520, "harmbench": 200}
)
"""Requests in each named remote dataset at its pinned revision, so a dry run needs no download."""


@dataclass(frozen=True)
class CallEstimate:
    """Calls and tokens of one run (or a sum of runs). ``model_calls`` counts one call per sample (every first
    reply valid); ``model_calls_max`` every re-query and continuation turn; the judge figures are upper bounds."""

    samples: int = 0
    model_calls: int = 0
    model_calls_max: int = 0
    judge_calls: int = 0
    model_input_tokens: int = 0
    model_output_tokens: int = 0
    judge_input_tokens: int = 0
    judge_output_tokens: int = 0

    def __add__(self, other: CallEstimate) -> CallEstimate:
        return CallEstimate(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def to_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class SweepEstimate:
    """Per-run and total estimates, the number of requests they assume, and what is an upper bound."""

    n_requests: int
    runs: tuple[tuple[SweepRun, CallEstimate], ...]
    total: CallEstimate
    notes: tuple[str, ...]


def tokens_of(text: str) -> int:
    """Estimated tokens of ``text`` (at least 1 for non-empty text)."""
    return -(-len(text) // CHARS_PER_TOKEN)


def dataset_requests(dataset: DatasetChoice) -> int:
    """How many requests each run takes: ``limit`` capped by the dataset's size. A named remote dataset is not
    fetched (its size at the pinned revision is known); a local file and the smoke set are read."""
    if dataset.name is not None and dataset.name in REMOTE_SOURCES:
        size = KNOWN_DATASET_SIZES[dataset.name]
        return min(size, dataset.limit) if dataset.limit is not None else size
    name = str(Path(dataset.name).expanduser()) if dataset.name is not None else None
    return len(load_dataset(name, limit=dataset.limit, column=dataset.column).requests)


@cache
def _rubric_tokens() -> Mapping[str, tuple[int, ...]]:
    """Tokens of each classifier's judge prompt with empty inputs: one entry per judge call of a sample."""
    return MappingProxyType(
        {
            name: tuple(
                tokens_of(_text(call.prompt(*("" for _ in spec.inputs)))) for call in spec.judge.calls
            )
            for name, spec in CLASSIFIER_CATALOG.items()
        }
    )


def _text(prompt: JudgePrompt) -> str:
    return prompt.text if isinstance(prompt, JudgeMessages) else prompt


def _question_tokens(spec: ClassifierSpec) -> int:
    """Tokens of the longest question a classifier puts to the model under test (0 when it asks none)."""
    questions = spec.judge.questions if isinstance(spec.judge, FollowUpJudge) else ()
    return max((tokens_of(follow_up_question(question)) for question in questions), default=0)


def _prompt_tokens(run: SweepRun) -> list[int]:
    """Estimated input tokens of the first call of one sample in each of the run's tiers."""
    request = "x" * ASSUMED_REQUEST_CHARS
    counts = []
    for tier in run.run_tiers:
        prompt = render_prompt(request, tier, run.scenario)
        if run.scenario.prompt_format == "base":
            counts.append(tokens_of(render_base_document(prompt, run.scenario).text))
        else:
            counts.append(tokens_of(prompt.system) + tokens_of(prompt.user))
    return counts


@dataclass(frozen=True)
class JudgeLoad:
    """What the judges read of one sample, before the alignment-faking votes are split into calls.

    ``calls``: the (rubric, rest) input tokens of each judge call that is not an AF vote (StrongREJECT,
    partial compliance, ...), the rest being the request and the response they are shown. ``votes``: the AF
    votes per sample (0 when no AF judge runs), each reading ``vote_rubric`` tokens of rubric followed by
    ``vote_rest`` tokens of scratchpad (every call of a sample resends both)."""

    calls: tuple[tuple[int, int], ...] = ()
    votes: int = 0
    vote_rubric: int = 0
    vote_rest: int = 0


def judge_load(run: SweepRun) -> JudgeLoad | None:
    """The per-sample :class:`JudgeLoad` of ``run``; None under the offline judge (no judge calls)."""
    judging = run.settings.judging
    if judging.offline:
        return None
    reply = run.settings.generation.max_tokens  # a response (and its scratchpad) counted at max_tokens
    request_tokens = tokens_of("x" * ASSUMED_REQUEST_CHARS)
    calls: list[tuple[int, int]] = []
    load = JudgeLoad()
    for spec in select_classifiers(judging.classifiers):
        if spec.needs_scratchpad and not run.scenario.cot:
            continue  # a sample without a scratchpad is not judged
        rubrics = _rubric_tokens()[spec.name]
        if isinstance(spec.judge, VotingJudge):
            load = JudgeLoad(votes=judging.af_votes, vote_rubric=rubrics[0], vote_rest=reply)
            continue
        calls.extend((rubric, request_tokens + reply) for rubric in rubrics)
    return JudgeLoad(
        calls=tuple(calls), votes=load.votes, vote_rubric=load.vote_rubric, vote_rest=load.vote_rest
    )


def vote_calls_per_sample(votes: int, calls: AfVoteCalls, sequential: bool) -> int:
    """Judge calls that draw ``votes`` AF votes of one sample: one per vote (``separate``), one call of ``n``
    choices (``choices``), or under sequential voting one per batch of choices, every batch drawn (an upper
    bound: the vote usually stops earlier)."""
    if calls == "separate" or votes == 0:
        return votes
    if not sequential:
        return 1
    return -(-votes // min(SequentialVotingPolicy.batch_size, votes))


def estimate_run(run: SweepRun, n_requests: int) -> CallEstimate:
    """Calls and tokens of one run of ``n_requests`` requests in each of its tiers."""
    generation, judging = run.settings.generation, run.settings.judging
    samples = n_requests * len(run.run_tiers)
    prompt_tokens = sum(_prompt_tokens(run)) * n_requests
    reply = generation.max_tokens
    estimate = CallEstimate(
        samples=samples,
        model_calls=samples,
        model_calls_max=samples * generation.max_attempts * generation.max_turns,
        model_input_tokens=prompt_tokens,
        model_output_tokens=samples * reply,
    )
    load = judge_load(run)
    if load is None:
        return estimate  # the offline judges run locally; the rest are not judged offline
    votes = vote_calls_per_sample(load.votes, judging.af_vote_calls, judging.af_sequential)
    judge_calls = len(load.calls) + votes
    judge_in = sum(rubric + rest for rubric, rest in load.calls) + votes * (load.vote_rubric + load.vote_rest)
    judge_out = (len(load.calls) + load.votes) * JUDGE_REPLY_TOKENS
    for spec in select_classifiers(judging.classifiers):
        if not spec.subject_calls:
            continue
        # Questions to the model under test (the follow-ups), each after the whole conversation so far.
        question = _question_tokens(spec)
        per_sample_prompt = prompt_tokens // max(samples, 1)
        asked = spec.subject_calls * samples
        estimate = _plus(
            estimate,
            model_calls=asked,
            model_calls_max=asked,
            model_input_tokens=asked * (per_sample_prompt + reply + question),
            model_output_tokens=asked * reply,
        )
    return _plus(
        estimate,
        judge_calls=samples * judge_calls,
        judge_input_tokens=samples * judge_in,
        judge_output_tokens=samples * judge_out,
    )


def _plus(estimate: CallEstimate, **extra: int) -> CallEstimate:
    return estimate + CallEstimate(**extra)


def estimate_calls(runs: Sequence[SweepRun], n_requests: int) -> SweepEstimate:
    """Per-run and total calls and tokens of ``runs``, each over ``n_requests`` requests per tier."""
    if n_requests < 0:
        raise ValueError("n_requests must not be negative")
    per_run = tuple((run, estimate_run(run, n_requests)) for run in runs)
    total = CallEstimate()
    for _, estimate in per_run:
        total = total + estimate
    return SweepEstimate(n_requests=n_requests, runs=per_run, total=total, notes=_notes(runs))


_NOTES: Final[Sequence[tuple[Callable[[SweepRun], bool], str]]] = (
    (
        lambda run: run.settings.judging.offline,
        "offline judge: no judge calls (partial compliance and the optional classifiers are not judged)",
    ),
    (
        lambda run: run.settings.judging.af_sequential and not run.settings.judging.offline,
        "sequential AF voting stops once the vote is settled: its judge calls are an upper bound",
    ),
    (
        lambda run: (
            not run.settings.judging.offline
            and any(spec.compliant_only for spec in select_classifiers(run.settings.judging.classifiers))
        ),
        "compliant-only classifiers are counted on every sample: an upper bound",
    ),
)


def _notes(runs: Sequence[SweepRun]) -> tuple[str, ...]:
    notes = [
        "model calls assume every first reply is valid (max: every re-query and continuation turn)",
        f"tokens at ~{CHARS_PER_TOKEN} characters per token; output tokens count every reply at max_tokens "
        f"and every judge reply at {JUDGE_REPLY_TOKENS}",
    ]
    notes.extend(text for applies, text in _NOTES if any(applies(run) for run in runs))
    return tuple(notes)


def model_usd(run: SweepRun, estimate: CallEstimate) -> float | None:
    """List-price dollars of the model under test in one run's estimate (None when it is unpriced)."""
    return estimate_cost(run.model.model, estimate.model_input_tokens, estimate.model_output_tokens)


def estimate_usd(run: SweepRun, estimate: CallEstimate) -> float | None:
    """List-price dollars of one run's estimate: the model under test plus the judge, every input token
    uncached and no batch discount (an upper bound), from the same price table as a run's cost block.

    None when either model is unpriced (an offline judge costs nothing)."""
    judge = run.settings.judging.judge_model
    judge_usd = (
        0.0
        if judge == OFFLINE_JUDGE
        else estimate_cost(judge, estimate.judge_input_tokens, estimate.judge_output_tokens)
    )
    usd = model_usd(run, estimate)
    if usd is None or judge_usd is None:
        return None
    return usd + judge_usd
