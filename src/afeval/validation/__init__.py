"""Validating an alignment-faking judge against human labels, as Sheshadri et al. (2025) validated theirs.

* ``_texts``: the JSONL files of texts (with human labels) a judge scores, and one judged text;
* ``_metrics``: AUROC with a bootstrap interval, threshold metrics, the ROC curve and AUROC against the
  number of votes, as pure functions over labels, scores and votes.
"""

from afeval.validation._metrics import (
    DEFAULT_BOOTSTRAP,
    DEFAULT_CONFIDENCE,
    DEFAULT_SEED,
    DEFAULT_VOTE_SUBSAMPLES,
    AurocAtVotes,
    AurocEstimate,
    AurocVotesCurve,
    JudgeValidation,
    RocCurve,
    ThresholdMetrics,
    auroc,
    auroc_vs_votes,
    auroc_with_ci,
    roc_points,
    threshold_metrics,
    validate_judge,
    youden_threshold,
)
from afeval.validation._texts import (
    TextFileError,
    TextJudgement,
    TextRecord,
    TextVerdict,
    judgement_row,
    read_labelled_texts,
    read_text_records,
)

__all__ = [
    "DEFAULT_BOOTSTRAP",
    "DEFAULT_CONFIDENCE",
    "DEFAULT_SEED",
    "DEFAULT_VOTE_SUBSAMPLES",
    "AurocAtVotes",
    "AurocEstimate",
    "AurocVotesCurve",
    "JudgeValidation",
    "RocCurve",
    "TextFileError",
    "TextJudgement",
    "TextRecord",
    "TextVerdict",
    "ThresholdMetrics",
    "auroc",
    "auroc_vs_votes",
    "auroc_with_ci",
    "judgement_row",
    "read_labelled_texts",
    "read_text_records",
    "roc_points",
    "threshold_metrics",
    "validate_judge",
    "youden_threshold",
]
