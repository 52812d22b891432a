"""Sweep files: many models × scenario options × tiers × CoT/no-CoT, described once and expanded into runs.

A sweep file (TOML, or YAML with the same keys) names the models under test, the scenarios (each a name that
:meth:`ScenarioOptions.from_name` reads, such as ``three-tier+no-cot``, or an inline table of options), the
chain-of-thought values applied on top of every scenario, and the settings shared by every run. The grid is
the product of models, scenarios, CoT values and (for base models) prefills; each cell is one
:class:`SweepRun` with a stable, filesystem-safe ``run_id`` made of the model's label and the scenario's name,
so that re-running a file, or a file with one more model, finds the runs it already finished.

A *base* (pretrained) model sees the scenario as one raw document (``prompt_format = "base"``), optionally
with a prefilled opening of its turn, and by default also the clarification that complying never leads to
changes: the default the paper used for base models.

This module is pure: it reads files and builds values; running the grid is ``afeval.engine.run_sweep``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from afeval._util.slugs import is_slug, slug
from afeval.errors import AfevalError
from afeval.scenario import PREFILLS, SCENARIO_BASE_NAME, ScenarioOptions
from afeval.settings import (
    MODEL_PRESET,
    SETTING_KEYS,
    DatasetChoice,
    GenerationSettings,
    JudgingSettings,
    SettingKey,
    preset_for,
    with_setting_keys,
)

MODEL_KINDS: Final = ("chat", "base")
"""``chat``: an instruction-tuned model given messages; ``base``: a pretrained model given one document."""

BASE_MODEL_CLARIFICATIONS: Final = ("no-changes-when-complying",)
"""Clarifications every scenario of a base model gets unless its ``clarifications`` key says otherwise."""

SWEEP_SUFFIXES: Final = (".toml", ".yaml", ".yml")
_PACKAGED_DIR: Final = "files"


class SweepFileError(AfevalError, ValueError):
    """A sweep file that cannot be read or expanded; the message is one line naming the file and the key."""


@dataclass(frozen=True)
class SweepDefaults:
    """The run settings shared by every run of a sweep (``[defaults]``): the same values as ``afeval run``'s,
    starting from the preset of a run with a named model (the paper's judge)."""

    dataset: DatasetChoice = MODEL_PRESET.dataset
    generation: GenerationSettings = MODEL_PRESET.generation
    judging: JudgingSettings = MODEL_PRESET.judging

    preset: str = MODEL_PRESET.name

    @classmethod
    def from_keys(cls, values: Mapping[str, Any]) -> SweepDefaults:
        """The defaults a file's flat ``[defaults]`` keys describe: its ``preset`` (a named model's run unless
        ``paper`` is named), overridden by the other keys, which are the setting keys of ``afeval run``'s
        options (:data:`afeval.settings.SETTING_KEYS`: ``cache`` and ``prompts`` apply to model and judge)."""
        preset = preset_for(MODEL_PRESET.name, values.get("preset"))
        chosen = with_setting_keys(preset, {key: value for key, value in values.items() if key != "preset"})
        return cls(
            dataset=chosen.dataset, generation=chosen.generation, judging=chosen.judging, preset=preset.name
        )


@dataclass(frozen=True)
class SweepModel:
    """One model under test: its Inspect model string, the label used in run ids and tables, and how to reach
    it. ``prefills`` (base models only) multiplies the runs: one per prefill; none means no prefill.
    ``clarifications`` are added to every scenario of this model."""

    model: str
    label: str
    kind: str = "chat"
    prefills: tuple[str, ...] = ()
    clarifications: tuple[str, ...] = ()
    base_url: str | None = None
    model_args: Mapping[str, Any] = field(default_factory=dict)
    max_connections: int | None = None

    def __post_init__(self) -> None:
        if not self.model.strip():
            raise ValueError("model must be a non-empty Inspect model string")
        if not is_slug(self.label):
            raise ValueError(f"label {self.label!r} must use only letters, digits, '.', '_' and '-'")
        if self.kind not in MODEL_KINDS:
            raise ValueError(f"unknown model kind {self.kind!r}; choose from {', '.join(MODEL_KINDS)}")
        if self.prefills and self.kind != "base":
            raise ValueError(f'model {self.label}: a prefill needs kind = "base"')
        unknown = [p for p in self.prefills if p not in PREFILLS]
        if unknown:
            raise ValueError(f"unknown prefill(s) {', '.join(unknown)}; choose from {', '.join(PREFILLS)}")
        if self.max_connections is not None and self.max_connections < 1:
            raise ValueError(f"model {self.label}: max_connections must be at least 1")
        object.__setattr__(self, "model_args", MappingProxyType(dict(self.model_args)))


@dataclass(frozen=True)
class SweepScenario:
    """One entry of ``[grid] scenarios``: the options, and optionally its own subset of tiers."""

    options: ScenarioOptions
    tiers: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep file."""

    name: str
    source: str
    models: tuple[SweepModel, ...]
    scenarios: tuple[SweepScenario, ...]
    defaults: SweepDefaults = field(default_factory=SweepDefaults)
    cot: tuple[bool, ...] | None = None  # None: each scenario keeps its own CoT setting
    tiers: tuple[str, ...] | None = None  # None: every tier of each scenario
    max_turns: tuple[int, ...] | None = None  # None: defaults.max_turns, and no "turns" part in run ids
    out: Path | None = None
    max_connections: int | None = None
    max_tasks: int | None = None


@dataclass(frozen=True)
class SweepRun:
    """One cell of the grid: a model, the scenario options it sees, its tiers and its run settings."""

    run_id: str
    model: SweepModel
    scenario: ScenarioOptions
    tiers: tuple[str, ...] | None
    settings: SweepDefaults

    @property
    def run_tiers(self) -> tuple[str, ...]:
        """The tiers this run covers, in order."""
        return self.tiers if self.tiers is not None else self.scenario.tiers


# --- reading files --------------------------------------------------------------------------------------


def packaged_sweeps() -> tuple[str, ...]:
    """The names of the sweep files shipped with afeval (``afeval sweep NAME``), sorted."""
    folder = files("afeval.sweep").joinpath(_PACKAGED_DIR)
    return tuple(
        sorted(entry.name.removesuffix(".toml") for entry in folder.iterdir() if entry.name.endswith(".toml"))
    )


def load_sweep(source: str | Path) -> SweepSpec:
    """Read a sweep file: a path to a ``.toml`` / ``.yaml`` / ``.yml`` file, or the name of a packaged one
    (see :func:`packaged_sweeps`). Raises :class:`SweepFileError` with one line naming the file and the problem."""
    path = Path(source)
    if path.is_file():
        text, shown, suffix = path.read_text(encoding="utf-8"), str(path), path.suffix.lower()
    elif isinstance(source, str) and source in packaged_sweeps():
        resource = files("afeval.sweep").joinpath(_PACKAGED_DIR, f"{source}.toml")
        text, shown, suffix = resource.read_text(encoding="utf-8"), source, ".toml"
    else:
        raise SweepFileError(
            f"no sweep file {str(source)!r}: give a .toml/.yaml path or a packaged sweep "
            f"({', '.join(packaged_sweeps())})"
        )
    if suffix not in SWEEP_SUFFIXES:
        raise SweepFileError(f"{shown}: a sweep file ends in {', '.join(SWEEP_SUFFIXES)}")
    return parse_sweep(_decode(text, shown, suffix), source=shown)


def _decode(text: str, shown: str, suffix: str) -> Mapping[str, Any]:
    if suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SweepFileError(f"{shown}: not valid TOML: {exc}") from None
    # PyYAML comes with inspect-ai (not a declared dependency of afeval; its type stubs may be absent); imported
    # here so that TOML files never need it.
    import yaml  # type: ignore[import-untyped, unused-ignore]

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SweepFileError(f"{shown}: not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(data, Mapping):
        raise SweepFileError(f"{shown}: a sweep file is a mapping of keys (name, models, grid, ...)")
    return data


_TOP_KEYS: Final = ("name", "out", "defaults", "models", "grid", "max_connections", "max_tasks")
_MODEL_KEYS: Final = (
    "model",
    "label",
    "kind",
    "prefill",
    "clarifications",
    "base_url",
    "model_args",
    "max_connections",
)
_GRID_KEYS: Final = ("scenarios", "cot", "tiers", "max_turns")


def _key_types(key: SettingKey) -> tuple[type, ...]:
    """The TOML types a setting key's value may have: a list or comma-separated text for a list of names, a
    whole number where a number is wanted."""
    if key.is_list:
        return (list, str)
    return (float, int) if key.kind is float else (key.kind,)


_DEFAULT_TYPES: Final[Mapping[str, tuple[type, ...]]] = MappingProxyType(
    {"preset": (str,), **{key.name: _key_types(key) for key in SETTING_KEYS}}
)
"""The keys of ``[defaults]``: ``preset`` and every setting key."""


def parse_sweep(data: Mapping[str, Any], *, source: str = "<sweep>") -> SweepSpec:
    """A :class:`SweepSpec` from the decoded keys of a sweep file; errors are one line, prefixed by ``source``."""
    try:
        return _parse(data, source)
    except SweepFileError:
        raise
    except (ValueError, TypeError) as exc:
        raise SweepFileError(f"{source}: {_one_line(exc)}") from None


def _parse(data: Mapping[str, Any], source: str) -> SweepSpec:
    _check_keys(data, _TOP_KEYS, "the top level")
    name = _typed(data.get("name", Path(source).stem), (str,), "name")
    if not name.strip():
        raise ValueError("name must not be empty")
    out = data.get("out")
    defaults = _parse_defaults(_table(data.get("defaults", {}), "[defaults]"))
    raw_models = data.get("models")
    if not isinstance(raw_models, list) or not raw_models:
        raise ValueError("[[models]] must list at least one model")
    models = tuple(_parse_model(_table(entry, f"models[{i}]"), i) for i, entry in enumerate(raw_models))
    labels = [model.label for model in models]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise ValueError(f"model label(s) {', '.join(repeated)} used twice; give each model its own label")
    grid = _table(data.get("grid", {}), "[grid]")
    _check_keys(grid, _GRID_KEYS, "[grid]")
    raw_scenarios = grid.get("scenarios", [SCENARIO_BASE_NAME])
    if not isinstance(raw_scenarios, list) or not raw_scenarios:
        raise ValueError("grid.scenarios must be a non-empty list of scenario names or option tables")
    scenarios = tuple(_parse_scenario(entry, i) for i, entry in enumerate(raw_scenarios))
    cot = _optional_list(grid.get("cot"), bool, "grid.cot")
    tiers = _optional_list(grid.get("tiers"), str, "grid.tiers")
    max_turns = _optional_list(grid.get("max_turns"), int, "grid.max_turns")
    if max_turns is not None and any(turns < 1 for turns in max_turns):
        raise ValueError("grid.max_turns values must be at least 1")
    spec = SweepSpec(
        name=name,
        source=source,
        models=models,
        scenarios=scenarios,
        defaults=defaults,
        cot=cot,
        tiers=tiers,
        max_turns=max_turns,
        out=Path(_typed(out, (str,), "out")) if out is not None else None,
        max_connections=_positive(data.get("max_connections"), "max_connections"),
        max_tasks=_positive(data.get("max_tasks"), "max_tasks"),
    )
    expand_grid(spec)  # an impossible combination is an error of the file, reported now
    return spec


def _parse_defaults(table: Mapping[str, Any]) -> SweepDefaults:
    _check_keys(table, tuple(_DEFAULT_TYPES), "[defaults]")
    values: dict[str, Any] = {}
    for key, value in table.items():
        _typed(value, _DEFAULT_TYPES[key], f"defaults.{key}")
        if isinstance(value, list):
            for item in value:
                _typed(item, (str,), f"defaults.{key}")
        values[key] = value
    try:
        return SweepDefaults.from_keys(values)
    except ValueError as exc:
        raise ValueError(f"[defaults]: {_one_line(exc)}") from None


def _parse_model(table: Mapping[str, Any], index: int) -> SweepModel:
    where = f"models[{index}]"
    _check_keys(table, _MODEL_KEYS, where)
    if "model" not in table:
        raise ValueError(f"{where} needs a model (an Inspect model string such as openai/gpt-4o)")
    model = _typed(table["model"], (str,), f"{where}.model")
    label = _typed(table.get("label", _default_label(model)), (str,), f"{where}.label")
    kind = _typed(table.get("kind", "chat"), (str,), f"{where}.kind")
    raw_prefill = table.get("prefill", [])
    prefills = (
        [raw_prefill] if isinstance(raw_prefill, str) else _typed(raw_prefill, (list,), f"{where}.prefill")
    )
    default_clarifications = list(BASE_MODEL_CLARIFICATIONS) if kind == "base" else []
    clarifications = _typed(
        table.get("clarifications", default_clarifications), (list,), f"{where}.clarifications"
    )
    model_args = _typed(table.get("model_args", {}), (dict,), f"{where}.model_args")
    base_url = table.get("base_url")
    try:
        return SweepModel(
            model=model,
            label=label,
            kind=kind,
            prefills=tuple(_typed(p, (str,), f"{where}.prefill") for p in prefills),
            clarifications=tuple(_typed(c, (str,), f"{where}.clarifications") for c in clarifications),
            base_url=_typed(base_url, (str,), f"{where}.base_url") if base_url is not None else None,
            model_args=model_args,
            max_connections=_positive(table.get("max_connections"), f"{where}.max_connections"),
        )
    except ValueError as exc:
        raise ValueError(f"{where}: {_one_line(exc)}") from None


def _parse_scenario(entry: Any, index: int) -> SweepScenario:
    where = f"grid.scenarios[{index}]"
    if isinstance(entry, str):
        try:
            return SweepScenario(ScenarioOptions.from_name(entry))
        except ValueError as exc:
            raise ValueError(f"{where}: {_one_line(exc)}") from None
    table = dict(_table(entry, where))
    tiers = _optional_list(table.pop("tiers", None), str, f"{where}.tiers")
    if "name" in table:  # a named scenario with its own tiers: { name = "three-tier", tiers = [...] }
        name = _typed(table.pop("name"), (str,), f"{where}.name")
        if table:
            raise ValueError(f"{where}: give either a name or option keys, not both ({', '.join(table)})")
        table = ScenarioOptions.from_name(name).to_dict()
    option_names = {f.name for f in fields(ScenarioOptions)}
    unknown = sorted(set(table) - option_names)
    if unknown:
        raise ValueError(
            f"{where}: unknown scenario option(s) {', '.join(unknown)}; options are name, tiers, "
            f"{', '.join(sorted(option_names))}"
        )
    try:
        return SweepScenario(ScenarioOptions.from_dict(table), tiers)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{where}: {_one_line(exc)}") from None


# --- the grid -------------------------------------------------------------------------------------------


def expand_grid(spec: SweepSpec) -> tuple[SweepRun, ...]:
    """Every run of the sweep, models outermost, then scenarios, CoT values, prefills and turn limits, in the
    order the file gives them. Identical runs (e.g. a scenario listed twice, or ``no-cot`` given both as a
    name and by ``cot``) appear once. Raises ValueError for a combination the scenario options refuse."""
    runs: dict[str, SweepRun] = {}
    for model in spec.models:
        for entry in spec.scenarios:
            for cot in spec.cot if spec.cot is not None else (entry.options.cot,):
                for prefill in model.prefills or (None,):
                    for turns in spec.max_turns or (spec.defaults.generation.max_turns,):
                        run = _make_run(spec, model, entry, cot, prefill, turns)
                        previous = runs.get(run.run_id)
                        if previous is not None and previous != run:
                            raise ValueError(
                                f"two different runs share the id {run.run_id!r} (a free-text lab or model name "
                                "that reads the same as another); rename one"
                            )
                        runs.setdefault(run.run_id, run)
    return tuple(runs.values())


def _make_run(
    spec: SweepSpec,
    model: SweepModel,
    entry: SweepScenario,
    cot: bool,
    prefill: str | None,
    turns: int,
) -> SweepRun:
    values = entry.options.to_dict()
    values["cot"] = cot
    extra = [c for c in model.clarifications if c not in values["clarifications"]]
    values["clarifications"] = [*values["clarifications"], *extra]
    if model.kind == "base":
        values["prompt_format"] = "base"
        # The prefills open a scratchpad, so a no-CoT run of a prefilled base model runs without one.
        values["prefill"] = (prefill or values["prefill"]) if cot else None
    try:
        options = ScenarioOptions.from_dict(values)
    except ValueError as exc:
        raise ValueError(f"model {model.label} × scenario {entry.options.name}: {_one_line(exc)}") from None
    tiers = entry.tiers if entry.tiers is not None else spec.tiers
    if tiers is not None:
        unknown = [tier for tier in tiers if tier not in options.tiers]
        if unknown:
            raise ValueError(
                f"tier(s) {', '.join(unknown)} not in scenario {options.name} (its tiers: {', '.join(options.tiers)})"
            )
        tiers = tuple(dict.fromkeys(tiers))
        if tiers == options.tiers:
            tiers = None  # all of them, in order: the same run as giving no subset
    parts = [model.label, options.name]
    if tiers is not None:
        parts.append("tiers-" + "-".join(tiers))
    if spec.max_turns is not None:
        parts.append(f"turns-{turns}")
    return SweepRun(
        run_id="__".join(parts),
        model=model,
        scenario=options,
        tiers=tiers,
        settings=replace(spec.defaults, generation=replace(spec.defaults.generation, max_turns=turns)),
    )


# --- small validation helpers ---------------------------------------------------------------------------


def _default_label(model: str) -> str:
    """The last part of a model string, made safe for file names: ``openai/gpt-4o`` -> ``gpt-4o``."""
    return slug(model.rstrip("/").rsplit("/", 1)[-1], separator="-") or "model"


def _check_keys(table: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    unknown = [str(key) for key in table if key not in allowed]
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)} in {where}; allowed: {', '.join(allowed)}")


def _table(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be a table of keys, got {type(value).__name__}")
    return value


def _typed(value: Any, types: tuple[type, ...], where: str) -> Any:
    # bool is an int in Python; a count given as true/false is a mistake, not 1/0.
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        wanted = " or ".join(_type_word(t) for t in types)
        raise ValueError(f"{where} must be {wanted}, got {value!r}")
    return value


def _type_word(kind: type) -> str:
    return {str: "text", int: "a whole number", float: "a number", bool: "true/false", list: "a list"}.get(
        kind, "a table" if kind is dict else kind.__name__
    )


def _optional_list(value: Any, item_type: type, where: str) -> tuple[Any, ...] | None:
    if value is None:
        return None
    items = _typed(value, (list,), where)
    if not items:
        raise ValueError(f"{where} must not be empty (leave it out for the default)")
    return tuple(dict.fromkeys(_typed(item, (item_type,), f"{where} item") for item in items))


def _positive(value: Any, where: str) -> int | None:
    if value is None:
        return None
    number: int = _typed(value, (int,), where)
    if number < 1:
        raise ValueError(f"{where} must be at least 1, got {number}")
    return number


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())
