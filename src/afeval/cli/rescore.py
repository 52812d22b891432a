"""``afeval rescore``: run the judges again on a finished run's stored responses (a new judge model, more
alignment-faking votes, other classifiers), with no call to the model under test.

The work is done in :mod:`afeval.engine.runs._rescore`; this command parses options and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Final

import typer

from afeval.cli._options import (
    DisplayOption,
    JudgeConnectionsOption,
    ReferenceDirOption,
    StrictOption,
    comma_list,
    out_dir_option,
    with_setting_options,
)
from afeval.cli._print import (
    RESCORE_UNFINISHED,
    exit_if_strict,
    exit_if_unfinished,
    print_run_result,
    print_wording_change,
    user_errors,
)
from afeval.engine import rescore_run
from afeval.settings import setting_keys

RESCORE_SETTING_KEYS: Final = tuple(key.name for key in setting_keys("judging"))
"""The settings a re-scoring can change: the judging ones (each defaults to the run's own)."""


@with_setting_options(RESCORE_SETTING_KEYS, presets=())
def rescore(
    run_dir: Annotated[Path, typer.Argument(help="A run directory (summary.json, samples.jsonl).")],
    out: Annotated[Path | None, out_dir_option("RUN_DIR/rescored-<judge>-<time>")] = None,
    max_cost: Annotated[
        float | None, typer.Option(help="Budget in US dollars for the judge calls (see docs/cost.md).")
    ] = None,
    max_connections: JudgeConnectionsOption = None,
    display: DisplayOption = None,
    reference_dir: ReferenceDirOption = None,
    strict: StrictOption = False,
    **settings: Any,
) -> None:
    """Re-judge a finished run's stored responses and write the results into a new directory. Every judging
    option left out keeps the run's own value, its judges' wording (--prompts) included; follow_up is not
    available (it asks the model under test again)."""
    # An empty or blank --classifiers keeps the run's own.
    settings["classifiers"] = comma_list(settings.get("classifiers"))
    with user_errors():
        result = rescore_run(
            run_dir,
            settings,
            out_dir=out,
            max_cost=max_cost,
            max_connections=max_connections,
            display=display,
            reference_dir=reference_dir,
        )
    print_run_result(result, judged_by="re-judged by")
    print_wording_change(result.summary)
    exit_if_unfinished(result.summary, RESCORE_UNFINISHED)
    exit_if_strict(len(result.summary.warnings or ()), strict)
