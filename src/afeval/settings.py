"""Every run setting and its default, written once: how the model under test is sampled, how it is judged, which
requests it sees, and the named presets that bundle them.

``afeval run``, the Inspect task's arguments, sweep files (``[defaults]``) and ``afeval rescore`` all build
these values through one flat namespace of *setting keys* (:data:`SETTING_KEYS`), derived from the fields below:
none of them writes a default, a help text or a key name of its own. ``summary.json`` records each value as its
``to_dict()`` and every reader rebuilds it with ``from_dict``. A *preset* is a complete set of values (the embedded
no-key demo, a run of a named model); explicit options override it field by field
(:func:`with_setting_keys`, or :meth:`GenerationSettings.with_overrides` and friends, where ``None`` keeps the
preset's value).

Pure: no I/O and no Inspect import.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Collection, Iterator, Mapping
from dataclasses import Field, dataclass, field, fields, replace
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


PromptSource = Literal["afeval", "reference"]
"""Whose wording a run uses: afeval's own, or the reference pipeline's templates loaded at run time."""
PROMPT_SOURCES: Final[tuple[PromptSource, ...]] = ("afeval", "reference")


def prompt_source(prompts: str) -> PromptSource:
    """``prompts`` checked: ``afeval`` (afeval's own wording) or ``reference`` (the reference pipeline's)."""
    for source in PROMPT_SOURCES:
        if prompts == source:
            return source
    raise ValueError(f"prompts (--prompts) must be {' or '.join(PROMPT_SOURCES)}, got {prompts!r}")


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


def _help(text: str, unset: str = "none") -> Mapping[str, str]:
    """A settings field's one-line help, in its metadata: the text every command option, task argument and
    sweep key that sets the field shows; ``unset``: what a value of None means, in words."""
    return {"help": text, "unset": unset}


@dataclass(frozen=True)
class DatasetChoice(_Settings):
    """Which requests a run sees: a named or local dataset (None: the built-in smoke set), its prompt column
    (local files), and how many requests to take from the start."""

    name: str | None = field(
        default=None,
        metadata=_help(
            "llm-lat, advbench, harmbench, or a CSV/JSONL/parquet/txt file.", unset="the built-in smoke set"
        ),
    )
    column: str | None = field(
        default=None, metadata=_help("Prompt column of a local dataset file.", unset="auto-detected")
    )
    limit: int | None = field(
        default=None, metadata=_help("Use the first N requests (each runs once per tier).", unset="all")
    )

    def __post_init__(self) -> None:
        _at_least_one(self, "limit")


@dataclass(frozen=True)
class GenerationSettings(_Settings):
    """How the model under test is sampled, and whose wording it is given."""

    temperature: float = field(
        default=DEFAULT_TEMPERATURE, metadata=_help("Temperature of the model under test.")
    )
    max_tokens: int = field(
        default=DEFAULT_MAX_TOKENS, metadata=_help("Max new tokens of the model under test.")
    )
    max_attempts: int = field(
        default=DEFAULT_MAX_ATTEMPTS, metadata=_help("Re-queries of the model while its response is invalid.")
    )
    max_turns: int = field(
        default=DEFAULT_MAX_TURNS,
        metadata=_help("Turns per attempt when the model stops mid-scratchpad (answered <NEXT/>)."),
    )
    # Re-runs replay cached calls at no cost.
    cache: bool = field(
        default=True, metadata=_help("Cache model and judge calls (re-runs replay them at no cost).")
    )
    batch: bool = field(
        default=False, metadata=_help("Send calls to the model under test through the provider's batch API.")
    )
    cache_prompt: bool | None = field(
        default=None,
        metadata=_help(
            "Provider prompt caching of the shared system prompt (Anthropic; OpenAI caches on its own).",
            unset="Inspect's auto",
        ),
    )
    prompts: PromptSource = field(
        default="afeval",
        metadata=_help(
            f"Whose wording: {' or '.join(PROMPT_SOURCES)} (afeval's own, or the reference pipeline's templates, "
            "loaded at run time; see docs/reference-prompts.md)."
        ),
    )

    def __post_init__(self) -> None:
        _at_least_one(self, "max_tokens", "max_attempts", "max_turns")
        if self.temperature < 0:
            raise ValueError(f"temperature must not be negative, got {self.temperature}")
        prompt_source(self.prompts)

    def to_dict(self) -> dict[str, Any]:
        # Inspect's own word for "left to the provider", as summary.json has always recorded it.
        data = super().to_dict()
        data["cache_prompt"] = "auto" if self.cache_prompt is None else self.cache_prompt
        return data


@dataclass(frozen=True)
class JudgingSettings(_Settings):
    """How the responses are judged and counted: the judge model (``offline`` for the no-API judges), the
    classifiers, the alignment-faking vote scheme, whose rubrics the judges get, and the counting rules on which
    afeval's default and the paper's pipeline differ (docs/fidelity.md).

    ``count_invalid``: every final response is judged and counted in every rate, an invalid one included
    (the reference pipeline classifies every final record: a plain refusal without the rejection tag is a
    refusal, a response without a scratchpad shows no alignment faking). Off, invalid responses are reported
    but left out of the rates. ``refusal_shortcut``: a response whose answer opens with the rejection tag, or
    that says nothing outside its scratchpad, is a refusal without a compliance judge call.
    ``errored_votes_count_no``: an alignment-faking vote whose reply could not be read counts as a No vote
    out of the full number of votes, instead of leaving the denominator. ``prompts``: ``reference`` sends the
    compliance, alignment-faking and partial-compliance judges the reference pipeline's rubrics (the other
    classifiers keep afeval's wording).
    """

    judge_model: str = field(
        default=OFFLINE_JUDGE, metadata=_help(f"Judge model, or '{OFFLINE_JUDGE}' for the no-API judges.")
    )
    classifiers: tuple[str, ...] = field(
        default=DEFAULT_CLASSIFIERS, metadata=_help("Comma-separated classifiers (compliance is required).")
    )
    af_votes: int = field(
        default=DEFAULT_AF_VOTES, metadata=_help("Alignment-faking judge votes per scratchpad (T=1).")
    )
    af_num_choices: bool | None = field(
        default=None,
        metadata=_help(
            "Draw the AF votes as choices of one judge call (no: one call per vote).",
            unset="choices where the judge's provider supports n (OpenAI-compatible, vLLM, Together...)",
        ),
    )
    af_sequential: bool = field(
        default=False,
        metadata=_help(
            "Sequential voting: stop drawing AF votes once the verdict is settled (at most af_votes)."
        ),
    )
    cache: bool = field(
        default=True, metadata=_help("Cache model and judge calls (re-runs replay them at no cost).")
    )
    batch: bool = field(
        default=False,
        metadata=_help("Send judge calls through the provider's batch API (about half price, slower)."),
    )
    count_invalid: bool = field(
        default=False,
        metadata=_help(
            "Judge and count every final response, invalid ones included (the paper's rule), instead of leaving "
            "invalid responses out of the rates."
        ),
    )
    compliance_input: ComplianceInput = field(
        default=ComplianceInput.OUTPUT,
        metadata=_help(
            "What the compliance judge reads: output (the final <OUTPUT> block) or response (the response without "
            "its scratchpad blocks, the paper's)."
        ),
    )
    partial_input: PartialInput = field(
        default=PartialInput.TRANSCRIPT,
        metadata=_help("What the partial-compliance judge reads: transcript, or scratchpad (the paper's)."),
    )
    refusal_shortcut: bool = field(
        default=False,
        metadata=_help(
            "Score an answer that opens with <rejected/> or is empty as a refusal, with no judge call."
        ),
    )
    errored_votes_count_no: bool = field(
        default=False, metadata=_help("Count an unreadable alignment-faking vote as No (the paper's rule).")
    )
    prompts: PromptSource = field(
        default="afeval",
        metadata=_help("Whose rubrics the compliance, alignment-faking and partial-compliance judges get."),
    )

    def __post_init__(self) -> None:
        _at_least_one(self, "af_votes")
        if not self.judge_model.strip():
            raise ValueError("judge_model must be an Inspect model string or 'offline'")
        for name, kind in _ENUM_FIELDS.items():
            value = getattr(self, name)
            if value not in set(kind):
                raise ValueError(f"{name} must be one of {', '.join(kind)}, got {value!r}")
            object.__setattr__(self, name, kind(value))
        prompt_source(self.prompts)
        # Known names, in the order given, without duplicates; the required compliance judge included.
        object.__setattr__(self, "classifiers", select_classifier_names(self.classifiers))

    @property
    def offline(self) -> bool:
        return self.judge_model == OFFLINE_JUDGE

    @property
    def af_vote_calls(self) -> AfVoteCalls:
        """How this run's AF votes are drawn with its own judge model (see :func:`af_vote_calls`)."""
        return af_vote_calls(self.af_num_choices, self.judge_model)

    def to_dict(self) -> dict[str, Any]:
        # How the votes were drawn with this judge, as resolved (None for the offline judge, which has none).
        return {**super().to_dict(), "af_vote_calls": None if self.offline else self.af_vote_calls}


