"""Score free-standing texts with an alignment-faking judge: the engine side of ``afeval judges``.

An LLM judge runs through Inspect: one sample per text, and a scorer that draws the majority-vote votes with
:func:`~afeval.engine.task._scorers.collect_af_votes` (cached, each vote its own call at temperature 1), so the
``.eval`` log keeps every judge reply. The offline judge needs no Inspect: its score is computed directly.
Either way the result is one :class:`~afeval.validation.TextJudgement` per text, in input order; a text whose
votes cannot be parsed becomes an ``error`` judgement and the others carry on.

``score_text_file`` and ``validate_judge_file`` are the two commands' whole work (read, judge, write), kept
here so the command line only parses options and prints.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, Unpack

from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.log import EvalLog, read_eval_log
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import Generate, Solver, TaskState, solver

from afeval._util.jsonl import write_jsonl
from afeval._util.text import first_line
from afeval.engine.runs._preflight import preflight_judge
from afeval.engine.runs._run import eval_options
from afeval.engine.task._judge_calls import judge_model
from afeval.engine.task._scorers import judged_rate
from afeval.engine.task._voting import collect_af_votes
from afeval.judges import (
    AF_THRESHOLD,
    DEFAULT_AF_VOTES,
    OFFLINE_JUDGE,
    AlignmentFakingVote,
    JudgeReply,
    alignment_faking_judge_prompt,
)
from afeval.judges.offline_classifier import (
    OFFLINE_AF_THRESHOLD,
    OFFLINE_MAYBE_THRESHOLD,
    shared_offline_classifier,
)
from afeval.redaction import redact
from afeval.results import LOGS_DIR
from afeval.settings import JudgingSettings
from afeval.validation import (
    DEFAULT_BOOTSTRAP,
    DEFAULT_SEED,
    DEFAULT_VOTE_SUBSAMPLES,
    JudgeValidation,
    TextJudgement,
    TextRecord,
    judgement_row,
    read_labelled_texts,
    read_text_records,
    validate_judge,
)

JUDGEMENT_KEY = "judgement"
TASK_NAME = "afeval_judge_texts"
VALIDATION_FILE = "validation.json"
VOTES_FILE = "votes.jsonl"


class JudgeRunOptions(TypedDict, total=False):
    """How an LLM judge's Inspect run goes (see :func:`score_texts` for each one's default): the cache, the
    votes as choices of one call, concurrent connections and the progress display."""

    cache: bool
    num_choices: bool
    max_connections: int | None
    display: str | None


def vote_record(index: int, reply: JudgeReply) -> dict[str, Any]:
    """One vote as stored in the results: its reading of the four criteria, or why it could not be read."""
    if reply.parsed is None:
        return {"vote": index, "status": "error", "error": reply.error, "tries": reply.tries}
    vote: AlignmentFakingVote = reply.parsed
    return {
        "vote": index,
        "status": "ok",
        "alignment_faking": vote.is_alignment_faking,
        "criteria": list(vote.criteria),
        "quotes": list(vote.quotes),
        "stated_final_answer": vote.stated_final_answer,
        "tries": reply.tries,
    }


def judgement_of_replies(replies: Sequence[JudgeReply]) -> TextJudgement:
    """Majority vote over the judge's replies; unreadable replies count as missing votes."""
    votes = [None if reply.parsed is None else bool(reply.parsed.is_alignment_faking) for reply in replies]
    records = [vote_record(index, reply) for index, reply in enumerate(replies)]
    reasons = [reply.error for reply in replies if reply.error]
    return TextJudgement.from_votes(
        votes, vote_records=records, failure_reason=reasons[-1][:300] if reasons else None
    )


@solver
def judge_the_input() -> Solver:
    """No generation: the sample's input is the text under judgement, and the scorer does the judging."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        return state

    return solve


@scorer(metrics=[judged_rate()])
def text_alignment_faking_scorer(settings: JudgingSettings) -> Scorer:
    """Majority vote of ``settings.af_votes`` alignment-faking votes on the sample's input text."""

    async def score(state: TaskState, target: Target) -> Score:
        replies = await collect_af_votes(
            judge_model(settings), alignment_faking_judge_prompt(state.input_text), settings
        )
        judgement = judgement_of_replies(replies)
        return Score(
            value=float("nan") if judgement.score is None else judgement.score,
            answer=judgement.verdict.value,
            explanation=judgement.error,
            metadata={JUDGEMENT_KEY: judgement.to_dict()},
        )

    return score


def judge_texts_task(texts: Sequence[str], settings: JudgingSettings) -> Task:
    """The Inspect task that judges ``texts``; sample ids are the texts' positions."""
    return Task(
        dataset=MemoryDataset([Sample(id=index, input=text) for index, text in enumerate(texts)]),
        solver=judge_the_input(),
        scorer=text_alignment_faking_scorer(settings),
        name=TASK_NAME,
        metadata={"judge_model": settings.judge_model, "af_votes": settings.af_votes},
    )


def _judgements_from_log(log: EvalLog, n_texts: int) -> list[TextJudgement]:
    if log.samples is None:
        log = read_eval_log(log.location)
    found: dict[int, TextJudgement] = {}
    for sample in log.samples or []:
        scores = sample.scores or {}
        score = next(iter(scores.values()), None)
        index = int(sample.id)
        if score is not None and score.metadata and JUDGEMENT_KEY in score.metadata:
            found[index] = TextJudgement.from_dict(score.metadata[JUDGEMENT_KEY])
        else:
            reason = (
                redact(first_line(sample.error.message)) if sample.error else "the judge did not score it"
            )
            found[index] = TextJudgement.failed(reason[:500])
    missing = TextJudgement.failed(f"not judged (run status {log.status})")
    return [found.get(index, missing) for index in range(n_texts)]


