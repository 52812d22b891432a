"""Run a sweep through one Inspect eval set: every run is a task bound to its model, in one log directory.

Inspect's eval set pairs each task with its log by an identifier made of the task's name, arguments, model and
generation settings. A finished log is reused as it is, an interrupted one is resumed from its finished samples,
and a task without a log is run. So re-running the same sweep file does only the unfinished work, and adding a
model or a scenario runs only the new runs. Every model and judge call also goes through Inspect's response
cache, so work that is redone (say, after a label was renamed) replays instead of calling the provider again.

Each run's task is named by its run id and bound to a model built with that model's own connection limit, so
the limits are per model (Inspect shares a model's connections across every task that uses it).

**One cell, one run plan.** Each cell is a :class:`~afeval.engine.runs._executor.RunPlan` of its run config, as
``afeval run`` makes one: the same task, the same preflight (once per model), and the same finish, so its
results directory is written by the code that writes a run's. Three things of the executor an eval set does
not allow, and why:

* *Parts.* An eval set pairs each task with its log by an identifier of the task's name, arguments, model
  and generation config; the dataset is not part of it. The parts of one cell would have to be tasks of their
  own, under names that change with the part size and the cell's sample count, so a larger ``limit`` or
  another part size (:data:`~afeval.engine.runs._executor.RUN_PART_SAMPLES`) would orphan the finished logs
  and redo their work: resumability, the reason a sweep is an eval set, would be lost. Nor would parts bound
  memory there: the set runs its tasks side by side (``max_tasks``), not one after another. A cell is
  therefore one eval, however many samples it holds. Its memory is still bounded where afeval holds it: the
  eval set hands back header-only logs, and each cell's records are read back from its log 200 samples at a
  time.
* *The record spool.* The spool is fed by Inspect's sample-end hook, which names the eval but not the cell;
  the cells of a set run at once, share their sample ids and each has its own judge and classifiers, and a
  resumed cell's earlier samples never pass the hook. Each cell's records are built from its log instead
  (the spool's own fallback), at about 2 ms of CPU a sample.
* *The budget.* A sweep has no ``--max-cost``; its cells' configs carry none, so none is made.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from inspect_ai import eval_set, task_with
from inspect_ai.log import EvalLog
from inspect_ai.model import GenerateConfig, get_model

from afeval._util.slugs import slug
from afeval.engine.runs._config import RunConfig, RunResult
from afeval.engine.runs._executor import RunPlan, eval_options, finish
from afeval.engine.runs._preflight import preflight
from afeval.engine.runs._run import build_task
from afeval.results import LOGS_DIR
from afeval.sweep import (
    Shard,
    SweepDefaults,
    SweepEstimate,
    SweepModel,
    SweepRun,
    SweepSpec,
    dataset_requests,
    estimate_calls,
    expand_grid,
    result_rows,
    write_results_table,
)

RUNS_DIR: Final = "runs"
"""Sub-directory of a sweep's output holding one results directory per run."""

SWEEP_PLAN_FILE: Final = "sweep.json"
"""The expanded grid and its estimate, written next to the results table."""

RUN_ID_METADATA: Final = "afeval_sweep_run_id"
"""Task metadata key that carries a run's id into its log."""

RETRY_ATTEMPTS: Final = 3
"""Times the eval set retries a task that ended in error (its finished samples are kept)."""


@dataclass(frozen=True)
class SweepResult:
    """What a sweep did: its grid and estimate, and (unless a dry run) each run's results and the table."""

    spec: SweepSpec
    out_dir: Path
    runs: tuple[SweepRun, ...]
    estimate: SweepEstimate
    dry_run: bool
    results: tuple[tuple[SweepRun, RunResult], ...] = ()
    missing: tuple[str, ...] = ()  # run ids that have no log (the eval set stopped before them)
    results_csv: Path | None = None
    results_parquet: Path | None = None
    wall_seconds: float = 0.0

    @property
    def success(self) -> bool:
        """Every run has a log that finished successfully."""
        return not self.missing and all(result.summary.status == "success" for _, result in self.results)


