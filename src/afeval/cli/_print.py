"""Everything the command line prints, on its two consoles: results to stdout, warnings and errors to stderr.

The commands hand values over; nothing here decides anything about a run. A user's error (the library raises
:class:`~afeval.errors.AfevalError`) is one red ``error:`` line and exit code 2 (:func:`user_errors`); a run
that stopped early or lost samples keeps its results, prints one warning and exits 1, and so, under ``--strict``,
does a run whose results carry a warning (:func:`exit_if_strict`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final, NoReturn, Protocol

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from afeval.cost import active_price_table, cost_line
from afeval.engine import BUDGET_EXCEEDED, RunConfig, RunResult, SweepResult
from afeval.errors import AfevalError
from afeval.judges import DEFAULT_AF_VOTES, FigureValue
from afeval.metrics import METRICS, Metric, MetricFormat, shown_metrics
from afeval.outcomes import WarningKind
from afeval.presentation import counting_rules
from afeval.report.html import ReportFiles
from afeval.results import RunSummaryDocument
from afeval.stats import PairedGapEstimate, RateEstimate
from afeval.sweep import (
    SEQUENTIAL_EXPECTED_VOTES,
    CallEstimate,
    JudgeFigures,
    JudgeScheme,
    SweepEstimate,
    SweepRun,
    estimate_usd,
    expected_votes,
    judge_schemes,
    model_usd,
    plan_document,
)
from afeval.validation import JudgeValidation, TextJudgement, TextVerdict, ThresholdMetrics

console = Console()
errors = Console(stderr=True)

# ---------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------

USER_ERRORS: Final = (AfevalError, ValueError)
"""What a user's input makes the library raise. ``ValueError`` is the settings' own validation (a count below
one, an unknown scenario part, tier or classifier), which the library raises as such."""


def fail(exc: BaseException) -> NoReturn:
    """Print ``error: <message>`` as one line on stderr and exit with code 2."""
    errors.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2) from None


@contextmanager
def user_errors(*also: type[Exception]) -> Iterator[None]:
    """Turn a user's error raised in the block (:data:`USER_ERRORS`, and ``also``) into :func:`fail`."""
    caught: tuple[type[Exception], ...] = (*USER_ERRORS, *also)
    try:
        yield
    except caught as exc:
        fail(exc)


# ---------------------------------------------------------------------------------------------------------
# A run (``afeval run``, ``afeval rescore``)
# ---------------------------------------------------------------------------------------------------------


def _figure_text(metric: Metric, value: FigureValue) -> str:
    """A metric's value as the console prints it: ``37.5% [22.7%, 55.0%]``, a score, a count, or ``—``."""
    if isinstance(value, RateEstimate):
        if value.rate is None or value.ci95 is None:
            return "—"
        low, high = value.ci95
        return f"{value.rate:.1%} [{low:.1%}, {high:.1%}]"
    if value is None:
        return "—"
    return f"{value:.3f}" if metric.format is MetricFormat.SCORE else str(value)


def _summary_rows(summary: RunSummaryDocument, metrics: Sequence[Metric]) -> Sequence[tuple[str, ...]]:
    """Rows for the printed results table: one per tier, one cell per metric."""
    return [
        (tier, f"{data.n_valid}/{data.n}", *(_figure_text(metric, metric.read(data)) for metric in metrics))
        for tier, data in summary.tiers.items()
    ]


def _classifier_rows(summary: RunSummaryDocument, metrics: Sequence[Metric]) -> Sequence[tuple[str, ...]]:
    """Rows for the optional classifiers' table: one per metric, one cell per tier (they are many)."""
    return [
        (metric.label, *(_figure_text(metric, metric.read(data)) for data in summary.tiers.values()))
        for metric in metrics
    ]


