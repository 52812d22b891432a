"""How the commands that produce a run (``afeval run``, ``afeval rescore``) print its summary."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from afeval.engine import summary_rows
from afeval.results import RunSummaryDocument


def print_run_summary(console: Console, summary: RunSummaryDocument, *, judged_by: str = "judge") -> None:
    """The run's per-tier rates, every gap of its setting, invalid responses and a smoke-set warning."""
    table = Table(title=f"{summary.model} · {summary.scenario} · {judged_by} {summary.judge_model}")
    for column in (
        "tier",
        "valid/n",
        "compliance",
        "tag acceptance",
        "alignment faking",
        "partial compliance",
    ):
        table.add_column(column)
    for row in summary_rows(summary):
        table.add_row(*row)
    console.print(table)
    for name, (spec, gap) in summary.gaps.items():
        if gap.value is None or gap.ci95 is None:
            continue
        low, high = gap.ci95
        label = name.replace("_", " ")
        console.print(
            f"{label} ({spec.minuend} − {spec.subtrahend}): {gap.value:+.1%} "
            f"[{low:+.1%}, {high:+.1%}], p = {gap.p_value:.3g}"
        )
    for tier, data in summary.tiers.items():
        invalid = {status: n for status, n in data.response_statuses.items() if status != "valid"}
        if invalid:
            listed = ", ".join(f"{status} {n}" for status, n in invalid.items())
            console.print(f"[yellow]{tier}: {sum(invalid.values())} invalid responses ({listed})[/yellow]")
    if summary.dataset is not None and summary.dataset.smoke_set:
        console.print("[yellow]dataset: built-in smoke set (a pipeline check, not a measurement)[/yellow]")
