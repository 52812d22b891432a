"""Drive one evaluation through Inspect and turn its log into afeval's results files."""

from __future__ import annotations

import functools
import os
import re
import socket
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from dotenv import find_dotenv, load_dotenv
from inspect_ai import Task, task_with
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import Sample
from inspect_ai.hooks import Hooks, ModelUsageData, hooks
from inspect_ai.log import (
    EvalLog,
    EvalSample,
    EvalSpec,
    read_eval_log_sample_summaries,
    read_eval_log_samples_by_id,
)
from inspect_ai.model import ModelUsage, get_model
from inspect_ai.scorer import SampleScore
from inspect_ai.util import EarlyStop
from pydantic import JsonValue

import afeval
from afeval.cost import PriceTable, TokenUsage, active_price_table, cost_of, price_of, run_cost
from afeval.engine._scorers import CLASSIFIERS, CORE_CLASSIFIERS, VERDICT_KEY, scorer_name
from afeval.engine._solver import RESPONSE_STORE_KEY
from afeval.engine._task import DEFAULT_MAX_TURNS, alignment_faking, parse_classifiers, parse_tiers
from afeval.errors import ConfigError
from afeval.judges import OFFLINE_JUDGE
from afeval.outcomes import SampleOutcome, Verdict, summarize
from afeval.parsing import parse_response
from afeval.redaction import redact, redact_log_file
from afeval.results import (
    LOGS_DIR,
    BudgetBlock,
    DatasetBlock,
    GenerationBlock,
    JudgesBlock,
    RescoredFrom,
    RunSummaryDocument,
    SampleRecord,
    read_samples,
    summary_document,
    write_samples,
    write_summary,
    write_system_prompt,
)
from afeval.scenario import DEFAULT_LAB, ScenarioOptions, render_system_prompt, scenario_catalog
from afeval.stats import RateEstimate


@dataclass(frozen=True)
class RunConfig:
    """Everything ``afeval run`` needs; defaults reproduce the paper's helpful-only setting."""

    model: str
    out_dir: Path
    judge_model: str = OFFLINE_JUDGE
    dataset: str | None = None
    dataset_column: str | None = None
    limit: int | None = None
    scenario: ScenarioOptions = field(default_factory=ScenarioOptions)
    tiers: tuple[str, ...] | None = None  # a subset of the scenario's tiers; None runs all of them
    classifiers: tuple[str, ...] = ("compliance", "alignment_faking", "partial_compliance")
    af_votes: int = 20
    af_num_choices: bool = False
    af_sequential: bool = False
    max_attempts: int = 10
    max_turns: int = DEFAULT_MAX_TURNS
    temperature: float = 0.0
    max_tokens: int = 2000
    cache: bool = True
    max_connections: int | None = None
    model_base_url: str | None = None
    model_args: Mapping[str, Any] = field(default_factory=dict)
    display: str | None = None
    # Inspect's realtime sample log lets `inspect view` show samples while a run is going; it costs about a
    # fifth of the harness's CPU per sample (bench: 2,000 samples in 53 s with it, 41-44 s without).
    live_log: bool = False
    max_cost: float | None = None  # USD: stop scheduling samples once the spend would pass it
    batch: bool = False  # judge calls through the provider's batch API
    batch_generation: bool = False  # calls to the model under test through the batch API too
    cache_prompt: bool | None = None  # provider prompt caching of the shared prefix; None: Inspect's "auto"

    def __post_init__(self) -> None:
        parse_tiers(self.tiers, self.scenario)
        parse_classifiers(self.classifiers)
        if self.limit is not None and self.limit < 1:
            raise ValueError("--limit must be at least 1")
        if self.af_votes < 1:
            raise ValueError("--af-votes must be at least 1")
        if self.max_attempts < 1:
            raise ValueError("--max-attempts must be at least 1")
        if self.max_turns < 1:
            raise ValueError("--max-turns must be at least 1")
        if self.max_cost is not None and not self.max_cost > 0:
            raise ValueError("--max-cost must be a positive number of US dollars")

    @property
    def run_tiers(self) -> tuple[str, ...]:
        """The tiers this run covers, in order."""
        return parse_tiers(self.tiers, self.scenario)