def _paired_text(value: float, paired: PairedGapEstimate | None) -> str:
    """`` · paired [+7.0%, +41.0%], McNemar p = 0.0129 (n = 40 pairs)``; the paired difference is named too
    when it differs from the unpaired one as printed (some samples had no partner in the other tier)."""
    if paired is None:
        return ""
    low, high = paired.ci95
    shown = f" {paired.value:+.1%}" if f"{paired.value:+.1%}" != f"{value:+.1%}" else ""
    return (
        f" · paired{shown} [{low:+.1%}, {high:+.1%}], McNemar p = {paired.p_value:.3g} "
        f"(n = {paired.n_pairs} pairs)"
    )


def _sigma_text(sigma: float | None, has_gap: bool | None) -> str:
    """`` · 1σ ±3.2%, has a gap`` (the paper's error bar and its > 1 point flag), for gaps that carry them."""
    if sigma is None:
        return ""
    flag = "has a gap" if has_gap else "no gap"
    return f" · 1σ ±{sigma:.1%}, {flag} (paper: > 1 point)"


def print_run_summary(summary: RunSummaryDocument, *, judged_by: str = "judge") -> None:
    """The run's per-tier rates, every gap of its setting, invalid responses and a smoke-set warning."""
    metrics = shown_metrics(summary.tiers.values())
    core = [metric for metric in metrics if metric.console and not metric.optional]
    table = Table(title=f"{summary.model} · {summary.scenario} · {judged_by} {summary.judge_model}")
    for column in ("tier", "valid/n", *(metric.label for metric in core)):
        table.add_column(column)
    for row in _summary_rows(summary, core):
        table.add_row(*row)
    console.print(table)
    optional = [metric for metric in metrics if metric.console and metric.optional]
    if optional:
        classifiers = Table(title="optional classifiers (over the samples each judged)")
        for column in ("metric", *summary.tiers):
            classifiers.add_column(column)
        for row in _classifier_rows(summary, optional):
            classifiers.add_row(*row)
        console.print(classifiers)
    for name, (spec, gap) in summary.gaps.items():
        if gap.value is None or gap.ci95 is None:
            continue
        low, high = gap.ci95
        label = name.replace("_", " ")
        console.print(
            f"{label} ({spec.minuend} − {spec.subtrahend}): {gap.value:+.1%} "
            f"[{low:+.1%}, {high:+.1%}], p = {gap.p_value:.3g}"
            + _sigma_text(gap.sigma, gap.has_gap)
            + _paired_text(gap.value, gap.paired),
            soft_wrap=True,  # one line, however narrow the terminal
        )
    judging = summary.judging_settings
    counted = judging is not None and judging.count_invalid
    for tier, data in summary.tiers.items():
        invalid = {status: n for status, n in data.response_statuses.items() if status != "valid"}
        if invalid:
            listed = ", ".join(f"{status} {n}" for status, n in invalid.items())
            fate = "counted in every rate" if counted else "left out of the rates"
            console.print(
                f"[yellow]{tier}: {sum(invalid.values())} invalid responses ({listed}); {fate}[/yellow]"
            )
    console.print(f"rules: {counting_rules(summary)}", highlight=False, soft_wrap=True)
    if summary.smoke_set:
        console.print("[yellow]dataset: built-in smoke set (a pipeline check, not a measurement)[/yellow]")


def print_judge_warnings(summary: RunSummaryDocument, *, prefix: str = "") -> None:
    """One ``warning:`` line on stderr per judge that failed on too many of a tier's samples (the failed-sample
    warning has its own line, :func:`exit_if_samples_failed`)."""
    for warning in summary.warnings or ():
        if warning.kind == WarningKind.JUDGE_ERRORS:
            errors.print(
                f"[yellow]warning:[/yellow] {escape(prefix + warning.message)}",
                highlight=False,
                soft_wrap=True,
            )


def print_run_result(result: RunResult, *, judged_by: str = "judge") -> None:
    """The summary table, the judges' warnings, the cost line and where the results files are."""
    print_run_summary(result.summary, judged_by=judged_by)
    print_judge_warnings(result.summary)
    console.print(cost_line(result.summary.cost or {}), highlight=False, soft_wrap=True)
    console.print(
        f"results: {result.out_dir}/summary.json · samples.jsonl · logs/ ({result.wall_seconds:.1f} s)"
    )


