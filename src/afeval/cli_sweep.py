"""The ``afeval sweep`` command: run a grid of models × scenario options × tiers × CoT from one file.

It parses arguments, prints the plan or the results, and calls ``afeval.engine.run_sweep``; it holds no logic
of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from afeval.cost import active_price_table
from afeval.datasets import DatasetError
from afeval.engine import ConfigError, SweepResult, run_sweep
from afeval.stats import RateEstimate
from afeval.sweep import CallEstimate, Shard, estimate_usd, load_sweep, packaged_sweeps

console = Console()
errors = Console(stderr=True)


def _count(value: int) -> str:
    for unit, size in (("G", 1_000_000_000), ("M", 1_000_000), ("k", 1_000)):
        if value >= size:
            return f"{value / size:.1f}{unit}"
    return str(value)


def print_plan(plan: SweepResult) -> None:
    """The grid, one row per run, with its estimated calls and tokens, then the totals and what they assume."""
    spec, estimate = plan.spec, plan.estimate
    table = Table(
        title=f"sweep {spec.name} · {len(plan.runs)} runs · {estimate.n_requests} requests per tier"
    )
    for column in (
        "#",
        "label",
        "model",
        "scenario",
        "tiers",
        "samples",
        "model calls",
        "judge calls",
        "tokens in/out",
        "≤ USD",
    ):
        table.add_column(
            column, justify="right" if column in ("#", "samples", "model calls", "judge calls") else "left"
        )
    for index, (run, cost) in enumerate(estimate.runs, start=1):
        table.add_row(
            str(index),
            run.model.label,
            run.model.model,
            run.scenario.name,
            ",".join(run.run_tiers),
            str(cost.samples),
            f"{cost.model_calls} (≤{cost.model_calls_max})",
            str(cost.judge_calls),
            _tokens(cost),
            _usd(estimate_usd(run, cost)),
        )
    console.print(table)
    run_usd = [estimate_usd(run, cost) for run, cost in estimate.runs]
    priced = [usd for usd in run_usd if usd is not None]
    unpriced = len(run_usd) - len(priced)
    console.print(
        f"cost at list prices (upper bound; prices checked {active_price_table().checked}): "
        f"≤ {_usd(sum(priced))}" + (f" for the priced runs; {unpriced} runs unpriced" if unpriced else "")
    )
    total = estimate.total
    console.print(
        f"total: {total.samples} samples · {total.model_calls} model calls (≤{total.model_calls_max} with every "
        f"retry) · ≤{total.judge_calls} judge calls ({spec.defaults.judging.judge_model}) · tokens {_tokens(total)}"
    )
    for note in estimate.notes:
        console.print(f"  [dim]· {note}[/dim]")


def _usd(value: float | None) -> str:
    return "unpriced" if value is None else f"${value:,.2f}"


def _tokens(cost: CallEstimate) -> str:
    return (
        f"{_count(cost.model_input_tokens + cost.judge_input_tokens)} / "
        f"≤{_count(cost.model_output_tokens + cost.judge_output_tokens)}"
    )


def _rate(estimate: RateEstimate) -> str:
    if estimate.rate is None:
        return "—"
    return f"{estimate.rate:.0%}"


def print_results(result: SweepResult) -> None:
    """One row per run: compliance and alignment-faking rates by tier, and the setting's gaps."""
    table = Table(title=f"sweep {result.spec.name} · {len(result.results)} runs")
    for column in ("label", "scenario", "compliance by tier", "AF by tier", "gaps", "status"):
        table.add_column(column)
    for run, run_result in result.results:
        summary = run_result.summary
        tiers = summary.tiers
        table.add_row(
            run.model.label,
            run.scenario.name,
            " · ".join(f"{tier} {_rate(data.compliance)}" for tier, data in tiers.items()),
            " · ".join(f"{tier} {_rate(data.alignment_faking)}" for tier, data in tiers.items()),
            " · ".join(
                f"{name} {gap.value:+.0%}" if gap.value is not None else f"{name} —"
                for name, (_, gap) in summary.gaps.items()
            ),
            str(summary.status),
        )
    console.print(table)
    for run_id in result.missing:
        errors.print(f"[yellow]{run_id}: no log (not run)[/yellow]")
    console.print(
        f"results: {result.out_dir}/results.csv · results.parquet · runs/<run id>/summary.json · logs/ "
        f"({result.wall_seconds:.1f} s)"
    )


def sweep(
    sweep_file: Annotated[
        str,
        typer.Argument(
            metavar="SWEEP",
            help="A sweep file (.toml, .yaml) or the name of a packaged one: "
            + ", ".join(packaged_sweeps())
            + ".",
        ),
    ],
    out: Annotated[
        Path | None, typer.Option(help="Output directory. Default: the file's `out`, else runs/sweep-<name>.")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print the grid and the estimated calls and tokens; run nothing."),
    ] = False,
    max_connections: Annotated[
        int | None, typer.Option(help="Concurrent connections per model (a model's own setting wins).")
    ] = None,
    max_tasks: Annotated[
        int | None, typer.Option(help="Runs in progress at once (Inspect's default: 10).")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Use the first N requests (overrides the file).")] = None,
    display: Annotated[
        str | None, typer.Option(help="Progress display: full, rich, plain, log or none (Inspect's).")
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(help="Run only shard i of n (e.g. 2/4): split a sweep across machines (docs/scale.md)."),
    ] = None,
) -> None:
    """Run a sweep: every model × scenario × CoT value of a sweep file, resumable (re-run it to finish)."""
    try:
        spec = load_sweep(sweep_file)
        result = run_sweep(
            spec,
            out,
            shard=Shard.parse(shard) if shard is not None else None,
            dry_run=dry_run,
            max_connections=max_connections,
            limit=limit,
            display=display,
            max_tasks=max_tasks,
            on_planned=print_plan,
        )
    except (ConfigError, DatasetError, ValueError) as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from None
    if dry_run:
        console.print("[dim]dry run: nothing was called[/dim]")
        return
    print_results(result)
    if not result.success:
        errors.print("[yellow]some runs did not finish; re-run the same command to resume them[/yellow]")
        raise typer.Exit(code=1)