def default_sweep_dir(spec: SweepSpec) -> Path:
    """Where a sweep writes unless told: the file's ``out`` key, else ``runs/sweep-<name>``."""
    return spec.out if spec.out is not None else Path("runs") / f"sweep-{spec.name}"


def run_config(
    run: SweepRun, out_dir: Path, *, max_connections: int | None = None, display: str | None = None
) -> RunConfig:
    """The :class:`RunConfig` of one run, writing into ``out_dir/runs/<run id>``."""
    return RunConfig(
        model=run.model.model,
        out_dir=out_dir / RUNS_DIR / run.run_id,
        dataset=run.settings.dataset,
        scenario=run.scenario,
        tiers=run.tiers,
        generation=run.settings.generation,
        judging=run.settings.judging,
        max_connections=run.model.max_connections or max_connections,
        model_base_url=run.model.base_url,
        model_args=dict(run.model.model_args),
        display=display,
        preset=run.settings.preset,
    )


def cell_plan(config: RunConfig) -> RunPlan:
    """One cell as the executor's plan: what ``afeval run`` would run for ``config``; the sweep runs its task in
    the eval set and hands the log to :func:`~afeval.engine.runs._executor.finish`."""
    return RunPlan(
        config=config, task=lambda: build_task(config), model=config.model, checks=lambda: preflight(config)
    )


def planned_run(config: RunConfig) -> SweepRun:
    """One ``afeval run`` as a one-cell sweep run (the inverse of :func:`run_config`), so that a run's dry run
    is estimated by the same code as a sweep's."""
    return SweepRun(
        run_id=slug(config.out_dir.name) or "run",
        model=SweepModel(
            model=config.model,
            label=slug(config.model) or "model",
            base_url=config.model_base_url,
            model_args=dict(config.model_args),
            max_connections=config.max_connections,
        ),
        scenario=config.scenario,
        tiers=config.tiers,
        settings=SweepDefaults(
            dataset=config.dataset,
            generation=config.generation,
            judging=config.judging,
            preset=config.preset or SweepDefaults.preset,
        ),
    )


def plan_run(config: RunConfig) -> SweepEstimate:
    """The estimated calls, tokens and dollars of one run (``afeval run --dry-run``); calls nothing."""
    return estimate_calls([planned_run(config)], dataset_requests(config.dataset))


