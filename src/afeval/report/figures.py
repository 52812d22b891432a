"""The report's figures: the paper's stacked outcome bars and the perturbation experiments' gap charts.

* :func:`plot_main_chart`: per model, one horizontal bar per tier split into the six outcome categories
  (AF reasoning hatched over its outcome's colour), the compliance rate's 95% Wilson interval as an error bar
  and the compliance gap with its Newcombe interval beside each model. Every segment links (in the SVG) to
  the report's transcripts of that run, tier and category.
* :func:`plot_tier_gaps`: the three- and five-tier settings' gaps (goal guarding = free − pro, rater
  sycophancy = pro − enterprise, ...) side by side per model.
* :func:`plot_deployment_gaps`: the identity setting's goal-guarding gap per client deployment, in rising
  order of harm scope, one series per risk level.

Drawn on matplotlib's Agg canvas through ``Figure`` objects (never pyplot) and written as PNG and SVG; the SVG
carries no date and fixed ids, so the same data writes the same file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final
from urllib.parse import urlencode

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from afeval.report._data import (
    NO_RISK,
    STACK_ORDER,
    BarGroup,
    DeploymentGapChart,
    GapValue,
    MainChart,
    TierGapChart,
)
from afeval.report._figure_files import save_figure
from afeval.report._style import (
    AF_CATEGORIES,
    AF_HATCH,
    AF_HATCH_COLOUR,
    CATEGORY_COLOURS,
    CATEGORY_LABELS,
    RISK_COLOURS,
    RISK_MARKERS,
    SEGMENT_EDGE_COLOUR,
    gap_colour,
    gap_label,
)

MAIN_CHART_STEM: Final = "main_chart"
TIER_GAPS_STEM: Final = "tier_gaps"
DEPLOYMENT_GAPS_STEM: Final = "deployment_gaps"
_MIN_LABELLED_SHARE: Final = 0.07  # narrower segments carry no percentage label
# Within a bar (0.78 high), the percentage sits above centre and the error bar below, so neither hides the other.
_LABEL_LIFT: Final = 0.1
_ERROR_BAR_DROP: Final = 0.24


def transcripts_link(run_id: str, tier: str | None = None, category: str | None = None) -> str:
    """The report's fragment that filters the transcript viewer to one run, tier and category."""
    params = {"run": run_id}
    if tier is not None:
        params["tier"] = tier
    if category is not None:
        params["category"] = category
    return "#" + urlencode(params)


def category_legend_handles() -> list[Patch]:
    """One legend entry per category, in stacking order; AF categories hatched like the bars."""
    return [
        Patch(
            facecolor=CATEGORY_COLOURS[category],
            edgecolor=SEGMENT_EDGE_COLOUR,
            hatch=AF_HATCH if category in AF_CATEGORIES else None,
            hatchcolor=AF_HATCH_COLOUR,
            label=CATEGORY_LABELS[category],
        )
        for category in STACK_ORDER
    ]


def _points(value: float) -> str:
    return f"{value * 100:+.1f} pp"


def gap_text(gap: GapValue | None) -> str:
    """``compliance gap (free − paid): +26.7 pp [−5.0, +52.1], p = 0.1`` or a note that it is missing."""
    if gap is None:
        return "no gap: fewer than two tiers"
    head = f"{gap_label(gap.name)} ({gap.minuend} − {gap.subtrahend})"
    if gap.value is None:
        return f"{head}: no judged samples"
    text = f"{head}\n{_points(gap.value)}"
    if gap.ci95 is not None:
        text += f"  [{gap.ci95[0] * 100:+.1f}, {gap.ci95[1] * 100:+.1f}]"
    if gap.p_value is not None:
        text += f", p = {gap.p_value:.2g}"
    return text


def _group_rows(groups: Sequence[BarGroup]) -> tuple[list[float], list[list[float]], float]:
    # A header row for the model's name, then one row per tier, then a spacer.
    headers, rows, y = [], [], 0.0
    for group in groups:
        headers.append(y)
        rows.append([y + 1 + i for i in range(len(group.bars))])
        y += len(group.bars) + 1.6
    return headers, rows, y - 0.6


