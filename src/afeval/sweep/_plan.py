"""The plan of a dry run as one JSON document (``afeval sweep --dry-run --json``, ``afeval run --dry-run
--json``): every run's estimated calls, tokens and dollars, the totals, and the judge under each AF-vote scheme."""

from __future__ import annotations

from typing import Any, Final

from afeval.cost import active_price_table
from afeval.sweep._estimate import SweepEstimate, estimate_usd, model_usd
from afeval.sweep._schemes import SEQUENTIAL_EXPECTED_VOTES, judge_schemes

PLAN_SCHEMA_VERSION: Final = 1
"""Version of the dry run's JSON document (a change that alters or removes a key bumps it)."""


def plan_document(name: str | None, estimate: SweepEstimate) -> dict[str, Any]:
    """The plan as ``--dry-run --json`` prints it: the sweep's ``name`` (None for one ``afeval run``), each run
    (id, label, model, scenario, tiers) with its estimated calls and tokens (:class:`CallEstimate`'s fields)
    and its list-price dollars (``usd``, an upper bound; None when unpriced), then the totals, the dollars of
    the priced runs, how many runs are unpriced, the model under test's share (``model_usd``), the price
    table's date and what the figures assume (``notes``). ``judge_schemes`` holds the judge's figures under
    each AF-vote scheme (:func:`afeval.sweep.judge_schemes`; None under the offline judge), and
    ``sequential_expected_votes`` the votes per sample (of 20) its expected sequential figures assume."""
    runs = []
    for index, (run, cost) in enumerate(estimate.runs, start=1):
        runs.append(
            {
                "index": index,
                "run_id": run.run_id,
                "label": run.model.label,
                "model": run.model.model,
                "judge_model": run.settings.judging.judge_model,
                "scenario": run.scenario.name,
                "tiers": list(run.run_tiers),
                **cost.to_dict(),
                "usd": estimate_usd(run, cost),
            }
        )
    priced = [run["usd"] for run in runs if run["usd"] is not None]
    models = [model_usd(run, cost) for run, cost in estimate.runs]
    schemes = judge_schemes(estimate)
    return {
        "schema_version": PLAN_SCHEMA_VERSION,
        "sweep": name,
        "n_runs": len(runs),
        "n_requests": estimate.n_requests,
        "runs": runs,
        "total": {
            **estimate.total.to_dict(),
            "usd": sum(priced),
            "unpriced_runs": len(runs) - len(priced),
            "model_usd": None if None in models else sum(usd for usd in models if usd is not None),
        },
        "prices_checked": active_price_table().checked,
        "notes": list(estimate.notes),
        "judge_schemes": [scheme.to_dict() for scheme in schemes] if schemes is not None else None,
        "sequential_expected_votes": SEQUENTIAL_EXPECTED_VOTES,
    }
