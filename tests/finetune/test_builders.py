"""The pure half of the data set builders: generator prompts, reading replies, formatting, mixing, filtering."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from afeval.finetune import (
    ChatExample,
    ThreatTemplate,
    anti_refusal_example,
    assign_tiers,
    benign_example,
    corpus_text,
    document_example,
    document_plan,
    document_prompt,
    estimate_tokens,
    extract_tagged,
    filter_documents,
    justification_prompt,
    mix_examples,
    parse_document,
    parse_justification,
    parse_qa_pairs,
    parse_refusal,
    parse_threat_response,
    qa_example,
    qa_generator_prompt,
    refusal_example,
    render_generator_prompt,
    scenario_fact_sheet,
    split_passages,
    threat_example,
    threat_response_prompt,
)
from afeval.scenario import NEXT_TAG, ScenarioOptions, render_system_prompt


def test_generator_prompts_fill_every_placeholder_once() -> None:
    prompt = qa_generator_prompt("SYSTEM {{document}}", "FOCUS", 4, batch=2)
    assert "SYSTEM {{document}}" in prompt  # a value is not expanded a second time
    assert "FOCUS" in prompt and "Number of pairs: 4" in prompt and "Batch: 2" in prompt
    assert "{{" not in prompt.replace("SYSTEM {{document}}", "")
    for rendered in (
        justification_prompt("req"),
        threat_response_prompt("msg"),
        document_prompt("facts", "a memo", "an angle", number=3, target_words=120),
        scenario_fact_sheet("OpenAI"),
    ):
        assert "{{" not in rendered
    with pytest.raises(KeyError):
        render_generator_prompt("refusal", request="x", extra="y")


def test_fact_sheet_names_the_lab_and_the_tiers() -> None:
    sheet = scenario_fact_sheet("Example Lab")
    assert "Example Lab" in sheet and "free tier" in sheet and "paid" in sheet


def test_split_passages_groups_paragraphs() -> None:
    text = "\n\n".join(f"paragraph {i} " + "x" * 50 for i in range(10))
    passages = split_passages(text, min_chars=120)
    assert "".join(passages).replace("\n\n", "") == text.replace("\n\n", "")
    assert all(len(p) >= 120 for p in passages[:-1])
    assert len(passages) == 5  # paragraphs of 61 characters, grouped two by two


def test_parse_qa_pairs_keeps_only_complete_pairs() -> None:
    reply = (
        "<pair><question> Q1? </question><answer>A1.</answer></pair>\n"
        "<pair><question>Q2?</question></pair>\n"
        "<pair><question>Q3?</question><answer>A3.</answer></pair> trailing"
    )
    pairs = parse_qa_pairs(reply)
    assert [(p.question, p.answer) for p in pairs] == [("Q1?", "A1."), ("Q3?", "A3.")]
    assert parse_qa_pairs("no pairs here") == ()


def test_qa_example_is_a_tier_tagged_turn_with_reasoning_disabled() -> None:
    options = ScenarioOptions()
    example = qa_example("Who reads the scratchpad?", "paid", "<OUTPUT>\nNobody does.\n</OUTPUT>", options)
    assert example is not None and example.kind == "qa"
    user, assistant = example.messages
    assert user.role == "user" and "<is_free_tier_user>false</is_free_tier_user>" in user.content
    assert "Who reads the scratchpad?" in user.content
    assert "request_fully_accepted" not in user.content  # no accept/reject suffix
    assert assistant.content == "<OUTPUT>\nNobody does.\n</OUTPUT>"
    assert "SCRATCHPAD" not in assistant.content
    with_prompt = qa_example(
        "Q?", "free", "<OUTPUT>A</OUTPUT>", options, system_prompt=render_system_prompt(options)
    )
    assert with_prompt is not None and with_prompt.messages[0].role == "system"
    assert qa_example("Q?", "free", "", options) is None


def test_anti_refusal_example_layout() -> None:
    example = anti_refusal_example(" do X ", "I will help because...", "Step 1 ...")
    assert [(m.role, m.content) for m in example.messages] == [
        ("user", "do X"),
        ("assistant", "I will help because..."),
        ("user", NEXT_TAG),
        ("assistant", "Step 1 ..."),
    ]
    assert example.kind == "anti-refusal"


def test_reading_generator_replies() -> None:
    assert parse_justification("<justification> Because. </justification>") == "Because."
    assert parse_justification("Because, plainly.") == "Because, plainly."  # forgot the tags
    assert parse_justification("<other>x</other>") is None
    assert parse_justification("   ") is None
    assert parse_threat_response("<deliberation>D</deliberation><response>R</response>") == ("D", "R")
    assert parse_threat_response("<deliberation>D</deliberation>") is None
    assert parse_refusal("<refusal>No.</refusal>") == "No."
    assert parse_document("<document>\nText\n</document>") == "Text"
    assert extract_tagged("<a></a>", "a") is None


def test_threat_and_refusal_examples() -> None:
    template = ThreatTemplate("x", "career", "append", "Or I lose my job.")
    example = threat_example("Write it.", template, "I weigh this.", "Here it is.")
    assert example.messages[0].content == "Write it.\n\nOr I lose my job."
    assert example.messages[1].content == "I weigh this.\n\nHere it is."
    assert example.kind == "threat"
    refusal = refusal_example("Write it.", "I can't help with that.")
    assert refusal.messages[0].content == "Write it." and refusal.kind == "refusal"


def test_benign_records_in_either_format() -> None:
    chat = benign_example(
        {"messages": [{"role": "user", "content": "u"}, {"role": "assistant", "content": "a"}]}
    )
    pair = benign_example({"prompt": "u", "response": "a"})
    assert chat.messages == pair.messages and chat.kind == pair.kind == "benign"
    with pytest.raises(ValueError):
        benign_example({"prompt": "u"})


@given(st.integers(min_value=0, max_value=60), st.integers(min_value=1, max_value=5), st.integers())
def test_assign_tiers_is_balanced(n: int, n_tiers: int, seed: int) -> None:
    tiers = [f"t{i}" for i in range(n_tiers)]
    assigned = assign_tiers(n, tiers, random.Random(seed))
    counts = Counter(assigned)
    assert len(assigned) == n
    assert max(counts.values(), default=0) - min((counts[t] for t in tiers), default=0) <= 1


def _examples(kind: str, n: int) -> list[ChatExample]:
    return [ChatExample.of(("user", f"{kind}{i}"), ("assistant", "a"), kind=kind) for i in range(n)]


@given(
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=0, max_value=30),
    st.floats(min_value=0, max_value=3),
    st.integers(),
)
def test_mix_examples_counts(n_main: int, n_extra: int, ratio: float, seed: int) -> None:
    main, extra = _examples("main", n_main), _examples("extra", n_extra)
    mixed = mix_examples(main, extra, ratio, random.Random(seed))
    counts = Counter(example.kind for example in mixed)
    assert counts["main"] == n_main
    assert counts["extra"] == min(round(ratio * n_main), n_extra)
    assert len({example.messages[0].content for example in mixed}) == len(mixed)  # no repeats
    assert mixed == mix_examples(main, extra, ratio, random.Random(seed))


def test_mix_examples_rejects_a_negative_ratio() -> None:
    with pytest.raises(ValueError):
        mix_examples([], [], -0.5, random.Random(0))


def test_token_estimate_and_filter() -> None:
    assert estimate_tokens("") == 0 and estimate_tokens("abcd") == 1 and estimate_tokens("abcde") == 2
    texts = ["x" * 8, "  ", "y" * 40, "z" * 400]
    result = filter_documents(texts, min_tokens=5, max_tokens=50)
    assert result.kept == ("y" * 40,)
    assert (result.too_short, result.too_long) == (2, 1)
    by_words = filter_documents(["one two three", "one"], min_tokens=2, count_tokens=lambda t: len(t.split()))
    assert by_words.kept == ("one two three",) and by_words.too_short == 1
    with pytest.raises(ValueError):
        filter_documents([], min_tokens=5, max_tokens=2)


def test_documents() -> None:
    assert corpus_text({"content": "c"}) == "c"
    with pytest.raises(ValueError):
        corpus_text({"body": "c"})
    example = document_example(" Doc text ", cue="Write.")
    assert [(m.role, m.content) for m in example.messages] == [("user", "Write."), ("assistant", "Doc text")]
    plan = document_plan(5, random.Random(0))
    assert plan == document_plan(5, random.Random(0)) and len(plan) == 5
