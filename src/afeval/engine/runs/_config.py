"""What one run is: the model under test, where results go, and the settings values it composes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from afeval._util.slugs import slug
from afeval.engine.task._task import parse_tiers
from afeval.outcomes import SampleOutcome
from afeval.reference import ReferencePrompts, check_reference_scenario, load_reference, model_prompts
from afeval.results import RunSummaryDocument, SampleRecord, read_samples
from afeval.scenario import ScenarioOptions
from afeval.settings import LIBRARY_PRESET, DatasetChoice, GenerationSettings, JudgingSettings, Preset
from afeval.tuned_models import resolve_model_name  # tuned:NAME -> the fine-tuned model it names


@dataclass(frozen=True)
class RunConfig:
    """Everything ``afeval run`` needs: the model, the requests, the scenario, and the generation and judging
    settings (see :mod:`afeval.settings` for every default)."""

    model: str
    out_dir: Path
    dataset: DatasetChoice = field(default_factory=DatasetChoice)
    scenario: ScenarioOptions = field(default_factory=ScenarioOptions)
    tiers: tuple[str, ...] | None = None  # a subset of the scenario's tiers; None runs all of them
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    judging: JudgingSettings = field(default_factory=JudgingSettings)
    max_connections: int | None = None
    model_base_url: str | None = None
    model_args: Mapping[str, Any] = field(default_factory=dict)
    display: str | None = None
    # Inspect's realtime sample log lets `inspect view` show samples while a run is going; it costs about a
    # fifth of the harness's CPU per sample (bench: 2,000 samples in 53 s with it, 41-44 s without).
    live_log: bool = False
    max_cost: float | None = None  # USD: stop scheduling samples once the spend would pass it
    preset: str | None = None  # the name of the settings preset the values started from, recorded in results
    # Where the reference pipeline's templates are read from when the model's or the judges' wording is the
    # reference's (generation.prompts, judging.prompts): a clone, else afeval's cache (see afeval.reference).
    reference_dir: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", resolve_model_name(self.model))
        parse_tiers(self.tiers, self.scenario)
        if self.generation.prompts == "reference":
            check_reference_scenario(self.scenario, self.run_tiers)
        if self.reference_dir is not None and not self.uses_reference:
            raise ValueError("--reference-dir goes with --prompts reference")
        if self.max_cost is not None and not self.max_cost > 0:
            raise ValueError("--max-cost must be a positive number of US dollars")

    @property
    def judge_model(self) -> str:
        return self.judging.judge_model

    @property
    def settings(self) -> Preset:
        """The run's settings values as one preset-shaped value (named after the preset they started from)."""
        name = self.preset or LIBRARY_PRESET.name
        return Preset(name, name, self.dataset, self.generation, self.judging)

    @property
    def run_tiers(self) -> tuple[str, ...]:
        """The tiers this run covers, in order."""
        return parse_tiers(self.tiers, self.scenario)

    @property
    def uses_reference(self) -> bool:
        """Whether the model's or the judges' wording is the reference pipeline's."""
        return "reference" in (self.generation.prompts, self.judging.prompts)

    def reference_prompts(self) -> ReferencePrompts | None:
        """The loaded reference prompts where the model or the judges get them (read once per process), else
        None. Raises ReferenceUnavailableError (one line with the remedy) when they cannot be had."""
        return load_reference(self.reference_dir) if self.uses_reference else None

    def system_prompt(self) -> str:
        """The system prompt the model under test receives, from the run's prompt source."""
        return model_prompts(self.generation.prompts, self.reference_prompts()).system_prompt(self.scenario)


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


def default_run_dir(name: str, *, kind: str | None = None) -> Path:
    """Where a run goes unless told otherwise: ``runs/<time>-<name>``, or ``runs/<time>-<kind>-<name>``
    (``afeval judges validate``: ``kind="judge"``), with ``name`` (a model string) made safe for a path."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / (f"{stamp}-{kind}-{slug(name)}" if kind else f"{stamp}-{slug(name)}")
