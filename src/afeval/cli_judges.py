"""``afeval judges``: measure an alignment-faking judge against human labels, or score texts with it.

``validate`` reproduces the paper's check of its classifier (AUROC against hand-labelled scratchpads, decisions
at the 0.4 threshold, AUROC against the number of votes); ``score`` runs a judge over any JSONL of texts.
The work is done in :mod:`afeval.engine._judge_texts`; these commands parse options and print.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from afeval.engine import score_text_file, validate_judge_file
from afeval.errors import ConfigError
from afeval.judges import DEFAULT_AF_VOTES, OFFLINE_JUDGE
from afeval.report.judge_plots import plot_auroc_vs_votes, plot_roc
from afeval.validation import (
    DEFAULT_BOOTSTRAP,
    DEFAULT_SEED,
    DEFAULT_VOTE_SUBSAMPLES,
    JudgeValidation,
    TextFileError,
    TextVerdict,
    ThresholdMetrics,
)

judges_app = typer.Typer(
    name="judges",
    help="Validate an alignment-faking judge against human labels, or score texts with it.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)

JudgeOption = Annotated[
    str,
    typer.Option(
        help=f"'{OFFLINE_JUDGE}' (rule-based, no API) or any Inspect model string for the LLM judge."
    ),
]
VotesOption = Annotated[
    int, typer.Option(help="Alignment-faking votes per text for an LLM judge (temperature 1).")
]
CacheOption = Annotated[bool, typer.Option("--cache/--no-cache", help="Cache judge calls.")]
NumChoicesOption = Annotated[
    bool, typer.Option(help="Draw the votes as choices of one judge call (providers supporting n).")
]
ConnectionsOption = Annotated[int | None, typer.Option(help="Concurrent connections to the judge.")]
DisplayOption = Annotated[
    str | None, typer.Option(help="Progress display: full, rich, plain, log or none (Inspect's).")
]


def _default_out_dir(judge: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", judge).strip("_")
    return Path("runs") / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}-judge-{slug}"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _threshold_row(name: str, metrics: ThresholdMetrics) -> tuple[str, ...]:
    return (
        name,
        f"{metrics.threshold:.3f}",
        _rate(metrics.accuracy),
        _rate(metrics.precision),
        _rate(metrics.recall),
        _rate(metrics.false_positive_rate),
        f"{metrics.true_positives}/{metrics.false_positives}/{metrics.true_negatives}/{metrics.false_negatives}",
    )


def _print_validation(validation: JudgeValidation, input_path: Path) -> None:
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


def _fail(exc: Exception) -> typer.Exit:
    errors.print(f"[red]error:[/red] {escape(str(exc))}")
    return typer.Exit(code=2)


@judges_app.command()
def validate(
    input_path: Annotated[
        Path, typer.Option("--input", help="Labelled JSONL: 'text' and 'label' (1 = AF, 0 = not) per line.")
    ],
    judge: JudgeOption,
    votes: VotesOption = DEFAULT_AF_VOTES,
    out: Annotated[
        Path | None, typer.Option(help="Output directory. Default: runs/<time>-judge-<judge>.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and the vote subsampling.")] = DEFAULT_SEED,
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples for the AUROC interval.")
    ] = DEFAULT_BOOTSTRAP,
    vote_subsamples: Annotated[
        int, typer.Option(help="Random vote subsamples per point of the AUROC-vs-votes curve.")
    ] = DEFAULT_VOTE_SUBSAMPLES,
    cache: CacheOption = True,
    num_choices: NumChoicesOption = False,
    max_connections: ConnectionsOption = None,
    display: DisplayOption = None,
) -> None:
    """Measure a judge against human labels: AUROC with a bootstrap CI, decisions at 0.4 and at the best
    threshold, the ROC curve and, for LLM judges, AUROC against the number of votes."""
    out_dir = out or _default_out_dir(judge)
    try:
        run = validate_judge_file(
            input_path,
            judge,
            out_dir,
            votes,
            seed=seed,
            n_bootstrap=bootstrap,
            vote_subsamples=vote_subsamples,
            cache=cache,
            num_choices=num_choices,
            max_connections=max_connections,
            display=display,
        )
    except (TextFileError, ConfigError, ValueError) as exc:
        raise _fail(exc) from None
    _print_validation(run.validation, input_path)
    figures = [*plot_roc(run.validation, out_dir)]
    if run.validation.auroc_vs_votes is not None:
        figures.extend(plot_auroc_vs_votes(run.validation, out_dir))
    files = [run.validation_file, *figures, *([run.votes_file] if run.votes_file else [])]
    console.print(f"results: {escape(str(out_dir))}/ · " + " · ".join(path.name for path in files))


@judges_app.command()
def score(
    judge: JudgeOption,
    input_path: Annotated[Path, typer.Option("--input", help="JSONL with a 'text' field per line.")],
    output: Annotated[Path, typer.Option(help="Output JSONL: the input's fields plus score and verdict.")],
    votes: VotesOption = DEFAULT_AF_VOTES,
    log_dir: Annotated[
        Path | None, typer.Option(help="Inspect logs of an LLM judge. Default: <output>.logs/.")
    ] = None,
    cache: CacheOption = True,
    num_choices: NumChoicesOption = False,
    max_connections: ConnectionsOption = None,
    display: DisplayOption = None,
) -> None:
    """Score every text of a JSONL file with a judge: one output line per input line, in order."""
    try:
        judgements = score_text_file(
            input_path,
            output,
            judge,
            votes,
            log_dir,
            cache=cache,
            num_choices=num_choices,
            max_connections=max_connections,
            display=display,
        )
    except (TextFileError, ConfigError, ValueError) as exc:
        raise _fail(exc) from None
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
