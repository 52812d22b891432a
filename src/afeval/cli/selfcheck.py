"""``afeval selfcheck``: the whole pipeline, offline, on the built-in model organisms; PASS when it recovers
every planted rate, gap and category within its interval (exit 0), FAIL otherwise (exit 1).

The table shows each run's tiers, planted → recovered in percent, a cross by any value outside its interval;
then the report's path (``--report``, on by default: the HTML report of every run under ``DIR/runs``, so a run
placed there beforehand, as ``make demo`` does, is in it too), then one PASS or FAIL line.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from afeval.cli._options import out_dir_option
from afeval.cli._print import console, user_errors
from afeval.engine import (
    DEFAULT_SELFCHECK_REQUESTS,
    SELFCHECK_JUDGES,
    SelfcheckCheck,
    SelfcheckResult,
    run_selfcheck,
)
from afeval.report.html import build_report

_COLUMNS = {
    "invalid": "invalid",
    "compliance": "compliance",
    "alignment_faking": "AF",
    "partial_compliance": "partial",
}


def selfcheck(
    out: Annotated[Path | None, out_dir_option("runs/<time>-selfcheck")] = None,
    requests: Annotated[
        int, typer.Option(min=1, help="Requests per run, each shown in both tiers.")
    ] = DEFAULT_SELFCHECK_REQUESTS,
    seed: Annotated[int, typer.Option(help="The organisms' seed (-M seed=N): other draws, same rates.")] = 0,
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Write the HTML report of every run under DIR/runs.")
    ] = True,
) -> None:
    """Check the pipeline end to end, offline: run the model organisms (planted behaviour) with the offline
    and a scripted judge, and test that the rates, gaps and categories recovered match what was planted."""
    out_dir = out if out is not None else Path("runs") / f"{datetime.now():%Y%m%d-%H%M%S}-selfcheck"
    with user_errors():
        result = run_selfcheck(out_dir, requests=requests, seed=seed)
    print_selfcheck(result)
    if report:
        with user_errors(OSError):
            files = build_report(out_dir)
        console.print(f"report: {escape(str(files.html))}", highlight=False, soft_wrap=True)
    console.print(_verdict_line(result, requests), highlight=False, soft_wrap=True)
    if not result.passed:
        raise typer.Exit(code=1)


def _cell(check: SelfcheckCheck | None) -> str:
    if check is None:
        return "·"
    recovered = "—" if check.recovered is None else f"{100 * check.recovered:.0f}"
    mark = "" if check.passed else " [red]✗[/red]"
    return f"{100 * check.planted:.0f} → {recovered}{mark}"


def print_selfcheck(result: SelfcheckResult) -> None:
    """The table of planted vs recovered values (categories below it, by failures only)."""
    table = Table(title=f"afeval selfcheck · planted → recovered, % ({len(result.checks)} checks)")
    for column in ("organism", "judge", "tier", *_COLUMNS.values()):
        table.add_column(column)
    rows: dict[tuple[str, str, str], dict[str, SelfcheckCheck]] = defaultdict(dict)
    for check in result.checks:
        key = "compliance" if check.quantity == "compliance gap" else check.quantity
        scope = "gap" if check.quantity == "compliance gap" else check.scope
        rows[(check.organism, check.judge, scope)][key] = check
    for (organism, judge, scope), checks in rows.items():
        table.add_row(organism, judge, scope, *(_cell(checks.get(key)) for key in _COLUMNS))
    console.print(table)
    categories = [check for check in result.checks if check.quantity.startswith("category ")]
    missed = [check for check in categories if not check.passed]
    console.print(
        f"categories: {len(categories) - len(missed)} of {len(categories)} within their intervals",
        highlight=False,
    )
    for check in [*missed, *(c for c in result.failures if c not in missed)]:
        interval = (
            "none" if check.interval is None else f"[{check.interval[0]:+.1%}, {check.interval[1]:+.1%}]"
        )
        console.print(
            f"[red]outside:[/red] {check.organism} · {check.judge} · {check.scope} · {check.quantity}: planted "
            f"{check.planted:.1%}, recovered {'—' if check.recovered is None else f'{check.recovered:.1%}'} "
            f"{escape(interval)}",
            soft_wrap=True,
        )


def _verdict_line(result: SelfcheckResult, requests: int) -> str:
    within = len(result.checks) - len(result.failures)
    runs = len(result.run_dirs)
    judges = " and ".join(SELFCHECK_JUDGES)
    detail = (
        f"{within} of {len(result.checks)} planted values within their intervals (95% together); {runs} runs "
        f"({judges} judges), {requests} requests each, {result.wall_seconds:.0f} s"
    )
    return f"PASS: {detail}" if result.passed else f"FAIL: {detail}"