# ---------------------------------------------------------------------------------------------------------
# Setting keys: the one flat namespace of every command option, task argument and sweep [defaults] key that
# sets a settings field, derived from the fields above.

SettingGroup = Literal["dataset", "generation", "judging"]

SETTING_GROUPS: Final[Mapping[SettingGroup, type[_Settings]]] = {
    "dataset": DatasetChoice,
    "generation": GenerationSettings,
    "judging": JudgingSettings,
}

_KEY_NAMES: Final[Mapping[tuple[SettingGroup, str], str]] = {
    # A dataset's fields read as what they choose; the model's batch flag yields --batch to the judges'.
    ("dataset", "name"): "dataset",
    ("dataset", "column"): "dataset_column",
    ("generation", "batch"): "batch_generation",
}
"""The keys not named as their field. Every other key is its field's name; a name two groups share (``cache``,
``prompts``) is one key that sets both."""


@dataclass(frozen=True)
class SettingKey:
    """One flat key: the fields it sets, the type of its value (the field's, without None) and its help."""

    name: str
    targets: tuple[tuple[SettingGroup, str], ...]
    kind: type
    choices: tuple[str, ...] | None  # the allowed words of an enumerated value
    help: str
    unset: str = "none"  # what a value of None means, in words

    @property
    def is_list(self) -> bool:
        return self.kind is tuple


