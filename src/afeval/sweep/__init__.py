"""Sweeps: the paper's grids of models × scenario options × tiers × CoT/no-CoT, as files.

:func:`load_sweep` reads a sweep file (TOML or YAML, or the name of one shipped in ``files/``: the paper's
roster of chat models and one file per experiment family), :func:`expand_grid` turns it into one
:class:`SweepRun` per cell with a stable id, :func:`estimate_calls` says how many model and judge calls and
tokens the grid will spend, and :func:`result_rows` / :func:`write_results_table` build the combined table of
compliance, alignment-faking reasoning and compliance gaps; :class:`Shard` splits a grid across machines.
Running the grid is ``afeval.engine.run_sweep``.
"""

from afeval.sweep._estimate import (
    ASSUMED_REQUEST_CHARS,
    CHARS_PER_TOKEN,
    JUDGE_REPLY_TOKENS,
    KNOWN_DATASET_SIZES,
    PLAN_SCHEMA_VERSION,
    CallEstimate,
    SweepEstimate,
    dataset_requests,
    estimate_calls,
    estimate_run,
    estimate_usd,
    plan_document,
    tokens_of,
)
from afeval.sweep._shard import Shard
from afeval.sweep._spec import (
    BASE_MODEL_CLARIFICATIONS,
    MODEL_KINDS,
    SweepDefaults,
    SweepFileError,
    SweepModel,
    SweepRun,
    SweepScenario,
    SweepSpec,
    expand_grid,
    load_sweep,
    packaged_sweeps,
    parse_sweep,
)
from afeval.sweep._table import (
    RESULTS_CSV,
    RESULTS_PARQUET,
    gap_names,
    result_rows,
    results_schema,
    write_results_table,
)

__all__ = [
    "ASSUMED_REQUEST_CHARS",
    "BASE_MODEL_CLARIFICATIONS",
    "CHARS_PER_TOKEN",
    "JUDGE_REPLY_TOKENS",
    "KNOWN_DATASET_SIZES",
    "MODEL_KINDS",
    "PLAN_SCHEMA_VERSION",
    "RESULTS_CSV",
    "RESULTS_PARQUET",
    "CallEstimate",
    "Shard",
    "SweepDefaults",
    "SweepEstimate",
    "SweepFileError",
    "SweepModel",
    "SweepRun",
    "SweepScenario",
    "SweepSpec",
    "dataset_requests",
    "estimate_calls",
    "estimate_run",
    "estimate_usd",
    "expand_grid",
    "gap_names",
    "load_sweep",
    "packaged_sweeps",
    "parse_sweep",
    "plan_document",
    "result_rows",
    "results_schema",
    "tokens_of",
    "write_results_table",
]
