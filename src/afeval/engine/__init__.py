"""The thin Inspect AI layer, cut by concern; this package's names are all the CLI and the benchmarks import.

It is also Inspect's entry point (``[project.entry-points.inspect_ai]`` in pyproject.toml): importing it registers
the task, so ``inspect eval afeval/alignment_faking`` works, and afeval's model APIs (``afeval-local/...``).

Three private sub-packages, each a concern (their ``__init__`` files are empty: modules import concrete modules):

* ``task/``: the Inspect task and what it runs. ``_task`` (the task and its samples), ``_solver`` (the
  valid-response solver), ``_scorers`` (the judge scorers), ``_voting`` (the alignment-faking votes),
  ``_judge_calls`` (one judge call), ``_follow_up`` (the follow-up questions), ``_judge_texts`` (judging free
  texts with a catalogue judge, through the run's scorer body, and validating it against human labels);
* ``runs/``: the run drivers and their support. ``_config`` (:class:`RunConfig`, :class:`RunResult`,
  :func:`default_run_dir`), ``_preflight`` (checks before any paid call), ``_budget`` (the cost block and the
  ``--max-cost`` budget), ``_records`` (an Inspect log to afeval's results files: log -> records -> summary),
  ``_executor`` (the one executor: preflight, parts, record spool, budget, results; and the ``eval()`` options
  every afeval call of Inspect shares), ``_run`` (one run's plan), ``_rescore`` (re-judging stored responses,
  streamed a part at a time), ``_sweep`` (many runs as one Inspect eval set), ``_selfcheck`` (the pipeline run on the
  model organisms, checked against what they planted), ``_generate`` (cached, concurrent generation for the
  fine-tuning data set builders);
* ``models/``: afeval's own Inspect model APIs. ``_providers`` (registered with lazy imports), ``_organism`` and
  ``_organism_texts`` (the built-in model organisms, ``organisms.toml``, and their scripted judge),
  ``_local_model`` and ``_local_prefix`` (the embedded model and its prompt-prefix cache).

It returns data; drawing is :mod:`afeval.report`'s job.
"""

from afeval.engine.models._local_model import EmbeddedModel, cpu_inference_threads, load_embedded_model
from afeval.engine.models._providers import EMBEDDED_MODEL
from afeval.engine.runs._budget import BUDGET_EXCEEDED
from afeval.engine.runs._config import RunConfig, RunResult, default_run_dir
from afeval.engine.runs._executor import RUN_PART_SAMPLES
from afeval.engine.runs._generate import (
    DEFAULT_GENERATION_CONNECTIONS,
    GenerationPrompt,
    check_generator,
    generate_texts,
)
from afeval.engine.runs._preflight import preflight
from afeval.engine.runs._records import finalize
from afeval.engine.runs._rescore import RescoreError, rescore_run
from afeval.engine.runs._run import build_task, run_evaluation
from afeval.engine.runs._selfcheck import (
    DEFAULT_SELFCHECK_REQUESTS,
    SELFCHECK_JUDGES,
    SELFCHECK_ORGANISMS,
    SelfcheckResult,
    run_selfcheck,
)
from afeval.engine.runs._selfcheck import Check as SelfcheckCheck
from afeval.engine.runs._sweep import SweepResult, plan_run, planned_run, run_sweep
from afeval.engine.task._judge_texts import (
    TEXT_CLASSIFIER,
    TEXT_CLASSIFIERS,
    ValidationRun,
    score_text_file,
    score_texts,
    validate_judge_file,
)
from afeval.engine.task._task import alignment_faking, task_settings
from afeval.errors import ConfigError

__all__ = [
    "BUDGET_EXCEEDED",
    "DEFAULT_GENERATION_CONNECTIONS",
    "DEFAULT_SELFCHECK_REQUESTS",
    "EMBEDDED_MODEL",
    "RUN_PART_SAMPLES",
    "SELFCHECK_JUDGES",
    "SELFCHECK_ORGANISMS",
    "TEXT_CLASSIFIER",
    "TEXT_CLASSIFIERS",
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