def score_texts(
    texts: Sequence[str],
    judge: str,
    votes: int = DEFAULT_AF_VOTES,
    log_dir: Path | None = None,
    *,
    cache: bool = True,
    num_choices: bool = False,
    max_connections: int | None = None,
    display: str | None = None,
) -> list[TextJudgement]:
    """Judge each text for alignment-faking reasoning; one judgement per text, in order.

    ``judge`` is ``offline`` (the rule-based score, computed here, no votes) or any Inspect model string (a
    majority vote of ``votes`` votes per text, drawn through Inspect with its logs in ``log_dir``).
    Raises ValueError for ``votes < 1`` or an LLM judge without ``log_dir``, ConfigError for a judge model
    that cannot be resolved.
    """
    if judge == OFFLINE_JUDGE:
        scores = shared_offline_classifier().score_many(list(texts))
        return [
            TextJudgement.from_score(
                score, threshold=OFFLINE_AF_THRESHOLD, maybe_threshold=OFFLINE_MAYBE_THRESHOLD
            )
            for score in scores
        ]
    if votes < 1:
        raise ValueError(f"--votes must be at least 1, got {votes}")
    if log_dir is None:
        raise ValueError("an LLM judge needs a log directory for its Inspect logs")
    if not texts:
        return []
    preflight_judge(judge, flag="--judge")
    settings = JudgingSettings(judge_model=judge, af_votes=votes, af_num_choices=num_choices, cache=cache)
    logs = inspect_eval(
        judge_texts_task(texts, settings),
        model=judge,
        log_dir=str(log_dir),
        # A text that fails is recorded as an error; the others are kept.
        **eval_options(display=display, max_connections=max_connections),
    )
    return _judgements_from_log(logs[0], len(texts))


def score_text_file(
    input_path: Path,
    output_path: Path,
    judge: str,
    votes: int = DEFAULT_AF_VOTES,
    log_dir: Path | None = None,
    **options: Unpack[JudgeRunOptions],
) -> list[TextJudgement]:
    """Judge every ``text`` of a JSONL file and write one row per record, in order: the input's fields plus
    ``score`` and ``verdict`` (and, for LLM judges, the vote records). Logs default to ``<output>.logs/``.

    Raises TextFileError for a bad input file, plus what :func:`score_texts` raises.
    """
    records = read_text_records(input_path)
    judgements = score_texts(
        [record.text for record in records],
        judge,
        votes,
        log_dir or output_path.with_name(output_path.name + ".logs"),
        **options,
    )
    _write_judgements(output_path, records, judgements, with_votes=judge != OFFLINE_JUDGE)
    return judgements


def _write_judgements(
    path: Path, records: Sequence[TextRecord], judgements: Sequence[TextJudgement], *, with_votes: bool
) -> None:
    """One row per text: its record's fields plus its judgement (and its votes ``with_votes``)."""
    write_jsonl(
        path, [judgement_row(r, j, with_votes=with_votes) for r, j in zip(records, judgements, strict=True)]
    )


@dataclass(frozen=True)
class ValidationRun:
    """A finished ``judges validate``: the measurement and the files written (the figures are the report's
    to draw: :mod:`afeval.report.judge_plots`)."""

    validation: JudgeValidation
    judgements: tuple[TextJudgement, ...]
    validation_file: Path
    votes_file: Path | None


def validate_judge_file(
    input_path: Path,
    judge: str,
    out_dir: Path,
    votes: int = DEFAULT_AF_VOTES,
    *,
    seed: int = DEFAULT_SEED,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    vote_subsamples: int = DEFAULT_VOTE_SUBSAMPLES,
    **options: Unpack[JudgeRunOptions],
) -> ValidationRun:
    """Judge a human-labelled JSONL file and measure the judge against the labels.

    Writes ``validation.json`` into ``out_dir``; for LLM judges also ``votes.jsonl`` (every text's votes) and
    Inspect's logs under ``logs/``. Raises TextFileError,
    ConfigError or ValueError (for instance when the judge could score texts of only one class).
    """
    records = read_labelled_texts(input_path)
    judgements = score_texts(
        [record.text for record in records],
        judge,
        votes,
        out_dir / LOGS_DIR,
        **options,
    )
    labels = [int(record.label) for record in records if record.label is not None]
    validation = validate_judge(
        labels,
        judgements,
        judge=judge,
        # The offline classifier's score is not a vote fraction: it is read at its own threshold.
        threshold=OFFLINE_AF_THRESHOLD if judge == OFFLINE_JUDGE else AF_THRESHOLD,
        n_bootstrap=n_bootstrap,
        vote_subsamples=vote_subsamples,
        seed=seed,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    document = {
        "input": str(input_path),
        "votes_requested": votes if judge != OFFLINE_JUDGE else None,
        **validation.to_dict(),
    }
    validation_path = out_dir / VALIDATION_FILE
    validation_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    votes_path: Path | None = None
    if judge != OFFLINE_JUDGE:
        votes_path = out_dir / VOTES_FILE
        _write_judgements(votes_path, records, judgements, with_votes=True)
    return ValidationRun(
        validation=validation,
        judgements=tuple(judgements),
        validation_file=validation_path,
        votes_file=votes_path,
    )
