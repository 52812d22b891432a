"""``afeval rescore``: run the judges again on a finished run's stored responses (a new judge model, more
alignment-faking votes, other classifiers), with no call to the model under test.

The work is done in :mod:`afeval.engine.runs._rescore`; this command parses options and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from afeval.cli._options import (
    DisplayOption,
    JudgeCacheOption,
    JudgeConnectionsOption,
    StrictOption,
    comma_list,
    out_dir_option,
)
from afeval.cli._print import (
    RESCORE_UNFINISHED,
    exit_if_strict,
    exit_if_unfinished,
    print_run_result,
    user_errors,
)
from afeval.engine import rescore_run


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
    out: Annotated[Path | None, out_dir_option("RUN_DIR/rescored-<judge>-<time>")] = None,
    batch: Annotated[
        bool, typer.Option(help="Send judge calls through the provider's batch API (about half price).")
    ] = False,
    max_cost: Annotated[
        float | None, typer.Option(help="Budget in US dollars for the judge calls (see docs/cost.md).")
    ] = None,
    cache: JudgeCacheOption = True,
    max_connections: JudgeConnectionsOption = None,
    display: DisplayOption = None,
    strict: StrictOption = False,
) -> None:
    """Re-judge a finished run's stored responses and write the results into a new directory."""
    with user_errors():
        result = rescore_run(
            run_dir,
            judge_model,
            comma_list(classifiers),
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
    print_run_result(result, judged_by="re-judged by")
    exit_if_unfinished(result.summary, RESCORE_UNFINISHED)
    exit_if_strict(len(result.summary.warnings or ()), strict)
