"""``afeval report DIR``: figures and a self-contained HTML report for a run or a sweep, from its results files.

The command reads ``summary.json`` and ``samples.jsonl`` only (a run directory, or each ``runs/<run_id>/`` of a
sweep), needs no network and calls no model; the work is done in :mod:`afeval.report.html`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from afeval.cli._options import out_dir_option
from afeval.cli._print import print_report_files, user_errors
from afeval.report.html import DEFAULT_MAX_TRANSCRIPTS, REPORT_DIR, build_report


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
    out: Annotated[Path | None, out_dir_option(f"DIRECTORY/{REPORT_DIR}")] = None,
    max_transcripts: Annotated[
        int,
        typer.Option(
            help="Embed at most this many transcripts, chosen to keep every run, tier and category in "
            "proportion (0: all)."
        ),
    ] = DEFAULT_MAX_TRANSCRIPTS,
) -> None:
    """Write the figures (PNG and SVG) and an offline HTML report with a transcript viewer for a run or sweep."""
    with user_errors(OSError):  # the report is written to disk: a folder it cannot write is the user's to fix
        files = build_report(directory, out, max_transcripts=max_transcripts or None)
    print_report_files(files)
