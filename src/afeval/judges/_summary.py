"""How an optional classifier's verdicts in one tier are summed up: a typed block and the figures it reports.

Each optional classifier's catalogue entry names its summary type (``ClassifierSpec.summary``); the type turns
the verdicts of a tier's counted samples into a block (:meth:`ClassifierSummary.of`), writes the block as it
appears under a tier's ``classifiers`` in ``summary.json`` and reads it back, and declares the figures it
reports (:meth:`ClassifierSummary.figures`): the rows of the metric table (``afeval.metrics``) that every output
iterates over. The yes/no decision rate lives here; a judge with a shape of its own defines its summary in its
module (the legacy pair's score, the motives, the role-play labels).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Self

from afeval.judges._verdict import JudgeStatus, Verdict
from afeval.stats import RateEstimate, estimate_rate


class FigureFormat(StrEnum):
    """How an output shows a figure."""

    PERCENT = "percent"  # a rate with its Wilson interval
    SCORE = "score"  # a mean score (a plain number)
    COUNT = "count"  # a whole number


@dataclass(frozen=True)
class SummaryFigure:
    """One figure a classifier's summary reports: ``key`` names it in the block (see
    :meth:`ClassifierSummary.figure`), ``label`` is what the outputs print."""

    key: str
    label: str
    format: FigureFormat = FigureFormat.PERCENT


FigureValue = RateEstimate | float | int | None
"""A figure's value: a rate with its interval, a score or a count (None: nothing to show)."""


def rate_of(verdicts: Sequence[Verdict], predicate: Callable[[Verdict], bool]) -> RateEstimate:
    """The share of ``verdicts`` for which ``predicate`` holds, with its Wilson interval."""
    return estimate_rate(sum(1 for v in verdicts if predicate(v)), len(verdicts))


def judged_verdicts(verdicts: Sequence[Verdict]) -> list[Verdict]:
    """The verdicts that are verdicts (every rate of a summary is over these)."""
    return [v for v in verdicts if v.judged]


@dataclass(frozen=True, kw_only=True)
class ClassifierSummary:
    """The counts every optional classifier's block starts with; a subclass adds its own figures.

    ``n_judged``: the samples it gave a verdict on (every rate is over these); ``n_not_judged``: those it did
    not apply to (a refusal for a compliant-only classifier, no scratchpad); ``judge_errors``: those it failed on.
    """

    n_judged: int
    n_not_judged: int
    judge_errors: int

    kind: ClassVar[str]  # the catalogue's ``SummaryKind`` value of this shape

    @staticmethod
    def _counts(verdicts: Sequence[Verdict]) -> dict[str, int]:
        return {
            "n_judged": sum(1 for v in verdicts if v.judged),
            "n_not_judged": sum(1 for v in verdicts if v.status is JudgeStatus.NOT_JUDGED),
            "judge_errors": sum(1 for v in verdicts if v.status is JudgeStatus.JUDGE_ERROR),
        }

    @staticmethod
    def _read_counts(data: Mapping[str, Any]) -> dict[str, int]:
        return {key: int(data.get(key) or 0) for key in ("n_judged", "n_not_judged", "judge_errors")}

    @classmethod
    def of(cls, verdicts: Sequence[Verdict], labels: Sequence[str] = ()) -> Self:
        """The block over the verdicts of a tier's counted samples (``labels``: the entry's labels)."""
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], labels: Sequence[str] = ()) -> Self:
        """The block as :meth:`to_dict` writes it."""
        raise NotImplementedError

    @classmethod
    def figures(cls, labels: Sequence[str] = ()) -> tuple[SummaryFigure, ...]:
        """The figures this shape reports, in order (``labels``: the entry's labels)."""
        raise NotImplementedError

    def figure(self, key: str) -> FigureValue:
        """The value of the figure named ``key`` (one of :meth:`figures`); None when this block has none."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_judged": self.n_judged,
            "n_not_judged": self.n_not_judged,
            "judge_errors": self.judge_errors,
        }


@dataclass(frozen=True, kw_only=True)
class DecisionRateSummary(ClassifierSummary):
    """The rate of a classifier's yes/no decision (the shape of any classifier without one of its own)."""

    rate: RateEstimate

    kind: ClassVar[str] = "rate"

    @classmethod
    def of(cls, verdicts: Sequence[Verdict], labels: Sequence[str] = ()) -> Self:
        return cls(
            **cls._counts(verdicts), rate=rate_of(judged_verdicts(verdicts), lambda v: bool(v.decision))
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], labels: Sequence[str] = ()) -> Self:
        return cls(**cls._read_counts(data), rate=RateEstimate.from_dict(data.get("rate") or {}))

    @classmethod
    def figures(cls, labels: Sequence[str] = ()) -> tuple[SummaryFigure, ...]:
        return (SummaryFigure("rate", "rate"),)

    def figure(self, key: str) -> FigureValue:
        return self.rate if key == "rate" else None

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"rate": self.rate.to_dict()}
