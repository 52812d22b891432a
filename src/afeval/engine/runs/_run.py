"""One evaluation: the Inspect task of a run's settings, handed to the executor (:mod:`._executor`) with the
model under test, its connection options and the full preflight."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from inspect_ai import Task

from afeval.engine.runs._config import RunConfig, RunResult
from afeval.engine.runs._executor import RunPlan, execute
from afeval.engine.runs._executor import eval_options as eval_options  # engine/task imports it from here
from afeval.engine.runs._preflight import preflight
from afeval.engine.task._task import TASK_ARGUMENT_NAMES, TASK_EXCLUDED_KEYS, alignment_faking
from afeval.scenario import DEFAULT_LAB, scenario_catalog
from afeval.settings import setting_key_values


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


def run_evaluation(config: RunConfig) -> RunResult:
    """Run the evaluation through Inspect, then write the results files into ``config.out_dir``."""

    def checks() -> None:
        config.reference_prompts()  # loaded first: a missing reference stops the run before anything else
        preflight(config)

    return execute(
        RunPlan(
            config=config,
            task=lambda: build_task(config),
            model=config.model,
            checks=checks,
            eval_arguments={
                "model_base_url": config.model_base_url,
                "model_args": dict(config.model_args),
                "live_log": config.live_log,
                "retry_on_error": 1,
                **connection_options(config),
            },
        )
    )
