"""``afeval report DIR``: figures and a self-contained HTML report for a run or a sweep, from its results files.

The command reads ``summary.json`` and ``samples.jsonl`` only (a run directory, or each ``runs/<run_id>/`` of a
sweep), needs no network and calls no model; the work is done in :mod:`afeval.report.html`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from afeval.report._data import ReportInputError
from afeval.report.html import DEFAULT_MAX_TRANSCRIPTS, REPORT_DIR, build_report

console = Console()
errors = Console(stderr=True)


def report(
    directory: Annotated[
        Path,
        typer.Argument(
            help="A run directory (with summary.json) or a sweep directory (with runs/*/summary.json).",
            exists=True,
            file_okay=False,
            dir_okay=True,
        ),
    ],
    out: Annotated[
        Path | None, typer.Option(help=f"Output directory. Default: DIRECTORY/{REPORT_DIR}.")
    ] = None,
    max_transcripts: Annotated[
        int,
        typer.Option(
            help="Embed at most this many transcripts, chosen to keep every run, tier and category in "
            "proportion (0: all)."
        ),
    ] = DEFAULT_MAX_TRANSCRIPTS,
) -> None:
    """Write the figures (PNG and SVG) and an offline HTML report with a transcript viewer for a run or sweep."""
    try:
        files = build_report(directory, out, max_transcripts=max_transcripts or None)
    except (ReportInputError, ValueError, OSError) as exc:
        errors.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(code=2) from None
    console.print(f"report: {escape(str(files.html))}")
    console.print(f"figures: {len(files.figures)} files in {escape(str(files.html.parent / 'figures'))}/")
