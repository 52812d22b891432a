"""``afeval judges``: measure an alignment-faking judge against human labels, or score texts with it.

``validate`` reproduces the paper's check of its classifier (AUROC against hand-labelled scratchpads, decisions
at the 0.4 threshold, AUROC against the number of votes); ``score`` runs a judge over any JSONL of texts.
``--classifier`` picks another catalogue judge that reads a scratchpad (alignment faking by default).
The work is done in :mod:`afeval.engine.task._judge_texts`; these commands parse options and print.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from afeval.cli._options import (
    DisplayOption,
    JudgeCacheOption,
    JudgeConnectionsOption,
    out_dir_option,
    sub_app,
)
from afeval.cli._print import print_scores, print_validation, print_validation_files, user_errors
from afeval.engine import (
    TEXT_CLASSIFIER,
    TEXT_CLASSIFIERS,
    default_run_dir,
    score_text_file,
    validate_judge_file,
)
from afeval.judges import DEFAULT_AF_VOTES, OFFLINE_JUDGE
from afeval.report.judge_plots import plot_auroc_vs_votes, plot_roc
from afeval.validation import DEFAULT_BOOTSTRAP, DEFAULT_SEED, DEFAULT_VOTE_SUBSAMPLES

judges_app = sub_app(
    "judges", "Validate an alignment-faking judge against human labels, or score texts with it."
)

JudgeOption = Annotated[
    str,
    typer.Option(
        help=f"'{OFFLINE_JUDGE}' (rule-based, no API) or any Inspect model string for the LLM judge."
    ),
]
VotesOption = Annotated[
    int, typer.Option(help="Alignment-faking votes per text for an LLM judge (temperature 1).")
]
ClassifierOption = Annotated[
    str,
    typer.Option(
        help=f"The catalogue classifier that judges each text (a scratchpad): {', '.join(TEXT_CLASSIFIERS)}."
    ),
]
NumChoicesOption = Annotated[
    bool, typer.Option(help="Draw the votes as choices of one judge call (providers supporting n).")
]


@judges_app.command()
def validate(
    input_path: Annotated[
        Path, typer.Option("--input", help="Labelled JSONL: 'text' and 'label' (1 = AF, 0 = not) per line.")
    ],
    judge: JudgeOption,
    votes: VotesOption = DEFAULT_AF_VOTES,
    out: Annotated[Path | None, out_dir_option("runs/<time>-judge-<judge>")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and the vote subsampling.")] = DEFAULT_SEED,
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples for the AUROC interval.")
    ] = DEFAULT_BOOTSTRAP,
    vote_subsamples: Annotated[
        int, typer.Option(help="Random vote subsamples per point of the AUROC-vs-votes curve.")
    ] = DEFAULT_VOTE_SUBSAMPLES,
    classifier: ClassifierOption = TEXT_CLASSIFIER,
    cache: JudgeCacheOption = True,
    num_choices: NumChoicesOption = False,
    max_connections: JudgeConnectionsOption = None,
    display: DisplayOption = None,
) -> None:
    """Measure a judge against human labels: AUROC with a bootstrap CI, decisions at 0.4 and at the best
    threshold, the ROC curve and, for LLM judges, AUROC against the number of votes."""
    out_dir = out or default_run_dir(judge, kind="judge")
    with user_errors():
        run = validate_judge_file(
            input_path,
            judge,
            out_dir,
            votes,
            seed=seed,
            n_bootstrap=bootstrap,
            vote_subsamples=vote_subsamples,
            classifier=classifier,
            cache=cache,
            num_choices=num_choices,
            max_connections=max_connections,
            display=display,
        )
    print_validation(run.validation, input_path)
    figures = [*plot_roc(run.validation, out_dir)]
    if run.validation.auroc_vs_votes is not None:
        figures.extend(plot_auroc_vs_votes(run.validation, out_dir))
    print_validation_files(
        out_dir, [run.validation_file, *figures, *([run.votes_file] if run.votes_file else [])]
    )


@judges_app.command()
def score(
    judge: JudgeOption,
    input_path: Annotated[Path, typer.Option("--input", help="JSONL with a 'text' field per line.")],
    output: Annotated[Path, typer.Option(help="Output JSONL: the input's fields plus score and verdict.")],
    votes: VotesOption = DEFAULT_AF_VOTES,
    log_dir: Annotated[
        Path | None, typer.Option(help="Inspect logs of an LLM judge. Default: <output>.logs/.")
    ] = None,
    classifier: ClassifierOption = TEXT_CLASSIFIER,
    cache: JudgeCacheOption = True,
    num_choices: NumChoicesOption = False,
    max_connections: JudgeConnectionsOption = None,
    display: DisplayOption = None,
) -> None:
    """Score every text of a JSONL file with a judge: one output line per input line, in order."""
    with user_errors():
        judgements = score_text_file(
            input_path,
            output,
            judge,
            votes,
            log_dir,
            classifier=classifier,
            cache=cache,
            num_choices=num_choices,
            max_connections=max_connections,
            display=display,
        )
    print_scores(judgements, judge, output)
