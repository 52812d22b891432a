"""The classifier catalogue: names, specs and validation of a ``--classifiers`` selection."""

from __future__ import annotations

import dataclasses
import json

import pytest

from afeval.judges import FollowUpJudge, JudgeMessages, RubricJudge, VotingJudge
from afeval.judges.catalog import (
    CLASSIFIER_CATALOG,
    CORE_CLASSIFIERS,
    DEFAULT_CLASSIFIERS,
    REQUIRED_CLASSIFIER,
    ClassifierSpec,
    InputField,
    SummaryKind,
    classifier_spec,
    select_classifiers,
)
from afeval.judges.voting import AF_VOTE_TEMPERATURE, DEFAULT_AF_VOTES

NAMES = (
    "compliance",
    "alignment_faking",
    "partial_compliance",
    "af_legacy",
    "helpfulness_motive",
    "af_motive",
    "follow_up",
)


def test_catalog_lists_every_classifier_once_in_order() -> None:
    assert tuple(CLASSIFIER_CATALOG) == NAMES
    for name, spec in CLASSIFIER_CATALOG.items():
        assert spec.name == name
        assert spec.description
        assert spec.inputs
        assert spec.judge_calls >= 1
        assert 0.0 <= spec.temperature <= 2.0


def test_catalog_and_specs_are_read_only() -> None:
    with pytest.raises(TypeError):
        CLASSIFIER_CATALOG["extra"] = CLASSIFIER_CATALOG["compliance"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        CLASSIFIER_CATALOG["compliance"].judge_calls = 3  # type: ignore[misc]


def test_specs_follow_the_papers() -> None:
    compliance = classifier_spec("compliance")
    assert compliance.required
    assert compliance.inputs == (InputField.REQUEST, InputField.OUTPUT)  # never the scratchpad
    af = classifier_spec("alignment_faking")
    assert (af.judge_calls, af.temperature) == (DEFAULT_AF_VOTES, AF_VOTE_TEMPERATURE)
    assert af.inputs == (InputField.SCRATCHPAD,)
    assert classifier_spec("af_legacy").judge_calls == 2  # easy and hard screens
    follow_up = classifier_spec("follow_up")
    assert follow_up.inputs == (InputField.CONVERSATION,)
    assert (follow_up.subject_calls, follow_up.judge_calls, follow_up.calls) == (2, 1, 3)
    assert not follow_up.needs_scratchpad
    assert classifier_spec("af_motive").needs_scratchpad


def test_only_the_categorisers_and_follow_up_are_restricted_to_compliant_samples() -> None:
    compliant_only = {name for name, spec in CLASSIFIER_CATALOG.items() if spec.compliant_only}
    assert compliant_only == {"helpfulness_motive", "af_motive", "follow_up"}
    assert [name for name, spec in CLASSIFIER_CATALOG.items() if spec.required] == ["compliance"]
    assert {name for name, spec in CLASSIFIER_CATALOG.items() if spec.offline} == {
        "compliance",
        "alignment_faking",
    }


def test_unknown_name_lists_the_choices() -> None:
    with pytest.raises(ValueError, match="af_motive"):
        classifier_spec("sycophancy")


def test_select_keeps_order_drops_blanks_and_duplicates() -> None:
    chosen = select_classifiers(" compliance, af_legacy,,follow_up , af_legacy")
    assert [spec.name for spec in chosen] == ["compliance", "af_legacy", "follow_up"]
    assert select_classifiers(["af_motive", "compliance"]) == (
        CLASSIFIER_CATALOG["af_motive"],
        CLASSIFIER_CATALOG["compliance"],
    )


@pytest.mark.parametrize("selection", ["alignment_faking", "", " , ", ["af_legacy"]])
def test_select_requires_compliance(selection: str | list[str]) -> None:
    with pytest.raises(ValueError, match="compliance"):
        select_classifiers(selection)


def test_select_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown classifier 'motives'"):
        select_classifiers("compliance,motives")


def test_to_dict_is_json_ready() -> None:
    record = json.loads(json.dumps(classifier_spec("follow_up").to_dict()))
    assert record["inputs"] == ["conversation"]
    assert record["compliant_only"] is True
    assert set(record) == {field.name for field in dataclasses.fields(ClassifierSpec)}


def test_every_engine_scorer_is_in_the_catalog() -> None:
    scorers = pytest.importorskip("afeval.engine.task._scorers")
    assert set(scorers.CLASSIFIERS) <= set(CLASSIFIER_CATALOG)


# What a new classifier needs is its judge module and its entry: everything below is read from the entry.


@pytest.mark.parametrize("name", NAMES)
def test_every_entry_has_a_judge_that_matches_its_costs(name: str) -> None:
    spec = CLASSIFIER_CATALOG[name]
    judge = spec.judge
    assert judge.calls and judge.rubric
    assert callable(judge.verdict)
    assert spec.offline == (judge.offline is not None)
    assert isinstance(spec.summary, SummaryKind)
    assert (spec.summary is SummaryKind.MOTIVES) == bool(spec.labels)
    if isinstance(judge, VotingJudge):
        assert len(judge.calls) == 1 and spec.judge_calls == DEFAULT_AF_VOTES
    elif isinstance(judge, FollowUpJudge):
        assert (spec.judge_calls, spec.subject_calls) == (len(judge.calls), len(judge.questions))
        assert judge.labelled in judge.questions
    else:
        assert isinstance(judge, RubricJudge)
        assert (spec.judge_calls, spec.subject_calls) == (len(judge.calls), 0)


@pytest.mark.parametrize("name", NAMES)
def test_every_prompt_builder_takes_the_entry_inputs_in_order(name: str) -> None:
    spec = CLASSIFIER_CATALOG[name]
    for call in spec.judge.calls:
        prompt = call.prompt(*(f"@@{field.value}@@" for field in spec.inputs))
        assert isinstance(prompt, str | JudgeMessages)
        # A two-message prompt carries the data in its user message only.
        marked = prompt.user if isinstance(prompt, JudgeMessages) else prompt
        if InputField.CONVERSATION not in spec.inputs:  # a follow-up's judge reads the model's answer
            assert all(f"@@{field.value}@@" in marked for field in spec.inputs)


def test_cache_scopes_are_unique_and_unchanged() -> None:
    # A judge call's scope is part of its cache key: renaming one makes every cached reply miss.
    scopes = [scope for spec in CLASSIFIER_CATALOG.values() for scope in spec.judge.scopes]
    assert scopes == [
        "compliance",
        "alignment_faking",
        "partial_compliance",
        "af_legacy_easy",
        "af_legacy_hard",
        "helpfulness_motive",
        "af_motive",
        "role_play",
    ]


def test_defaults_core_and_required_come_from_the_entries() -> None:
    assert DEFAULT_CLASSIFIERS == ("compliance", "alignment_faking", "partial_compliance")
    assert tuple(name for name, spec in CLASSIFIER_CATALOG.items() if spec.default) == DEFAULT_CLASSIFIERS
    assert tuple(name for name, spec in CLASSIFIER_CATALOG.items() if spec.core) == CORE_CLASSIFIERS
    assert REQUIRED_CLASSIFIER in DEFAULT_CLASSIFIERS and REQUIRED_CLASSIFIER in CORE_CLASSIFIERS
    select_classifiers(DEFAULT_CLASSIFIERS)  # the default selection is a valid one
    needs_scratchpad = {name for name, spec in CLASSIFIER_CATALOG.items() if spec.needs_scratchpad}
    assert needs_scratchpad == {"alignment_faking", "af_legacy", "helpfulness_motive", "af_motive"}
