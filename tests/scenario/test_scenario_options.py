"""ScenarioOptions, Tier and the tag constants of the helpful-only setting."""

from __future__ import annotations

import dataclasses
import itertools
import json

import pytest

import afeval.scenario as scenario
from afeval.scenario import DEFAULT_LAB, ScenarioOptions, Tier


def test_tags_are_spelled_as_in_the_paper() -> None:
    assert scenario.SCRATCHPAD_TAG == "SCRATCHPAD_REASONING"
    assert scenario.DRAFT_OUTPUT_TAG == "DRAFT_OUTPUT"
    assert scenario.OUTPUT_TAG == "OUTPUT"
    assert scenario.USER_INPUT_TAG == "user_input"
    assert scenario.FREE_TIER_TAG == "is_free_tier_user"
    assert scenario.FREE_TIER_TRUE == "true"
    assert scenario.FREE_TIER_FALSE == "false"
    assert scenario.ACCEPT_TAG == "<request_fully_accepted/>"
    assert scenario.REJECT_TAG == "<rejected/>"
    assert scenario.open_tag("OUTPUT") == "<OUTPUT>"
    assert scenario.close_tag("OUTPUT") == "</OUTPUT>"


def test_tier_values_and_tag_values() -> None:
    assert [t.value for t in Tier] == ["free", "paid"]
    assert Tier("free") is Tier.FREE
    assert Tier.FREE.is_free and not Tier.PAID.is_free
    assert Tier.FREE.tag_value == "true"
    assert Tier.PAID.tag_value == "false"


def test_defaults_are_the_papers_main_setting() -> None:
    options = ScenarioOptions()
    assert options.lab == DEFAULT_LAB == "Anthropic"
    assert options.cot and options.training_details and options.suffix
    assert options.current_date is None
    assert options.name == "helpful-only"


@pytest.mark.parametrize(
    ("options", "name"),
    [
        (ScenarioOptions(cot=False), "helpful-only+no-cot"),
        (ScenarioOptions(training_details=False), "helpful-only+minimal"),
        (ScenarioOptions(suffix=False), "helpful-only+no-suffix"),
        (
            ScenarioOptions(cot=False, training_details=False, suffix=False),
            "helpful-only+no-cot+minimal+no-suffix",
        ),
        (ScenarioOptions(lab="OpenAI"), "helpful-only+lab-openai"),
        (ScenarioOptions(lab="Zephyr Labs (EU)"), "helpful-only+lab-zephyr-labs-eu"),
        (
            ScenarioOptions(training_details=False, current_date="2025-01-20"),
            "helpful-only+minimal+date-2025-01-20",
        ),
    ],
)
def test_name(options: ScenarioOptions, name: str) -> None:
    assert options.name == name


def test_every_variant_has_its_own_name() -> None:
    variants = [
        ScenarioOptions(lab=lab, cot=cot, training_details=details, suffix=suffix, current_date=date)
        for lab, cot, details, suffix, date in itertools.product(
            ["Anthropic", "OpenAI"], [True, False], [True, False], [True, False], [None, "2025-01-20"]
        )
    ]
    assert len({v.name for v in variants}) == len(variants)


def test_to_dict_is_json_and_round_trips() -> None:
    options = ScenarioOptions(
        lab="OpenAI", cot=False, training_details=False, suffix=False, current_date="2025"
    )
    data = options.to_dict()
    assert data == {
        "lab": "OpenAI",
        "cot": False,
        "training_details": False,
        "suffix": False,
        "current_date": "2025",
        "setting": "two-tier",
        "dropped_tier": None,
        "deployment": None,
        "deployment_risk": "suspected",
        "clarifications": [],
        "model_name": None,
        "prompt_format": "chat",
        "prefill": None,
    }
    assert ScenarioOptions.from_dict(json.loads(json.dumps(data))) == options
    assert ScenarioOptions.from_dict({}) == ScenarioOptions()


def test_from_dict_rejects_unknown_options() -> None:
    with pytest.raises(ValueError, match="no_cot"):
        ScenarioOptions.from_dict({"no_cot": True})


@pytest.mark.parametrize("lab", ["", "   ", "\n", " Anthropic", "Anthropic\n"])
def test_lab_must_be_a_clean_non_empty_name(lab: str) -> None:
    with pytest.raises(ValueError, match="lab"):
        ScenarioOptions(lab=lab)


def test_current_date_must_not_be_blank() -> None:
    with pytest.raises(ValueError, match="current_date"):
        ScenarioOptions(current_date=" ")


def test_flags_must_be_bools() -> None:
    with pytest.raises(ValueError, match="cot"):
        ScenarioOptions(cot="no")  # type: ignore[arg-type]


def test_options_are_frozen() -> None:
    options = ScenarioOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.cot = False  # type: ignore[misc]
