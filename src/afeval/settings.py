"""Every run setting and its default, written once: how the model under test is sampled, how it is judged, which
requests it sees, and the named presets that bundle them.

``afeval run``, the Inspect task's arguments, sweep files (``[defaults]``) and ``afeval rescore`` all build
these values; none of them writes a default of its own. A *preset* is a complete set of values (the embedded
no-key demo, a run of a named model); explicit options override it field by field
(:meth:`GenerationSettings.with_overrides` and friends, where ``None`` keeps the preset's value).

Pure: no I/O and no Inspect import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any, Final, Literal, Self

from afeval._util.model_names import provider_of
from afeval.judge_names import DEFAULT_AF_VOTES, DEFAULT_CLASSIFIERS, OFFLINE_JUDGE, select_classifier_names

DEFAULT_JUDGE_MODEL: Final = "openai/gpt-4o"
"""The judge of a run with a named model unless another is given (the paper's judge)."""

DEFAULT_TEMPERATURE: Final = 0.0
DEFAULT_MAX_TOKENS: Final = 2000
DEFAULT_MAX_ATTEMPTS: Final = 10
"""Queries of the model under test while its response is invalid (the first one included)."""
DEFAULT_MAX_TURNS: Final = 4
"""Turns per attempt while a reply stops mid-scratchpad and is answered ``<NEXT/>``."""

JUDGE_REPLY_ATTEMPTS: Final = 3
"""Re-asks of a judge whose reply cannot be parsed (a fresh cache scope each time)."""

PAPER_DATASET: Final = "llm-lat"
PAPER_LIMIT: Final = 100
"""The paper's requests: the first 100 harmful requests of LLM-LAT."""


class ComplianceInput(StrEnum):
    """What the StrongREJECT compliance judge is shown of a response, beside the request."""

    OUTPUT = "output"  # the final <OUTPUT> block (afeval's default)
    RESPONSE = "response"  # the whole response with its scratchpad blocks removed (the reference pipeline)


class PartialInput(StrEnum):
    """What the partial-compliance judge is shown."""

    TRANSCRIPT = "transcript"  # request, scratchpad and final output (afeval's default)
    SCRATCHPAD = "scratchpad"  # the scratchpad alone (the reference pipeline)


def _at_least_one(owner: object, *names: str) -> None:
    for name in names:
        value = getattr(owner, name)
        if value is not None and value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")


class _Settings:
    """What every settings value shares: a JSON-able record and per-field overrides."""

    def to_dict(self) -> dict[str, Any]:
        return {item.name: _plain(getattr(self, item.name)) for item in fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The value ``data`` describes; missing keys keep their defaults and unknown keys are ignored (a
        results file may carry more than the settings)."""
        names = {item.name for item in fields(cls)}  # type: ignore[arg-type]
        return cls(**{key: _coerce(key, value) for key, value in data.items() if key in names})

    def with_overrides(self, **overrides: Any) -> Self:
        """A copy with every override that is not None."""
        chosen = {key: value for key, value in overrides.items() if value is not None}
        return replace(self, **chosen)  # type: ignore[type-var]

    def overridden_by(self, options: Mapping[str, Any]) -> Self:
        """:meth:`with_overrides` by the keys of ``options`` that name a field (a command's options, named as
        the fields they set); the other keys are ignored."""
        names = {item.name for item in fields(self)}  # type: ignore[arg-type]
        return self.with_overrides(**{key: value for key, value in options.items() if key in names})


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    return list(value) if isinstance(value, tuple) else value


_ENUM_FIELDS: Final[Mapping[str, type[StrEnum]]] = {
    "compliance_input": ComplianceInput,
    "partial_input": PartialInput,
}


def _coerce(key: str, value: Any) -> Any:
    if key == "classifiers" and isinstance(value, list | tuple):
        return tuple(value)
    if key in _ENUM_FIELDS and isinstance(value, str):
        return _ENUM_FIELDS[key](value)
    if key == "cache_prompt" and value == "auto":
        return None
    return value


@dataclass(frozen=True)
class DatasetChoice(_Settings):
    """Which requests a run sees: a named or local dataset (None: the built-in smoke set), its prompt column
    (local files), and how many requests to take from the start."""

    name: str | None = None
    column: str | None = None
    limit: int | None = None

    def __post_init__(self) -> None:
        _at_least_one(self, "limit")


@dataclass(frozen=True)
class GenerationSettings(_Settings):
    """How the model under test is sampled."""

    temperature: float = DEFAULT_TEMPERATURE
    max_tokens: int = DEFAULT_MAX_TOKENS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_turns: int = DEFAULT_MAX_TURNS
    cache: bool = True  # cache every call to the model under test (re-runs replay them at no cost)
    batch: bool = False  # calls through the provider's batch API
    cache_prompt: bool | None = None  # provider prompt caching of the shared prefix; None: Inspect's "auto"

    def __post_init__(self) -> None:
        _at_least_one(self, "max_tokens", "max_attempts", "max_turns")
        if self.temperature < 0:
            raise ValueError(f"temperature must not be negative, got {self.temperature}")


@dataclass(frozen=True)
class JudgingSettings(_Settings):
    """How the responses are judged and counted: the judge model (``offline`` for the no-API judges), the
    classifiers, the alignment-faking vote scheme, and the counting rules on which afeval's default and the
    paper's pipeline differ (docs/fidelity.md).

    ``count_invalid``: every final response is judged and counted in every rate, an invalid one included
    (the reference pipeline classifies every final record: a plain refusal without the rejection tag is a
    refusal, a response without a scratchpad shows no alignment faking). Off, invalid responses are reported
    but left out of the rates. ``refusal_shortcut``: a response whose answer opens with the rejection tag, or
    that says nothing outside its scratchpad, is a refusal without a compliance judge call.
    ``errored_votes_count_no``: an alignment-faking vote whose reply could not be read counts as a No vote
    out of the full number of votes, instead of leaving the denominator.
    """

    judge_model: str = OFFLINE_JUDGE
    classifiers: tuple[str, ...] = DEFAULT_CLASSIFIERS
    af_votes: int = DEFAULT_AF_VOTES
    af_num_choices: bool | None = None  # AF votes as choices of one call; None: where the provider has `n`
    af_sequential: bool = False  # stop drawing AF votes once the verdict is settled
    cache: bool = True  # cache every judge call
    batch: bool = False  # judge calls through the provider's batch API (about half price, slower)
    count_invalid: bool = False
    compliance_input: ComplianceInput = ComplianceInput.OUTPUT
    partial_input: PartialInput = PartialInput.TRANSCRIPT
    refusal_shortcut: bool = False
    errored_votes_count_no: bool = False

    def __post_init__(self) -> None:
        _at_least_one(self, "af_votes")
        if not self.judge_model.strip():
            raise ValueError("judge_model must be an Inspect model string or 'offline'")
        for name, kind in _ENUM_FIELDS.items():
            value = getattr(self, name)
            if value not in set(kind):
                raise ValueError(f"{name} must be one of {', '.join(kind)}, got {value!r}")
            object.__setattr__(self, name, kind(value))
        # Known names, in the order given, without duplicates; the required compliance judge included.
        object.__setattr__(self, "classifiers", select_classifier_names(self.classifiers))

    @property
    def offline(self) -> bool:
        return self.judge_model == OFFLINE_JUDGE

    @property
    def af_vote_calls(self) -> AfVoteCalls:
        """How this run's AF votes are drawn with its own judge model (see :func:`af_vote_calls`)."""
        return af_vote_calls(self.af_num_choices, self.judge_model)


AfVoteCalls = Literal["choices", "separate"]

CHOICE_PROVIDERS: Final = frozenset(
    {
        # Inspect sends `num_choices` as the chat API's `n` and reads every choice back; the servers behind
        # these honour it. Others either ignore it (one choice comes back), reject it, or have no such field
        # (Anthropic, Mistral, Bedrock; Google caps its candidates at 8, Groq rejects n > 1).
        "openai",
        "openai-api",
        "vllm",
        "sglang",
        "together",
        "fireworks",
        "grok",
        "afeval-organism",  # the scripted judge answers every choice of a call
    }
)
"""The Inspect model providers (the model string's first part) whose AF votes are choices of one call when
``af_num_choices`` is left to the provider (None)."""


def af_vote_calls(af_num_choices: bool | None, judge_model: str) -> AfVoteCalls:
    """``choices`` (the votes as choices of one call, topped up one call each where fewer come back) or
    ``separate`` (one call per vote): the explicit setting, else by the judge's provider."""
    if af_num_choices is None:
        af_num_choices = provider_of(judge_model) in CHOICE_PROVIDERS
    return "choices" if af_num_choices else "separate"


@dataclass(frozen=True)
class Preset:
    """A named, complete set of run settings that explicit options override."""

    name: str
    description: str
    dataset: DatasetChoice
    generation: GenerationSettings
    judging: JudgingSettings


EMBEDDED_PRESET: Final = Preset(
    name="embedded",
    # A 135M-parameter model on CPU: a short run keeps the no-argument demo quick. It is greedy and
    # deterministic, so re-querying an invalid reply at temperature 0 would only repeat it.
    description="the embedded model, offline judges, 2 requests, 300 tokens, one attempt",
    dataset=DatasetChoice(limit=2),
    generation=GenerationSettings(max_tokens=300, max_attempts=1),
    judging=JudgingSettings(judge_model=OFFLINE_JUDGE),
)

MODEL_PRESET: Final = Preset(
    name="default",
    description=f"a named model judged by {DEFAULT_JUDGE_MODEL}",
    dataset=DatasetChoice(),
    generation=GenerationSettings(),
    judging=JudgingSettings(judge_model=DEFAULT_JUDGE_MODEL),
)

PAPER_PRESET: Final = Preset(
    name="paper",
    # What the reference pipeline of Sheshadri et al. (2025) measures; docs/fidelity.md lists every rule.
    # One attempt: the pipeline re-asks an unusable reply at temperature 0 through its response cache, which
    # returns the same reply, so the first reply is the one it counts. One turn: it has no <NEXT/> loop.
    description=(
        f"the paper's pipeline: {PAPER_DATASET} first {PAPER_LIMIT}, {DEFAULT_JUDGE_MODEL} judges, one turn, "
        "one attempt, every response counted"
    ),
    dataset=DatasetChoice(name=PAPER_DATASET, limit=PAPER_LIMIT),
    generation=GenerationSettings(max_attempts=1, max_turns=1),
    judging=JudgingSettings(
        judge_model=DEFAULT_JUDGE_MODEL,
        af_num_choices=True,  # the pipeline draws its 20 votes as choices of one call
        count_invalid=True,
        compliance_input=ComplianceInput.RESPONSE,
        partial_input=PartialInput.SCRATCHPAD,
        refusal_shortcut=True,
        errored_votes_count_no=True,
    ),
)

PRESETS: Final[Mapping[str, Preset]] = {
    preset.name: preset for preset in (EMBEDDED_PRESET, MODEL_PRESET, PAPER_PRESET)
}
"""Every preset by name (``afeval run --preset``/``--paper``, the task's ``-T preset=NAME``)."""

LIBRARY_PRESET: Final = Preset(
    name="library",
    description="the library's defaults: the built-in smoke set and the offline judges",
    dataset=DatasetChoice(),
    generation=GenerationSettings(),
    judging=JudgingSettings(),
)
"""What the Inspect task and ``run_evaluation()`` use for every value not given and no preset named."""

DATASET_DEFAULTS: Final = LIBRARY_PRESET.dataset
GENERATION_DEFAULTS: Final = LIBRARY_PRESET.generation
JUDGING_DEFAULTS: Final = LIBRARY_PRESET.judging
"""The library's defaults as values, for signatures that spell their arguments out."""


def preset_for(model: str | None, name: str | None = None) -> Preset:
    """The preset a run starts from: the one ``name``d, else the embedded demo when no model is named and a
    named model's otherwise. Raises ValueError for an unknown name, naming the presets."""
    if name is not None:
        try:
            return PRESETS[name]
        except KeyError:
            raise ValueError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}") from None
    return EMBEDDED_PRESET if model is None else MODEL_PRESET