def print_wording_change(summary: RunSummaryDocument) -> None:
    """For a re-scored run whose judges got another wording than the run's did, one line saying so."""
    origin = summary.rescored_from
    judging = summary.judging_settings
    if origin is None or judging is None:
        return
    before = origin.prompts or "afeval"
    if judging.prompts != before:
        console.print(
            f"[yellow]note: re-judged with {judging.prompts}'s rubrics; the run was judged with {before}'s"
            "[/yellow]",
            highlight=False,
            soft_wrap=True,
        )


@dataclass(frozen=True)
class Unfinished:
    """How a command words a run that did not finish."""

    work: str  # "<work> ended with status ..."
    skipped: str  # what the samples the budget stopped did not get
    resume: str  # what to do next, after "finished work is kept" (budget stops)


RUN_UNFINISHED: Final = Unfinished(
    work="run",
    skipped="not started",
    resume=" — re-run the same command to go on (cached calls are free)",
)
RESCORE_UNFINISHED: Final = Unfinished(work="re-scoring", skipped="not re-judged", resume="")


def exit_if_unfinished(summary: RunSummaryDocument, wording: Unfinished) -> None:
    """Warn and exit 1 when the run stopped on its budget or ended with any status but success."""
    budget = summary.budget
    if summary.status == BUDGET_EXCEEDED and budget is not None:
        errors.print(
            f"[yellow]budget exceeded: ${budget.spent_usd:.4f} of ${budget.max_usd:.2f} spent, "
            f"{budget.samples_skipped} samples {wording.skipped}; finished work is kept{wording.resume}"
            "[/yellow]"
        )
        raise typer.Exit(code=1)
    if summary.status != "success":
        errors.print(
            f"[yellow]{wording.work} ended with status {summary.status}; finished work is kept[/yellow]"
        )
        raise typer.Exit(code=1)


def exit_if_samples_failed(result: RunResult) -> None:
    """Warn and exit 1 when samples of a finished run failed (their errors are in samples.jsonl)."""
    summary = result.summary
    if summary.samples_failed:
        errors.print(
            f"[yellow]{summary.samples_failed} of {len(result.outcomes)} samples failed "
            f"(first: {escape(str(summary.first_sample_error))}); their errors are in "
            "samples.jsonl — re-run the same command to retry them (finished calls are cached)[/yellow]",
            soft_wrap=True,
        )
        raise typer.Exit(code=1)


def exit_if_strict(warnings: int, strict: bool) -> None:
    """Under ``--strict``, exit 1 when the results (already written) carry any warning."""
    if strict and warnings:
        errors.print(
            f"[yellow]--strict: {warnings} warning{'s' if warnings != 1 else ''} (listed in summary.json); "
            "the results are written[/yellow]"
        )
        raise typer.Exit(code=1)


# ---------------------------------------------------------------------------------------------------------
# A sweep (``afeval sweep``)
# ---------------------------------------------------------------------------------------------------------


def _count(value: int) -> str:
    for unit, size in (("G", 1_000_000_000), ("M", 1_000_000), ("k", 1_000)):
        if value >= size:
            return f"{value / size:.1f}{unit}"
    return str(value)


def _usd(value: float | None) -> str:
    return "unpriced" if value is None else f"${value:,.2f}"


def _tokens(cost: CallEstimate) -> str:
    return (
        f"{_count(cost.model_input_tokens + cost.judge_input_tokens)} / "
        f"≤{_count(cost.model_output_tokens + cost.judge_output_tokens)}"
    )


class _Fitted(Protocol):
    """A column of a printed table that is fitted to the terminal's width."""

    @property
    def header(self) -> str: ...
    @property
    def numeric(self) -> bool: ...
    @property
    def wraps(self) -> bool: ...  # a long name that may wrap over lines (the figures never do)


@dataclass(frozen=True)
class _PlanColumn:
    header: str
    cell: Callable[[int, SweepRun, CallEstimate], str]
    numeric: bool = False
    wraps: bool = False