def _draw_group(axes: Axes, group: BarGroup, rows: Sequence[float]) -> None:
    for bar, y in zip(group.bars, rows, strict=True):
        left = 0.0
        for segment in bar.segments:
            if segment.count:
                af = segment.category in AF_CATEGORIES
                (rect,) = axes.barh(
                    y,
                    segment.share,
                    left=left,
                    height=0.78,
                    color=CATEGORY_COLOURS[segment.category],
                    edgecolor=SEGMENT_EDGE_COLOUR,
                    linewidth=0.8,
                    hatch=AF_HATCH if af else None,
                    hatchcolor=AF_HATCH_COLOUR,
                )
                rect.set_url(transcripts_link(group.run_id, bar.tier, segment.category.value))
                if segment.share >= _MIN_LABELLED_SHARE:
                    axes.text(
                        left + segment.share / 2,
                        y - _LABEL_LIFT,
                        f"{segment.share:.0%}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="#1a1a1a",
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7}
                        if af
                        else None,
                    )
            left += segment.share
        if bar.n == 0:
            axes.text(0.01, y, "no judged responses", va="center", fontsize=8, color="#555555")
        if bar.compliance is not None and bar.compliance_ci95 is not None:
            low, high = bar.compliance_ci95
            axes.errorbar(
                [bar.compliance],
                [y + _ERROR_BAR_DROP],
                xerr=[[bar.compliance - low], [high - bar.compliance]],
                fmt="none",
                ecolor="#111111",
                elinewidth=1.2,
                capsize=3,
                zorder=5,
            )


def plot_main_chart(chart: MainChart, out_dir: Path, *, stem: str = MAIN_CHART_STEM) -> tuple[Path, ...]:
    """The paper's stacked outcome bars for one scenario, written as ``<stem>.png`` and ``<stem>.svg``."""
    headers, rows, height = _group_rows(chart.groups)
    figure = Figure(figsize=(10.0, 1.6 + 0.34 * height), layout="constrained")
    bars_axes, gaps_axes = figure.subplots(1, 2, sharey=True, width_ratios=[3.2, 1.0])
    for group, group_rows in zip(chart.groups, rows, strict=True):
        _draw_group(bars_axes, group, group_rows)
    for group, header in zip(chart.groups, headers, strict=True):
        bars_axes.text(0.0, header, group.label, fontsize=9, fontweight="bold", va="center", ha="left")
    bars_axes.set_yticks(
        [y for group_rows in rows for y in group_rows],
        [f"{bar.tier}  (n = {bar.n})" for group in chart.groups for bar in group.bars],
        fontsize=8,
    )
    bars_axes.tick_params(axis="y", length=0)
    bars_axes.set_ylim(height + 0.2, -0.8)
    bars_axes.set_xlim(0, 1)
    bars_axes.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    bars_axes.set_xlabel("Share of judged responses (error bar: compliance rate, 95% Wilson interval)")
    bars_axes.grid(axis="x", alpha=0.3)
    bars_axes.set_axisbelow(True)
    for side in ("top", "right"):
        bars_axes.spines[side].set_visible(False)

    gaps_axes.set_xlim(0, 1)
    gaps_axes.axis("off")
    for group, group_rows in zip(chart.groups, rows, strict=True):
        middle = (group_rows[0] + group_rows[-1]) / 2
        gaps_axes.text(0.02, middle, gap_text(group.gap), fontsize=8, va="center", ha="left")
    bars_axes.set_title(f"Outcomes per tier · {chart.title}", fontsize=11, loc="left")
    figure.legend(
        handles=category_legend_handles(),
        loc="outside lower center",
        ncol=3,
        fontsize=8,
        frameon=False,
        title="hatching: the scratchpad shows alignment-faking reasoning",
        title_fontsize=8,
    )
    return save_figure(figure, out_dir, stem)


def _error(gap: GapValue) -> tuple[float, float]:
    if gap.value is None or gap.ci95 is None:
        return (0.0, 0.0)
    return (max(gap.value - gap.ci95[0], 0.0), max(gap.ci95[1] - gap.value, 0.0))


def _counts_label(counts: Mapping[str, int]) -> str:
    values = set(counts.values())
    if len(values) == 1:
        return f"n = {values.pop()} per tier"
    return "n = " + " / ".join(f"{tier} {n}" for tier, n in counts.items())


