"""``afeval rescore``: run the judges again on a finished run's stored responses (a new judge model, more
alignment-faking votes, other classifiers), with no call to the model under test.

The work is done in :mod:`afeval.engine._rescore`; this command parses options and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from afeval.cli_summary import print_run_summary
from afeval.cost import cost_line
from afeval.datasets import DatasetError
from afeval.engine import BUDGET_EXCEEDED, ConfigError, RescoreError, rescore_run

console = Console()
errors = Console(stderr=True)


def rescore(
    run_dir: Annotated[Path, typer.Argument(help="A run directory (summary.json, samples.jsonl).")],
    judge_model: Annotated[
        str | None, typer.Option(help="Judge model, or 'offline'. Default: the run's own judge.")
    ] = None,
    classifiers: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated classifiers (default: the run's own). follow_up is not available: it asks "
            "the model under test again."
        ),
    ] = None,
    af_votes: Annotated[
        int | None, typer.Option(help="Alignment-faking votes per scratchpad (default: the run's own).")
    ] = None,
    af_num_choices: Annotated[
        bool | None,
        typer.Option(
            "--af-num-choices/--no-af-num-choices", help="Draw the AF votes as choices of one call."
        ),
    ] = None,
    af_sequential: Annotated[
        bool | None,
        typer.Option("--af-sequential/--no-af-sequential", help="Stop drawing AF votes once settled."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output directory. Default: RUN_DIR/rescored-<judge>-<time>.")
    ] = None,
    batch: Annotated[
        bool, typer.Option(help="Send judge calls through the provider's batch API (about half price).")
    ] = False,
    max_cost: Annotated[
        float | None, typer.Option(help="Budget in US dollars for the judge calls (see docs/cost.md).")
    ] = None,
    cache: Annotated[bool, typer.Option("--cache/--no-cache", help="Cache judge calls.")] = True,
    max_connections: Annotated[int | None, typer.Option(help="Concurrent connections to the judge.")] = None,
    display: Annotated[
        str | None, typer.Option(help="Progress display: full, rich, plain, log or none (Inspect's).")
    ] = None,
) -> None:
    """Re-judge a finished run's stored responses and write the results into a new directory."""
    try:
        result = rescore_run(
            run_dir,
            judge_model,
            tuple(c.strip() for c in classifiers.split(",") if c.strip()) if classifiers else None,
            af_votes,
            af_num_choices=af_num_choices,
            af_sequential=af_sequential,
            out_dir=out,
            batch=batch,
            max_cost=max_cost,
            cache=cache,
            max_connections=max_connections,
            display=display,
        )
    except (RescoreError, ConfigError, DatasetError, ValueError) as exc:
        errors.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    summary = result.summary
    print_run_summary(console, summary, judged_by="re-judged by")
    console.print(cost_line(summary.cost or {}), highlight=False, soft_wrap=True)
    console.print(
        f"results: {result.out_dir}/summary.json · samples.jsonl · logs/ ({result.wall_seconds:.1f} s)"
    )
    budget = summary.budget
    if summary.status == BUDGET_EXCEEDED and budget is not None:
        errors.print(
            f"[yellow]budget exceeded: ${budget.spent_usd:.4f} of ${budget.max_usd:.2f} spent, "
            f"{budget.samples_skipped} samples not re-judged; finished work is kept[/yellow]"
        )
        raise typer.Exit(code=1)
    if summary.status != "success":
        errors.print(f"[yellow]re-scoring ended with status {summary.status}; finished work is kept[/yellow]")
        raise typer.Exit(code=1)