def _value_type(annotation: Any) -> tuple[type, tuple[str, ...] | None]:
    """The plain type of a field's annotation, and the words of a Literal or an enum."""
    options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return _value_type(options[0])
    if origin is Literal:
        return str, tuple(str(option) for option in typing.get_args(annotation))
    if origin is tuple:
        return tuple, None
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return str, tuple(member.value for member in annotation)
    return annotation, None


def _derive_keys() -> tuple[SettingKey, ...]:
    keys: dict[str, SettingKey] = {}
    for group, kind in SETTING_GROUPS.items():
        hints = typing.get_type_hints(kind)
        item: Field[Any]
        for item in fields(kind):  # type: ignore[arg-type]
            name = _KEY_NAMES.get((group, item.name), item.name)
            value_type, choices = _value_type(hints[item.name])
            if name in keys:
                known = keys[name]
                keys[name] = replace(known, targets=(*known.targets, (group, item.name)))
                continue
            keys[name] = SettingKey(
                name,
                ((group, item.name),),
                value_type,
                choices,
                item.metadata["help"],
                item.metadata["unset"],
            )
    return tuple(keys.values())


SETTING_KEYS: Final[tuple[SettingKey, ...]] = _derive_keys()
"""Every setting key, in the order of the groups' fields."""

SETTING_KEYS_BY_NAME: Final[Mapping[str, SettingKey]] = {key.name: key for key in SETTING_KEYS}


def setting_keys(group: SettingGroup | None = None) -> Iterator[SettingKey]:
    """The setting keys (of one group, where named)."""
    return (key for key in SETTING_KEYS if group is None or any(g == group for g, _ in key.targets))


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


def setting_value(key: SettingKey, value: Any) -> Any:
    """A key's value as its fields take it: a list (or comma-separated text) as a tuple of names, blanks
    kept so that an empty entry is reported; a whole number for a float key as a float."""
    if key.is_list:
        names = value.split(",") if isinstance(value, str) else value
        return tuple(str(name).strip() for name in names)
    if key.kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def with_setting_keys(
    preset: Preset, values: Mapping[str, Any], groups: Collection[SettingGroup] = tuple(SETTING_GROUPS)
) -> Preset:
    """``preset`` with each key of ``values`` that is not None set on the fields it targets in ``groups``
    (``cache`` and ``prompts`` set the model's and the judges'). Raises ValueError for a key that sets nothing
    in ``groups``, naming the known ones, or for a value its field refuses."""
    known = [key.name for group in groups for key in setting_keys(group)]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(dict.fromkeys(known))}")
    chosen: dict[SettingGroup, dict[str, Any]] = {group: {} for group in SETTING_GROUPS}
    for name, value in values.items():
        if value is None:
            continue
        key = SETTING_KEYS_BY_NAME[name]
        for group, field_name in key.targets:
            if group in groups:
                chosen[group][field_name] = setting_value(key, value)
    return replace(
        preset,
        dataset=preset.dataset.with_overrides(**chosen["dataset"]),
        generation=preset.generation.with_overrides(**chosen["generation"]),
        judging=preset.judging.with_overrides(**chosen["judging"]),
    )


def setting_key_values(preset: Preset) -> dict[str, Any]:
    """Every setting key with ``preset``'s value, as JSON holds it (a key that sets two fields takes the
    first's): the flat form :func:`with_setting_keys` reads back."""
    recorded = {group: getattr(preset, group).to_dict() for group in SETTING_GROUPS}
    return {key.name: recorded[key.targets[0][0]][key.targets[0][1]] for key in SETTING_KEYS}