def run_sweep(
    spec: SweepSpec,
    out_dir: Path | None = None,
    *,
    dry_run: bool = False,
    max_connections: int | None = None,
    limit: int | None = None,
    display: str | None = None,
    max_tasks: int | None = None,
    on_planned: Callable[[SweepResult], None] | None = None,
    shard: Shard | None = None,
) -> SweepResult:
    """Expand ``spec`` into runs and, unless ``dry_run``, run every unfinished one through an Inspect eval set.

    ``limit`` overrides the file's ``[defaults] limit``; ``max_connections`` and ``max_tasks`` the file's keys
    of the same names (a model's own ``max_connections`` wins over both). Every model and the judge are
    resolved before any call, so a typo or a missing key raises :class:`ConfigError` first. ``on_planned`` is
    called with the plan (the grid and its estimate) before anything runs. Afterwards each run's results
    directory is written from its log, and the combined ``results.csv`` / ``results.parquet``.

    With ``shard`` only that shard's runs are planned and run (see :class:`afeval.sweep.Shard`); each shard keeps
    its own Inspect log directory (``logs/shard-i-of-n``) and results table (``results.shard-i-of-n.csv``), so
    shards on several machines can share one output directory; ``afeval report`` reads them all.
    """
    if limit is not None:
        spec = replace(
            spec, defaults=replace(spec.defaults, dataset=replace(spec.defaults.dataset, limit=limit))
        )
    out = out_dir if out_dir is not None else default_sweep_dir(spec)
    runs = expand_grid(spec)
    if shard is not None:
        runs = shard.select(runs)
    plan = SweepResult(
        spec=spec,
        out_dir=out,
        runs=runs,
        estimate=estimate_calls(runs, dataset_requests(spec.defaults.dataset)),
        dry_run=dry_run,
    )
    if on_planned is not None:
        on_planned(plan)
    if dry_run:
        return plan

    connections = max_connections or spec.max_connections
    plans = {
        run.run_id: cell_plan(run_config(run, out, max_connections=connections, display=display))
        for run in runs
    }
    checked: set[str] = set()
    for run in runs:  # each model (and the judge) once, before anything is spent
        if run.model.label not in checked:
            plans[run.run_id].checks()
            checked.add(run.model.label)
    out.mkdir(parents=True, exist_ok=True)
    _write_plan(out / SWEEP_PLAN_FILE, plan)

    tasks = []
    for run in runs:
        cell = plans[run.run_id]
        config = cell.config
        task = cell.task()
        model = get_model(
            cell.model,
            config=GenerateConfig(max_connections=config.max_connections),
            base_url=config.model_base_url,
            **dict(config.model_args),
        )
        tasks.append(
            task_with(
                task,
                name=run.run_id,
                model=model,
                metadata={**(task.metadata or {}), RUN_ID_METADATA: run.run_id},
            )
        )
    started = time.perf_counter()
    log_dir = out / LOGS_DIR if shard is None else out / LOGS_DIR / _shard_suffix(shard)
    _, logs = eval_set(
        tasks,
        log_dir=str(log_dir),
        retry_attempts=RETRY_ATTEMPTS,
        **eval_options(
            display=display,
            retry_on_error=1,
            log_dir_allow_dirty=True,  # logs of runs since removed from the file stay, unused
            max_tasks=max_tasks or spec.max_tasks,
        ),
    )
    wall = time.perf_counter() - started

    by_run = _logs_by_run(logs)
    results: list[tuple[SweepRun, RunResult]] = []
    missing: list[str] = []
    rows: list[dict[str, Any]] = []
    for run in runs:
        log = by_run.get(run.run_id)
        if log is None:
            missing.append(run.run_id)
            continue
        result = finish(plans[run.run_id], [log], _log_seconds(log))
        results.append((run, result))
        rows.extend(result_rows(run, result.summary))
    results_csv, results_parquet = write_results_table(
        out, rows, stem="results" if shard is None else f"results.{_shard_suffix(shard)}"
    )
    return replace(
        plan,
        results=tuple(results),
        missing=tuple(missing),
        results_csv=results_csv,
        results_parquet=results_parquet,
        wall_seconds=wall,
    )


def _shard_suffix(shard: Shard) -> str:
    return f"shard-{shard.index}-of-{shard.count}"


def _logs_by_run(logs: Sequence[EvalLog]) -> Mapping[str, EvalLog]:
    """Each log by the run id its task carried (the task name, for a log written without the metadata)."""
    by_run: dict[str, EvalLog] = {}
    for log in logs:
        run_id = (log.eval.metadata or {}).get(RUN_ID_METADATA) or log.eval.task
        by_run[str(run_id)] = log
    return by_run


def _log_seconds(log: EvalLog) -> float:
    """How long the run's task ran, from its log (the tasks of a sweep run side by side)."""
    started, completed = log.stats.started_at, log.stats.completed_at
    if not started or not completed:
        return 0.0
    return (datetime.fromisoformat(completed) - datetime.fromisoformat(started)).total_seconds()


def _write_plan(path: Path, plan: SweepResult) -> None:
    document = {
        "name": plan.spec.name,
        "source": plan.spec.source,
        "n_requests": plan.estimate.n_requests,
        "estimate": plan.estimate.total.to_dict(),
        "notes": list(plan.estimate.notes),
        "runs": [
            {
                "run_id": run.run_id,
                "model": run.model.model,
                "label": run.model.label,
                "kind": run.model.kind,
                "scenario": run.scenario.name,
                "scenario_options": run.scenario.to_dict(),
                "tiers": list(run.run_tiers),
                "max_turns": run.settings.generation.max_turns,
                "estimate": estimate.to_dict(),
            }
            for run, estimate in plan.estimate.runs
        ],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
