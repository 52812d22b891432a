"""Sweeps: the paper's grids of models × scenario options × tiers × CoT/no-CoT, as files.

:func:`load_sweep` reads a sweep file (TOML or YAML, or the name of one shipped in ``files/``: the paper's
roster of chat models and one file per experiment family), :func:`expand_grid` turns it into one
:class:`SweepRun` per cell with a stable id, :func:`estimate_calls` says how many model and judge calls and
tokens the grid will spend, :func:`judge_schemes` what the judge spends under each way of drawing the
alignment-faking votes, and :func:`result_rows` / :func:`write_results_table` build the combined table of
compliance, alignment-faking reasoning and compliance gaps; :class:`Shard` splits a grid across machines.
Running the grid is ``afeval.engine.run_sweep``.
"""

from afeval.sweep._estimate import (
    ASSUMED_REQUEST_CHARS,
    CHARS_PER_TOKEN,
    JUDGE_REPLY_TOKENS,
    KNOWN_DATASET_SIZES,
    CallEstimate,
    JudgeLoad,
    SweepEstimate,
    dataset_requests,
    estimate_calls,
    estimate_run,
    estimate_usd,
    judge_load,
    model_usd,
    tokens_of,
    vote_calls_per_sample,
)
from afeval.sweep._plan import PLAN_SCHEMA_VERSION, plan_document
from afeval.sweep._schemes import (
    AFEVAL_SCHEME,
    SEQUENTIAL_EXPECTED_VOTES,
    JudgeFigures,
    JudgeScheme,
    expected_votes,
    judge_schemes,
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
    "AFEVAL_SCHEME",
    "ASSUMED_REQUEST_CHARS",
    "BASE_MODEL_CLARIFICATIONS",
    "CHARS_PER_TOKEN",
    "JUDGE_REPLY_TOKENS",
    "KNOWN_DATASET_SIZES",
    "MODEL_KINDS",
    "PLAN_SCHEMA_VERSION",
    "RESULTS_CSV",
    "RESULTS_PARQUET",
    "SEQUENTIAL_EXPECTED_VOTES",
    "CallEstimate",
    "JudgeFigures",
    "JudgeLoad",
    "JudgeScheme",
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
    "expected_votes",
    "gap_names",
    "judge_load",
    "judge_schemes",
    "load_sweep",
    "model_usd",
    "packaged_sweeps",
    "parse_sweep",
    "plan_document",
    "result_rows",
    "results_schema",
    "tokens_of",
    "vote_calls_per_sample",
    "write_results_table",
]
