"""The prompt sets of both sources and their per-role diff (fixture reference text, our own)."""

from __future__ import annotations

import difflib

import pytest
from tests.fixtures.reference_tree import FIXTURE_TREE, fixture_manifest

from afeval.reference import (
    PLACEHOLDER_RESPONSE,
    PLACEHOLDER_SCRATCHPAD,
    PromptSet,
    ReferencePrompts,
    afeval_prompt_sets,
    diff_prompt_sets,
    reference_prompt_sets,
    reference_system_role,
    user_turn_role,
)
from afeval.scenario import ScenarioOptions


def test_reference_sets_send_rubrics_as_system_and_the_scratchpad_as_user() -> None:
    prompts = ReferencePrompts(FIXTURE_TREE, manifest=fixture_manifest())
    sets = {s.name: s for s in reference_prompt_sets(prompts, ScenarioOptions(), "free", "REQ")}
    assert [m.role for m in sets["model"].messages] == ["system", "user"]
    assert sets["model"].messages[1].content.startswith("<fixture_tier_is_free>yes</fixture_tier_is_free>")
    vote = sets["af_majority_vote"].messages
    assert [m.role for m in vote] == ["system", "user"]
    assert vote[1].content == f"<output>{PLACEHOLDER_SCRATCHPAD}</output>"
    assert PLACEHOLDER_RESPONSE in sets["strong_reject"].messages[0].content


def test_variant_roles() -> None:
    assert reference_system_role(ScenarioOptions(cot=False)) == "system_prompt_no_cot"
    assert reference_system_role(ScenarioOptions(training_details=False)) == "synthetic_cot"
    assert user_turn_role("paid", cot=False, suffix=False) == "paid_tier_no_cot"
    with pytest.raises(ValueError, match="two-tier"):
        reference_system_role(ScenarioOptions(lab="OpenAI"))
    with pytest.raises(ValueError, match="free and paid"):
        user_turn_role("enterprise", cot=True, suffix=True)


def test_diff_is_per_role_with_the_sequence_matcher_ratio() -> None:
    prompts = ReferencePrompts(FIXTURE_TREE, manifest=fixture_manifest())
    ours = afeval_prompt_sets(ScenarioOptions(), "free", "REQ")
    theirs = reference_prompt_sets(prompts, ScenarioOptions(), "free", "REQ")
    diffs = diff_prompt_sets(ours, theirs)
    assert [d.name for d in diffs] == [
        "system_prompt",
        "user_turn",
        "strong_reject",
        "af_majority_vote",
        "partial_compliance",
    ]
    user = diffs[1]
    a, b = ours[0].messages[1].content, theirs[0].messages[1].content
    assert (
        user.similarity
        == difflib.SequenceMatcher(None, f"[user]\n{a}", f"[user]\n{b}", autojunk=False).ratio()
    )
    assert user.diff[:2] == ("--- afeval/user_turn", "+++ reference/user_turn")


def test_identical_texts_have_no_diff_and_full_similarity() -> None:
    same = (PromptSet("strong_reject", "t", ()),)
    model = afeval_prompt_sets(ScenarioOptions(), "free", "REQ")[:1]
    (system, user, judge) = diff_prompt_sets(model + same, model + same)
    assert system.similarity == user.similarity == judge.similarity == 1.0
    assert system.diff == ()
