"""The thin Inspect AI layer: the task, the solver, the judge scorers, the embedded model and the run driver."""

from afeval.engine._generate import (
    DEFAULT_GENERATION_CONNECTIONS,
    GenerationPrompt,
    check_generator,
    generate_texts,
)
from afeval.engine._local_model import EMBEDDED_MODEL
from afeval.engine._run import (
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
from afeval.errors import ConfigError

__all__ = [
    "DEFAULT_GENERATION_CONNECTIONS",
    "EMBEDDED_MODEL",
    "ConfigError",
    "GenerationPrompt",
    "RunConfig",
    "RunResult",
    "SweepResult",
    "alignment_faking",
    "build_task",
    "check_generator",
    "finalize",
    "generate_texts",
    "preflight",
    "run_evaluation",
    "run_sweep",
    "summary_rows",
]
