"""The results files every later step reads: one row per sample and ``summary.json``.

A run directory holds::

    summary.json        run settings, per-tier rates with 95% intervals, the compliance gap (unpaired and
                        paired by request)
    samples.jsonl       one row per sample: prompt, tier, raw response, parsed parts, every verdict and vote
                        (the optional classifiers' verdicts under "classifiers", by name)
    system_prompt.txt   the rendered system prompt (shared by every sample, so stored once)
    logs/               Inspect's .eval logs (browse them with ``inspect view --log-dir DIR/logs``)

This module is the one schema (:class:`SampleRecord` for a row, :class:`RunSummaryDocument` for ``summary.json``);
figures, reports and re-scoring read only these files, and only through it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Final, Self

from afeval._util.files import atomic_write_text
from afeval._util.jsonl import jsonl_writer, read_jsonl
from afeval._util.text import first_line
from afeval.outcomes import (
    FIRST_ERROR_CHARS,
    RunSummary,
    RunWarning,
    SampleOutcome,
    TierSummary,
    Verdict,
    WarningKind,
)
from afeval.scenario import GapSpec
from afeval.settings import DatasetChoice, GenerationSettings, JudgingSettings
from afeval.stats import GapEstimate

SUMMARY_FILE = "summary.json"
SAMPLES_FILE = "samples.jsonl"
OUTCOMES_FILE = "outcomes.jsonl"  # one small line per sample: the verdicts without votes
SYSTEM_PROMPT_FILE = "system_prompt.txt"
LOGS_DIR = "logs"
SCHEMA_VERSION = 1


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
            request_id=self.request_id,
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


def _optional_tuple(values: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


def _optional_dict(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else dict(value)


def _plain(value: Any) -> Any:
    """A field's value as JSON holds it: sequences as lists, mappings as dicts."""
    if isinstance(value, tuple | list):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


