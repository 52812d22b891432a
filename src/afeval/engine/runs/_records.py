"""From an Inspect log to afeval's results files: one record per sample, the settings and the summary."""

from __future__ import annotations

import functools
import json
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import IO

from inspect_ai.hooks import Hooks, SampleEnd, hooks
from inspect_ai.log import (
    EvalLog,
    EvalSample,
    read_eval_log_sample_summaries,
    read_eval_log_samples_by_id,
)

import afeval
from afeval._util.text import first_line
from afeval.engine.runs._budget import BUDGET_EXCEEDED, RunBudget, cost_block
from afeval.engine.runs._config import RunConfig, RunResult
from afeval.engine.task._scorers import CLASSIFIERS, CORE_CLASSIFIERS, VERDICT_KEY, scorer_name
from afeval.engine.task._solver import RESPONSE_STORE_KEY, stored_parsed_response
from afeval.engine.task._task import parse_classifiers
from afeval.outcomes import Verdict, summarize
from afeval.parsing import parse_response
from afeval.redaction import redact, redact_log_file
from afeval.results import (
    BudgetBlock,
    RescoredFrom,
    RunSummaryDocument,
    SampleRecord,
    summary_document,
    write_samples,
    write_summary,
    write_system_prompt,
)


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
        parsed = stored_parsed_response(sample.store, response) or parse_response(
            response, cot=bool(metadata["cot"]), suffix=bool(metadata["suffix"])
        )
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


def usage_of(logs: Sequence[EvalLog]) -> dict[str, dict[str, int]]:
    """Tokens per model, summed over the run's logs (one per part)."""
    usage: dict[str, dict[str, int]] = {}
    for log in logs:
        for model, model_usage in (log.stats.model_usage or {}).items():
            counts = {
                "input_tokens": model_usage.input_tokens,
                "output_tokens": model_usage.output_tokens,
                "total_tokens": model_usage.total_tokens,
                "input_tokens_cache_read": model_usage.input_tokens_cache_read or 0,
                "input_tokens_cache_write": model_usage.input_tokens_cache_write or 0,
            }
            so_far = usage.setdefault(model, dict.fromkeys(counts, 0))
            for key, value in counts.items():
                so_far[key] += value
    return usage


def _status_of(logs: Sequence[EvalLog]) -> str:
    """The run's Inspect status: the first part's that did not succeed, else "success"."""
    return next((log.status for log in logs if log.status != "success"), logs[0].status)


def _log_of(logs: Sequence[EvalLog]) -> str:
    """Where the run's Inspect log is: its file, or for a run in parts the folder of their files."""
    if len(logs) == 1:
        return logs[0].location
    return str(Path(logs[0].location).parent) if logs[0].location else ""


def settings_of(
    config: RunConfig, logs: Sequence[EvalLog], wall_seconds: float, budget: RunBudget | None = None
) -> RunSummaryDocument:
    """The run's settings and how it ended: summary.json without its results yet."""
    task_metadata = logs[0].eval.metadata or {}
    usage = usage_of(logs)
    status = BUDGET_EXCEEDED if budget is not None and budget.exceeded else _status_of(logs)
    error = next((log.error for log in logs if log.error is not None), None)
    return RunSummaryDocument(
        preset=config.preset,
        model=config.model,
        judge_model=config.judge_model,
        scenario=config.scenario.name,
        scenario_options=config.scenario.to_dict(),
        # The settings values as recorded, with what the run resolved beside them: the requests' dataset as
        # loaded (its name, where it came from), the scenario's prompt format.
        dataset={
            **config.dataset.to_dict(),
            "name": task_metadata.get("dataset"),
            "source": task_metadata.get("dataset_source"),
            "revision": task_metadata.get("dataset_revision"),
            "smoke_set": bool(task_metadata.get("smoke_set", False)),
        },
        setting=config.scenario.setting,
        generation={**config.generation.to_dict(), "prompt_format": config.scenario.prompt_format},
        judges=config.judging.to_dict(),
        status=status,
        error=redact(error.message) if error else None,
        usage=usage,
        cost=cost_block(config, usage),
        budget=BudgetBlock.from_dict(budget.to_dict()) if budget is not None else None,
        wall_seconds=round(wall_seconds, 3),
        log=_log_of(logs),
        versions={"afeval": afeval.__version__, "inspect_ai": version("inspect-ai")},
    )


def finalize(
    config: RunConfig,
    logs: Sequence[EvalLog],
    wall_seconds: float,
    *,
    budget: RunBudget | None = None,
    rescored_from: RescoredFrom | None = None,
    spool: RecordSpool | None = None,
    system_prompt: str | None = None,
) -> RunResult:
    """Write samples.jsonl, system_prompt.txt and summary.json from the finished (or stopped) Inspect logs of
    one run: one log, or one per part of a run evaluated in parts (read in order).

    ``budget`` is the run's ``--max-cost`` budget (it sets the status when it stopped the run);
    ``rescored_from`` says where a re-scored run came from; ``spool`` holds the records built as the samples
    finished, so the samples need not be read back out of the logs (any it lacks are); ``system_prompt`` is the
    one the model under test was given, where it is known already (a re-scored run's), else rendered."""
    # A provider error that echoed a key back must not stay in Inspect's log either.
    for log in logs:
        if log.location and Path(log.location).is_file():
            redact_log_file(Path(log.location))
    selected = parse_classifiers(config.judging.classifiers)
    failures = _Failures()
    records = (failures.note(record) for log in logs for record in _records_of(log, config, selected, spool))
    outcomes = write_samples(config.out_dir, records)  # streamed: one sample in memory at a time
    write_system_prompt(
        config.out_dir, system_prompt if system_prompt is not None else config.system_prompt()
    )
    summary = summarize(
        outcomes, list(config.run_tiers), config.scenario.gaps, count_invalid=config.judging.count_invalid
    )
    document = summary_document(
        settings=settings_of(config, logs, wall_seconds, budget),
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
        log_location=_log_of(logs),
        wall_seconds=wall_seconds,
    )


