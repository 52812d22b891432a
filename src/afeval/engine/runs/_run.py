"""Drive one evaluation through Inspect and turn its log into afeval's results files."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Final

from inspect_ai import Task, task_with
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.log import EvalLog

from afeval.engine.runs._budget import make_budget
from afeval.engine.runs._config import RunConfig, RunResult
from afeval.engine.runs._preflight import preflight
from afeval.engine.runs._records import RecordSpool, finalize, sample_order
from afeval.engine.task._task import (
    TASK_ARGUMENT_NAMES,
    TASK_EXCLUDED_KEYS,
    alignment_faking,
    parse_classifiers,
)
from afeval.results import LOGS_DIR
from afeval.scenario import DEFAULT_LAB, scenario_catalog
from afeval.settings import setting_key_values


def eval_options(*, display: str | None, live_log: bool = False, **extra: Any) -> dict[str, Any]:
    """The keyword arguments every afeval call of Inspect's ``eval``/``eval_set`` shares, plus those of ``extra``
    that are not None (one given as None keeps Inspect's default)."""
    return {
        "display": display,
        "fail_on_error": False,  # a failed sample is recorded with its error; finished work is kept
        "score_display": False,
        # Inspect's realtime sample log lets `inspect view` show samples while a run is going; it costs about
        # a fifth of the harness's CPU per sample.
        "log_realtime": live_log,
        **{key: value for key, value in extra.items() if value is not None},
    }


def build_task(config: RunConfig) -> Task:
    """The Inspect task for ``config`` (the registered ``afeval/alignment_faking`` with its task args)."""
    scenario = config.scenario
    # A lab outside the presets has no name part that reads back, so it travels as its own task arg.
    custom_lab = scenario.lab if scenario.lab not in scenario_catalog().labs.values() else None
    named = replace(scenario, lab=DEFAULT_LAB) if custom_lab is not None else scenario
    values = setting_key_values(config.settings)
    settings = {
        TASK_ARGUMENT_NAMES.get(key, key): value
        for key, value in values.items()
        if key not in TASK_EXCLUDED_KEYS
    }
    return alignment_faking(
        scenario=named.name,
        lab=custom_lab,
        tiers=",".join(config.tiers) if config.tiers is not None else None,
        reference_dir=str(config.reference_dir) if config.reference_dir is not None else None,
        **settings,
    )


def connection_options(config: RunConfig) -> dict[str, Any]:
    """The run's options for Inspect's generate config that stay out of its cache keys (batch and
    cache_prompt are left out of them); None: Inspect's default."""
    return {
        "max_connections": config.max_connections,
        "batch": True if config.generation.batch else None,
        "cache_prompt": config.generation.cache_prompt,
    }


RUN_PART_SAMPLES: Final = 5_000
"""The most samples one Inspect eval of a run holds. Inspect keeps a summary and the scores of every finished
sample in memory until its eval ends (about 11 KB a sample here), so a larger run is evaluated in parts of this
many samples, one after another, one log each; its peak memory is then that of one part, however many samples
the run has."""


def run_parts(samples: Sequence[Sample], part_size: int) -> list[list[Sample]] | None:
    """The samples of each part of a run, in the order its results are written; None: one eval of them all."""
    if len(samples) <= part_size:
        return None
    ordered = sorted(samples, key=lambda sample: sample_order((sample.id or "", 1)))
    return [ordered[start : start + part_size] for start in range(0, len(ordered), part_size)]


def run_evaluation(config: RunConfig) -> RunResult:
    """Run the evaluation through Inspect, then write the results files into ``config.out_dir``."""
    config.reference_prompts()  # loaded first: a missing reference stops the run before anything else
    preflight(config)
    config.out_dir.mkdir(parents=True, exist_ok=True)
    task = build_task(config)
    budget = make_budget(config)
    if budget is not None:
        task = task_with(task, early_stopping=budget)
    parts = run_parts(list(task.dataset), RUN_PART_SAMPLES)
    started = time.perf_counter()
    logs: list[EvalLog] = []
    selections: list[list[Sample] | None] = [*parts] if parts is not None else [None]
    with RecordSpool(
        config.out_dir, config.judge_model, parse_classifiers(config.judging.classifiers)
    ) as spool:
        for part in selections:
            # Each part is the task over a slice of its samples (task_with sets the dataset in place).
            if part is not None:
                task = task_with(task, dataset=MemoryDataset(part, name=task.dataset.name))
            part_logs = inspect_eval(
                task,
                model=config.model,
                model_base_url=config.model_base_url,
                model_args=dict(config.model_args),
                log_dir=str(config.out_dir / LOGS_DIR),
                **eval_options(
                    display=config.display,
                    live_log=config.live_log,
                    retry_on_error=1,
                    log_header_only=True,  # finalize takes the records from the spool: memory stays flat
                    **connection_options(config),
                ),
            )
            for log in part_logs:
                # The per-sample scores of the header: afeval reads them from its records, and kept for every
                # part they would grow with the run.
                log.reductions = None
                logs.append(log)
        wall = time.perf_counter() - started
        return finalize(config, logs, wall, budget=budget, spool=spool)