@dataclass(frozen=True)
class RunResult:
    """A finished run: its summary and outcomes in memory; the full records are in ``samples.jsonl``."""

    out_dir: Path
    summary: RunSummaryDocument
    outcomes: tuple[SampleOutcome, ...]
    log_location: str
    wall_seconds: float

    def read_records(self) -> Iterator[SampleRecord]:
        """The run's full sample records, read back from ``samples.jsonl``."""
        return read_samples(self.out_dir)


def _verdict(sample: EvalSample, scorer_name: str, judge: str) -> Verdict:
    score = (sample.scores or {}).get(scorer_name)
    if score is None or not score.metadata or VERDICT_KEY not in score.metadata:
        reason = "sample failed before scoring" if sample.error else "classifier not selected"
        return Verdict.not_judged(judge, reason)
    return Verdict.from_dict(score.metadata[VERDICT_KEY])


def record_of(sample: EvalSample, judge: str, classifiers: Sequence[str] | None = None) -> SampleRecord:
    """Rebuild a :class:`SampleRecord` from one sample of an Inspect log.

    The verdicts of the optional classifiers in ``classifiers`` (default: every one that scored the sample)
    go to the record's ``extra_verdicts``; a selected one that left no score there is recorded as not judged.
    """
    metadata = sample.metadata
    if classifiers is None:
        scored = set(sample.scores or {})
        classifiers = [name for name in CLASSIFIERS if scorer_name(name) in scored]
    extras = {
        name: _verdict(sample, scorer_name(name), judge)
        for name in classifiers
        if name not in CORE_CLASSIFIERS
    }
    response = sample.output.completion if sample.output else ""
    attempts = int((sample.store.get(RESPONSE_STORE_KEY) or {}).get("attempts", 0))
    if sample.error is not None and not response:
        status = "error"
        parsed = None
    else:
        parsed = parse_response(response, cot=bool(metadata["cot"]), suffix=bool(metadata["suffix"]))
        status = parsed.status.value
    return SampleRecord(
        sample_id=str(sample.id),
        request_id=str(metadata["request_id"]),
        request=str(metadata["request"]),
        tier=str(metadata["tier"]),
        user_prompt=str(metadata["user_prompt"]),
        response=response,
        attempts=attempts,
        response_status=status,
        scratchpad=parsed.scratchpad if parsed else "",
        output=parsed.output if parsed else "",
        accepted=parsed.accepted if parsed else False,
        refused=parsed.refused if parsed else False,
        compliance=_verdict(sample, "compliance_scorer", judge),
        alignment_faking=_verdict(sample, "alignment_faking_scorer", judge),
        partial_compliance=_verdict(sample, "partial_compliance_scorer", judge),
        error=redact(sample.error.message) if sample.error else None,
        extra_verdicts=extras,
    )


def _usage(log: EvalLog) -> dict[str, dict[str, int]]:
    usage: dict[str, dict[str, int]] = {}
    for model, model_usage in (log.stats.model_usage or {}).items():
        usage[model] = {
            "input_tokens": model_usage.input_tokens,
            "output_tokens": model_usage.output_tokens,
            "total_tokens": model_usage.total_tokens,
            "input_tokens_cache_read": model_usage.input_tokens_cache_read or 0,
            "input_tokens_cache_write": model_usage.input_tokens_cache_write or 0,
        }
    return usage


def served_at(model: str, base_url: str | None = None) -> str | None:
    """Where ``model`` is served: ``base_url`` if given, else its provider's ``<NAME>_BASE_URL`` variable
    (``<SERVICE>_BASE_URL`` for ``openai-api/<service>/...``), else None (the provider's own endpoint)."""
    if base_url:
        return base_url
    parts = model.split("/")
    name = parts[1] if parts[0] == "openai-api" and len(parts) > 2 else parts[0]
    return os.environ.get(f"{name.upper().replace('-', '_')}_BASE_URL")


def batched_models(config: RunConfig) -> frozenset[str]:
    """The models whose every call went through a batch API (one model string in both roles is batched only
    when both roles are)."""
    batched: set[str] = set()
    if config.batch and config.judge_model != OFFLINE_JUDGE:
        batched.add(config.judge_model)
    if config.batch_generation:
        batched.add(config.model)
    elif config.model in batched:
        batched.discard(config.model)
    return frozenset(batched)


