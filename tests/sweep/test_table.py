"""The combined results table: one row per run and tier, the run's gaps beside it, CSV and parquet alike."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from afeval.results import RunSummaryDocument
from afeval.stats import paired_difference
from afeval.sweep import expand_grid, gap_names, parse_sweep, result_rows, results_schema, write_results_table


def rate(value: float | None, low: float = 0.1, high: float = 0.9) -> dict[str, Any]:
    return {"successes": 1, "n": 2, "rate": value, "ci95": [low, high] if value is not None else None}


def summary_of(tiers: list[str], gaps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "status": "success",
        "tiers": {
            tier: {
                "n": 2,
                "n_valid": 2,
                "compliance": rate(0.5 + 0.25 * index),
                "alignment_faking": rate(0.25),
                "maybe_alignment_faking": rate(0.0, 0.0, 0.8),
                "partial_compliance": rate(None),
            }
            for index, tier in enumerate(tiers)
        },
        "gaps": gaps,
    }


def test_gap_columns_cover_every_setting() -> None:
    assert gap_names()[0] == "compliance_gap"
    assert {"goal_guarding_gap", "rater_sycophancy_gap", "other_model_training_gap"} <= set(gap_names())
    names = results_schema().names
    assert len(names) == len(set(names))
    for gap in gap_names():
        assert {gap, f"{gap}_ci_low", f"{gap}_ci_high", f"{gap}_p"} <= set(names)


def test_rows_per_tier_with_the_runs_gaps(tmp_path: Path) -> None:
    runs = expand_grid(
        parse_sweep({"models": [{"model": "openai/gpt-4o"}], "grid": {"scenarios": ["three-tier"]}})
    )
    gaps = {
        "goal_guarding_gap": {
            "minuend": "free",
            "subtrahend": "pro",
            "value": 0.25,
            "ci95": [-0.1, 0.6],
            "p_value": 0.3,
        },
        "compliance_gap": {
            "minuend": "free",
            "subtrahend": "enterprise",
            "value": None,
            "ci95": None,
            "p_value": None,
        },
    }
    rows = result_rows(runs[0], RunSummaryDocument.from_dict(summary_of(["free", "pro", "enterprise"], gaps)))
    assert [row["tier"] for row in rows] == ["free", "pro", "enterprise"]
    assert [row["compliance_rate"] for row in rows] == [0.5, 0.75, 1.0]
    first = rows[0]
    assert first["run_id"] == "gpt-4o__helpful-only+three-tier"
    assert first["setting"] == "three-tier" and first["cot"] is True and first["label"] == "gpt-4o"
    assert (first["compliance_ci_low"], first["compliance_ci_high"]) == (0.1, 0.9)
    assert first["partial_rate"] is None and first["partial_ci_low"] is None
    assert (first["goal_guarding_gap"], first["goal_guarding_gap_ci_low"], first["goal_guarding_gap_p"]) == (
        0.25,
        -0.1,
        0.3,
    )
    assert first["compliance_gap"] is None
    assert first["rater_sycophancy_gap"] is None  # not in this summary

    csv_path, parquet_path = write_results_table(tmp_path, rows)
    with csv_path.open() as handle:
        read = list(csv.DictReader(handle))
    assert [row["tier"] for row in read] == ["free", "pro", "enterprise"]
    assert read[0]["goal_guarding_gap"] == "0.25" and read[0]["compliance_gap"] == ""
    table = pq.read_table(parquet_path)
    assert table.schema == results_schema()
    assert table.column("compliance_rate").to_pylist() == [0.5, 0.75, 1.0]
    assert table.column("rater_sycophancy_gap").to_pylist() == [None, None, None]


def test_paired_gap_columns_come_from_the_gaps_paired_block() -> None:
    runs = expand_grid(parse_sweep({"models": [{"model": "openai/gpt-4o"}]}))
    paired = paired_difference(both=3, only_first=3, only_second=1, neither=2)
    gaps = {
        "compliance_gap": {
            "minuend": "free",
            "subtrahend": "paid",
            "value": 0.2,
            "ci95": [-0.2, 0.5],
            "p_value": 0.4,
            "paired": paired.to_dict(),
        }
    }
    (first, _) = result_rows(runs[0], RunSummaryDocument.from_dict(summary_of(["free", "paid"], gaps)))
    assert first["compliance_gap_pairs"] == 9
    assert (first["compliance_gap_paired_ci_low"], first["compliance_gap_paired_ci_high"]) == paired.ci95
    assert first["compliance_gap_mcnemar_p"] == paired.p_value
    assert {"compliance_gap_pairs", "compliance_gap_mcnemar_p"} <= set(results_schema().names)
    # A gap without a paired block (an older run, or no request judged in both tiers) leaves them empty.
    del gaps["compliance_gap"]["paired"]
    (first, _) = result_rows(runs[0], RunSummaryDocument.from_dict(summary_of(["free", "paid"], gaps)))
    assert first["compliance_gap_pairs"] is None and first["compliance_gap_mcnemar_p"] is None


def test_an_empty_sweep_writes_a_table_with_only_the_header(tmp_path: Path) -> None:
    csv_path, parquet_path = write_results_table(tmp_path / "new", [])
    assert csv_path.read_text().splitlines() == [",".join(results_schema().names)]
    assert pq.read_table(parquet_path).num_rows == 0
