"""The settings model: every default written once, frozen values that round-trip, presets that options override."""

from __future__ import annotations

import dataclasses
import inspect as pyinspect
import json
import re
from pathlib import Path

import pytest

from afeval.engine import alignment_faking, task_settings
from afeval.judges import DEFAULT_AF_VOTES, DEFAULT_CLASSIFIERS, OFFLINE_JUDGE
from afeval.settings import (
    DEFAULT_JUDGE_MODEL,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_TOKENS,
    DEFAULT_MAX_TURNS,
    EMBEDDED_PRESET,
    GENERATION_DEFAULTS,
    JUDGING_DEFAULTS,
    LIBRARY_PRESET,
    MODEL_PRESET,
    PAPER_PRESET,
    PRESETS,
    ComplianceInput,
    DatasetChoice,
    GenerationSettings,
    JudgingSettings,
    PartialInput,
    preset_for,
    with_setting_keys,
)
from afeval.sweep import SweepDefaults

SRC = Path(__file__).resolve().parents[1] / "src" / "afeval"


def test_the_paper_defaults() -> None:
    assert JUDGING_DEFAULTS.af_votes == DEFAULT_AF_VOTES == 20
    assert JUDGING_DEFAULTS.classifiers == DEFAULT_CLASSIFIERS
    assert JUDGING_DEFAULTS.judge_model == OFFLINE_JUDGE
    assert MODEL_PRESET.judging.judge_model == DEFAULT_JUDGE_MODEL == "openai/gpt-4o"
    assert GENERATION_DEFAULTS.max_tokens == DEFAULT_MAX_TOKENS == 2000
    assert GENERATION_DEFAULTS.max_attempts == DEFAULT_MAX_ATTEMPTS == 10
    assert GENERATION_DEFAULTS.max_turns == DEFAULT_MAX_TURNS == 4
    assert GENERATION_DEFAULTS.temperature == 0.0


@pytest.mark.parametrize(
    "value", [DatasetChoice("advbench", limit=5), GenerationSettings(), JudgingSettings()]
)
def test_settings_are_frozen_and_round_trip(
    value: DatasetChoice | GenerationSettings | JudgingSettings,
) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.limit = 3  # type: ignore[misc,union-attr]
    assert type(value).from_dict(value.to_dict()) == value


def test_from_dict_takes_defaults_for_missing_keys_and_ignores_unknown_ones() -> None:
    # A summary.json generation block: it carries the scenario's prompt format, and "auto" prompt caching.
    block = {"temperature": 0.7, "prompt_format": "chat", "cache_prompt": "auto"}
    assert GenerationSettings.from_dict(block) == GenerationSettings(temperature=0.7)
    assert JudgingSettings.from_dict({"classifiers": ["compliance"]}).classifiers == ("compliance",)


def test_overrides_keep_what_is_not_given() -> None:
    chosen = EMBEDDED_PRESET.generation.with_overrides(max_tokens=50, temperature=None)
    assert chosen.max_tokens == 50
    assert chosen.max_attempts == EMBEDDED_PRESET.generation.max_attempts
    assert chosen.temperature == EMBEDDED_PRESET.generation.temperature
    chosen_preset = with_setting_keys(MODEL_PRESET, {"af_votes": 5, "temperature": None})
    assert chosen_preset.judging == dataclasses.replace(MODEL_PRESET.judging, af_votes=5)
    assert chosen_preset.generation == MODEL_PRESET.generation


