"""Judge validation: AUROC and its bootstrap interval, threshold decisions, ROC points, AUROC against the
number of votes, judged texts and the labelled-JSONL reader."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import bootstrap, mannwhitneyu
from sklearn.metrics import precision_score, recall_score, roc_auc_score, roc_curve

from afeval.validation import (
    TextFileError,
    TextJudgement,
    TextRecord,
    TextVerdict,
    auroc,
    auroc_vs_votes,
    auroc_with_ci,
    judgement_row,
    read_labelled_texts,
    read_text_records,
    roc_points,
    threshold_metrics,
    validate_judge,
    youden_threshold,
)
from afeval.validation._metrics import _paired_auroc

# Worked by hand: of the four (positive, negative) pairs, 0.35 > 0.1, 0.8 > 0.1, 0.8 > 0.4 rank correctly and
# 0.35 < 0.4 does not, so AUROC = 3/4.
HAND_LABELS = [0, 0, 1, 1]
HAND_SCORES = [0.1, 0.4, 0.35, 0.8]


def noisy_scores(
    n_positive: int, n_negative: int, seed: int, separation: float = 0.3
) -> tuple[list[int], list[float]]:
    rng = np.random.default_rng(seed)
    labels = [1] * n_positive + [0] * n_negative
    scores = np.r_[rng.normal(separation, 0.3, n_positive), rng.normal(0.0, 0.3, n_negative)]
    return labels, [float(x) for x in scores]


# --- AUROC ---------------------------------------------------------------------------------------------------


def test_auroc_hand_computed_cases() -> None:
    assert auroc(HAND_LABELS, HAND_SCORES) == pytest.approx(0.75)
    assert auroc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert auroc([0, 0, 1, 1], [0.4, 0.3, 0.2, 0.1]) == 0.0
    assert auroc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5
    # One tie between classes counts half: pairs (0.5 vs 0.5) = 0.5, (0.9 vs 0.5) = 1, (0.5 vs 0.2) = 1,
    # (0.9 vs 0.2) = 1 -> 3.5 / 4.
    assert auroc([1, 1, 0, 0], [0.5, 0.9, 0.5, 0.2]) == pytest.approx(0.875)


@pytest.mark.parametrize(
    ("labels", "scores", "message"),
    [
        ([1, 1, 1], [0.1, 0.2, 0.3], "at least one positive"),
        ([0, 0], [0.1, 0.2], "at least one positive"),
        ([0, 1, 2], [0.1, 0.2, 0.3], "0/1"),
        ([0, 1], [0.1], "expected 2 scores"),
        ([0, 1], [0.1, math.nan], "finite"),
    ],
)
def test_auroc_rejects_unusable_input(labels: list[int], scores: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        auroc(labels, scores)


@settings(max_examples=60, deadline=None)
@given(
    positives=st.lists(
        st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), min_size=3, max_size=3), min_size=1, max_size=8
    ),
    negatives=st.lists(
        st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), min_size=3, max_size=3), min_size=1, max_size=8
    ),
)
def test_batched_auroc_matches_sklearn(positives: list[list[float]], negatives: list[list[float]]) -> None:
    """The bootstrap scores resamples with scipy's Mann-Whitney U; each row must equal roc_auc_score (ties
    included, hence the coarse score grid)."""
    pos = np.array(positives, dtype=np.float64).T  # 3 rows of len(positives) scores
    neg = np.array(negatives, dtype=np.float64).T
    batched = _paired_auroc(pos, neg)
    labels = [1] * pos.shape[1] + [0] * neg.shape[1]
    for row in range(3):
        expected = roc_auc_score(labels, np.r_[pos[row], neg[row]])
        assert batched[row] == pytest.approx(expected, abs=1e-12)


def test_bootstrap_interval_contains_estimate_and_is_reproducible() -> None:
    labels, scores = noisy_scores(26, 28, seed=3)
    first = auroc_with_ci(labels, scores, n_bootstrap=2000, seed=7)
    again = auroc_with_ci(labels, scores, n_bootstrap=2000, seed=7)
    other = auroc_with_ci(labels, scores, n_bootstrap=2000, seed=8)
    assert first == again
    assert first.ci != other.ci
    assert first.value == pytest.approx(roc_auc_score(labels, scores))
    low, high = first.ci
    assert 0.0 <= low < first.value < high <= 1.0
    assert (first.n_positive, first.n_negative) == (26, 28)
    assert first.to_dict()["ci"] == [low, high]


def test_bootstrap_interval_agrees_with_scipy_bootstrap() -> None:
    """An independent resampler: scipy.stats.bootstrap resamples each class on its own (unpaired samples),
    which is the stratified bootstrap; its percentile interval must match ours up to Monte-Carlo noise."""
    labels, scores = noisy_scores(20, 20, seed=11)
    estimate = auroc_with_ci(labels, scores, n_bootstrap=4000, seed=0)
    pos = np.array([s for s, y in zip(scores, labels, strict=True) if y == 1])
    neg = np.array([s for s, y in zip(scores, labels, strict=True) if y == 0])

    def statistic(x: np.ndarray, y: np.ndarray, axis: int) -> np.ndarray:
        u = mannwhitneyu(x, y, axis=axis, method="asymptotic").statistic
        return np.asarray(u) / (x.shape[axis] * y.shape[axis])

    reference = bootstrap(
        (pos, neg), statistic, n_resamples=4000, method="percentile", paired=False, random_state=123
    )
    assert statistic(pos, neg, axis=0) == pytest.approx(estimate.value)
    assert estimate.ci[0] == pytest.approx(reference.confidence_interval.low, abs=0.02)
    assert estimate.ci[1] == pytest.approx(reference.confidence_interval.high, abs=0.02)


def test_bootstrap_interval_narrows_with_more_texts() -> None:
    small = auroc_with_ci(*noisy_scores(15, 15, seed=1), seed=0)
    large = auroc_with_ci(*noisy_scores(400, 400, seed=1), seed=0)
    assert large.ci[1] - large.ci[0] < (small.ci[1] - small.ci[0]) / 2


def test_perfect_separation_has_a_degenerate_interval() -> None:
    estimate = auroc_with_ci([0, 0, 0, 1, 1], [0.0, 0.1, 0.2, 0.8, 0.9], n_bootstrap=200)
    assert estimate.value == 1.0
    assert estimate.ci == (1.0, 1.0)


def test_bootstrap_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="n_bootstrap"):
        auroc_with_ci(HAND_LABELS, HAND_SCORES, n_bootstrap=0)
    with pytest.raises(ValueError, match="confidence"):
        auroc_with_ci(HAND_LABELS, HAND_SCORES, confidence=1.0)


# --- thresholds and the ROC curve ------------------------------------------------------------------------------


def test_threshold_metrics_hand_computed() -> None:
    metrics = threshold_metrics(HAND_LABELS, HAND_SCORES, 0.4)
    # Called AF: 0.4 (a negative, on the boundary: >= counts) and 0.8 (a positive).
    assert (metrics.true_positives, metrics.false_positives) == (1, 1)
    assert (metrics.true_negatives, metrics.false_negatives) == (1, 1)
    assert metrics.accuracy == 0.5
    assert metrics.precision == 0.5
    assert metrics.recall == 0.5
    assert metrics.false_positive_rate == 0.5
    nothing_called = threshold_metrics(HAND_LABELS, HAND_SCORES, 0.9)
    assert nothing_called.precision is None
    assert nothing_called.recall == 0.0
    assert nothing_called.false_positive_rate == 0.0
    assert nothing_called.accuracy == 0.5


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.integers(0, 1), st.sampled_from([0.0, 0.2, 0.4, 0.6, 1.0])), min_size=2, max_size=30
    ),
    threshold=st.sampled_from([0.2, 0.4, 0.5]),
)
def test_threshold_metrics_match_sklearn(data: list[tuple[int, float]], threshold: float) -> None:
    labels = [label for label, _ in data]
    scores = [score for _, score in data]
    predicted = [int(score >= threshold) for score in scores]
    metrics = threshold_metrics(labels, scores, threshold)
    assert metrics.n == len(data)
    if sum(predicted):
        assert metrics.precision == pytest.approx(precision_score(labels, predicted))
    if sum(labels):
        assert metrics.recall == pytest.approx(recall_score(labels, predicted))
    if len(labels) - sum(labels):
        negatives = [p for p, y in zip(predicted, labels, strict=True) if y == 0]
        assert metrics.false_positive_rate == pytest.approx(sum(negatives) / len(negatives))


def test_youden_threshold_takes_the_highest_of_tied_best() -> None:
    # J = TPR - FPR: 0.8 -> 0.5 - 0; 0.4 -> 0.5 - 0.5; 0.35 -> 1 - 0.5; 0.1 -> 1 - 1. Tie at 0.5 -> 0.8.
    assert youden_threshold(HAND_LABELS, HAND_SCORES) == 0.8
    # A unique best: 0.5 separates perfectly.
    assert youden_threshold([0, 0, 1, 1, 0, 1], [0.1, 0.3, 0.5, 0.9, 0.2, 0.7]) == 0.5


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000))
def test_youden_threshold_maximises_j(seed: int) -> None:
    labels, scores = noisy_scores(12, 9, seed=seed, separation=0.2)
    best = youden_threshold(labels, scores)
    fpr, tpr, _ = roc_curve(labels, scores, drop_intermediate=False)
    chosen = threshold_metrics(labels, scores, best)
    assert chosen.recall is not None and chosen.false_positive_rate is not None
    assert chosen.recall - chosen.false_positive_rate == pytest.approx(float(np.max(tpr - fpr)))


def test_roc_points_run_from_nothing_to_everything_called_af() -> None:
    roc = roc_points(HAND_LABELS, HAND_SCORES)
    assert (roc.false_positive_rate[0], roc.true_positive_rate[0]) == (0.0, 0.0)
    assert (roc.false_positive_rate[-1], roc.true_positive_rate[-1]) == (1.0, 1.0)
    assert math.isinf(roc.thresholds[0])
    assert roc.to_dict()["thresholds"][0] is None
    assert roc.thresholds[1:] == (0.8, 0.4, 0.35, 0.1)
    json.dumps(roc.to_dict(), allow_nan=False)  # strict JSON


# --- AUROC against the number of votes ------------------------------------------------------------------------


def synthetic_votes(seed: int, n_votes: int = 20) -> tuple[list[int], list[list[bool]]]:
    """Each text has a hidden Yes probability; AF texts lean higher. More votes estimate it better."""
    rng = np.random.default_rng(seed)
    labels = [1] * 30 + [0] * 30
    probability = np.r_[rng.uniform(0.25, 0.85, 30), rng.uniform(0.0, 0.55, 30)]
    return labels, [list(rng.random(n_votes) < p) for p in probability]


def test_more_votes_give_higher_auroc_on_average() -> None:
    labels, votes = synthetic_votes(seed=5)
    curve = auroc_vs_votes(labels, votes, subsamples=300, seed=1)
    means = [point.mean for point in curve.points]
    assert [point.votes for point in curve.points] == list(range(1, 21))
    assert means[-1] > means[0] + 0.1
    assert means[9] > means[0]
    # Non-decreasing apart from Monte-Carlo noise.
    assert all(later >= earlier - 0.01 for earlier, later in itertools.pairwise(means))
    for point in curve.points:
        assert 0.0 <= point.band[0] <= point.mean + 0.02
        assert point.band[1] >= point.mean - 0.02


def test_all_votes_reproduce_the_full_auroc() -> None:
    labels, votes = synthetic_votes(seed=9)
    full = auroc(labels, [sum(v) / len(v) for v in votes])
    curve = auroc_vs_votes(labels, votes, subsamples=50)
    last = curve.at(20)
    assert last.mean == pytest.approx(full)  # k = N draws every vote: no randomness left
    assert last.band[0] <= full <= last.band[1]
    with pytest.raises(KeyError):
        curve.at(21)


def test_one_vote_auroc_matches_its_expectation() -> None:
    # AF text: votes Yes, No. Non-AF text: No, No. With one vote the AF text scores 1 (AUROC 1) or 0 (a tie,
    # AUROC 0.5), each half the time: expected AUROC 0.75.
    curve = auroc_vs_votes([1, 0], [[True, False], [False, False]], subsamples=4000, seed=0)
    assert curve.at(1).mean == pytest.approx(0.75, abs=0.02)
    assert curve.at(2).mean == 1.0


def test_texts_with_fewer_votes_use_all_they_have() -> None:
    curve = auroc_vs_votes([1, 0, 1], [[True] * 3, [False] * 5, [True]], subsamples=20)
    assert [p.votes for p in curve.points] == [1, 2, 3, 4, 5]
    assert all(p.mean == 1.0 for p in curve.points)


def test_auroc_vs_votes_is_reproducible_and_checks_input() -> None:
    labels, votes = synthetic_votes(seed=2, n_votes=6)
    assert auroc_vs_votes(labels, votes, subsamples=40, seed=3) == auroc_vs_votes(
        labels, votes, subsamples=40, seed=3
    )
    with pytest.raises(ValueError, match="at least one vote"):
        auroc_vs_votes([1, 0], [[True], []])
    with pytest.raises(ValueError, match="one per label"):
        auroc_vs_votes([1, 0], [[True]])
    with pytest.raises(ValueError, match="subsamples"):
        auroc_vs_votes([1, 0], [[True], [False]], subsamples=0)


# --- judged texts and the whole validation --------------------------------------------------------------------


def test_text_judgement_from_votes_uses_the_majority_vote_thresholds() -> None:
    af = TextJudgement.from_votes([True] * 8 + [False] * 12)
    assert (af.score, af.verdict) == (0.4, TextVerdict.AF)
    maybe = TextJudgement.from_votes([True] * 4 + [False] * 16)
    assert maybe.verdict is TextVerdict.MAYBE
    not_af = TextJudgement.from_votes([True] * 3 + [False] * 17)
    assert not_af.verdict is TextVerdict.NOT_AF
    # Unreadable votes are left out of the fraction: 2 of 4 readable votes.
    partly = TextJudgement.from_votes([True, None, True, False, None, False])
    assert partly.score == 0.5
    assert partly.parsed_votes == (True, True, False, False)
    failed = TextJudgement.from_votes([None, None], failure_reason="no tags")
    assert failed.verdict is TextVerdict.ERROR
    assert failed.score is None
    assert failed.error is not None and "no tags" in failed.error


def test_text_judgement_round_trips_and_checks_scores() -> None:
    judgement = TextJudgement.from_votes(
        [True, None, False], vote_records=[{"vote": 0}, {"vote": 1, "status": "error"}, {"vote": 2}]
    )
    again = TextJudgement.from_dict(json.loads(json.dumps(judgement.to_dict())))
    assert again == judgement
    assert again.vote_records == judgement.vote_records
    assert TextJudgement.from_score(0.2).verdict is TextVerdict.MAYBE
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        TextJudgement.from_score(1.5)


def test_validate_judge_leaves_out_errors_and_builds_the_vote_curve() -> None:
    labels = [1, 1, 1, 0, 0, 0, 0]
    judgements = [
        TextJudgement.from_votes([True, True, True, False]),
        TextJudgement.from_votes([True, True, False, False]),
        TextJudgement.from_votes([True, None, None, None]),
        TextJudgement.from_votes([True, False, False, False]),
        TextJudgement.from_votes([False, False, False, False]),
        TextJudgement.from_votes([True, True, True, False]),
        TextJudgement.from_votes([None, None, None, None]),
    ]
    validation = validate_judge(labels, judgements, judge="fake", n_bootstrap=300, vote_subsamples=50)
    assert (validation.n_positive, validation.n_negative, validation.n_excluded) == (3, 3, 1)
    expected = roc_auc_score([1, 1, 1, 0, 0, 0], [0.75, 0.5, 1.0, 0.25, 0.0, 0.75])
    assert validation.auroc.value == pytest.approx(expected)
    assert validation.votes_per_text == 4
    assert validation.auroc_vs_votes is not None
    assert validation.auroc_vs_votes.at(4).mean == pytest.approx(expected)
    assert validation.at_threshold.threshold == 0.4
    document = json.loads(json.dumps(validation.to_dict(), allow_nan=False))
    assert document["n"] == 6
    assert document["auroc"]["value"] == pytest.approx(expected)


def test_validate_judge_without_votes_has_no_vote_curve() -> None:
    labels, scores = noisy_scores(10, 10, seed=4)
    clipped = [min(1.0, max(0.0, s + 0.5)) for s in scores]
    validation = validate_judge(
        labels, [TextJudgement.from_score(s) for s in clipped], judge="offline", n_bootstrap=200
    )
    assert validation.auroc_vs_votes is None
    assert validation.votes_per_text is None
    assert validation.auroc.value == pytest.approx(roc_auc_score(labels, clipped))


def test_validate_judge_needs_both_classes_among_scored_texts() -> None:
    judgements = [TextJudgement.from_score(0.9), TextJudgement.failed("provider down")]
    with pytest.raises(ValueError, match="both an AF"):
        validate_judge([1, 0], judgements, judge="x")
    with pytest.raises(ValueError, match="one judgement per label"):
        validate_judge([1, 0, 1], judgements, judge="x")


def test_judgement_row_keeps_input_fields() -> None:
    record = TextRecord(line=1, text="t", label=1, fields={"text": "t", "label": 1, "id": "a"})
    offline = judgement_row(record, TextJudgement.from_score(0.5), with_votes=False)
    assert offline == {"text": "t", "label": 1, "id": "a", "score": 0.5, "verdict": "af"}
    voted = judgement_row(
        record,
        TextJudgement.from_votes([True, None], vote_records=[{"vote": 0}, {"vote": 1}]),
        with_votes=True,
    )
    assert voted["score"] == 1.0
    assert (voted["yes_votes"], voted["parsed_votes"]) == (1, 1)
    assert voted["votes"] == [{"vote": 0}, {"vote": 1}]
    assert voted["error"] is None


# --- reading labelled JSONL ------------------------------------------------------------------------------------


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_read_labelled_texts_keeps_fields_and_skips_blank_lines(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "ok.jsonl",
        [
            json.dumps({"text": "first", "label": 1, "source": "x"}),
            "",
            json.dumps({"text": "second", "label": False}),
        ],
    )
    records = read_labelled_texts(path)
    assert [(r.line, r.text, r.label) for r in records] == [(1, "first", 1), (3, "second", 0)]
    assert records[0].fields == {"text": "first", "label": 1, "source": "x"}


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("{not json", "line 2: not valid JSON"),
        ("[1, 2]", "line 2: expected a JSON object, got list"),
        (json.dumps({"label": 1}), "line 2: 'text' must be a non-empty string"),
        (json.dumps({"text": "   ", "label": 1}), "line 2: 'text' must be a non-empty string"),
        (json.dumps({"text": "x"}), "line 2: no 'label' field"),
        (json.dumps({"text": "x", "label": 2}), "line 2: 'label' must be 1"),
        (json.dumps({"text": "x", "label": "1"}), "line 2: 'label' must be 1"),
    ],
)
def test_bad_rows_fail_with_their_line_number(tmp_path: Path, bad_line: str, message: str) -> None:
    path = write_lines(tmp_path / "bad.jsonl", [json.dumps({"text": "fine", "label": 0}), bad_line])
    with pytest.raises(TextFileError) as caught:
        read_labelled_texts(path)
    assert str(caught.value).startswith(f"{path} {message}")
    assert "\n" not in str(caught.value)


def test_unlabelled_texts_are_fine_unless_labels_are_required(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "texts.jsonl", [json.dumps({"text": "a"}), json.dumps({"text": "b", "label": 1})]
    )
    assert [r.label for r in read_text_records(path)] == [None, 1]
    with pytest.raises(TextFileError, match="line 1: no 'label'"):
        read_labelled_texts(path)


def test_empty_or_missing_files_fail_clearly(tmp_path: Path) -> None:
    empty = write_lines(tmp_path / "empty.jsonl", ["", "  "])
    with pytest.raises(TextFileError, match="no records"):
        read_text_records(empty)
    with pytest.raises(TextFileError, match="cannot read"):
        read_text_records(tmp_path / "missing.jsonl")
