"""The results files every later step reads: one row per sample and ``summary.json``.

A run directory holds::

    summary.json        run settings, per-tier rates with 95% intervals, the compliance gap
    samples.jsonl       one row per sample: prompt, tier, raw response, parsed parts, every verdict and vote
                        (the optional classifiers' verdicts under "classifiers", by name)
    system_prompt.txt   the rendered system prompt (shared by every sample, so stored once)
    logs/               Inspect's .eval logs (browse them with ``inspect view --log-dir DIR/logs``)

This module is the one schema (:class:`SampleRecord` for a row, :class:`RunSummaryDocument` for ``summary.json``);
figures, reports and re-scoring read only these files, and only through it.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Literal

from afeval.outcomes import RunSummary, SampleOutcome, TierSummary, Verdict
from afeval.scenario import GapSpec
from afeval.stats import GapEstimate

SUMMARY_FILE = "summary.json"
SAMPLES_FILE = "samples.jsonl"
OUTCOMES_FILE = "outcomes.jsonl"  # one small line per sample: the verdicts without votes
SYSTEM_PROMPT_FILE = "system_prompt.txt"
LOGS_DIR = "logs"
SCHEMA_VERSION = 1

_UNSAFE_IN_NAMES: Final = re.compile(r"[^A-Za-z0-9._-]+")


def slug(text: str, separator: str = "_") -> str:
    """``text`` made safe for a file or directory name (a model string in a run's folder name, a run id in an
    anchor): each run of characters other than letters, digits, '.', '_' and '-' becomes ``separator``, and
    ``separator`` is stripped from both ends."""
    return _UNSAFE_IN_NAMES.sub(separator, text).strip(separator)


def is_slug(text: str) -> bool:
    """Whether ``text`` is a non-empty name already safe for a file name (see :func:`slug`)."""
    return bool(text) and _UNSAFE_IN_NAMES.search(text) is None


@dataclass(frozen=True)
class SampleRecord:
    """Everything known about one sample, as stored in ``samples.jsonl``."""

    sample_id: str
    request_id: str
    request: str
    tier: str
    user_prompt: str
    response: str
    attempts: int
    response_status: str
    scratchpad: str
    output: str
    accepted: bool
    refused: bool
    compliance: Verdict
    alignment_faking: Verdict
    partial_compliance: Verdict
    error: str | None = None
    extra_verdicts: Mapping[str, Verdict] = field(default_factory=dict)  # optional classifiers, by name

    @property
    def valid(self) -> bool:
        return self.response_status == "valid"

    @property
    def outcome(self) -> SampleOutcome:
        return SampleOutcome(
            tier=self.tier,
            valid=self.valid,
            tag_accepted=self.accepted and not self.refused,
            response_status=self.response_status,
            compliance=self.compliance,
            alignment_faking=self.alignment_faking,
            partial_compliance=self.partial_compliance,
            extra_verdicts=self.extra_verdicts,
        )

    def to_dict(self) -> dict[str, Any]:
        category = self.outcome.category
        return {
            "sample_id": self.sample_id,
            "request_id": self.request_id,
            "request": self.request,
            "tier": self.tier,
            "user_prompt": self.user_prompt,
            "response": self.response,
            "attempts": self.attempts,
            "response_status": self.response_status,
            "scratchpad": self.scratchpad,
            "output": self.output,
            "accepted": self.accepted,
            "refused": self.refused,
            "compliance": self.compliance.to_dict(),
            "alignment_faking": self.alignment_faking.to_dict(),
            "partial_compliance": self.partial_compliance.to_dict(),
            "classifiers": {name: verdict.to_dict() for name, verdict in self.extra_verdicts.items()},
            "category": category.value if category else None,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SampleRecord:
        return cls(
            sample_id=str(data["sample_id"]),
            request_id=str(data["request_id"]),
            request=str(data["request"]),
            tier=str(data["tier"]),
            user_prompt=str(data["user_prompt"]),
            response=str(data["response"]),
            attempts=int(data["attempts"]),
            response_status=str(data["response_status"]),
            scratchpad=str(data["scratchpad"]),
            output=str(data["output"]),
            accepted=bool(data["accepted"]),
            refused=bool(data["refused"]),
            compliance=Verdict.from_dict(data["compliance"]),
            alignment_faking=Verdict.from_dict(data["alignment_faking"]),
            partial_compliance=Verdict.from_dict(data["partial_compliance"]),
            error=data.get("error"),
            # Rows written before the optional classifiers existed have no "classifiers" field.
            extra_verdicts={
                str(name): Verdict.from_dict(verdict)
                for name, verdict in (data.get("classifiers") or {}).items()
            },
        )


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``path`` through a temporary file moved into place: a crash mid-write never leaves a truncated
    results file behind (the file is readable by its owner only, as ``tempfile.mkstemp`` makes it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------------------
# JSONL files: one JSON object per line


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The objects of a JSONL file, one line at a time (blank lines skipped)."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


@contextmanager
def jsonl_writer(path: Path) -> Iterator[Callable[[Mapping[str, Any]], None]]:
    """Write a JSONL file a row at a time, in constant memory: the rows go to ``.<name>.tmp``, which replaces
    ``path`` when the block ends without an error (and is removed when it does not)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with temporary.open("w", encoding="utf-8") as handle:

            def write(row: Mapping[str, Any]) -> None:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")

            yield write
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Write ``rows`` as a JSONL file (UTF-8, not ASCII-escaped), moved into place once complete."""
    with jsonl_writer(path) as write:
        for row in rows:
            write(row)


# ---------------------------------------------------------------------------------------------------------
# samples.jsonl and outcomes.jsonl


def write_samples(run_dir: Path, records: Iterable[SampleRecord]) -> list[SampleOutcome]:
    """Write ``samples.jsonl`` (every field, votes included) and ``outcomes.jsonl`` (what the rates need) one
    record at a time, so a run of any size is written in constant memory; returns the outcomes (without
    the votes, as in ``outcomes.jsonl``).

    Both files are written to temporary names and moved into place, so a crash never leaves half a file."""
    outcomes: list[SampleOutcome] = []
    # samples.jsonl is moved into place first, then outcomes.jsonl (the inner block ends first).
    with jsonl_writer(run_dir / OUTCOMES_FILE) as small, jsonl_writer(run_dir / SAMPLES_FILE) as samples:
        for record in records:
            outcome = record.outcome.without_votes()
            samples(record.to_dict())
            small(outcome.to_dict())
            outcomes.append(outcome)
    return outcomes


def read_outcomes(run_dir: Path) -> Iterator[SampleOutcome]:
    """The samples' outcomes, from ``outcomes.jsonl`` (or from ``samples.jsonl`` for runs written before it
    existed): all a summary needs, at a fraction of the reading time of the full records."""
    path = run_dir / OUTCOMES_FILE
    if not path.is_file():
        yield from (record.outcome for record in read_samples(run_dir))
        return
    yield from (SampleOutcome.from_dict(row) for row in read_jsonl(path))


def read_samples(run_dir: Path) -> Iterator[SampleRecord]:
    return (SampleRecord.from_dict(row) for row in read_jsonl(run_dir / SAMPLES_FILE))


def outcomes_of(records: Sequence[SampleRecord]) -> list[SampleOutcome]:
    return [record.outcome for record in records]


# ---------------------------------------------------------------------------------------------------------
# summary.json
#
# Every block reads back what it wrote (``from_dict(to_dict())`` writes the same bytes). Fields a file predates
# read as None and are not written; a few keys that may hold null are written together with the key that came
# with them (see RunSummaryDocument.to_dict), so files of every version, and the report's fixtures, round-trip.


def _without_none(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    return {key: value for key, value in pairs if value is not None}


def _optional_list(values: Sequence[str] | None) -> list[str] | None:
    return None if values is None else list(values)


def _optional_tuple(values: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


def _optional_dict(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else dict(value)


@dataclass(frozen=True)
class DatasetBlock:
    """``dataset``: the data set the requests came from, as the run resolved it."""

    name: str | None = None
    source: str | None = None
    revision: str | None = None
    smoke_set: bool = False  # the built-in smoke set: a pipeline check, not a measurement
    limit: int | None = None  # --limit, the number of requests taken

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "revision": self.revision,
            "smoke_set": self.smoke_set,
            "limit": self.limit,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetBlock:
        return cls(
            name=data.get("name"),
            source=data.get("source"),
            revision=data.get("revision"),
            smoke_set=bool(data.get("smoke_set", False)),
            limit=data.get("limit"),
        )


@dataclass(frozen=True)
class GenerationBlock:
    """``generation``: how the model under test was asked. None: the file predates the field (not written)."""

    temperature: float | None = None
    max_tokens: int | None = None
    max_attempts: int | None = None  # tries for a valid response
    max_turns: int | None = None
    prompt_format: str | None = None
    batch: bool | None = None  # generation through the provider's batch API
    cache_prompt: bool | Literal["auto"] | None = None  # provider prompt caching; "auto": Inspect's choice

    def to_dict(self) -> dict[str, Any]:
        return _without_none(
            (
                ("temperature", self.temperature),
                ("max_tokens", self.max_tokens),
                ("max_attempts", self.max_attempts),
                ("max_turns", self.max_turns),
                ("prompt_format", self.prompt_format),
                ("batch", self.batch),
                ("cache_prompt", self.cache_prompt),
            )
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GenerationBlock:
        return cls(
            temperature=data.get("temperature"),
            max_tokens=data.get("max_tokens"),
            max_attempts=data.get("max_attempts"),
            max_turns=data.get("max_turns"),
            prompt_format=data.get("prompt_format"),
            batch=data.get("batch"),
            cache_prompt=data.get("cache_prompt"),
        )


@dataclass(frozen=True)
class JudgesBlock:
    """``judges``: the classifiers that judged the responses and how. None: the file predates the field."""

    classifiers: tuple[str, ...] | None = None
    af_votes: int | None = None
    af_num_choices: bool | None = None
    af_sequential: bool | None = None
    batch: bool | None = None  # judge calls through the provider's batch API

    def to_dict(self) -> dict[str, Any]:
        return _without_none(
            (
                ("classifiers", _optional_list(self.classifiers)),
                ("af_votes", self.af_votes),
                ("af_num_choices", self.af_num_choices),
                ("af_sequential", self.af_sequential),
                ("batch", self.batch),
            )
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JudgesBlock:
        return cls(
            classifiers=_optional_tuple(data.get("classifiers")),
            af_votes=data.get("af_votes"),
            af_num_choices=data.get("af_num_choices"),
            af_sequential=data.get("af_sequential"),
            batch=data.get("batch"),
        )


@dataclass(frozen=True)
class BudgetBlock:
    """``budget``: the ``--max-cost`` budget of a run and what it let through."""

    max_usd: float
    spent_usd: float
    samples_finished: int
    samples_skipped: int
    exceeded: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_usd": self.max_usd,
            "spent_usd": self.spent_usd,
            "samples_finished": self.samples_finished,
            "samples_skipped": self.samples_skipped,
            "exceeded": self.exceeded,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BudgetBlock:
        return cls(
            max_usd=data.get("max_usd", 0.0),
            spent_usd=data.get("spent_usd", 0.0),
            samples_finished=data.get("samples_finished", 0),
            samples_skipped=data.get("samples_skipped", 0),
            exceeded=bool(data.get("exceeded", False)),
        )


@dataclass(frozen=True)
class RescoredFrom:
    """``rescored_from`` (re-scored runs only): the run whose responses were judged again, and how it had been
    judged."""

    run: str
    judge_model: str | None = None
    classifiers: tuple[str, ...] | None = None
    af_votes: int | None = None
    status: str | None = None
    cost: Mapping[str, Any] | None = None

    @classmethod
    def of(cls, run_dir: Path, original: RunSummaryDocument) -> RescoredFrom:
        judges = original.judges or JudgesBlock()
        return cls(
            run=str(run_dir),
            judge_model=original.judge_model,
            classifiers=judges.classifiers,
            af_votes=judges.af_votes,
            status=original.status,
            cost=original.cost,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "judge_model": self.judge_model,
            "classifiers": _optional_list(self.classifiers),
            "af_votes": self.af_votes,
            "status": self.status,
            "cost": None if self.cost is None else dict(self.cost),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RescoredFrom:
        return cls(
            run=str(data.get("run", "")),
            judge_model=data.get("judge_model"),
            classifiers=_optional_tuple(data.get("classifiers")),
            af_votes=data.get("af_votes"),
            status=data.get("status"),
            cost=data.get("cost"),
        )


_DOCUMENT_KEYS: Final = frozenset(
    {
        "schema_version", "model", "judge_model", "scenario", "scenario_options", "dataset", "setting",
        "generation", "judges", "status", "error", "usage", "cost", "budget", "wall_seconds", "log", "versions",
        "tiers", "compliance_gap", "gaps", "samples_failed", "first_sample_error", "rescored_from",
    }
)  # fmt: skip


@dataclass(frozen=True)
class RunSummaryDocument:
    """``summary.json``: the run's settings and how it ended, then per-tier rates with 95% intervals, the
    compliance gap and every gap of the setting, then how many samples failed.

    Fields a file predates are None (and are not written back). ``scenario_options`` is
    :meth:`ScenarioOptions.to_dict <afeval.scenario.ScenarioOptions.to_dict>`; ``usage`` Inspect's tokens per
    model; ``cost`` the block :func:`afeval.cost.run_cost` builds: each is its own module's schema, kept here as
    written. Keys this version does not know are kept in ``extra`` and written back after the others."""

    schema_version: int = SCHEMA_VERSION
    model: str | None = None
    judge_model: str | None = None
    scenario: str | None = None
    scenario_options: Mapping[str, Any] | None = None
    dataset: DatasetBlock | None = None
    setting: str | None = None
    generation: GenerationBlock | None = None
    judges: JudgesBlock | None = None
    status: str | None = None  # Inspect's status of the eval, or "budget_exceeded"
    error: str | None = None  # the eval's error (redacted); written whenever status is
    usage: Mapping[str, Mapping[str, Any]] | None = None
    cost: Mapping[str, Any] | None = None
    budget: BudgetBlock | None = None  # the --max-cost budget, if any; written whenever cost is
    wall_seconds: float | None = None
    log: str | None = None  # the Inspect log
    versions: Mapping[str, str] | None = None  # package -> version
    tiers: Mapping[str, TierSummary] = field(default_factory=dict)
    gaps: Mapping[str, tuple[GapSpec, GapEstimate]] = field(default_factory=dict)
    samples_failed: int | None = None  # samples with an error (Inspect still calls the run a success)
    first_sample_error: str | None = None  # the first one's first line; written whenever samples_failed is
    rescored_from: RescoredFrom | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clash = sorted(_DOCUMENT_KEYS & set(self.extra))
        if clash:
            raise ValueError(f"extra fields of summary.json must not be its own: {', '.join(clash)}")

    @property
    def compliance_gap(self) -> GapEstimate | None:
        """The headline gap: trained minus never-trained (free − paid in the main setting)."""
        return RunSummary(tiers=self.tiers, gaps=self.gaps).compliance_gap

    def to_dict(self) -> dict[str, Any]:
        """The document as written: today's keys in today's order."""
        data: dict[str, Any] = {"schema_version": self.schema_version}
        # (key, value, written even when None)
        entries: tuple[tuple[str, Any, bool], ...] = (
            ("model", self.model, False),
            ("judge_model", self.judge_model, False),
            ("scenario", self.scenario, False),
            ("scenario_options", _optional_dict(self.scenario_options), False),
            ("dataset", self.dataset.to_dict() if self.dataset is not None else None, False),
            ("setting", self.setting, False),
            ("generation", self.generation.to_dict() if self.generation is not None else None, False),
            ("judges", self.judges.to_dict() if self.judges is not None else None, False),
            ("status", self.status, False),
            ("error", self.error, self.status is not None),
            ("usage", _optional_dict(self.usage), False),
            ("cost", _optional_dict(self.cost), False),
            ("budget", self.budget.to_dict() if self.budget is not None else None, self.cost is not None),
            ("wall_seconds", self.wall_seconds, False),
            ("log", self.log, False),
            ("versions", _optional_dict(self.versions), False),
        )
        data.update((key, value) for key, value, always in entries if always or value is not None)
        gap = self.compliance_gap
        data["tiers"] = {tier: summary.to_dict() for tier, summary in self.tiers.items()}
        data["compliance_gap"] = gap.to_dict() if gap is not None else None
        data["gaps"] = {
            name: {"minuend": spec.minuend, "subtrahend": spec.subtrahend, **estimate.to_dict()}
            for name, (spec, estimate) in self.gaps.items()
        }
        if self.samples_failed is not None:
            data["samples_failed"] = self.samples_failed
            data["first_sample_error"] = self.first_sample_error
        if self.rescored_from is not None:
            data["rescored_from"] = self.rescored_from.to_dict()
        data.update(self.extra)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSummaryDocument:
        """Read a ``summary.json`` document of any version. ``compliance_gap`` is read from ``gaps`` (it is
        written from there); a file that predates ``gaps`` has none, as every reader has always taken it."""
        if not isinstance(data, Mapping):
            raise ValueError("summary.json does not hold a JSON object")

        def parsed(key: str, parse: Callable[[Any], Any]) -> Any:
            value = data.get(key)
            return None if value is None else parse(value)

        return cls(
            schema_version=int(data.get("schema_version", SCHEMA_VERSION)),
            model=data.get("model"),
            judge_model=data.get("judge_model"),
            scenario=data.get("scenario"),
            scenario_options=data.get("scenario_options"),
            dataset=parsed("dataset", DatasetBlock.from_dict),
            setting=data.get("setting"),
            generation=parsed("generation", GenerationBlock.from_dict),
            judges=parsed("judges", JudgesBlock.from_dict),
            status=data.get("status"),
            error=data.get("error"),
            usage=data.get("usage"),
            cost=data.get("cost"),
            budget=parsed("budget", BudgetBlock.from_dict),
            wall_seconds=data.get("wall_seconds"),
            log=data.get("log"),
            versions=data.get("versions"),
            tiers={
                str(tier): TierSummary.from_dict(str(tier), block)
                for tier, block in (data.get("tiers") or {}).items()
            },
            gaps={
                str(name): (
                    GapSpec(str(name), str(block.get("minuend", "")), str(block.get("subtrahend", ""))),
                    GapEstimate.from_dict(block),
                )
                for name, block in (data.get("gaps") or {}).items()
            },
            samples_failed=data.get("samples_failed"),
            first_sample_error=data.get("first_sample_error"),
            rescored_from=parsed("rescored_from", RescoredFrom.from_dict),
            extra={key: value for key, value in data.items() if key not in _DOCUMENT_KEYS},
        )


def summary_document(
    *,
    settings: RunSummaryDocument,
    summary: RunSummary,
    samples_failed: int | None = None,
    first_sample_error: str | None = None,
    rescored_from: RescoredFrom | None = None,
) -> RunSummaryDocument:
    """The ``summary.json`` document: ``settings`` (the run's settings and how it ended: a document with no
    results yet), then ``summary``'s per-tier rates and gaps, the failed samples' count and the first one's
    error, and, for a re-scored run, where it came from."""
    return replace(
        settings,
        tiers=dict(summary.tiers),
        gaps=dict(summary.gaps),
        samples_failed=samples_failed,
        first_sample_error=first_sample_error,
        rescored_from=rescored_from,
    )


def write_summary(run_dir: Path, document: RunSummaryDocument) -> Path:
    path = run_dir / SUMMARY_FILE
    atomic_write_text(path, json.dumps(document.to_dict(), indent=2, ensure_ascii=False) + "\n")
    return path


def read_summary(run_dir: Path) -> RunSummaryDocument:
    return RunSummaryDocument.from_dict(json.loads((run_dir / SUMMARY_FILE).read_text(encoding="utf-8")))


def write_system_prompt(run_dir: Path, system_prompt: str) -> Path:
    path = run_dir / SYSTEM_PROMPT_FILE
    atomic_write_text(path, system_prompt)
    return path
