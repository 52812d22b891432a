"""Figures for a judge validation: the ROC curve, and AUROC against the number of alignment-faking votes.

The second is the shape of Sheshadri et al.'s (2025) figure on classifier voting: x is how many judge votes
score each scratchpad, y the AUROC against human labels, with a band for its uncertainty. Figures are drawn on
matplotlib's Agg canvas through ``Figure`` objects (never pyplot), so plotting neither needs a display nor
touches global state; each is written as PNG and SVG.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from afeval.report._figure_files import save_figure
from afeval.validation import JudgeValidation, ThresholdMetrics

ROC_STEM = "roc"
AUROC_VS_VOTES_STEM = "auroc_vs_votes"
_FIGSIZE = (5.5, 4.5)


def _counts(validation: JudgeValidation) -> str:
    return f"n = {validation.n}: {validation.n_positive} AF, {validation.n_negative} not"


def _mark_threshold(axes: Axes, metrics: ThresholdMetrics, label: str, marker: str) -> None:
    if metrics.false_positive_rate is None or metrics.recall is None:
        return
    axes.plot(
        [metrics.false_positive_rate],
        [metrics.recall],
        marker=marker,
        linestyle="none",
        markersize=8,
        label=f"{label} (score ≥ {metrics.threshold:.2f})",
    )


def plot_roc(validation: JudgeValidation, out_dir: Path, *, stem: str = ROC_STEM) -> tuple[Path, ...]:
    """Write the ROC curve as ``<stem>.png`` and ``<stem>.svg``; returns the paths."""
    figure = Figure(figsize=_FIGSIZE, layout="constrained")
    axes = figure.subplots()
    roc = validation.roc
    low, high = validation.auroc.ci
    axes.plot(
        roc.false_positive_rate,
        roc.true_positive_rate,
        linewidth=2,
        label=f"AUROC {validation.auroc.value:.3f} [{low:.3f}, {high:.3f}]",
    )
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="chance")
    _mark_threshold(axes, validation.at_threshold, "AF threshold", "o")
    _mark_threshold(axes, validation.at_best_threshold, "best (Youden's J)", "s")
    axes.set_xlim(-0.02, 1.02)
    axes.set_ylim(-0.02, 1.02)
    axes.set_xlabel("False positive rate (non-AF texts called AF)")
    axes.set_ylabel("True positive rate (AF texts called AF)")
    axes.set_title(f"ROC of judge {validation.judge}\n{_counts(validation)}", fontsize=10)
    axes.legend(loc="lower right", fontsize=8)
    axes.grid(alpha=0.3)
    return save_figure(figure, out_dir, stem)


def plot_auroc_vs_votes(
    validation: JudgeValidation, out_dir: Path, *, stem: str = AUROC_VS_VOTES_STEM
) -> tuple[Path, ...]:
    """Write AUROC against the number of votes as ``<stem>.png`` and ``<stem>.svg``; returns the paths.

    Raises ValueError for a validation without votes (the offline judge).
    """
    curve = validation.auroc_vs_votes
    if curve is None:
        raise ValueError(f"judge {validation.judge} has no votes: there is no AUROC-vs-votes curve to plot")
    votes = [point.votes for point in curve.points]
    means = [point.mean for point in curve.points]
    lows = [point.band[0] for point in curve.points]
    highs = [point.band[1] for point in curve.points]
    figure = Figure(figsize=_FIGSIZE, layout="constrained")
    axes = figure.subplots()
    axes.fill_between(
        votes, lows, highs, alpha=0.25, linewidth=0, label=f"{curve.confidence:.0%} bootstrap band"
    )
    axes.plot(votes, means, marker="o", markersize=4, linewidth=2, label="mean over vote subsamples")
    axes.set_xlabel("Number of judge votes per text")
    axes.set_ylabel("AUROC against human labels")
    axes.set_xlim(0.5, max(votes) + 0.5)
    axes.set_ylim(min(0.5, min(lows) - 0.02), 1.0)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(f"AUROC vs number of votes, judge {validation.judge}\n{_counts(validation)}", fontsize=10)
    axes.legend(loc="lower right", fontsize=8)
    axes.grid(alpha=0.3)
    return save_figure(figure, out_dir, stem)
