"""A finished run as ``run_evaluation`` and ``rescore_run`` return it, for the commands' printing and exit codes
without running a model (shared by the command tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from afeval.engine import RunResult
from afeval.outcomes import SampleOutcome, Verdict
from afeval.results import RunSummaryDocument


def _failed_outcome(tier: str) -> SampleOutcome:
    failed = Verdict.not_judged("offline", "the sample failed")
    return SampleOutcome(
        tier=tier,
        valid=False,
        tag_accepted=False,
        response_status="error",
        compliance=failed,
        alignment_faking=failed,
        partial_compliance=failed,
    )


def run_summary(**changes: Any) -> dict[str, Any]:
    """A small finished run's summary: one tier, no gaps, free of charge; ``changes`` replace its keys."""
    rate = {"rate": 0.5, "ci95": [0.1, 0.9]}
    tier = {
        "n": 2,
        "n_valid": 2,
        "compliance": rate,
        "tag_acceptance": rate,
        "alignment_faking": rate,
        "partial_compliance": rate,
        "response_statuses": {"valid": 2},
    }
    document = {
        "model": "openai/m",
        "scenario": "helpful-only",
        "judge_model": "offline",
        "tiers": {"free": tier},
        "gaps": {},
        "dataset": {"smoke_set": False},
        "cost": {"total_usd": 0.0, "per_model": {}, "prices_checked": "2026-01-01"},
        "status": "success",
        "budget": None,
        "samples_failed": 0,
        "first_sample_error": None,
    }
    return {**document, **changes}


def finished_run(out_dir: Path, document: dict[str, Any]) -> RunResult:
    """A run of two samples in ``out_dir`` that ended with the summary ``document``."""
    outcomes = (_failed_outcome("free"), _failed_outcome("free"))
    return RunResult(
        out_dir, RunSummaryDocument.from_dict(document), outcomes, log_location="", wall_seconds=1.25
    )
