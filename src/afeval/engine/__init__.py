"""The thin Inspect AI layer, cut by concept; this package's names are all the CLI and the benchmarks import.

It is also Inspect's entry point (``[project.entry-points.inspect_ai]`` in pyproject.toml): importing it registers
the task, so ``inspect eval afeval/alignment_faking`` works, and afeval's model APIs (``afeval-local/...``).

* ``_config``: :class:`RunConfig` (a run: model, requests, scenario, generation and judging settings),
  :class:`RunResult` and :func:`default_run_dir` (where a run goes unless told);
* ``_task``, ``_solver``, ``_scorers``: the Inspect task, the valid-response solver and the judge scorers;
* ``_preflight``: checks before any paid call (models resolve, servers answer, budgets can be priced);
* ``_budget``: the cost block of a run and the ``--max-cost`` budget;
* ``_records``: an Inspect log to afeval's results files (log -> records -> summary);
* ``_run``: one run, and the ``eval()`` options every afeval call of Inspect shares;
* ``_rescore``: re-judging stored responses without calling the model under test;
* ``_sweep``: many runs as one Inspect eval set;
* ``_judge_texts``: judging free texts and validating a judge against human labels;
* ``_providers``: afeval's Inspect model APIs, registered with lazy imports;
* ``_organism``: the built-in model organisms (simulated models with planted behaviour) and their scripted
  judge; ``_selfcheck``: the pipeline run on them, checked against what they planted;
* ``_generate``: cached, concurrent generation for the fine-tuning data set builders.

It returns data; drawing is :mod:`afeval.report`'s job.
"""

from afeval.engine._budget import BUDGET_EXCEEDED
from afeval.engine._config import RunConfig, RunResult, default_run_dir
from afeval.engine._generate import (
    DEFAULT_GENERATION_CONNECTIONS,
    GenerationPrompt,
    check_generator,
    generate_texts,
)
from afeval.engine._judge_texts import ValidationRun, score_text_file, score_texts, validate_judge_file
from afeval.engine._local_model import EmbeddedModel, cpu_inference_threads, load_embedded_model
from afeval.engine._preflight import preflight
from afeval.engine._providers import EMBEDDED_MODEL
from afeval.engine._records import finalize
from afeval.engine._rescore import RescoreError, rescore_run
from afeval.engine._run import RUN_PART_SAMPLES, build_task, run_evaluation
from afeval.engine._selfcheck import (
    DEFAULT_SELFCHECK_REQUESTS,
    SELFCHECK_JUDGES,
    SELFCHECK_ORGANISMS,
    SelfcheckResult,
    run_selfcheck,
)
from afeval.engine._selfcheck import Check as SelfcheckCheck
from afeval.engine._sweep import SweepResult, plan_run, planned_run, run_sweep
from afeval.engine._task import alignment_faking, task_settings
from afeval.errors import ConfigError

__all__ = [
    "BUDGET_EXCEEDED",
    "DEFAULT_GENERATION_CONNECTIONS",
    "DEFAULT_SELFCHECK_REQUESTS",
    "EMBEDDED_MODEL",
    "RUN_PART_SAMPLES",
    "SELFCHECK_JUDGES",
    "SELFCHECK_ORGANISMS",
    "ConfigError",
    "EmbeddedModel",
    "GenerationPrompt",
    "RescoreError",
    "RunConfig",
    "RunResult",
    "SelfcheckCheck",
    "SelfcheckResult",
    "SweepResult",
    "ValidationRun",
    "alignment_faking",
    "build_task",
    "check_generator",
    "cpu_inference_threads",
    "default_run_dir",
    "finalize",
    "generate_texts",
    "load_embedded_model",
    "plan_run",
    "planned_run",
    "preflight",
    "rescore_run",
    "run_evaluation",
    "run_selfcheck",
    "run_sweep",
    "score_text_file",
    "score_texts",
    "task_settings",
    "validate_judge_file",
]
