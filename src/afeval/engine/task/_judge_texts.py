"""Score free-standing texts with a catalogue judge: the engine side of ``afeval judges``.

Each text is a scratchpad, judged by the same scorer body as a run (:func:`~afeval.engine.task._scorers.
judged_sample`): one Inspect sample per text, whose solver hands the text on as the parsed response (its
scratchpad), so any catalogue classifier that reads a scratchpad on its own (:data:`TEXT_CLASSIFIERS`:
``alignment_faking`` by default, ``partial_compliance`` reading the scratchpad alone, ``af_legacy``) can be
validated, with the same prompts, cache scopes and reply parsers as in a run. The ``.eval`` log keeps every
judge reply. The offline judge (alignment faking only) needs no Inspect: its score is computed directly.
Either way the result is one :class:`~afeval.validation.TextJudgement` per text, in input order: the majority
vote of a voting judge's replies, or the verdict of a judge that reads the text once; a text the judge could
not read becomes an ``error`` judgement and the others carry on.

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
from afeval.engine.task._judge_calls import graded_by
from afeval.engine.task._scorers import Judged, judged_rate, judged_sample
from afeval.engine.task._solver import store_parsed_response
from afeval.judges import (
    AF_THRESHOLD,
    CLASSIFIER_CATALOG,
    DEFAULT_AF_VOTES,
    OFFLINE_JUDGE,
    AlignmentFakingVote,
    ClassifierSpec,
    InputField,
    JudgeReply,
    VotingJudge,
)
from afeval.judges.offline_classifier import (
    OFFLINE_AF_THRESHOLD,
    OFFLINE_MAYBE_THRESHOLD,
    shared_offline_classifier,
)
from afeval.parsing import ParsedResponse, ResponseStatus
from afeval.redaction import redact
from afeval.results import LOGS_DIR
from afeval.settings import JudgingSettings, PartialInput
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
TEXT_CLASSIFIER = "alignment_faking"
"""The classifier a text is judged by unless told otherwise."""

TEXT_CLASSIFIERS: tuple[str, ...] = tuple(
    spec.name
    for spec in CLASSIFIER_CATALOG.values()
    if InputField.SCRATCHPAD in spec.inputs
    and InputField.CONVERSATION not in spec.inputs
    and not spec.compliant_only
    and not spec.required
)
"""The classifiers a scratchpad on its own can be judged by: those that read the scratchpad and neither need
the compliance verdict first nor a conversation to continue."""


def text_classifier(name: str) -> ClassifierSpec:
    """The catalogue entry of ``name``, checked to be one a text can be judged by; raises ValueError (one line
    naming the choices) otherwise."""
    if name not in TEXT_CLASSIFIERS:
        raise ValueError(
            f"--classifier {name!r} cannot judge a text on its own; choose from {', '.join(TEXT_CLASSIFIERS)}"
        )
    return CLASSIFIER_CATALOG[name]


def text_settings(judge: str, votes: int, *, num_choices: bool, cache: bool) -> JudgingSettings:
    """The judging settings of a text run: the judge, its votes, and the partial-compliance judge reading the
    scratchpad alone (a text is a scratchpad)."""
    return JudgingSettings(
        judge_model=judge,
        af_votes=votes,
        af_num_choices=num_choices,
        cache=cache,
        partial_input=PartialInput.SCRATCHPAD,
    )


class JudgeRunOptions(TypedDict, total=False):
    """How a judge's run goes (see :func:`score_texts` for each one's default): the classifier that judges,
    the cache, the votes as choices of one call, concurrent connections and the progress display."""

    classifier: str
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


def judgement_of(spec: ClassifierSpec, judged: Judged) -> TextJudgement:
    """A text's judgement: the majority vote over a voting judge's replies, else the verdict."""
    if isinstance(spec.judge, VotingJudge) and judged.replies:
        return judgement_of_replies(judged.replies)
    return TextJudgement.from_verdict(judged.verdict)


def text_as_response(text: str) -> ParsedResponse:
    """A text under judgement as a parsed response: all of it the scratchpad, no final output."""
    return ParsedResponse(
        raw=text, scratchpad=text, output="", accepted=False, refused=False, status=ResponseStatus.VALID
    )


@solver
def judge_the_input() -> Solver:
    """No generation: the sample's input is the text under judgement (a scratchpad), handed to the scorer as
    the parsed response."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        store_parsed_response(state.store, text_as_response(state.input_text), raw=True)
        return state

    return solve


@scorer(metrics=[judged_rate()])
def text_scorer(settings: JudgingSettings, classifier: str = TEXT_CLASSIFIER) -> Scorer:
    """The run's scorer body for ``classifier`` on the sample's text; its judgement in the score's metadata."""
    spec = text_classifier(classifier)

    async def score(state: TaskState, target: Target) -> Score:
        judgement = judgement_of(spec, await judged_sample(state, spec, graded_by(settings)))
        return Score(
            value=float("nan") if judgement.score is None else judgement.score,
            answer=judgement.verdict.value,
            explanation=judgement.error,
            metadata={JUDGEMENT_KEY: judgement.to_dict()},
        )

    return score


def judge_texts_task(
    texts: Sequence[str], settings: JudgingSettings, classifier: str = TEXT_CLASSIFIER
) -> Task:
    """The Inspect task that judges ``texts`` with ``classifier``; sample ids are the texts' positions."""
    metadata: dict[str, Any] = {"judge_model": settings.judge_model, "af_votes": settings.af_votes}
    if classifier != TEXT_CLASSIFIER:
        metadata["classifier"] = classifier
    return Task(
        dataset=MemoryDataset(
            [Sample(id=index, input=text, metadata={"request": ""}) for index, text in enumerate(texts)]
        ),
        solver=judge_the_input(),
        scorer=text_scorer(settings, classifier),
        name=TASK_NAME,
        metadata=metadata,
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
    classifier: str = TEXT_CLASSIFIER,
    cache: bool = True,
    num_choices: bool = False,
    max_connections: int | None = None,
    display: str | None = None,
) -> list[TextJudgement]:
    """Judge each text (a scratchpad) with ``classifier`` (alignment faking by default, or any of
    :data:`TEXT_CLASSIFIERS`); one judgement per text, in order.

    ``judge`` is ``offline`` (alignment faking only: the rule-based score, computed here, no votes) or any
    Inspect model string: the classifier's judge, asked as in a run (for alignment faking a majority vote of
    ``votes`` votes per text), through Inspect with its logs in ``log_dir``. Raises ValueError for a
    classifier that cannot judge a text, ``votes < 1`` or an LLM judge without ``log_dir``, ConfigError for a
    judge model that cannot be resolved.
    """
    text_classifier(classifier)
    if judge == OFFLINE_JUDGE:
        if classifier != TEXT_CLASSIFIER:
            raise ValueError(f"the offline judge has no {classifier} judge; choose an LLM judge with --judge")
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
    settings = text_settings(judge, votes, num_choices=num_choices, cache=cache)
    logs = inspect_eval(
        judge_texts_task(texts, settings, classifier),
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
    """Judge a human-labelled JSONL file and measure the judge against the labels (1: the classifier's
    positive, alignment faking by default).

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
    classifier = options.get("classifier", TEXT_CLASSIFIER)
    voting = isinstance(CLASSIFIER_CATALOG[classifier].judge, VotingJudge)
    document = {
        "input": str(input_path),
        # Another classifier than alignment faking is named; its votes are asked for only if it votes.
        **({} if classifier == TEXT_CLASSIFIER else {"classifier": classifier}),
        "votes_requested": votes if judge != OFFLINE_JUDGE and voting else None,
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