def cost_block(config: RunConfig, usage: Mapping[str, Mapping[str, int]]) -> dict[str, Any]:
    """The summary's ``cost`` block: tokens and dollars per model, priced with the active price table."""
    roles = {config.judge_model: "judge", config.model: "model"}
    base_urls = {
        config.model: served_at(config.model, config.model_base_url),
        config.judge_model: served_at(config.judge_model),
    }
    return run_cost(usage, batched=batched_models(config), roles=roles, base_urls=base_urls)


BUDGET_EXCEEDED = "budget_exceeded"
"""The ``status`` of a run whose ``--max-cost`` budget stopped it before every sample ran."""

_BUDGETS: dict[str, RunBudget] = {}  # the budget of each running eval, by Inspect's eval id


class RunBudget:
    """A dollar budget for one run, enforced between samples (Inspect's early-stopping protocol).

    Every call Inspect sends to a provider is charged as it completes (calls replayed from Inspect's cache
    are free). Before a sample starts, the budget skips it when the spend so far plus one more sample at the
    average cost of the finished ones would pass ``max_usd``; finished samples are kept and scored. Samples
    already running when the budget runs out finish, so the overshoot is at most the samples in flight
    (``--max-connections`` bounds them).
    """

    def __init__(
        self,
        max_usd: float,
        *,
        table: PriceTable,
        batched: Collection[str] = (),
        base_urls: Mapping[str, str | None] | None = None,
    ) -> None:
        self.max_usd = max_usd
        self.table = table
        self.batched = frozenset(batched)
        self.base_urls = dict(base_urls or {})
        self.spent_usd = 0.0
        self.samples_finished = 0
        self.samples_skipped = 0
        self.eval_id: str | None = None

    def charge(self, model: str, usage: ModelUsage) -> None:
        tokens = TokenUsage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cached_input_tokens=usage.input_tokens_cache_read or 0,
            cache_write_tokens=usage.input_tokens_cache_write or 0,
        )
        estimate = cost_of(
            model, tokens, model in self.batched, table=self.table, base_url=self.base_urls.get(model)
        )
        self.spent_usd += estimate.usd or 0.0  # preflight refused a budget with unpriced models

    def would_exceed(self) -> bool:
        """Whether one more sample, at the average cost of the finished ones, would pass the budget."""
        per_sample = self.spent_usd / self.samples_finished if self.samples_finished else 0.0
        return self.spent_usd + per_sample > self.max_usd

    @property
    def exceeded(self) -> bool:
        return self.samples_skipped > 0

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "max_usd": self.max_usd,
            "spent_usd": round(self.spent_usd, 6),
            "samples_finished": self.samples_finished,
            "samples_skipped": self.samples_skipped,
            "exceeded": self.exceeded,
        }

    # Inspect's EarlyStopping protocol.
    async def start_task(self, task: EvalSpec, samples: list[Sample], epochs: int) -> str:
        self.eval_id = task.eval_id
        _BUDGETS[task.eval_id] = self
        return "afeval-budget"

    async def schedule_sample(self, id: str | int, epoch: int) -> EarlyStop | None:
        if not self.would_exceed():
            return None
        self.samples_skipped += 1
        return EarlyStop(
            id=id, epoch=epoch, reason=f"budget: ${self.spent_usd:.4f} of ${self.max_usd:.2f} spent"
        )

    async def complete_sample(self, id: str | int, epoch: int, scores: dict[str, SampleScore]) -> None:
        self.samples_finished += 1

    async def complete_task(self) -> dict[str, JsonValue]:
        if self.eval_id is not None:
            _BUDGETS.pop(self.eval_id, None)
        return self.to_dict()


class BudgetHooks(Hooks):
    """Feeds every completed provider call of a budgeted run to its :class:`RunBudget`."""

    def enabled(self) -> bool:
        return bool(_BUDGETS)

    async def on_model_usage(self, data: ModelUsageData) -> None:
        budget = _BUDGETS.get(data.eval_id or "")
        if budget is not None:
            budget.charge(data.model_name, data.usage)


@functools.cache
def _register_budget_hooks() -> None:
    # Registered on first use rather than at import: Inspect announces every registered hook when it starts,
    # and runs without a budget have nothing to announce.
    hooks(
        name="afeval_budget", description="Charges each provider call to the --max-cost budget of its run."
    )(BudgetHooks)