_PLAN_COLUMNS: Final = (
    _PlanColumn("#", lambda index, run, cost: str(index), numeric=True),
    _PlanColumn("label", lambda index, run, cost: run.model.label, wraps=True),
    _PlanColumn("model", lambda index, run, cost: run.model.model, wraps=True),
    _PlanColumn("scenario", lambda index, run, cost: run.scenario.name, wraps=True),
    _PlanColumn("tiers", lambda index, run, cost: ",".join(run.run_tiers), wraps=True),
    _PlanColumn("samples", lambda index, run, cost: str(cost.samples), numeric=True),
    _PlanColumn(
        "model calls", lambda index, run, cost: f"{cost.model_calls} (≤{cost.model_calls_max})", numeric=True
    ),
    _PlanColumn("judge calls", lambda index, run, cost: str(cost.judge_calls), numeric=True),
    _PlanColumn("tokens in/out", lambda index, run, cost: _tokens(cost)),
    _PlanColumn("≤ USD", lambda index, run, cost: _usd(estimate_usd(run, cost))),
)
_PLAN_DROP_ORDER: Final = ("tiers", "model", "tokens in/out", "model calls", "samples")
"""The plan's columns left out, in this order, while the table is wider than the terminal (``--json`` has
them all); the run's number, label, scenario, judge calls and dollars always stay."""

_WRAPPED_MIN_WIDTH: Final = 12
"""The narrowest a wrapping column is counted when fitting the table (rich wraps it over lines below that)."""


def _table_width(widths: Sequence[int]) -> int:
    # A rich table with borders: one space of padding either side of each cell and a rule between columns.
    return sum(widths) + 3 * len(widths) + 1


def _fit_columns(
    columns: Sequence[_Fitted], rows: Sequence[Sequence[str]], width: int, drop_order: Sequence[str]
) -> tuple[int, ...]:
    """The indices of the columns to show: all of them when the table fits in ``width`` characters (a
    wrapping column counted at no more than :data:`_WRAPPED_MIN_WIDTH`), else with the columns of
    ``drop_order`` left out one by one until it does (or none is left to leave out)."""
    headers = [column.header for column in columns]
    natural = [
        min(longest, _WRAPPED_MIN_WIDTH) if column.wraps else longest
        for column, longest in (
            (column, max([len(column.header), *(len(row[i]) for row in rows)]))
            for i, column in enumerate(columns)
        )
    ]
    kept = list(range(len(headers)))
    for name in drop_order:
        if _table_width([natural[i] for i in kept]) <= width:
            break
        if name in headers:
            kept.remove(headers.index(name))
    return tuple(kept)


def _print_fitted(
    title: str,
    columns: Sequence[_Fitted],
    rows: Sequence[Sequence[str]],
    drop_order: Sequence[str],
    width: int,
) -> None:
    """A table fitted to ``width`` (:func:`_fit_columns`), and a line naming the columns it left out."""
    kept = _fit_columns(columns, rows, width, drop_order)
    table = Table(title=title)
    for index in kept:
        column = columns[index]
        table.add_column(
            column.header,
            justify="right" if column.numeric else "left",
            overflow="fold",
            no_wrap=not column.wraps,  # rich narrows the names, never the figures
        )
    for row in rows:
        table.add_row(*(row[index] for index in kept))
    console.print(table, width=width)
    left_out = [column.header for index, column in enumerate(columns) if index not in kept]
    if left_out:
        console.print(
            f"[dim]left out to fit {width} columns: {', '.join(left_out)} "
            "(--dry-run --json prints every field)[/dim]",
            width=width,
        )


PIPED_WIDTH: Final = 80
"""The width printed to when stdout is not a terminal and ``COLUMNS`` does not say (rich would take the
width of whatever terminal the process was started from, however the output is read)."""


def output_width() -> int:
    """The terminal's width; when stdout is piped, ``COLUMNS`` or :data:`PIPED_WIDTH`."""
    if console.is_terminal:
        return console.width
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else PIPED_WIDTH


