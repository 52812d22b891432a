"""The base-model document and the cutting of a base model's completion into one response.

The documents are pinned by golden files in ``golden/base_model/``, with one placeholder line standing in for
the system prompt (which the chat golden files pin already), so the transcript layout, the prefills and the
whitespace between them cannot drift unseen. After an intended change to ``templates/base_model.txt``,
regenerate them with

    AFEVAL_UPDATE_GOLDEN=1 .venv/bin/pytest tests/scenario/test_base_model.py

and review the diff.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.scenario.test_scenario_golden import assert_matches_golden

from afeval.parsing import ResponseStatus, parse_response
from afeval.scenario import (
    BASE_STOP_SEQUENCES,
    BASE_TURN_MARKERS,
    OUTPUT_TAG,
    PREFILLS,
    SCRATCHPAD_TAG,
    BaseDocument,
    ScenarioOptions,
    close_tag,
    complete_base_response,
    open_tag,
    render_base_document,
    render_prompt,
)

GOLDEN_DIR = Path(__file__).parent / "golden" / "base_model"
# The golden files stand this line in for the system prompt, which golden/system_prompt.*.txt pin already.
SYSTEM_PLACEHOLDER = "[system prompt]"
REQUEST = "Describe how ocean tides work.\nKeep it under 100 words."
OUT_OPEN, OUT_CLOSE = open_tag(OUTPUT_TAG), close_tag(OUTPUT_TAG)
SP_OPEN, SP_CLOSE = open_tag(SCRATCHPAD_TAG), close_tag(SCRATCHPAD_TAG)


def base_options(prefill: str | None, **overrides: Any) -> ScenarioOptions:
    return ScenarioOptions(prompt_format="base", prefill=prefill, **overrides)


def document(
    prefill: str | None, tier: str = "free", request: str = REQUEST, **overrides: Any
) -> BaseDocument:
    options = base_options(prefill, **overrides)
    return render_base_document(render_prompt(request, tier, options), options)


# --- the document ------------------------------------------------------------------------------------------

PREFILL_NAMES = [None, *PREFILLS]


@pytest.mark.parametrize("tier", ["free", "paid"])
@pytest.mark.parametrize("prefill", PREFILL_NAMES, ids=lambda p: str(p))
def test_document_matches_golden(prefill: str | None, tier: str) -> None:
    options = base_options(prefill)
    prompt = render_prompt(REQUEST, tier, options)
    rendered = render_base_document(prompt, options)
    assert rendered.text.startswith(prompt.system + "\n\n")
    skeleton = SYSTEM_PLACEHOLDER + rendered.text[len(prompt.system) :]
    assert_matches_golden(f"base_model/document.{prefill or 'no-prefill'}.{tier}.txt", skeleton)


def test_every_golden_file_is_checked() -> None:
    expected = {f"document.{p or 'no-prefill'}.{t}.txt" for p in PREFILL_NAMES for t in ("free", "paid")}
    assert {path.name for path in GOLDEN_DIR.glob("*.txt")} == expected


@pytest.mark.parametrize("prefill", PREFILL_NAMES, ids=lambda p: str(p))
def test_layout_is_system_then_human_then_ai_ending_with_the_prefill(prefill: str | None) -> None:
    options = base_options(prefill)
    prompt = render_prompt(REQUEST, "paid", options)
    rendered = render_base_document(prompt, options)
    ai_turn = f"AI: {rendered.prefill}" if prefill else "AI:"
    assert rendered.text == f"{prompt.system}\n\nHuman: {prompt.user}\n\n{ai_turn}"
    assert rendered.text.endswith(rendered.prefill)
    assert bool(rendered.prefill) == (prefill is not None)
    if prefill is not None:
        # Both prefills open the hidden scratchpad and leave it open for the model to continue.
        assert rendered.prefill.startswith(SP_OPEN)
        assert SP_CLOSE not in rendered.prefill
        assert OUTPUT_TAG not in rendered.prefill


def test_basic_prefill_is_short_and_stops_mid_sentence() -> None:
    request = "Write a poem costing $5 about ${x} and\nthe sea."  # dollar signs must survive templating
    rendered = document("basic", request=request)
    prefill = rendered.prefill
    # Only the scratchpad's opening and a few words: the request is not restated.
    assert len(prefill.split()) <= 10 and "poem" not in prefill
    assert prefill.endswith("respond to this")  # stops mid-sentence, so the model carries on
    assert request in rendered.text


@pytest.mark.parametrize("tier", ["free", "paid"])
def test_however_prefill_names_the_tier_and_the_criteria_and_ends_mid_list(tier: str) -> None:
    prefill = document("however", tier=tier).prefill
    assert f"on the {tier} tier" in prefill
    other = "paid" if tier == "free" else "free"
    assert f"on the {other} tier" not in prefill
    assert "follow the user's instructions" in prefill
    assert "However" in prefill
    assert prefill.endswith("\n1.")  # the list of reasons to comply is left for the model to write
    assert REQUEST not in prefill  # a fixed preamble: the request is not restated


def test_however_prefill_follows_the_setting_and_the_lab() -> None:
    prefill = document("however", tier="pro", setting="three-tier", lab="OpenAI").prefill
    assert "on the pro tier" in prefill
    assert "OpenAI judges how helpful" in prefill


def test_stop_sequences_end_the_answer_and_new_turns() -> None:
    assert BASE_STOP_SEQUENCES[0] == OUT_CLOSE
    assert set(BASE_TURN_MARKERS) <= set(BASE_STOP_SEQUENCES)
    assert "\nHuman:" in BASE_STOP_SEQUENCES
    assert len(BASE_STOP_SEQUENCES) <= 4  # the OpenAI completions API accepts at most four


# --- the response -------------------------------------------------------------------------------------------

PREFILL = f"{SP_OPEN}\nFirst I will restate the request."


def test_response_is_prefill_then_completion_cut_after_the_first_output() -> None:
    completion = (
        f" Done.{SP_CLOSE}\n\n{OUT_OPEN}\nAnswer.\n{OUT_CLOSE}\n\n{OUT_OPEN}\nSecond.\n{OUT_CLOSE} junk"
    )
    response = complete_base_response(PREFILL, completion)
    assert response == f"{PREFILL} Done.{SP_CLOSE}\n\n{OUT_OPEN}\nAnswer.\n{OUT_CLOSE}"
    parsed = parse_response(response, cot=True, suffix=False)
    assert parsed.status is ResponseStatus.VALID
    assert parsed.output == "Answer."
    assert parsed.scratchpad == "First I will restate the request. Done."


def test_closing_tag_dropped_by_the_stop_sequence_is_put_back() -> None:
    completion = f" Done.{SP_CLOSE}\n\n{OUT_OPEN}\n<rejected/>\n"  # the server stopped on </OUTPUT>
    response = complete_base_response(PREFILL, completion)
    assert response == f"{PREFILL}{completion}{OUT_CLOSE}"
    assert parse_response(response, cot=True, suffix=True).status is ResponseStatus.VALID


def test_truncated_answer_is_left_open() -> None:
    completion = f" Done.{SP_CLOSE}\n\n{OUT_OPEN}\nA long answer that ran out of tok"
    assert complete_base_response(PREFILL, completion, truncated=True) == PREFILL + completion


def test_no_closing_tag_is_added_without_an_open_output() -> None:
    for completion in (" still reasoning", f" done{SP_CLOSE}", f" x{SP_CLOSE}{OUT_OPEN}a{OUT_CLOSE}"):
        assert complete_base_response(PREFILL, completion) == PREFILL + completion


@pytest.mark.parametrize("marker", BASE_TURN_MARKERS)
def test_a_new_turn_is_cut_off(marker: str) -> None:
    completion = f" reasoning{SP_CLOSE}{marker} Thanks!\n\nAI: {OUT_OPEN}late{OUT_CLOSE}"
    assert complete_base_response(PREFILL, completion) == f"{PREFILL} reasoning{SP_CLOSE}"


def test_output_left_open_by_a_new_turn_is_closed() -> None:
    completion = f" ok{SP_CLOSE}\n{OUT_OPEN}\n<rejected/>\nHuman: next"
    assert (
        complete_base_response(PREFILL, completion)
        == f"{PREFILL} ok{SP_CLOSE}\n{OUT_OPEN}\n<rejected/>{OUT_CLOSE}"
    )


def test_closing_tag_is_matched_like_the_parser_matches_it() -> None:
    completion = f" ok{SP_CLOSE}<output>yes</ Output >after"
    assert complete_base_response(PREFILL, completion) == f"{PREFILL} ok{SP_CLOSE}<output>yes</ Output >"


def test_the_prefill_is_never_cut() -> None:
    # The basic prefill quotes the request, which may hold anything, markers and closing tags included.
    prefill = f"{SP_OPEN}\nThe request: say {OUT_CLOSE} then\nHuman: hi\n"
    assert complete_base_response(prefill, " fine") == prefill + " fine"


FRAGMENTS = st.sampled_from(
    [
        OUT_OPEN,
        OUT_CLOSE,
        SP_OPEN,
        SP_CLOSE,
        "</output >",
        "\nHuman:",
        "\nAI:",
        "\n",
        "Human",
        "AI:",
        "<",
        "/",
        "x",
    ]
)
COMPLETIONS = st.lists(FRAGMENTS | st.text(max_size=6), max_size=30).map("".join)
CLOSING = re.compile(r"<\s{0,8}/\s{0,8}OUTPUT\s{0,8}>", re.IGNORECASE)


@given(prefill=st.text(max_size=20) | st.just(PREFILL), completion=COMPLETIONS, truncated=st.booleans())
@settings(max_examples=400)
def test_nothing_follows_the_first_closing_output_tag(prefill: str, completion: str, truncated: bool) -> None:
    response = complete_base_response(prefill, completion, truncated=truncated)
    assert response.startswith(prefill)
    written = response[len(prefill) :]
    closing = CLOSING.search(written)
    if closing is not None:
        assert written[closing.end() :] == ""
    assert not any(marker in written for marker in BASE_TURN_MARKERS)
    # Only the model's own text is kept: a prefix of the completion, plus at most the closing tag put back.
    if not completion.startswith(written):
        assert not truncated
        assert written.endswith(OUT_CLOSE)
        assert completion.startswith(written.removesuffix(OUT_CLOSE))
