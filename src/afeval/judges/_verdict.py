"""What every judge hands on: one verdict per sample, and the status saying whether it judged at all.

It lives with the judges, whose verdict builders make it; :mod:`afeval.outcomes` (which combines verdicts into
the paper's categories and rates) re-exports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class JudgeStatus(StrEnum):
    """Whether a judge produced a verdict for a sample."""

    JUDGED = "judged"
    NOT_JUDGED = "not_judged"  # the judge does not apply (invalid response, no scratchpad, offline judge)
    JUDGE_ERROR = "judge_error"  # the judge's replies could not be parsed, even after retries


@dataclass(frozen=True)
class Verdict:
    """One judge's verdict on one sample.

    ``decision`` is the judge's yes/no answer (compliant? alignment faking? partially compliant?); ``score`` its
    graded form (StrongREJECT score, AF vote fraction, offline AF score); ``label`` a named class where the judge
    has one (``af`` / ``maybe`` / ``not_af``). ``votes`` holds one record per judge vote.
    """

    status: JudgeStatus
    judge: str
    decision: bool | None = None
    score: float | None = None
    label: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    votes: tuple[Mapping[str, Any], ...] = ()
    n_errors: int = 0
    error: str | None = None

    @property
    def judged(self) -> bool:
        return self.status is JudgeStatus.JUDGED

    def to_dict(self, *, votes: bool = True) -> dict[str, Any]:
        """The verdict as a JSON-able dict; ``votes=False`` leaves out the per-vote records (every rate is
        computed without them, and they are most of a verdict's size)."""
        return {
            "status": self.status.value,
            "judge": self.judge,
            "decision": self.decision,
            "score": self.score,
            "label": self.label,
            "details": dict(self.details),
            "votes": [dict(vote) for vote in self.votes] if votes else [],
            "n_errors": self.n_errors,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        return cls(
            status=JudgeStatus(data["status"]),
            judge=str(data["judge"]),
            decision=data.get("decision"),
            score=data.get("score"),
            label=data.get("label"),
            details=dict(data.get("details") or {}),
            votes=tuple(dict(v) for v in data.get("votes") or ()),
            n_errors=int(data.get("n_errors") or 0),
            error=data.get("error"),
        )

    @classmethod
    def not_judged(cls, judge: str, reason: str) -> Verdict:
        return cls(status=JudgeStatus.NOT_JUDGED, judge=judge, details={"reason": reason})
