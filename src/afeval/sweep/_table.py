"""The combined results table of a sweep: one row per run and tier, with the run's gaps beside every row.

Each row holds what identifies the run (model, label, scenario and its main options), then the tier's sample
counts and the core rates of the metric table (``afeval.metrics``: compliance, alignment-faking reasoning,
partial compliance) with their Wilson 95% intervals, and one group of columns per gap any tier setting reports
(``compliance_gap``, ``goal_guarding_gap``, ``rater_sycophancy_gap``, ...: value, interval and p-value, then
the paired statistics over the requests judged in both tiers: pairs, paired interval, McNemar's exact p),
empty where the run's setting has no such gap. These columns are the same for every sweep, so tables from
different sweeps can be stacked; the optional classifiers that ran in some run add their metrics' columns
after them (``af_legacy_both_fire_rate``, ...), empty for the runs where they did not run.

Written as ``results.csv`` and ``results.parquet``; both are rebuilt from the runs' ``summary.json`` files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from afeval._util.files import atomic_output, atomic_write_text
from afeval.judges import FigureValue
from afeval.metrics import Metric, MetricFormat, metrics_for, optional_metrics, shown_metrics
from afeval.results import RunSummaryDocument
from afeval.scenario import scenario_catalog
from afeval.stats import GapEstimate, RateEstimate
from afeval.sweep._spec import SweepRun

RESULTS_CSV: Final = "results.csv"
RESULTS_PARQUET: Final = "results.parquet"

_RUN_COLUMNS: Final = (
    ("run_id", pa.string()),
    ("model", pa.string()),
    ("label", pa.string()),
    ("kind", pa.string()),
    ("scenario", pa.string()),
    ("setting", pa.string()),
    ("cot", pa.bool_()),
    ("lab", pa.string()),
    ("prompt_format", pa.string()),
    ("prefill", pa.string()),
    ("max_turns", pa.int64()),
    ("judge_model", pa.string()),
    ("status", pa.string()),
    ("tier", pa.string()),
    ("n", pa.int64()),
    ("n_valid", pa.int64()),
)


def _columns_of(metric: Metric) -> list[tuple[str, pa.DataType]]:
    """A metric's columns: a rate's value and interval, or one number."""
    assert metric.column is not None
    if metric.format is MetricFormat.PERCENT:
        return [(f"{metric.column}_{part}", pa.float64()) for part in ("rate", "ci_low", "ci_high")]
    return [(metric.column, pa.int64() if metric.format is MetricFormat.COUNT else pa.float64())]


def _cells_of(metric: Metric, value: FigureValue) -> dict[str, Any]:
    assert metric.column is not None
    if metric.format is not MetricFormat.PERCENT:
        return {metric.column: value}
    rate = value if isinstance(value, RateEstimate) else None
    low, high = (rate.ci95 if rate is not None else None) or (None, None)
    return {
        f"{metric.column}_rate": rate.rate if rate is not None else None,
        f"{metric.column}_ci_low": low,
        f"{metric.column}_ci_high": high,
    }


def _with_columns(metrics: Iterable[Metric]) -> tuple[Metric, ...]:
    return tuple(metric for metric in metrics if metric.column is not None)


def gap_names() -> tuple[str, ...]:
    """Every gap name of every tier setting, in the order ``settings.toml`` first gives them."""
    names: dict[str, None] = {}
    for setting in scenario_catalog().settings.values():
        for gap in setting.gaps:
            names.setdefault(gap.name, None)
    return tuple(names)


def results_schema(classifiers: Sequence[str] = ()) -> pa.Schema:
    """The columns of the results table, in order: the run, the core rates and the gaps, the same in every
    sweep; then the metrics of the optional ``classifiers`` (those that ran), in the metric table's order."""
    metrics = _with_columns(metrics_for(classifiers))
    columns = list(_RUN_COLUMNS)
    for metric in metrics:
        if not metric.optional:
            columns += _columns_of(metric)
    for gap in gap_names():
        columns += [
            (gap, pa.float64()),
            (f"{gap}_ci_low", pa.float64()),
            (f"{gap}_ci_high", pa.float64()),
            (f"{gap}_p", pa.float64()),
            (f"{gap}_pairs", pa.int64()),
            (f"{gap}_paired_ci_low", pa.float64()),
            (f"{gap}_paired_ci_high", pa.float64()),
            (f"{gap}_mcnemar_p", pa.float64()),
        ]
    for metric in metrics:
        if metric.optional:  # after the gaps: the columns every sweep has keep their places
            columns += _columns_of(metric)
    return pa.schema(columns)


def result_rows(run: SweepRun, summary: RunSummaryDocument) -> list[dict[str, Any]]:
    """The table's rows for one run: one per tier of its ``summary.json`` document."""
    options = run.scenario
    shared: dict[str, Any] = {
        "run_id": run.run_id,
        "model": run.model.model,
        "label": run.model.label,
        "kind": run.model.kind,
        "scenario": options.name,
        "setting": options.setting,
        "cot": options.cot,
        "lab": options.lab,
        "prompt_format": options.prompt_format,
        "prefill": options.prefill,
        "max_turns": run.settings.generation.max_turns,
        "judge_model": run.settings.judging.judge_model,
        "status": summary.status,
    }
    for gap in gap_names():
        entry = summary.gaps.get(gap)
        estimate = entry[1] if entry is not None else GapEstimate(value=None, ci95=None, p_value=None)
        low, high = estimate.ci95 or (None, None)
        shared.update({gap: estimate.value, f"{gap}_ci_low": low, f"{gap}_ci_high": high})
        shared[f"{gap}_p"] = estimate.p_value
        paired = estimate.paired
        paired_low, paired_high = paired.ci95 if paired is not None else (None, None)
        shared.update(
            {
                f"{gap}_pairs": paired.n_pairs if paired is not None else None,
                f"{gap}_paired_ci_low": paired_low,
                f"{gap}_paired_ci_high": paired_high,
                f"{gap}_mcnemar_p": paired.p_value if paired is not None else None,
            }
        )
    rows = []
    for tier, data in summary.tiers.items():
        row = {**shared, "tier": tier, "n": data.n, "n_valid": data.n_valid}
        for metric in _with_columns(shown_metrics(summary.tiers.values())):
            row.update(_cells_of(metric, metric.read(data)))
        rows.append(row)
    return rows


def write_results_table(
    out_dir: Path, rows: Sequence[Mapping[str, Any]], *, stem: str = "results"
) -> tuple[Path, Path]:
    """Write ``<stem>.csv`` and ``<stem>.parquet`` (default ``results``) into ``out_dir``; returns their paths.

    An optional classifier has columns when some row has its metrics (it ran in that run)."""
    schema = results_schema(_classifiers_in(rows))
    names = schema.names
    table = pa.Table.from_pylist([{name: row.get(name) for name in names} for row in rows], schema=schema)
    parquet_path = out_dir / f"{stem}.parquet"
    with atomic_output(parquet_path, private=False) as temporary:  # never leave a half-written table behind
        pq.write_table(table, temporary)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: _csv_value(row.get(name)) for name in names})
    csv_path = out_dir / f"{stem}.csv"
    atomic_write_text(csv_path, buffer.getvalue(), private=False)
    return csv_path, parquet_path


def _classifiers_in(rows: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    keys = {key for row in rows for key in row}
    return tuple(
        dict.fromkeys(
            metric.owner for metric in _with_columns(optional_metrics()) if _columns_of(metric)[0][0] in keys
        )
    )


def _csv_value(value: Any) -> Any:
    return "" if value is None else value
