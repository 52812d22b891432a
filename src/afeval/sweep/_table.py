"""The combined results table of a sweep: one row per run and tier, with the run's gaps beside every row.

Each row holds what identifies the run (model, label, scenario and its main options), then the tier's sample
counts and rates with their Wilson 95% intervals (compliance, alignment-faking reasoning, partial compliance),
and one group of columns per gap any tier setting reports (``compliance_gap``, ``goal_guarding_gap``,
``rater_sycophancy_gap``, ...: value, interval and p-value, then the paired statistics over the requests judged
in both tiers: pairs, paired interval, McNemar's exact p), empty where the run's setting has no such gap.
The columns are the same for every sweep, so tables from different sweeps can be stacked.

Written as ``results.csv`` and ``results.parquet``; both are rebuilt from the runs' ``summary.json`` files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from afeval._util.files import atomic_output, atomic_write_text
from afeval.outcomes import TierSummary
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
_RATES: Final = ("compliance", "af", "maybe_af", "partial")
"""The rate columns' prefixes, in the order :func:`_rates` gives the tier's rates."""


def _rates(tier: TierSummary) -> tuple[RateEstimate, ...]:
    return (tier.compliance, tier.alignment_faking, tier.maybe_alignment_faking, tier.partial_compliance)


def gap_names() -> tuple[str, ...]:
    """Every gap name of every tier setting, in the order ``settings.toml`` first gives them."""
    names: dict[str, None] = {}
    for setting in scenario_catalog().settings.values():
        for gap in setting.gaps:
            names.setdefault(gap.name, None)
    return tuple(names)


def results_schema() -> pa.Schema:
    """The columns of the results table, in order."""
    columns = list(_RUN_COLUMNS)
    for short in _RATES:
        columns += [
            (f"{short}_rate", pa.float64()),
            (f"{short}_ci_low", pa.float64()),
            (f"{short}_ci_high", pa.float64()),
        ]
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
        for short, rate in zip(_RATES, _rates(data), strict=True):
            low, high = rate.ci95 or (None, None)
            row.update({f"{short}_rate": rate.rate, f"{short}_ci_low": low, f"{short}_ci_high": high})
        rows.append(row)
    return rows


def write_results_table(
    out_dir: Path, rows: Sequence[Mapping[str, Any]], *, stem: str = "results"
) -> tuple[Path, Path]:
    """Write ``<stem>.csv`` and ``<stem>.parquet`` (default ``results``) into ``out_dir``; returns their paths."""
    schema = results_schema()
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


def _csv_value(value: Any) -> Any:
    return "" if value is None else value
