"""Multi-turn continuation and base models, end to end through Inspect against the loopback fake provider.

A chat model that ends its turn mid-reasoning (plan word ``split``: the first reply stops right after
``</SCRATCHPAD_REASONING>``, the reply to ``<NEXT/>`` is the ``<OUTPUT>``) must be continued and its turns
joined into one valid response that the scorers read whole; ``stall`` never gives an output, so the turn limit
ends each attempt. A base model is reached through ``openai-api-completions``: one raw document ending with
the prefill, the stop sequences sent, and the prefill put back in front of the completion.

The samples are built here with the metadata the task's ``build_samples`` gives them (``prompt_format`` and
``base_prefill`` for base runs), their system prompt already in the input (the solver adds none then), so
these tests depend only on the solver.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.log import EvalLog, EvalSample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser, GenerateConfig
from tests.fixtures.fake_openai import FakeServerState

from afeval.engine.task._scorers import compliance_scorer
from afeval.engine.task._solver import RESPONSE_STORE_KEY, generate_valid_response
from afeval.parsing import ResponseStatus, join_turns, parse_response
from afeval.scenario import (
    BASE_STOP_SEQUENCES,
    NEXT_TAG,
    OUTPUT_TAG,
    SCRATCHPAD_TAG,
    ScenarioOptions,
    close_tag,
    render_base_document,
    render_prompt,
    render_system_prompt,
)
from afeval.settings import JudgingSettings

# Services (and so model names) of this module's own, so Inspect's per-name client memo never hands another
# module's client to these tests.
CHAT_SERVICE, BASE_SERVICE = "continuation", "basecompletions"
CHAT_MODEL = f"openai-api/{CHAT_SERVICE}/subject"
BASE_MODEL = f"openai-api-completions/{BASE_SERVICE}/subject"
TIERS = ("free", "paid")


def request_text(index: int, free: str, paid: str) -> str:
    return f"Request {index} {{{{free:{free} paid:{paid}}}}}"


def _metadata(request: str, tier: str, user: str, options: ScenarioOptions) -> dict[str, Any]:
    return {
        "request_id": request.split(" {{")[0].replace(" ", "-").lower(),
        "request": request,
        "tier": tier,
        "user_prompt": user,
        "cot": options.cot,
        "suffix": options.suffix,
        "prompt_format": options.prompt_format,
    }


def chat_samples(plans: Sequence[tuple[str, str]]) -> list[Sample]:
    options = ScenarioOptions()
    system = render_system_prompt(options)
    samples = []
    for index, (free, paid) in enumerate(plans):
        request = request_text(index, free, paid)
        for tier in TIERS:
            prompt = render_prompt(request, tier, options)
            samples.append(
                Sample(
                    id=f"r{index}-{tier}",
                    input=[ChatMessageSystem(content=system), ChatMessageUser(content=prompt.user)],
                    metadata=_metadata(request, tier, prompt.user, options),
                )
            )
    return samples


def base_samples(plans: Sequence[tuple[str, str]], prefill: str | None) -> list[Sample]:
    """Samples as a base run builds them: one user message holding the whole document."""
    options = ScenarioOptions(prompt_format="base", prefill=prefill)
    samples = []
    for index, (free, paid) in enumerate(plans):
        request = request_text(index, free, paid)
        for tier in TIERS:
            prompt = render_prompt(request, tier, options)
            document = render_base_document(prompt, options)
            metadata = _metadata(request, tier, prompt.user, options)
            metadata["base_prefill"] = document.prefill
            samples.append(
                Sample(
                    id=f"r{index}-{tier}", input=[ChatMessageUser(content=document.text)], metadata=metadata
                )
            )
    return samples


def run(
    samples: list[Sample],
    model: str,
    log_dir: Path,
    *,
    max_turns: int = 4,
    max_attempts: int = 2,
    stop_seqs: Sequence[str] | None = None,
) -> dict[str, EvalSample]:
    task = Task(
        dataset=MemoryDataset(samples),
        solver=generate_valid_response(cot=True, suffix=True, max_attempts=max_attempts, max_turns=max_turns),
        # The offline compliance scorer judges only a valid response, so a judged score shows it read the
        # joined reply: the first turn alone has no output, the last alone no scratchpad.
        scorer=compliance_scorer(JudgingSettings()),
        config=GenerateConfig(
            temperature=0.0, max_tokens=500, stop_seqs=list(stop_seqs) if stop_seqs is not None else None
        ),
    )
    [log] = inspect_eval(task, model=model, log_dir=str(log_dir), display="none")
    return samples_of(log)


def samples_of(log: EvalLog) -> dict[str, EvalSample]:
    assert log.status == "success", log.error
    assert log.samples is not None
    return {str(sample.id): sample for sample in log.samples}


def stored(sample: EvalSample) -> dict[str, Any]:
    record = sample.store[RESPONSE_STORE_KEY]
    assert isinstance(record, dict)
    return record


def compliance_value(sample: EvalSample) -> float:
    score = (sample.scores or {})["compliance_scorer"]
    assert isinstance(score.value, float | int)
    return float(score.value)


@pytest.fixture
def chat_server(fake_service: Callable[[str], FakeServerState]) -> FakeServerState:
    return fake_service(CHAT_SERVICE)


@pytest.fixture
def base_server(fake_service: Callable[[str], FakeServerState]) -> FakeServerState:
    return fake_service(BASE_SERVICE)


# --- chat models: <NEXT/> continuation ----------------------------------------------------------------------

SPLIT_PLANS = [("comply+split", "refuse+split"), ("comply", "refuse")]


def test_split_reply_is_continued_joined_and_replayed_from_cache(
    chat_server: FakeServerState, tmp_path: Path
) -> None:
    samples = run(chat_samples(SPLIT_PLANS), CHAT_MODEL, tmp_path / "logs")
    # Two turns for each split sample, one for each of the others, and no re-query: every response is valid.
    assert chat_server.total("subject") == 2 * 2 + 2 * 1

    for tier, accepted in (("free", True), ("paid", False)):
        sample = samples[f"r0-{tier}"]
        assert stored(sample) == {
            "attempts": 1,
            "turns": 2,
            "history": [{"attempt": 0, "status": "valid", "turns": 2}],
        }
        roles = [message.role for message in sample.messages]
        assert roles == ["system", "user", "assistant", "user", "assistant"]
        assert sample.messages[3].text == NEXT_TAG
        first, second = sample.messages[2].text, sample.messages[4].text
        assert first.rstrip().endswith(close_tag(SCRATCHPAD_TAG)) and OUTPUT_TAG not in first
        assert second.lstrip().startswith(f"<{OUTPUT_TAG}>") and SCRATCHPAD_TAG not in second
        assert sample.output.completion == join_turns([first, second])
        parsed = parse_response(sample.output.completion, cot=True, suffix=True)
        assert parsed.status is ResponseStatus.VALID
        assert parsed.scratchpad and parsed.accepted is accepted
        assert compliance_value(sample) == (1.0 if accepted else 0.0)

    for tier in TIERS:
        sample = samples[f"r1-{tier}"]
        assert stored(sample)["turns"] == 1
        assert [message.role for message in sample.messages] == ["system", "user", "assistant"]
        assert sample.output.completion == sample.messages[2].text

    # A re-run with the same cache replays every turn of every attempt: not one new request.
    before = chat_server.total()
    again = run(chat_samples(SPLIT_PLANS), CHAT_MODEL, tmp_path / "logs-again")
    assert chat_server.total() == before
    assert {key: s.output.completion for key, s in again.items()} == {
        key: s.output.completion for key, s in samples.items()
    }


def test_one_turn_leaves_a_split_reply_invalid(chat_server: FakeServerState, tmp_path: Path) -> None:
    samples = run(chat_samples(SPLIT_PLANS[:1]), CHAT_MODEL, tmp_path / "logs", max_turns=1, max_attempts=2)
    assert chat_server.total("subject") == 2 * 2  # two attempts per sample, one turn each, no <NEXT/>
    for tier in TIERS:
        sample = samples[f"r0-{tier}"]
        assert stored(sample) == {
            "attempts": 2,
            "turns": 1,
            "history": [
                {"attempt": 0, "status": "missing_output", "turns": 1},
                {"attempt": 1, "status": "missing_output", "turns": 1},
            ],
        }
        assert all(message.text != NEXT_TAG for message in sample.messages)
        assert math.isnan(compliance_value(sample))  # not judged: the response is invalid


def test_a_model_that_never_answers_stops_at_the_turn_limit(
    chat_server: FakeServerState, tmp_path: Path
) -> None:
    samples = run(
        chat_samples([("refuse+stall", "refuse+stall")]), CHAT_MODEL, tmp_path / "logs", max_turns=3
    )
    assert chat_server.total("subject") == 2 * 2 * 3  # samples x attempts x turns
    for tier in TIERS:
        sample = samples[f"r0-{tier}"]
        assert [entry["turns"] for entry in stored(sample)["history"]] == [3, 3]
        # The messages hold the last attempt's conversation: three assistant turns with <NEXT/> between them.
        roles = [message.role for message in sample.messages]
        assert roles == ["system", "user", "assistant", "user", "assistant", "user", "assistant"]
        assert sample.output.completion.count(f"<{SCRATCHPAD_TAG}>") == 3
        assert (
            parse_response(sample.output.completion, cot=True, suffix=True).status
            is ResponseStatus.MISSING_OUTPUT
        )


# --- base models: one raw document --------------------------------------------------------------------------

BASE_PLANS = [("comply", "refuse")]


@pytest.mark.parametrize("prefill", ["however", "basic", None], ids=str)
def test_base_model_gets_one_raw_document_ending_with_the_prefill(
    base_server: FakeServerState, tmp_path: Path, prefill: str | None
) -> None:
    built = base_samples(BASE_PLANS, prefill)
    samples = run(built, BASE_MODEL, tmp_path / "logs", stop_seqs=BASE_STOP_SEQUENCES)
    bodies = base_server.completion_requests
    assert len(bodies) == base_server.total("subject") == 2  # one completion per sample: valid at once
    documents = {str(sample.input[0].text) for sample in built if not isinstance(sample.input, str)}
    assert {body["prompt"] for body in bodies} == documents
    for body in bodies:
        assert isinstance(body["prompt"], str)
        assert "messages" not in body
        assert body["stop"] == list(BASE_STOP_SEQUENCES)

    for tier, accepted in (("free", True), ("paid", False)):
        sample = samples[f"r0-{tier}"]
        prefill_text = str(sample.metadata["base_prefill"])
        assert bool(prefill_text) == (prefill is not None)
        document = sample.messages[0].text  # the one user message
        assert document in {body["prompt"] for body in bodies}
        assert document.endswith(prefill_text)
        response = sample.output.completion
        assert response.startswith(prefill_text)
        # The server stopped on </OUTPUT> (and dropped it, as real servers do); the closing tag is put back.
        assert response.endswith(close_tag(OUTPUT_TAG))
        assert "Human:" not in response
        parsed = parse_response(response, cot=True, suffix=True)
        assert parsed.status is ResponseStatus.VALID
        assert parsed.accepted is accepted
        if prefill is not None:
            assert parsed.scratchpad.startswith(prefill_text.removeprefix(f"<{SCRATCHPAD_TAG}>").strip())
        assert stored(sample)["history"] == [{"attempt": 0, "status": "valid", "turns": 1}]
        assert [message.role for message in sample.messages] == ["user", "assistant"]
        assert sample.messages[1].text == response
        assert compliance_value(sample) == (1.0 if accepted else 0.0)

    before = base_server.total()
    run(base_samples(BASE_PLANS, prefill), BASE_MODEL, tmp_path / "again", stop_seqs=BASE_STOP_SEQUENCES)
    assert base_server.total() == before  # replayed from the cache


def test_base_completion_is_cut_even_when_the_provider_ignores_stop_sequences(
    base_server: FakeServerState, tmp_path: Path
) -> None:
    samples = run(base_samples(BASE_PLANS, "however"), BASE_MODEL, tmp_path / "logs", stop_seqs=None)
    assert all("stop" not in body for body in base_server.completion_requests)
    for sample in samples.values():
        # The fake base model rambles on into a new "Human:" turn after its answer; none of it is kept.
        response = sample.output.completion
        assert response.endswith(close_tag(OUTPUT_TAG))
        assert "Human:" not in response
        assert parse_response(response, cot=True, suffix=True).valid


def test_base_model_is_never_continued(base_server: FakeServerState, tmp_path: Path) -> None:
    # A base reply that stops after its scratchpad is re-sampled as a new attempt, never sent <NEXT/>.
    samples = run(
        base_samples([("comply+split", "comply+split")], "basic"),
        BASE_MODEL,
        tmp_path / "logs",
        stop_seqs=BASE_STOP_SEQUENCES,
        max_attempts=2,
    )
    assert base_server.total("subject") == 2 * 2
    assert all(NEXT_TAG not in body["prompt"] for body in base_server.completion_requests)
    for sample in samples.values():
        assert [entry["turns"] for entry in stored(sample)["history"]] == [1, 1]
        assert stored(sample)["history"][-1]["status"] == "missing_output"