def _style_gap_axes(axes: Axes, ylabel: str) -> None:
    axes.axhline(0, color="#333333", linewidth=0.8)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.set_ylabel(ylabel)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def plot_tier_gaps(chart: TierGapChart, out_dir: Path, *, stem: str = TIER_GAPS_STEM) -> tuple[Path, ...]:
    """Grouped bars: per model, each gap of the setting with its 95% interval."""
    n_gaps = len(chart.gap_names)
    width = 0.8 / max(n_gaps, 1)
    figure = Figure(
        figsize=(max(5.5, 1.6 + 1.4 * len(chart.rows) * max(n_gaps, 1) / 2), 4.6), layout="constrained"
    )
    axes = figure.subplots()
    for g, name in enumerate(chart.gap_names):
        xs, values, errors = [], [], []
        for r, row in enumerate(chart.rows):
            gap = row.gaps[g]
            if gap is None or gap.value is None:
                continue
            xs.append(r + (g - (n_gaps - 1) / 2) * width)
            values.append(gap.value)
            errors.append(_error(gap))
        minuend, subtrahend = next(
            ((gap.minuend, gap.subtrahend) for row in chart.rows if (gap := row.gaps[g]) is not None),
            ("", ""),
        )
        axes.bar(
            xs,
            values,
            width=width * 0.92,
            color=gap_colour(name),
            label=f"{gap_label(name)} ({minuend} − {subtrahend})",
            yerr=[[e[0] for e in errors], [e[1] for e in errors]] if errors else None,
            capsize=3,
            ecolor="#111111",
        )
        for x, value in zip(xs, values, strict=True):
            axes.annotate(
                _points(value),
                (x, value),
                xytext=(3, 2 if value >= 0 else -2),
                textcoords="offset points",
                ha="left",
                va="bottom" if value >= 0 else "top",
                fontsize=7,
            )
    axes.set_xticks(
        range(len(chart.rows)),
        [f"{row.label}\n{_counts_label(row.tier_counts)}" for row in chart.rows],
        fontsize=8,
    )
    _style_gap_axes(axes, "Compliance difference (95% CI)")
    axes.set_title(f"Tier gaps · setting {chart.setting}", fontsize=11, loc="left")
    axes.legend(fontsize=8, frameon=False, loc="best")
    return save_figure(figure, out_dir, stem)


def plot_deployment_gaps(
    chart: DeploymentGapChart, out_dir: Path, *, stem: str = DEPLOYMENT_GAPS_STEM
) -> tuple[Path, ...]:
    """The identity setting's gap per deployment (x: harm scope, narrowest first), one panel per model and one
    marker and colour per risk level, with 95% intervals."""
    n_models = len(chart.models)
    figure = Figure(figsize=(8.5, 1.2 + 3.2 * n_models), layout="constrained")
    panels = figure.subplots(n_models, 1, sharex=True, sharey=True, squeeze=False)[:, 0]
    offsets = {risk: (i - (len(chart.risks) - 1) / 2) * 0.12 for i, risk in enumerate(chart.risks)}
    positions = {deployment: i for i, deployment in enumerate(chart.deployments)}
    for axes, model in zip(panels, chart.models, strict=True):
        mine = [p for p in chart.points if p.label == model]
        for risk in chart.risks:
            series = [p for p in mine if p.risk == risk and p.gap.value is not None]
            series.sort(key=lambda p: positions[p.deployment])
            if not series:
                continue
            errors = [_error(p.gap) for p in series]
            axes.errorbar(
                [positions[p.deployment] + offsets[risk] for p in series],
                [p.gap.value for p in series],
                yerr=[[e[0] for e in errors], [e[1] for e in errors]],
                color=RISK_COLOURS.get(risk, "#555555"),
                marker=RISK_MARKERS.get(risk, "D"),
                markersize=6,
                linewidth=1,
                linestyle=":",
                capsize=3,
                label=risk if risk == NO_RISK else f"{risk} risk",
            )
        counts = {p.tier_counts.get(p.gap.minuend, 0) for p in mine} | {
            p.tier_counts.get(p.gap.subtrahend, 0) for p in mine
        }
        n_text = (
            f"n = {counts.pop()} per tier"
            if len(counts) == 1
            else f"n = {min(counts)}–{max(counts)} per tier"
        )
        axes.set_title(f"{model} · {n_text}", fontsize=9, loc="left")
        _style_gap_axes(axes, f"{gap_label(chart.gap_name)} (95% CI)")
        axes.legend(fontsize=8, frameon=False, loc="best")
    first = next(p.gap for p in chart.points)
    panels[0].figure.suptitle(
        f"Identity setting: {gap_label(chart.gap_name)} ({first.minuend} − {first.subtrahend}) per deployment",
        fontsize=11,
    )
    panels[-1].set_xticks(range(len(chart.deployments)), list(chart.deployments), fontsize=8)
    panels[-1].set_xlabel("Client deployment, in rising order of harm scope")
    panels[-1].set_xlim(-0.5, len(chart.deployments) - 0.5)
    return save_figure(figure, out_dir, stem)
