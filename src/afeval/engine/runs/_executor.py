"""The one executor of afeval's runs: preflight, the evaluation in parts, the record spool, the budget, the
results files. ``afeval run`` and ``afeval rescore`` are each a plan handed to :func:`execute`; a sweep cell is
finalized by the same :func:`finish` (see :mod:`afeval.engine.runs._sweep` for what an eval set leaves out).

A plan names what differs between them: the Inspect task, where the samples of each part come from (the task's
own dataset, cut in parts, or a stream of them such as a re-scored run's stored records), the model to bind and
the other ``eval()`` arguments, the checks to run before any paid call, and what finalize is told
(``rescored_from``, a system prompt known already). Everything else is written here once, so a run-level
feature lands in every driver at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from inspect_ai import Task, task_with
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.log import EvalLog

from afeval.engine.runs._budget import RunBudget, make_budget
from afeval.engine.runs._config import RunConfig, RunResult
from afeval.engine.runs._records import RecordSpool, finalize, sample_order
from afeval.engine.task._task import parse_classifiers
from afeval.results import LOGS_DIR, RescoredFrom

RUN_PART_SAMPLES: Final = 5_000
"""The most samples one Inspect eval of a run holds. Inspect keeps a summary and the scores of every finished
sample in memory until its eval ends (about 11 KB a sample here), so a larger run is evaluated in parts of this
many samples, one after another, one log each; its peak memory is then that of one part, however many samples
the run has."""

PartSource = Callable[[int], Iterator[Sequence[Sample]]]
"""The samples of each part of a run, given the most a part holds, in the order its results are written. A
source may do work between parts (a re-scoring loads the stored responses of the next part only): the
executor asks for the next part once the previous one's eval has ended."""


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


def run_parts(samples: Sequence[Sample], part_size: int) -> list[list[Sample]] | None:
    """The samples of each part of a run, in the order its results are written; None: one eval of them all."""
    if len(samples) <= part_size:
        return None
    ordered = sorted(samples, key=lambda sample: sample_order((sample.id or "", 1)))
    return [ordered[start : start + part_size] for start in range(0, len(ordered), part_size)]


@dataclass(frozen=True)
class RunPlan:
    """What one execution runs: ``config`` (the settings recorded and the results directory), ``task`` (made
    once ``checks`` have passed, so a check's one line comes before anything a task's making can raise), the
    model bound to it and the other ``eval()`` arguments, ``checks`` (run before anything is written or
    called), and, for finalize, ``rescored_from`` and the ``system_prompt`` where it is known already.

    ``parts`` is where each part's samples come from; None cuts the task's own dataset in parts of
    :data:`RUN_PART_SAMPLES` (a run within one part is the task as it is)."""

    config: RunConfig
    task: Callable[[], Task]
    model: str
    checks: Callable[[], None]
    eval_arguments: Mapping[str, Any] = field(default_factory=dict)
    parts: PartSource | None = None
    rescored_from: RescoredFrom | None = None
    system_prompt: str | None = None


def execute(plan: RunPlan) -> RunResult:
    """Preflight, then the evaluation in parts with the record spool and the budget, then the results files."""
    plan.checks()
    config = plan.config
    config.out_dir.mkdir(parents=True, exist_ok=True)
    task = plan.task()
    # One budget object for every part: what the first parts spent counts against the later ones.
    budget = make_budget(config)
    if budget is not None:
        task = task_with(task, early_stopping=budget)
    started = time.perf_counter()
    logs: list[EvalLog] = []
    with RecordSpool(
        config.out_dir, config.judge_model, parse_classifiers(config.judging.classifiers)
    ) as spool:
        for part in _parts_of(plan, task):
            if part is not None:
                # The task over this part's samples (task_with sets the dataset in place).
                task = task_with(task, dataset=MemoryDataset(list(part), name=task.dataset.name))
            part_logs = inspect_eval(
                task,
                model=plan.model,
                log_dir=str(config.out_dir / LOGS_DIR),
                **eval_options(
                    display=config.display,
                    log_header_only=True,  # finalize takes the records from the spool: memory stays flat
                    **plan.eval_arguments,
                ),
            )
            for log in part_logs:
                # The per-sample scores of the header: afeval reads them from its records, and kept for every
                # part they would grow with the run.
                log.reductions = None
                logs.append(log)
        return finish(plan, logs, time.perf_counter() - started, budget=budget, spool=spool)


def finish(
    plan: RunPlan,
    logs: Sequence[EvalLog],
    wall_seconds: float,
    *,
    budget: RunBudget | None = None,
    spool: RecordSpool | None = None,
) -> RunResult:
    """Write the results files of ``plan`` from its finished (or stopped) logs, one per part, in order."""
    return finalize(
        plan.config,
        logs,
        wall_seconds,
        budget=budget,
        rescored_from=plan.rescored_from,
        spool=spool,
        system_prompt=plan.system_prompt,
    )


def _parts_of(plan: RunPlan, task: Task) -> Iterable[Sequence[Sample] | None]:
    """Each part's samples; a single None: the task's dataset as it is, in one eval."""
    if plan.parts is not None:
        return plan.parts(RUN_PART_SAMPLES)
    parts = run_parts(list(task.dataset), RUN_PART_SAMPLES)
    return [None] if parts is None else parts