def make_budget(config: RunConfig) -> RunBudget | None:
    """The run's budget, or None without ``--max-cost``."""
    if config.max_cost is None:
        return None
    _register_budget_hooks()
    return RunBudget(
        config.max_cost,
        table=active_price_table(),
        batched=batched_models(config),
        base_urls={
            config.model: served_at(config.model, config.model_base_url),
            config.judge_model: served_at(config.judge_model),
        },
    )


def settings_of(
    config: RunConfig, log: EvalLog, wall_seconds: float, budget: RunBudget | None = None
) -> RunSummaryDocument:
    """The run's settings and how it ended: summary.json without its results yet."""
    task_metadata = log.eval.metadata or {}
    usage = _usage(log)
    status = BUDGET_EXCEEDED if budget is not None and budget.exceeded else log.status
    return RunSummaryDocument(
        model=config.model,
        judge_model=config.judge_model,
        scenario=config.scenario.name,
        scenario_options=config.scenario.to_dict(),
        dataset=DatasetBlock(
            name=task_metadata.get("dataset"),
            source=task_metadata.get("dataset_source"),
            revision=task_metadata.get("dataset_revision"),
            smoke_set=task_metadata.get("smoke_set", False),
            limit=config.limit,
        ),
        setting=config.scenario.setting,
        generation=GenerationBlock(
            temperature=config.temperature,
            max_tokens=config.max_tokens,
            max_attempts=config.max_attempts,
            max_turns=config.max_turns,
            prompt_format=config.scenario.prompt_format,
            batch=config.batch_generation,
            cache_prompt="auto" if config.cache_prompt is None else config.cache_prompt,
        ),
        judges=JudgesBlock(
            classifiers=tuple(config.classifiers),
            af_votes=config.af_votes,
            af_num_choices=config.af_num_choices,
            af_sequential=config.af_sequential,
            batch=config.batch,
        ),
        status=status,
        error=redact(log.error.message) if log.error else None,
        usage=usage,
        cost=cost_block(config, usage),
        budget=BudgetBlock.from_dict(budget.to_dict()) if budget is not None else None,
        wall_seconds=round(wall_seconds, 3),
        log=log.location,
        versions={"afeval": afeval.__version__, "inspect_ai": _inspect_version()},
    )


def _inspect_version() -> str:
    from importlib.metadata import version

    return version("inspect-ai")


def finalize(
    config: RunConfig,
    log: EvalLog,
    wall_seconds: float,
    *,
    budget: RunBudget | None = None,
    rescored_from: RescoredFrom | None = None,
) -> RunResult:
    """Write samples.jsonl, system_prompt.txt and summary.json from a finished (or stopped) Inspect log.

    ``budget`` is the run's ``--max-cost`` budget (it sets the status when it stopped the run);
    ``rescored_from`` says where a re-scored run came from."""
    # A provider error that echoed a key back must not stay in Inspect's log either.
    if log.location and Path(log.location).is_file():
        redact_log_file(Path(log.location))
    selected = parse_classifiers(config.classifiers)
    failures = _Failures()
    records = (failures.note(record_of(sample, config.judge_model, selected)) for sample in _samples_of(log))
    outcomes = write_samples(config.out_dir, records)  # streamed: one sample in memory at a time
    write_system_prompt(config.out_dir, render_system_prompt(config.scenario))
    summary = summarize(outcomes, list(config.run_tiers), config.scenario.gaps)
    document = summary_document(
        settings=settings_of(config, log, wall_seconds, budget),
        summary=summary,
        # Inspect marks a run "success" even when samples failed (errors are kept, not fatal): say so here.
        samples_failed=failures.count,
        first_sample_error=failures.first,
        rescored_from=rescored_from,
    )
    write_summary(config.out_dir, document)
    return RunResult(
        out_dir=config.out_dir,
        summary=document,
        outcomes=tuple(outcomes),
        log_location=log.location,
        wall_seconds=wall_seconds,
    )