class _Block:
    """A block of ``summary.json`` whose keys are its dataclass fields, written in the order declared.

    A key missing from a file reads as the field's default; ``_read`` converts the named fields' values as they
    are read. With ``_omit_none``, fields that are None are not written (the file predates them)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]
    _omit_none: ClassVar[bool] = False
    _read: ClassVar[Mapping[str, Callable[[Any], Any]]] = MappingProxyType({})

    def to_dict(self) -> dict[str, Any]:
        pairs = ((item.name, _plain(getattr(self, item.name))) for item in fields(self))
        return _without_none(pairs) if self._omit_none else dict(pairs)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        values = {item.name: data.get(item.name, item.default) for item in fields(cls)}
        values.update((name, read(values[name])) for name, read in cls._read.items())
        return cls(**values)


@dataclass(frozen=True)
class BudgetBlock(_Block):
    """``budget``: the ``--max-cost`` budget of a run and what it let through (a file without a field reads
    it as zero, or False)."""

    max_usd: float = 0.0
    spent_usd: float = 0.0
    samples_finished: int = 0
    samples_skipped: int = 0
    exceeded: bool = False

    _read = MappingProxyType({"exceeded": bool})


@dataclass(frozen=True)
class RescoredFrom(_Block):
    """``rescored_from`` (re-scored runs only): the run whose responses were judged again, and how it had been
    judged: its judge, classifiers, votes and whose rubrics its judges got (``prompts``; None: a file from
    before the wording was recorded here)."""

    run: str = ""
    judge_model: str | None = None
    classifiers: tuple[str, ...] | None = None
    af_votes: int | None = None
    status: str | None = None
    cost: Mapping[str, Any] | None = None
    prompts: str | None = None

    _read = MappingProxyType({"run": str, "classifiers": _optional_tuple})

    def to_dict(self) -> dict[str, Any]:
        # prompts came later: a file without it writes back without it.
        data = super().to_dict()
        if self.prompts is None:
            del data["prompts"]
        return data

    @classmethod
    def of(cls, run_dir: Path, original: RunSummaryDocument) -> RescoredFrom:
        judging = original.judging_settings
        return cls(
            run=str(run_dir),
            judge_model=original.judge_model,
            classifiers=judging.classifiers if judging is not None else None,
            af_votes=judging.af_votes if judging is not None else None,
            status=original.status,
            cost=original.cost,
            prompts=judging.prompts if judging is not None else None,
        )


_DOCUMENT_KEYS: Final = frozenset(
    {
        "schema_version", "preset", "model", "judge_model", "scenario", "scenario_options", "dataset", "setting",
        "generation", "judges", "status", "error", "usage", "cost", "budget", "wall_seconds", "log", "versions",
        "tiers", "compliance_gap", "gaps", "samples_failed", "first_sample_error", "warnings", "rescored_from",
    }
)  # fmt: skip


@dataclass(frozen=True)
class RunSummaryDocument:
    """``summary.json``: the run's settings and how it ended, then per-tier rates with 95% intervals, the
    compliance gap and every gap of the setting, then how many samples failed and the run's warnings.

    Fields a file predates are None (and are not written back). ``scenario_options`` is
    :meth:`ScenarioOptions.to_dict <afeval.scenario.ScenarioOptions.to_dict>`; ``usage`` Inspect's tokens per
    model; ``cost`` the block :func:`afeval.cost.run_cost` builds: each is its own module's schema, kept here as
    written. Keys this version does not know are kept in ``extra`` and written back after the others.

    Each gap (``compliance_gap`` and every entry of ``gaps``) holds ``value``, ``ci95`` and ``p_value`` and, when
    requests paired up across its two tiers, ``paired``: the pairs' 2x2 table (``n_pairs``, ``both``,
    ``only_first``, ``only_second``, ``neither``; first = the minuend tier), ``value``, ``ci95`` with its
    ``interval_method`` and McNemar's ``p_value`` with its ``test_method``. ``paired`` came without a change of
    ``schema_version``: it is an optional key added inside the gap objects, every other key and value is as
    before, a reader that does not know it (an older afeval included) reads the gap as it always has, and a file
    without it reads as a run without paired statistics. ``warnings`` (a list of :class:`RunWarning` objects:
    ``kind``, ``judge``, ``tier``, ``count``, ``n``, ``first_error``, ``message``) was added the same way: a
    file without it reads as None. A version bump is kept for changes that alter or remove what a reader relies
    on."""

    schema_version: int = SCHEMA_VERSION
    preset: str | None = None  # the settings preset the run started from (embedded, default, paper)
    model: str | None = None
    judge_model: str | None = None
    scenario: str | None = None
    scenario_options: Mapping[str, Any] | None = None
    # The settings values as recorded (each its to_dict(), with the facts the run resolved beside it), kept as
    # written; dataset_choice, generation_settings and judging_settings rebuild the values.
    dataset: Mapping[str, Any] | None = None  # DatasetChoice, and the source, revision and smoke_set loaded
    setting: str | None = None
    generation: Mapping[str, Any] | None = None  # GenerationSettings, and the scenario's prompt_format
    judges: Mapping[str, Any] | None = None  # JudgingSettings
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
    # What went wrong without stopping the run (RunWarning): judges failing on more than 5 % of a tier's
    # samples, failed samples. None: the file predates the list (not written); a run writes it, empty or not.
    warnings: tuple[RunWarning, ...] | None = None
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

    @property
    def dataset_choice(self) -> DatasetChoice | None:
        """Which requests the run saw, as a settings value (a field the file predates takes its default)."""
        return None if self.dataset is None else DatasetChoice.from_dict(self.dataset)

    @property
    def smoke_set(self) -> bool:
        """Whether the requests were the built-in smoke set: a pipeline check, not a measurement."""
        return bool((self.dataset or {}).get("smoke_set"))

    @property
    def generation_settings(self) -> GenerationSettings | None:
        """How the model under test was sampled (a field the file predates takes its default)."""
        return None if self.generation is None else GenerationSettings.from_dict(self.generation)

    @property
    def judging_settings(self) -> JudgingSettings | None:
        """How the responses were judged, the judge model included (a field the file predates takes its
        default). Raises ValueError for a block its settings refuse (an unknown classifier)."""
        if self.judges is None:
            return None
        recorded = {"judge_model": self.judge_model, **self.judges} if self.judge_model else self.judges
        return JudgingSettings.from_dict(recorded)

    def to_dict(self) -> dict[str, Any]:
        """The document as written: today's keys in today's order."""
        data: dict[str, Any] = {"schema_version": self.schema_version}
        # (key, value, written even when None)
        entries: tuple[tuple[str, Any, bool], ...] = (
            ("preset", self.preset, False),
            ("model", self.model, False),
            ("judge_model", self.judge_model, False),
            ("scenario", self.scenario, False),
            ("scenario_options", _optional_dict(self.scenario_options), False),
            ("dataset", _optional_dict(self.dataset), False),
            ("setting", self.setting, False),
            ("generation", _optional_dict(self.generation), False),
            ("judges", _optional_dict(self.judges), False),
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
        if self.warnings is not None:
            data["warnings"] = [warning.to_dict() for warning in self.warnings]
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
            preset=data.get("preset"),
            model=data.get("model"),
            judge_model=data.get("judge_model"),
            scenario=data.get("scenario"),
            scenario_options=data.get("scenario_options"),
            dataset=parsed("dataset", dict),
            setting=data.get("setting"),
            generation=parsed("generation", dict),
            judges=parsed("judges", dict),
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
            warnings=parsed("warnings", lambda items: tuple(RunWarning.from_dict(item) for item in items)),
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
    error, the warnings (``summary``'s, then one for failed samples; redacted) and, for a re-scored run, where
    it came from."""
    # Imported here: afeval.redaction writes its files through this module.
    from afeval.redaction import redact

    warnings = list(summary.warnings)
    if samples_failed:
        first = first_line(first_sample_error, FIRST_ERROR_CHARS) or "(no error message)"
        warnings.append(
            RunWarning(
                kind=WarningKind.SAMPLES_FAILED.value,
                message=f"{samples_failed} of {sum(tier.n for tier in summary.tiers.values())} samples failed; "
                f"first error: {first}",
                count=samples_failed,
                n=sum(tier.n for tier in summary.tiers.values()),
                first_error=first,
            )
        )
    return replace(
        settings,
        tiers=dict(summary.tiers),
        gaps=dict(summary.gaps),
        samples_failed=samples_failed,
        first_sample_error=first_sample_error,
        warnings=tuple(warning.with_text(redact) for warning in warnings),
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