def _records_of(
    log: EvalLog, config: RunConfig, selected: Sequence[str], spool: RecordSpool | None
) -> Iterator[SampleRecord]:
    """The records of one log's samples in the log's order: from the spool when it holds every one of them,
    else rebuilt from the samples read back out of the log."""
    if spool is not None and log.samples is None and log.location and Path(log.location).is_file():
        keys = sorted(_sample_keys(log.location), key=sample_order)
        if spool.holds(keys):
            yield from (spool.read(key) for key in keys)
            return
    yield from (record_of(sample, config.judge_model, selected) for sample in _samples_of(log))


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
    ids = sorted(_sample_keys(log.location), key=sample_order)
    for start in range(0, len(ids), _SAMPLES_PER_READ):
        # Whole samples: Inspect's field-excluding reader is slower and holds more memory than plain reads.
        yield from read_eval_log_samples_by_id(log.location, ids[start : start + _SAMPLES_PER_READ])


_SAMPLES_PER_READ = 200


def sample_order(key: tuple[str | int, int]) -> tuple[int, str]:
    """The order of a full Inspect log's samples: by epoch, then by id (numbers in numeric order)."""
    sample_id, epoch = key
    return epoch, sample_id if isinstance(sample_id, str) else str(sample_id).zfill(20)


def _sample_keys(location: str) -> set[tuple[str | int, int]]:
    """The (id, epoch) of every sample in a log file.

    Read from the archive's directory, whose members are named ``samples/{id}_epoch_{epoch}.json``, rather
    than from Inspect's sample summaries: those hold each sample's input and scores, tens of megabytes for a
    large run, where the names cost a few bytes each. A log that is not a local .eval archive falls back to
    the summaries."""
    path = Path(location)
    if path.suffix == ".eval" and path.is_file():
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        keys: set[tuple[str | int, int]] = set()
        for name in names:
            if name.startswith(_SAMPLES_PREFIX) and name.endswith(".json"):
                sample_id, _, epoch = name[len(_SAMPLES_PREFIX) : -len(".json")].rpartition("_epoch_")
                if sample_id and epoch.isdigit():
                    keys.add((sample_id, int(epoch)))
        return keys
    return {(summary.id, summary.epoch) for summary in read_eval_log_sample_summaries(location)}


_SAMPLES_PREFIX = "samples/"


class _Failures:
    """Counts the records with an error as they stream past, keeping the first error's first line."""

    def __init__(self) -> None:
        self.count = 0
        self.first: str | None = None

    def note(self, record: SampleRecord) -> SampleRecord:
        if record.error:
            self.count += 1
            if self.first is None:
                self.first = first_line(record.error)
        return record


class RecordSpool:
    """The records of a run's samples, built as each sample finishes (from Inspect's sample-end hook) and kept
    in a temporary file until the run is finalized.

    Building a record from the sample in memory spares finalize reading every sample back out of the log and
    validating it again (about 2 ms of CPU a sample); memory holds only each record's place in the file. A
    record's line is redacted as the log file is. Use it as a context manager around the run's evals: only
    then does the hook feed it."""

    def __init__(self, directory: Path, judge: str, classifiers: Sequence[str]) -> None:
        self.judge = judge
        self.classifiers = tuple(classifiers)
        # Closed by __exit__; unlinked at once, so a killed run leaves nothing behind.
        self._file: IO[bytes] = tempfile.TemporaryFile(dir=directory, prefix=".records-")  # noqa: SIM115
        self._places: dict[tuple[str, int], tuple[int, int]] = {}
        self._end = 0

    def __enter__(self) -> RecordSpool:
        _register_record_hooks()
        _ACTIVE_SPOOLS.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        _ACTIVE_SPOOLS.remove(self)
        self._file.close()

    def add(self, sample: EvalSample) -> None:
        """Spool the record of a finished sample (a later one for the same sample replaces it)."""
        record = record_of(sample, self.judge, self.classifiers)
        line = (redact(json.dumps(record.to_dict(), ensure_ascii=False)) + "\n").encode("utf-8")
        self._file.seek(self._end)
        self._file.write(line)
        self._places[(str(sample.id), sample.epoch)] = (self._end, len(line))
        self._end += len(line)

    def holds(self, keys: Sequence[tuple[str | int, int]]) -> bool:
        return all((str(sample_id), epoch) in self._places for sample_id, epoch in keys)

    def read(self, key: tuple[str | int, int]) -> SampleRecord:
        offset, length = self._places[(str(key[0]), key[1])]
        self._file.seek(offset)
        return SampleRecord.from_dict(json.loads(self._file.read(length)))


_ACTIVE_SPOOLS: list[RecordSpool] = []


class RecordHooks(Hooks):
    """Hands each finished sample of a running ``afeval run`` to its :class:`RecordSpool`."""

    def enabled(self) -> bool:
        return bool(_ACTIVE_SPOOLS)

    async def on_sample_end(self, data: SampleEnd) -> None:
        if _ACTIVE_SPOOLS:
            _ACTIVE_SPOOLS[-1].add(data.sample)


@functools.cache
def _register_record_hooks() -> None:
    hooks(name="afeval_records", description="Builds afeval's record of each sample as it finishes.")(
        RecordHooks
    )