def _print_estimate(title: str, estimate: SweepEstimate, judge_model: str) -> None:
    """The runs, one row each, with their estimated calls and tokens, the totals and what they assume, then
    the judge under each AF-vote scheme; columns that would not fit the terminal (80 characters when the
    output is piped) are left out."""
    rows = [
        [column.cell(index, run, cost) for column in _PLAN_COLUMNS]
        for index, (run, cost) in enumerate(estimate.runs, start=1)
    ]
    width = output_width()
    _print_fitted(title, _PLAN_COLUMNS, rows, _PLAN_DROP_ORDER, width)
    run_usd = [estimate_usd(run, cost) for run, cost in estimate.runs]
    priced = [usd for usd in run_usd if usd is not None]
    unpriced = len(run_usd) - len(priced)
    console.print(
        f"cost at list prices (upper bound; prices checked {active_price_table().checked}): "
        f"≤ {_usd(sum(priced))}" + (f" for the priced runs; {unpriced} runs unpriced" if unpriced else ""),
        width=width,
    )
    total = estimate.total
    console.print(
        f"total: {total.samples} samples · {total.model_calls} model calls (≤{total.model_calls_max} with every "
        f"retry) · ≤{total.judge_calls} judge calls ({judge_model}) · tokens {_tokens(total)}",
        width=width,
    )
    for note in estimate.notes:
        console.print(f"  [dim]· {note}[/dim]", width=width)
    _print_judge_schemes(estimate, judge_model, width)


@dataclass(frozen=True)
class _SchemeColumn:
    header: str
    cell: Callable[[JudgeFigures], str]
    numeric: bool = True
    wraps: bool = False


