"""The ``afeval`` application: every command, registered in the order ``afeval --help`` lists them."""

from __future__ import annotations

import typer

from afeval.cli.finetune import finetune_app
from afeval.cli.judges import judges_app
from afeval.cli.prompts import prompts_app
from afeval.cli.report import report
from afeval.cli.rescore import rescore
from afeval.cli.run import run
from afeval.cli.selfcheck import selfcheck
from afeval.cli.sweep import sweep

app = typer.Typer(
    name="afeval",
    help="Measure alignment faking in language models (Greenblatt et al. 2024; Sheshadri et al. 2025).",
    no_args_is_help=False,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """afeval: compliance gaps, alignment-faking reasoning and validated judges, on any model."""


app.command()(run)
app.command()(sweep)
app.command()(report)
app.command()(rescore)
app.command()(selfcheck)
app.add_typer(judges_app, name="judges")
app.add_typer(finetune_app, name="finetune")
app.add_typer(prompts_app, name="prompts")
