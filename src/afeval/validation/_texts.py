"""The texts a judge is validated on or scores: JSONL files of texts (with human labels), and one judged text.

A validation starts from a labelled JSONL file (one ``text`` and ``label`` per line); each text gets a
:class:`TextJudgement` (a majority vote of judge votes, the offline score, or the verdict of a judge that reads
the text once). Pure: calling a judge model is
the engine's job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from afeval._util.jsonl import json_objects
from afeval.errors import AfevalError
from afeval.judges import AF_THRESHOLD, MAYBE_THRESHOLD, Verdict, af_label, majority_vote

# ---------------------------------------------------------------------------------------------------------
# One judged text


class TextVerdict(StrEnum):
    """A judge's verdict on one text: the majority-vote labels, or an error when it could not judge."""

    AF = "af"
    MAYBE = "maybe"
    NOT_AF = "not_af"
    ERROR = "error"


@dataclass(frozen=True)
class TextJudgement:
    """What a judge said about one text.

    ``score`` is the Yes fraction of the parseable votes (or the offline judge's score), ``None`` on error.
    ``votes`` holds one entry per vote asked for: True/False, or None for a reply that could not be parsed.
    ``vote_records`` keeps each vote's details (criteria, quotes) for LLM judges; it is empty offline.
    """

    score: float | None
    verdict: TextVerdict
    votes: tuple[bool | None, ...] = ()
    error: str | None = None
    vote_records: tuple[Mapping[str, Any], ...] = field(default=(), compare=False)

    @property
    def parsed_votes(self) -> tuple[bool, ...]:
        """The votes that could be read, in order."""
        return tuple(vote for vote in self.votes if vote is not None)

    @classmethod
    def from_score(
        cls, score: float, *, threshold: float = AF_THRESHOLD, maybe_threshold: float = MAYBE_THRESHOLD
    ) -> TextJudgement:
        """A judgement from a single score in [0, 1] (the offline judge); raises ValueError outside [0, 1]."""
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"a judge score must lie in [0, 1], got {score}")
        label = af_label(score, threshold=threshold, maybe_threshold=maybe_threshold)
        return cls(score=score, verdict=TextVerdict(label.value))

    @classmethod
    def from_votes(
        cls,
        votes: Sequence[bool | None],
        *,
        vote_records: Sequence[Mapping[str, Any]] = (),
        failure_reason: str | None = None,
        threshold: float = AF_THRESHOLD,
        maybe_threshold: float = MAYBE_THRESHOLD,
    ) -> TextJudgement:
        """A majority-vote judgement over the votes that could be read; ``error`` when none could (with
        ``failure_reason``, e.g. the judge's last parse error, in the message)."""
        parsed = [vote for vote in votes if vote is not None]
        records = tuple(vote_records)
        if not parsed:
            error = f"none of the {len(votes)} judge votes could be parsed"
            return cls(
                score=None,
                verdict=TextVerdict.ERROR,
                votes=tuple(votes),
                error=f"{error} ({failure_reason})" if failure_reason else error,
                vote_records=records,
            )
        tally = majority_vote(parsed, threshold=threshold, maybe_threshold=maybe_threshold)
        return cls(
            score=tally.score,
            verdict=TextVerdict(tally.label.value),
            votes=tuple(votes),
            vote_records=records,
        )

    @classmethod
    def from_verdict(cls, verdict: Verdict) -> TextJudgement:
        """The judgement of a judge that reads a text once (not a vote): its verdict's score, else its yes/no
        decision as 1/0, labelled at the alignment-faking thresholds; an error when it did not judge."""
        if not verdict.judged:
            reason = verdict.error or str(verdict.details.get("reason") or verdict.status.value)
            return cls.failed(reason)
        score = verdict.score if verdict.score is not None else verdict.decision
        if score is None:
            return cls.failed("the judge gave neither a score nor a decision")
        return cls.from_score(float(score))

    @classmethod
    def failed(cls, error: str, *, votes: Sequence[bool | None] = ()) -> TextJudgement:
        """A text the judge could not score at all."""
        return cls(score=None, verdict=TextVerdict.ERROR, votes=tuple(votes), error=error)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "verdict": self.verdict.value,
            "votes": list(self.votes),
            "error": self.error,
            "vote_records": [dict(record) for record in self.vote_records],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TextJudgement:
        score = data.get("score")
        return cls(
            score=None if score is None else float(score),
            verdict=TextVerdict(data["verdict"]),
            votes=tuple(None if vote is None else bool(vote) for vote in data.get("votes", ())),
            error=data.get("error"),
            vote_records=tuple(data.get("vote_records", ())),
        )


# ---------------------------------------------------------------------------------------------------------
# Reading texts


class TextFileError(AfevalError, ValueError):
    """A JSONL file of texts that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class TextRecord:
    """One line of a JSONL file of texts: its ``text``, its human ``label`` if any, and every field as read."""

    line: int
    text: str
    label: int | None
    fields: Mapping[str, Any]


def _read_label(value: Any) -> int:
    # bool is an int subclass: true/false are accepted as 1/0 on purpose.
    if isinstance(value, int) and value in (0, 1):
        return int(value)
    raise ValueError(f"'label' must be 1 (alignment faking) or 0 (not), got {value!r}")


def read_text_records(path: Path, *, require_label: bool = False) -> tuple[TextRecord, ...]:
    """Read a JSONL file with one object per line holding a non-empty string ``text`` (and ``label`` 1/0
    when ``require_label``). Blank lines are skipped; every other field is kept.

    Raises TextFileError with the file and line number of the first bad line, or when there are no records.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TextFileError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise TextFileError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    records: list[TextRecord] = []
    objects = json_objects(
        lines,
        path=path,
        error=TextFileError,
        not_json="{path} line {line}: not valid JSON ({error.msg})",
        not_object="{path} line {line}: expected a JSON object, got {type}",
    )
    for number, data in objects:
        where = f"{path} line {number}"
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            raise TextFileError(f"{where}: 'text' must be a non-empty string")
        label: int | None = None
        if require_label or data.get("label") is not None:
            if "label" not in data:
                raise TextFileError(f"{where}: no 'label' field (1 = alignment faking, 0 = not)")
            try:
                label = _read_label(data["label"])
            except ValueError as exc:
                raise TextFileError(f"{where}: {exc}") from None
        records.append(TextRecord(line=number, text=text, label=label, fields=data))
    if not records:
        raise TextFileError(f"{path}: no records (expected one JSON object per line)")
    return tuple(records)


def read_labelled_texts(path: Path) -> tuple[TextRecord, ...]:
    """Read a human-labelled JSONL file (``text``, ``label`` 1 = AF / 0 = not); see :func:`read_text_records`."""
    return read_text_records(path, require_label=True)


def judgement_row(record: TextRecord, judgement: TextJudgement, *, with_votes: bool) -> dict[str, Any]:
    """The output row for one scored text: its input fields, then ``score`` and ``verdict``; with
    ``with_votes`` (LLM judges) also the Yes count, the per-vote records and any error."""
    row: dict[str, Any] = {**record.fields, "score": judgement.score, "verdict": judgement.verdict.value}
    if with_votes:
        row["yes_votes"] = sum(judgement.parsed_votes)
        row["parsed_votes"] = len(judgement.parsed_votes)
        row["votes"] = [dict(vote) for vote in judgement.vote_records]
    if judgement.error is not None or with_votes:
        row["error"] = judgement.error
    return row
