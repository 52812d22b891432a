"""``afeval sweep``: run a grid of models × scenario options × tiers × CoT from one file.

It parses arguments and calls :func:`afeval.engine.run_sweep`, which hands the plan to the printer before it
runs anything (``--dry-run`` stops there)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from afeval.cli._options import DisplayOption, StrictOption, out_dir_option
from afeval.cli._print import (
    exit_if_strict,
    exit_if_sweep_unfinished,
    fail,
    print_dry_run,
    print_plan,
    print_plan_json,
    print_sweep_results,
    user_errors,
)
from afeval.engine import run_sweep
from afeval.sweep import Shard, load_sweep, packaged_sweeps


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
    out: Annotated[Path | None, out_dir_option("the file's `out`, else runs/sweep-<name>")] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print the grid, the estimated calls, tokens and dollars, and the judge's under each AF-vote "
            "scheme; run nothing.",
        ),
    ] = False,
    max_connections: Annotated[
        int | None, typer.Option(help="Concurrent connections per model (a model's own setting wins).")
    ] = None,
    max_tasks: Annotated[
        int | None, typer.Option(help="Runs in progress at once (Inspect's default: 10).")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Use the first N requests (overrides the file).")] = None,
    display: DisplayOption = None,
    shard: Annotated[
        str | None,
        typer.Option(help="Run only shard i of n (e.g. 2/4): split a sweep across machines (docs/scale.md)."),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="With --dry-run: print the plan (runs, calls, tokens, cost estimate) as JSON, and nothing else.",
        ),
    ] = False,
    strict: StrictOption = False,
) -> None:
    """Run a sweep: every model × scenario × CoT value of a sweep file, resumable (re-run it to finish)."""
    if as_json and not dry_run:
        fail(ValueError("--json prints the plan of a dry run: give --dry-run too"))
    with user_errors():
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
            on_planned=print_plan_json if as_json else print_plan,
        )
    if dry_run:
        if not as_json:
            print_dry_run()
        return
    print_sweep_results(result)
    exit_if_sweep_unfinished(result)
    exit_if_strict(sum(len(run.summary.warnings or ()) for _, run in result.results), strict)