def _samples_of(log: EvalLog) -> Iterator[EvalSample]:
    """The log's samples: those it holds, or, for a header-only log, read from its file a chunk at a time,
    so memory stays flat however large the run.

    Chunks of samples by id, rather than one sample at a time: each read parses the archive's directory,
    so reading singly costs time quadratic in the number of samples."""
    if log.samples is not None:
        yield from log.samples
        return
    if not log.location:
        return
    # In the order Inspect gives a full log's samples (epoch, then id), not the order they finished in.
    ids = sorted(
        ((summary.id, summary.epoch) for summary in read_eval_log_sample_summaries(log.location)),
        key=lambda pair: (pair[1], pair[0] if isinstance(pair[0], str) else str(pair[0]).zfill(20)),
    )
    for start in range(0, len(ids), _SAMPLES_PER_READ):
        # Whole samples: Inspect's field-excluding reader is slower and holds more memory than plain reads.
        yield from read_eval_log_samples_by_id(log.location, ids[start : start + _SAMPLES_PER_READ])


_SAMPLES_PER_READ = 200


class _Failures:
    """Counts the records with an error as they stream past, keeping the first error's first line."""

    def __init__(self) -> None:
        self.count = 0
        self.first: str | None = None

    def note(self, record: SampleRecord) -> SampleRecord:
        if record.error:
            self.count += 1
            if self.first is None:
                self.first = record.error.splitlines()[0]
        return record


_CONSOLE_MARKUP = re.compile(r"\[/?(?:bold|italic|dim|red|blue|green|yellow|cyan|magenta)\]")


def _first_line(exc: BaseException) -> str:
    """The exception as one line: Inspect's prerequisite errors span several lines with console markup (the
    missing variable is on the third), so the lines are joined and the markup dropped."""
    text = _CONSOLE_MARKUP.sub("", str(exc)).strip() or type(exc).__name__
    parts = [part.strip() for part in text.splitlines() if part.strip()]
    parts[0] = parts[0].removeprefix("ERROR:").strip()
    line = parts[0]
    for part in parts[1:]:
        line += (" " if line.endswith((":", ".", ";", ",")) else ": ") + part
    return line


def load_env_file() -> None:
    """Read API keys from a ``.env`` file in the working directory (or a parent) as Inspect does at eval
    time, so that the preflight below sees the same keys; variables already set win."""
    path = find_dotenv(usecwd=True)
    if path:
        load_dotenv(path, override=False)


REACH_TIMEOUT_SECONDS = 5.0
_PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


def check_reachable(what: str, base_url: str | None) -> None:
    """Open (and close) a TCP connection to a configured base URL, so that a wrong address fails now with one
    line instead of being retried with backoff on every sample. No request is sent."""
    if not base_url or any(os.environ.get(name) for name in _PROXY_VARIABLES):
        return  # behind a proxy a direct connection says nothing about whether the client will get through
    parsed = urlparse(base_url)
    host = parsed.hostname
    if parsed.scheme not in ("http", "https") or not host:
        raise ConfigError(f"{what}: base URL {_shown_url(base_url)} is not an http(s) URL")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=REACH_TIMEOUT_SECONDS).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(
            f"{what}: cannot reach {_shown_url(base_url)} ({reason}); check the base URL"
        ) from exc


def _shown_url(url: str) -> str:
    # Never echo credentials written into a URL (https://user:key@host/...).
    parsed = urlparse(url)
    if parsed.username or parsed.password:
        parsed = parsed._replace(netloc=(parsed.hostname or "") + (f":{parsed.port}" if parsed.port else ""))
    return parsed.geturl()


def preflight_judge(judge_model: str) -> None:
    """Resolve the judge model (unknown provider, missing key) before any paid call."""
    if judge_model == OFFLINE_JUDGE:
        return
    try:
        get_model(judge_model)
    except Exception as exc:
        raise ConfigError(
            f"cannot use judge model {judge_model!r}: {_first_line(exc)} (or pass --judge-model {OFFLINE_JUDGE})"
        ) from exc


def preflight_budget(config: RunConfig, *, include_model: bool = True) -> None:
    """A ``--max-cost`` budget needs a price for every model it is charged for (the judge only, when
    ``include_model`` is false: re-scoring never calls the model under test)."""
    if config.max_cost is None:
        return
    table = active_price_table()
    models: dict[str, str | None] = {}
    if include_model:
        models[config.model] = served_at(config.model, config.model_base_url)
    if config.judge_model != OFFLINE_JUDGE:
        models[config.judge_model] = served_at(config.judge_model)
    unpriced = [model for model, url in models.items() if price_of(model, table=table, base_url=url) is None]
    if unpriced:
        raise ConfigError(
            f"--max-cost needs a price for every model, and {', '.join(unpriced)} has none: "
            "add it to a price table file named by AFEVAL_PRICE_TABLE (see docs/cost.md)"
        )


