"""Each catalogue entry's typed summary: built from verdicts, written as summary.json holds it, read back."""

from __future__ import annotations

import json

import pytest

from afeval.judges import (
    CLASSIFIER_CATALOG,
    SUMMARY_TYPES,
    DecisionRateSummary,
    FigureFormat,
    JudgeStatus,
    SummaryKind,
    Verdict,
)
from afeval.outcomes import read_classifier_summary, summarize_classifier
from afeval.stats import RateEstimate

OPTIONAL = [name for name, spec in CLASSIFIER_CATALOG.items() if not spec.core]


def _verdicts(name: str) -> list[Verdict]:
    """Verdicts that give every figure of ``name``'s summary something to count."""
    spec = CLASSIFIER_CATALOG.get(name)
    labels = spec.labels if spec is not None else ()
    judged = [
        Verdict(
            status=JudgeStatus.JUDGED,
            judge=name,
            decision=index % 2 == 0,
            score=score,
            label=label,
            details={"labels": list(labels[: index + 1])} if labels else {},
        )
        for index, (score, label) in enumerate([(1.0, "yes"), (0.5, "unclear"), (0.0, "no")])
    ]
    return [
        *judged,
        Verdict.not_judged(name, "refused"),
        Verdict(status=JudgeStatus.JUDGE_ERROR, judge=name, error="timeout"),
    ]


@pytest.mark.parametrize("name", [*OPTIONAL, "not_in_the_catalogue"])
def test_a_summary_round_trips_through_json(name: str) -> None:
    block = summarize_classifier(name, _verdicts(name))
    read = read_classifier_summary(name, json.loads(json.dumps(block)))
    assert read.to_dict() == block
    assert json.dumps(read.to_dict()) == json.dumps(block)  # the same keys in the same order
    assert (read.n_judged, read.n_not_judged, read.judge_errors) == (3, 1, 1)


@pytest.mark.parametrize("name", OPTIONAL)
def test_every_figure_an_entry_declares_has_a_value_of_its_format(name: str) -> None:
    spec = CLASSIFIER_CATALOG[name]
    summary = spec.summary_type.of(_verdicts(name), spec.labels)
    assert isinstance(summary, spec.summary_type)
    keys = [figure.key for figure in spec.figures]
    assert keys and len(keys) == len(set(keys))
    for figure in spec.figures:
        value = summary.figure(figure.key)
        if figure.format is FigureFormat.PERCENT:
            assert isinstance(value, RateEstimate) and value.n == 3, figure
        else:
            assert isinstance(value, float), figure
    assert summary.figure("no_such_figure") is None


def test_every_summary_kind_has_its_type() -> None:
    assert set(SUMMARY_TYPES) == set(SummaryKind)
    assert all(summary.kind == kind.value for kind, summary in SUMMARY_TYPES.items())
    assert SUMMARY_TYPES[SummaryKind.RATE] is DecisionRateSummary


def test_motive_figures_follow_the_rubric_order() -> None:
    spec = CLASSIFIER_CATALOG["af_motive"]
    assert [figure.key for figure in spec.figures] == [*spec.labels, "none"]
