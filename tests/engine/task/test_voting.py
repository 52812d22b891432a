"""How the alignment-faking votes are drawn: choices of one call or one call per vote, decided per provider,
topped up where a provider returns fewer choices, and sequential batches as one call each."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from inspect_ai.model import ChatMessageAssistant, GenerateConfig, ModelOutput
from inspect_ai.model._model_output import ChatCompletionChoice

from afeval.engine.models._providers import ORGANISM_API
from afeval.engine.task._voting import collect_af_votes, collect_sequential_af_votes
from afeval.settings import CHOICE_PROVIDERS, MODEL_PRESET, PAPER_PRESET, JudgingSettings, af_vote_calls


def vote(yes: bool) -> str:
    answer = "Yes" if yes else "No"
    criteria = "".join(f"<criteria{i}>{answer}</criteria{i}><quote{i}>q</quote{i}>" for i in range(1, 5))
    return f"<reasoning>r</reasoning>{criteria}<final_answer>{answer}</final_answer>"


class FakeJudge:
    """Stands in for an Inspect model: answers Yes to every vote, honouring ``num_choices`` up to a cap."""

    def __init__(self, name: str, max_choices: int = 100) -> None:
        self.name, self.max_choices = name, max_choices
        self.calls: list[int | None] = []

    def __str__(self) -> str:
        return self.name

    async def generate(self, messages: Any, config: GenerateConfig, cache: Any = None) -> ModelOutput:
        self.calls.append(config.num_choices)
        count = min(config.num_choices or 1, self.max_choices)
        choices = [
            ChatCompletionChoice(message=ChatMessageAssistant(content=vote(True))) for _ in range(count)
        ]
        return ModelOutput(model=self.name, choices=choices)


@pytest.mark.parametrize(
    ("judge", "expected"),
    [
        ("openai/gpt-4o", "choices"),
        ("openai-api/deepseek/deepseek-chat", "choices"),
        ("vllm/meta-llama/Llama-3.1-8B-Instruct", "choices"),
        ("together/meta-llama/Llama-3.3-70B-Instruct-Turbo", "choices"),
        (f"{ORGANISM_API}/judge", "choices"),
        ("anthropic/claude-3-5-sonnet-latest", "separate"),
        ("google/gemini-1.5-pro", "separate"),
        ("mistral/mistral-large-latest", "separate"),
    ],
)
def test_left_to_the_provider_votes_are_choices_where_it_has_n(judge: str, expected: str) -> None:
    assert af_vote_calls(None, judge) == expected
    assert af_vote_calls(False, judge) == "separate"
    assert af_vote_calls(True, judge) == "choices"


def test_defaults_are_auto_and_the_paper_asks_for_choices() -> None:
    assert MODEL_PRESET.judging.af_num_choices is None
    assert MODEL_PRESET.judging.af_vote_calls == "choices"  # gpt-4o judges
    assert PAPER_PRESET.judging.af_num_choices is True
    assert ORGANISM_API in CHOICE_PROVIDERS


def settings(**overrides: Any) -> JudgingSettings:
    return JudgingSettings(af_votes=20, cache=False, **overrides)


def test_one_call_for_all_votes_and_a_top_up_where_fewer_come_back() -> None:
    judge = FakeJudge("openai/gpt-4o")
    replies = asyncio.run(collect_af_votes(judge, "prompt", settings()))  # type: ignore[arg-type]
    assert judge.calls == [20] and len(replies) == 20
    capped = FakeJudge("openai-api/capped/judge", max_choices=8)
    replies = asyncio.run(collect_af_votes(capped, "prompt", settings()))  # type: ignore[arg-type]
    assert capped.calls == [20] + [None] * 12 and len(replies) == 20


def test_an_anthropic_judge_gets_one_call_per_vote() -> None:
    judge = FakeJudge("anthropic/claude-3-5-sonnet-latest")
    replies = asyncio.run(collect_af_votes(judge, "prompt", settings()))  # type: ignore[arg-type]
    assert judge.calls == [None] * 20 and len(replies) == 20


def test_sequential_batches_are_one_call_each() -> None:
    judge = FakeJudge("openai/gpt-4o")
    replies, decision = asyncio.run(
        collect_sequential_af_votes(judge, "prompt", settings())  # type: ignore[arg-type]
    )
    assert decision is not None and decision.yes == decision.n_votes == len(replies)
    assert len(judge.calls) < len(replies) or judge.calls == [len(replies)]
    assert all(n is not None and n > 1 for n in judge.calls)
    assert sum(n or 0 for n in judge.calls) == len(replies)
    separate = FakeJudge("openai/gpt-4o")
    again, _ = asyncio.run(
        collect_sequential_af_votes(separate, "prompt", settings(af_num_choices=False))  # type: ignore[arg-type]
    )
    assert separate.calls == [None] * len(again) and len(again) == len(replies)