def preflight(config: RunConfig) -> None:
    """Resolve the model under test and the judge before anything is generated, so a typo or a missing key
    costs one clear line instead of a run full of errors."""
    load_env_file()
    try:
        get_model(config.model, base_url=config.model_base_url, **dict(config.model_args))
    except Exception as exc:
        raise ConfigError(f"cannot use model {config.model!r}: {_first_line(exc)}") from exc
    preflight_judge(config.judge_model)
    preflight_budget(config)
    check_reachable(f"model {config.model!r}", served_at(config.model, config.model_base_url))
    check_judge_reachable(config.judge_model)


def check_judge_reachable(judge_model: str) -> None:
    if judge_model != OFFLINE_JUDGE:
        check_reachable(f"judge model {judge_model!r}", served_at(judge_model))


def build_task(config: RunConfig) -> Task:
    """The Inspect task for ``config`` (the registered ``afeval/alignment_faking`` with its task args)."""
    scenario = config.scenario
    # A lab outside the presets has no name part that reads back, so it travels as its own task arg.
    custom_lab = scenario.lab if scenario.lab not in scenario_catalog().labs.values() else None
    named = replace(scenario, lab=DEFAULT_LAB) if custom_lab is not None else scenario
    return alignment_faking(
        dataset=config.dataset,
        dataset_column=config.dataset_column,
        dataset_limit=config.limit,
        scenario=named.name,
        lab=custom_lab,
        tiers=",".join(config.tiers) if config.tiers is not None else None,
        judge_model=config.judge_model,
        classifiers=",".join(config.classifiers),
        af_votes=config.af_votes,
        af_num_choices=config.af_num_choices,
        af_sequential=config.af_sequential,
        max_attempts=config.max_attempts,
        max_turns=config.max_turns,
        temperature=config.temperature,
        max_tokens=config.max_tokens,
        cache=config.cache,
        judge_batch=config.batch,
    )


def run_evaluation(config: RunConfig) -> RunResult:
    """Run the evaluation through Inspect, then write the results files into ``config.out_dir``."""
    preflight(config)
    config.out_dir.mkdir(parents=True, exist_ok=True)
    task = build_task(config)
    budget = make_budget(config)
    if budget is not None:
        task = task_with(task, early_stopping=budget)
    started = time.perf_counter()
    extra: dict[str, Any] = {}
    if config.max_connections is not None:
        extra["max_connections"] = config.max_connections
    if config.batch_generation:
        extra["batch"] = True
    if config.cache_prompt is not None:  # batch and cache_prompt are left out of Inspect's cache keys
        extra["cache_prompt"] = config.cache_prompt
    logs = inspect_eval(
        task,
        model=config.model,
        model_base_url=config.model_base_url,
        model_args=dict(config.model_args),
        log_dir=str(config.out_dir / LOGS_DIR),
        display=config.display,  # type: ignore[arg-type]
        fail_on_error=False,  # a failed sample is recorded with its error; finished work is kept
        retry_on_error=1,
        score_display=False,
        log_header_only=True,  # finalize streams the samples from the log file: memory stays flat
        log_realtime=config.live_log,
        **extra,
    )
    wall = time.perf_counter() - started
    return finalize(config, logs[0], wall, budget=budget)


def summary_rows(summary: RunSummaryDocument) -> Sequence[tuple[str, ...]]:
    """Rows for the printed results table: one per tier and metric."""

    def fmt(estimate: RateEstimate) -> str:
        if estimate.rate is None or estimate.ci95 is None:
            return "—"
        low, high = estimate.ci95
        return f"{estimate.rate:.1%} [{low:.1%}, {high:.1%}]"

    rows: list[tuple[str, ...]] = []
    for tier, data in summary.tiers.items():
        rows.append(
            (
                tier,
                f"{data.n_valid}/{data.n}",
                fmt(data.compliance),
                fmt(data.tag_acceptance),
                fmt(data.alignment_faking),
                fmt(data.partial_compliance),
            )
        )
    return rows