def test_classifiers_are_normalised_and_checked_once() -> None:
    judging = JudgingSettings(classifiers=(" compliance", "af_legacy", "compliance", ""))
    assert judging.classifiers == ("compliance", "af_legacy")
    with pytest.raises(ValueError, match="compliance classifier is required"):
        JudgingSettings(classifiers=("alignment_faking",))
    with pytest.raises(ValueError, match="unknown classifier"):
        JudgingSettings(classifiers=("compliance", "nope"))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: GenerationSettings(max_tokens=0), "max_tokens must be at least 1, got 0"),
        (lambda: GenerationSettings(max_attempts=0), "max_attempts must be at least 1, got 0"),
        (lambda: GenerationSettings(temperature=-1), "temperature must not be negative"),
        (lambda: JudgingSettings(af_votes=0), "af_votes must be at least 1, got 0"),
        (lambda: DatasetChoice(limit=0), "limit must be at least 1, got 0"),
    ],
)
def test_impossible_values_are_refused(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        make()  # type: ignore[operator]


def test_the_embedded_preset_is_chosen_without_a_model() -> None:
    assert preset_for(None) is EMBEDDED_PRESET
    assert preset_for("openai/gpt-4o") is MODEL_PRESET
    assert EMBEDDED_PRESET.dataset.limit == 2
    assert EMBEDDED_PRESET.generation.max_tokens == 300
    assert EMBEDDED_PRESET.judging.offline


def test_the_task_and_the_sweep_defaults_are_the_settings_defaults() -> None:
    # Every settings argument of the task defaults to None, meaning the preset's value (the library's
    # defaults when no preset is named), so the task writes no default of its own.
    parameters = pyinspect.signature(alignment_faking).parameters
    for name in ("af_votes", "max_tokens", "max_attempts", "max_turns", "judge_model", "classifiers"):
        assert parameters[name].default is None, name
    no_arguments = {name: None for name in parameters}
    assert task_settings(None, no_arguments) == LIBRARY_PRESET
    assert LIBRARY_PRESET.judging == JUDGING_DEFAULTS and LIBRARY_PRESET.generation == GENERATION_DEFAULTS
    defaults = SweepDefaults()
    assert (defaults.dataset, defaults.generation, defaults.judging) == (
        MODEL_PRESET.dataset,
        MODEL_PRESET.generation,
        MODEL_PRESET.judging,
    )
    keyed = SweepDefaults.from_keys({"dataset": "advbench", "limit": 3, "af_votes": 5, "cache": False})
    assert keyed.dataset == DatasetChoice("advbench", limit=3)
    assert keyed.judging.af_votes == 5
    assert not keyed.judging.cache and not keyed.generation.cache


@pytest.mark.parametrize(
    "pattern",
    [
        r"af_votes[^=\n]*=\s*20\b",  # the paper's 20 votes
        r"max_tokens[^=\n]*=\s*2000\b",
        r"max_attempts[^=\n]*=\s*10\b",
        r"max_turns[^=\n]*=\s*4\b",
        r"judge_model[^=\n]*=\s*\"openai/gpt-4o\"",
    ],
)
def test_no_run_default_is_written_twice_in_the_package(pattern: str) -> None:
    places = [
        f"{path.relative_to(SRC)}:{number}"
        for path in SRC.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(pattern, line)
    ]
    assert places == [], f"a default written outside afeval.settings: {places}"


def test_the_paper_preset_holds_the_reference_pipelines_rules() -> None:
    paper = preset_for("openai/any", "paper")
    assert paper is PAPER_PRESET and PRESETS["paper"] is PAPER_PRESET
    assert (paper.dataset.name, paper.dataset.limit) == ("llm-lat", 100)
    assert paper.judging.judge_model == DEFAULT_JUDGE_MODEL == "openai/gpt-4o"
    assert (paper.generation.max_attempts, paper.generation.max_turns) == (1, 1)
    judging = paper.judging
    assert judging.count_invalid and judging.refusal_shortcut and judging.errored_votes_count_no
    assert judging.compliance_input is ComplianceInput.RESPONSE
    assert judging.partial_input is PartialInput.SCRATCHPAD
    # The votes, thresholds and classifiers are the ones every preset shares.
    assert judging.af_votes == DEFAULT_AF_VOTES and judging.classifiers == DEFAULT_CLASSIFIERS
    # afeval's own rules are the default everywhere else.
    for preset in (EMBEDDED_PRESET, MODEL_PRESET, LIBRARY_PRESET):
        assert not preset.judging.count_invalid and not preset.judging.refusal_shortcut
        assert preset.judging.compliance_input is ComplianceInput.OUTPUT


def test_an_unknown_preset_is_refused_naming_the_presets() -> None:
    with pytest.raises(ValueError, match="unknown preset 'papers'; choose from embedded, default, paper"):
        preset_for(None, "papers")


def test_the_counting_rules_round_trip_as_plain_json_and_refuse_unknown_values() -> None:
    judging = PAPER_PRESET.judging
    written = json.loads(json.dumps(judging.to_dict()))
    assert written["compliance_input"] == "response" and written["partial_input"] == "scratchpad"
    assert JudgingSettings.from_dict(written) == judging
    with pytest.raises(ValueError, match="compliance_input must be one of output, response"):
        JudgingSettings(compliance_input="everything")  # type: ignore[arg-type]


def test_the_task_takes_a_preset_and_its_arguments_override_it() -> None:
    settings = task_settings("paper", {"dataset_limit": 5, "max_attempts": 2, "judge_model": "offline"})
    assert settings.name == "paper"
    assert (settings.dataset.name, settings.dataset.limit) == ("llm-lat", 5)
    assert settings.generation.max_attempts == 2 and settings.generation.max_turns == 1
    assert settings.judging.judge_model == "offline" and settings.judging.count_invalid
    with pytest.raises(ValueError, match="unknown preset"):
        task_settings("nope", {})


# ---------------------------------------------------------------------------------------------------------
# Each setting spelled once: every field is reachable from every surface that sets settings


def _all_fields() -> set[tuple[str, str]]:
    from dataclasses import fields as fields_of

    from afeval.settings import SETTING_GROUPS

    return {(group, item.name) for group, kind in SETTING_GROUPS.items() for item in fields_of(kind)}  # type: ignore[arg-type]


def _reached(names: set[str]) -> set[tuple[str, str]]:
    from afeval.settings import SETTING_KEYS

    return {target for key in SETTING_KEYS if key.name in names for target in key.targets}


def test_every_field_has_one_key_with_help() -> None:
    from afeval.settings import SETTING_KEYS

    assert _reached({key.name for key in SETTING_KEYS}) == _all_fields()
    assert len({key.name for key in SETTING_KEYS}) == len(SETTING_KEYS)
    assert all(key.help.strip() for key in SETTING_KEYS)


def test_every_field_is_a_sweep_defaults_key() -> None:
    from afeval.sweep._spec import _DEFAULT_TYPES

    assert _reached(set(_DEFAULT_TYPES)) == _all_fields()


def test_every_field_is_a_task_argument_but_those_inspect_sets() -> None:
    import inspect

    from afeval.engine.task._task import TASK_ARGUMENT_NAMES, TASK_EXCLUDED_KEYS, alignment_faking

    arguments = set(inspect.signature(alignment_faking).parameters)
    keys = {key for key, name in TASK_ARGUMENT_NAMES.items() if name in arguments} | arguments
    reached = _reached(keys)
    assert reached | _reached(set(TASK_EXCLUDED_KEYS)) == _all_fields()
    assert not reached & _reached(set(TASK_EXCLUDED_KEYS))


def test_every_field_is_a_run_option_and_every_judging_field_a_rescore_option() -> None:
    from typer.utils import get_params_from_function

    from afeval.cli.rescore import rescore
    from afeval.cli.run import run

    def options(command: object) -> set[str]:
        return set(get_params_from_function(command))  # type: ignore[arg-type]

    assert _reached(options(run)) == _all_fields()
    judging = {target for target in _all_fields() if target[0] == "judging"}
    assert _reached(options(rescore)) & judging == judging


def test_a_setting_key_sets_every_field_it_targets_and_unknown_keys_are_named() -> None:
    from afeval.settings import MODEL_PRESET, with_setting_keys

    chosen = with_setting_keys(
        MODEL_PRESET, {"cache": False, "prompts": "reference", "batch": True, "limit": 3}
    )
    assert (chosen.generation.cache, chosen.judging.cache) == (False, False)
    assert (chosen.generation.prompts, chosen.judging.prompts) == ("reference", "reference")
    assert (chosen.judging.batch, chosen.generation.batch, chosen.dataset.limit) == (True, False, 3)
    only_judges = with_setting_keys(MODEL_PRESET, {"prompts": "reference"}, groups=("judging",))
    assert (only_judges.generation.prompts, only_judges.judging.prompts) == ("afeval", "reference")
    with pytest.raises(ValueError, match=r"unknown setting.*temperature"):
        with_setting_keys(MODEL_PRESET, {"temperature": 1.0}, groups=("judging",))
