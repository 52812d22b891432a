"""The thin Inspect AI layer: the task, the solver, the judge scorers, the embedded model and the run driver."""

from afeval.engine._local_model import EMBEDDED_MODEL
from afeval.engine._run import (
    ConfigError,
    RunConfig,
    RunResult,
    build_task,
    finalize,
    preflight,
    run_evaluation,
    summary_rows,
)
from afeval.engine._sweep import SweepResult, run_sweep
from afeval.engine._task import alignment_faking

__all__ = [
    "EMBEDDED_MODEL",
    "ConfigError",
    "RunConfig",
    "RunResult",
    "SweepResult",
    "alignment_faking",
    "build_task",
    "finalize",
    "preflight",
    "run_evaluation",
    "run_sweep",
    "summary_rows",
]