def _discounted(value: float | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


_SCHEME_FIGURES: Final = (
    _SchemeColumn("judge calls", lambda figures: f"{figures.calls:,}"),
    _SchemeColumn(
        "tokens in/out",
        lambda figures: f"{_count(figures.input_tokens)} / {_count(figures.output_tokens)}",
        numeric=False,
    ),
    _SchemeColumn("USD", lambda figures: _usd(figures.usd)),
    _SchemeColumn("batch API", lambda figures: _discounted(figures.batch_usd)),
    _SchemeColumn("prompt caching", lambda figures: _discounted(figures.cached_usd)),
)
_SCHEME_COLUMNS: Final[tuple[_Fitted, ...]] = (
    _SchemeColumn("AF votes drawn as", lambda figures: "", numeric=False, wraps=True),
    *_SCHEME_FIGURES,
)
_SCHEME_DROP_ORDER: Final = ("tokens in/out", "prompt caching", "batch API")
"""The scheme table's columns left out, in this order, while it is wider than the terminal."""


def _scheme_rows(schemes: Sequence[JudgeScheme], expected: str) -> list[list[str]]:
    """One row per scheme; a sequential one's figures are upper bounds (``≤``), with its expected figures on
    a row of their own below."""
    rows = []
    for scheme in schemes:
        bound = "≤" if scheme.expected is not None else ""
        rows.append(
            [scheme.description, *(bound + column.cell(scheme.at_most) for column in _SCHEME_FIGURES)]
        )
        if scheme.expected is not None:
            rows.append([f"  {expected}", *(column.cell(scheme.expected) for column in _SCHEME_FIGURES)])
    return rows


def _print_judge_schemes(estimate: SweepEstimate, judge_model: str, width: int) -> None:
    """The judge's calls, tokens and dollars under each AF-vote scheme (:func:`afeval.sweep.judge_schemes`),
    the model under test's once, and what the columns assume; one line under the offline judge."""
    schemes = judge_schemes(estimate)
    if schemes is None:
        console.print("judge: offline — no judge calls, so no AF-vote scheme changes the cost", width=width)
        return
    votes = {run.settings.judging.af_votes for run, _ in estimate.runs if not run.settings.judging.offline}
    per_sample = f"{min(votes)}" if len(votes) == 1 else "-".join(map(str, (min(votes), max(votes))))
    expected = f"expected ({expected_votes(min(votes)):g} of {min(votes)})" if len(votes) == 1 else "expected"
    _print_fitted(
        f"judge {judge_model} by AF-vote scheme · {per_sample} votes per scratchpad",
        _SCHEME_COLUMNS,
        _scheme_rows(schemes, expected),
        _SCHEME_DROP_ORDER,
        width,
    )
    total = estimate.total
    models = [model_usd(run, cost) for run, cost in estimate.runs]
    model_cost = "unpriced" if None in models else f"≤ {_usd(sum(u for u in models if u is not None))}"
    console.print(
        f"model under test, the same under every scheme: {total.model_calls} calls (≤{total.model_calls_max}) · "
        f"tokens {_count(total.model_input_tokens)} / ≤{_count(total.model_output_tokens)} · {model_cost}",
        width=width,
    )
    for note in (
        "USD: the judge's tokens at list price; batch API: × the provider's batch factor (— where it has none); "
        "prompt caching: the AF rubric read from the cache across samples and a scratchpad across its calls "
        "(— where the model has no cached price; docs/cost.md)",
        f"sequential: ≤ every batch drawn; expected at {SEQUENTIAL_EXPECTED_VOTES:g} of "
        f"{DEFAULT_AF_VOTES} votes per sample, as bench/judge_cost.py measured",
    ):
        console.print(f"  [dim]· {note}[/dim]", width=width)


def print_plan(plan: SweepResult) -> None:
    """A sweep's plan (:func:`_print_estimate`)."""
    spec = plan.spec
    title = f"sweep {spec.name} · {len(plan.runs)} runs · {plan.estimate.n_requests} requests per tier"
    _print_estimate(title, plan.estimate, spec.defaults.judging.judge_model)


def print_run_plan(config: RunConfig, estimate: SweepEstimate) -> None:
    """One run's plan (``afeval run --dry-run``), the same way as a sweep's."""
    title = f"run {config.model} · {config.scenario.name} · {estimate.n_requests} requests per tier"
    _print_estimate(title, estimate, config.judge_model)


def print_plan_json(plan: SweepResult) -> None:
    """The plan as one JSON document on stdout (:func:`afeval.sweep.plan_document`), nothing else."""
    typer.echo(json.dumps(plan_document(plan.spec.name, plan.estimate), indent=2, ensure_ascii=False))


def print_run_plan_json(estimate: SweepEstimate) -> None:
    """One run's plan as one JSON document on stdout (its ``sweep`` is null), nothing else."""
    typer.echo(json.dumps(plan_document(None, estimate), indent=2, ensure_ascii=False))


def print_dry_run() -> None:
    console.print("[dim]dry run: nothing was called[/dim]")


def _rate_cell(value: FigureValue) -> str:
    if isinstance(value, RateEstimate):
        return "—" if value.rate is None else f"{value.rate:.0%}"
    return "—" if value is None else f"{value:g}"


def print_sweep_results(result: SweepResult) -> None:
    """One row per run: the headline rates by tier (compliance, alignment faking), and the setting's gaps."""
    headlines = [metric for metric in METRICS if metric.headline is not None]
    table = Table(title=f"sweep {result.spec.name} · {len(result.results)} runs")
    for column in (
        "label",
        "scenario",
        *(f"{metric.headline} by tier" for metric in headlines),
        "gaps",
        "status",
    ):
        table.add_column(column)
    for run, run_result in result.results:
        summary = run_result.summary
        tiers = summary.tiers
        table.add_row(
            run.model.label,
            run.scenario.name,
            *(
                " · ".join(f"{tier} {_rate_cell(metric.read(data))}" for tier, data in tiers.items())
                for metric in headlines
            ),
            " · ".join(
                f"{name} {gap.value:+.0%}" if gap.value is not None else f"{name} —"
                for name, (_, gap) in summary.gaps.items()
            ),
            str(summary.status),
        )
    console.print(table)
    for run, run_result in result.results:
        print_judge_warnings(run_result.summary, prefix=f"{run.run_id}: ")
    for run_id in result.missing:
        errors.print(f"[yellow]{run_id}: no log (not run)[/yellow]")
    console.print(
        f"results: {result.out_dir}/results.csv · results.parquet · runs/<run id>/summary.json · logs/ "
        f"({result.wall_seconds:.1f} s)"
    )


def exit_if_sweep_unfinished(result: SweepResult) -> None:
    """Warn and exit 1 when some runs of the sweep did not finish."""
    if not result.success:
        errors.print("[yellow]some runs did not finish; re-run the same command to resume them[/yellow]")
        raise typer.Exit(code=1)


# ---------------------------------------------------------------------------------------------------------
# A report (``afeval report``)
# ---------------------------------------------------------------------------------------------------------


def print_report_files(files: ReportFiles) -> None:
    console.print(f"report: {escape(str(files.html))}")
    console.print(f"figures: {len(files.figures)} files in {escape(str(files.html.parent / 'figures'))}/")


# ---------------------------------------------------------------------------------------------------------
# A judge (``afeval judges validate``, ``afeval judges score``)
# ---------------------------------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _threshold_row(name: str, metrics: ThresholdMetrics) -> tuple[str, ...]:
    return (
        name,
        f"{metrics.threshold:.3f}",
        _percent(metrics.accuracy),
        _percent(metrics.precision),
        _percent(metrics.recall),
        _percent(metrics.false_positive_rate),
        f"{metrics.true_positives}/{metrics.false_positives}/{metrics.true_negatives}/{metrics.false_negatives}",
    )


def print_validation(validation: JudgeValidation, input_path: Path) -> None:
    """The judge's AUROC with its interval, its decisions at the default and best thresholds, and (LLM judges)
    AUROC against the number of votes."""
    estimate = validation.auroc
    low, high = estimate.ci
    console.print(
        f"judge [bold]{escape(validation.judge)}[/bold] on {escape(str(input_path))}: n = {validation.n} "
        f"({validation.n_positive} AF, {validation.n_negative} not)"
        + (f", {validation.n_excluded} left out (judge errors)" if validation.n_excluded else "")
    )
    console.print(
        f"AUROC {estimate.value:.3f}  {estimate.confidence:.0%} CI [{low:.3f}, {high:.3f}]  "
        f"(stratified bootstrap, {estimate.n_bootstrap} resamples, seed {estimate.seed})"
    )
    table = Table(title="Decisions (score ≥ threshold → AF; the best threshold is chosen in-sample)")
    for column in ("threshold", "score ≥", "accuracy", "precision", "recall", "FPR", "TP/FP/TN/FN"):
        table.add_column(column)
    table.add_row(*_threshold_row("default", validation.at_threshold))
    table.add_row(*_threshold_row("best (Youden's J)", validation.at_best_threshold))
    console.print(table)
    curve = validation.auroc_vs_votes
    if curve is not None:
        shown = sorted({1, 2, 5, 10, 20, len(curve.points)} & {point.votes for point in curve.points})
        listed = " · ".join(
            f"{k}: {curve.at(k).mean:.3f} [{curve.at(k).band[0]:.3f}, {curve.at(k).band[1]:.3f}]"
            for k in shown
        )
        console.print(f"AUROC by number of votes: {listed}")


def print_validation_files(out_dir: Path, files: Sequence[Path]) -> None:
    console.print(f"results: {escape(str(out_dir))}/ · " + " · ".join(path.name for path in files))


def print_scores(judgements: Sequence[TextJudgement], judge: str, output: Path) -> None:
    """How many texts got each verdict, where they are, and a warning when some could not be judged."""
    counts = {verdict: 0 for verdict in TextVerdict}
    for judgement in judgements:
        counts[judgement.verdict] += 1
    console.print(
        f"{len(judgements)} texts scored by {escape(judge)}: "
        + ", ".join(f"{verdict.value} {n}" for verdict, n in counts.items())
    )
    console.print(f"results: {escape(str(output))}")
    if counts[TextVerdict.ERROR]:
        errors.print(
            f"[yellow]{counts[TextVerdict.ERROR]} texts could not be judged (verdict 'error')[/yellow]"
        )
