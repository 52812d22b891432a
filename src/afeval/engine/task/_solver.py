"""Generation for the model under test: re-query until the response is valid.

The reference pipeline re-asks the model when a response is unusable (no scratchpad with CoT, nothing outside
the scratchpad, neither decision tag with the suffix on). Each attempt carries its own cache scope, so a retry is
a genuinely new sample rather than the cached invalid reply, while a re-run of the same command replays every
attempt from Inspect's cache.

Within an attempt, a chat model that ends its turn mid-reasoning (a scratchpad block, no ``<OUTPUT>`` yet) is
sent a user turn holding only ``<NEXT/>`` and carries on, up to ``max_turns`` turns in all. The turns are joined
into one response text (:func:`afeval.parsing.join_turns`), which becomes the sample's output, so the scorers
and the results read the whole reply; the sample's messages keep the conversation turn by turn.

A pretrained (base) model is shown one raw document ending with an optional prefill
(:mod:`afeval.scenario._base_model`): it is generated once per attempt, never continued, and its response is the
prefill followed by the completion, cut after the first ``</OUTPUT>`` or where it starts a new turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inspect_ai.model import (
    CachePolicy,
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    Model,
    ModelOutput,
    ModelUsage,
    get_model,
)
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import Store

from afeval.parsing import ParsedResponse, ResponseStatus, join_turns, needs_continuation, parse_response
from afeval.scenario import NEXT_TAG
from afeval.scenario._base_model import complete_base_response
from afeval.settings import GENERATION_DEFAULTS

RESPONSE_STORE_KEY = "afeval_response"
PARSED_STORE_KEY = "afeval_parsed"
"""Where a sample's store keeps its response as parsed, once (see :func:`store_parsed_response`)."""
ATTEMPT_SCOPE = "afeval_attempt"
TURN_SCOPE = "afeval_turn"
BASE_PROMPT_FORMAT = "base"
"""``prompt_format`` sample metadata of a pretrained model shown one raw document (see ``base_prefill``)."""


def cache_policy(enabled: bool, **scopes: str) -> CachePolicy | bool:
    """A never-expiring cache policy with extra key scopes, or no caching."""
    if not enabled:
        return False
    return CachePolicy(expiry=None, per_epoch=True, scopes=dict(scopes))


def store_parsed_response(store: Store, parsed: ParsedResponse, *, raw: bool = False) -> None:
    """Keep ``parsed`` in the sample's store, so the scorers and the sample's record read it rather than parse
    the response again. The response itself is the sample's output and is not kept twice, unless ``raw`` (a
    text judged as it is, whose output is empty)."""
    value: dict[str, Any] = {
        "scratchpad": parsed.scratchpad,
        "output": parsed.output,
        "accepted": parsed.accepted,
        "refused": parsed.refused,
        "status": parsed.status.value,
    }
    if raw:
        value["raw"] = parsed.raw
    store.set(PARSED_STORE_KEY, value)


def stored_parsed_response(store: Store | Mapping[str, Any], response: str) -> ParsedResponse | None:
    """The parsed response a sample's store keeps (a running sample's or a logged one's), ``response`` being
    the sample's output; None when it keeps none."""
    value = store.get(PARSED_STORE_KEY)
    if not isinstance(value, Mapping):
        return None
    return ParsedResponse(
        raw=str(value.get("raw", response)),
        scratchpad=str(value["scratchpad"]),
        output=str(value["output"]),
        accepted=bool(value["accepted"]),
        refused=bool(value["refused"]),
        status=ResponseStatus(value["status"]),
    )


def _turn_scopes(attempt: int, turn: int) -> dict[str, str]:
    # The first turn keeps the key it had before continuation turns existed, so earlier caches still replay;
    # the conversation already differs from turn to turn, the scope makes the turn explicit in the key.
    scopes = {ATTEMPT_SCOPE: str(attempt)}
    if turn > 0:
        scopes[TURN_SCOPE] = str(turn)
    return scopes


def _joined_output(outputs: list[ModelOutput], text: str) -> ModelOutput:
    """The last turn's output with ``text`` (the whole response) as its message and usage summed over turns."""
    last = outputs[-1]
    usage: ModelUsage | None = None
    for output in outputs:
        if output.usage is not None:
            usage = output.usage if usage is None else usage + output.usage
    stop_reason = last.choices[0].stop_reason if last.choices else "unknown"
    message = ChatMessageAssistant(content=text, model=last.model, source="generate")
    return last.model_copy(
        update={
            "choices": [ChatCompletionChoice(message=message, stop_reason=stop_reason)],
            "completion": text,
            "usage": usage,
        }
    )


async def _chat_attempt(
    model: Model, prompt: list[ChatMessage], *, attempt: int, max_turns: int, cache: bool
) -> tuple[ModelOutput, list[ChatMessage], int]:
    """One attempt at a chat response: the joined output, the whole conversation and the number of turns."""
    conversation = list(prompt)
    outputs: list[ModelOutput] = []
    texts: list[str] = []
    while True:
        turn = len(outputs)
        output = await model.generate(conversation, cache=cache_policy(cache, **_turn_scopes(attempt, turn)))
        outputs.append(output)
        texts.append(output.completion)
        if output.choices:
            conversation.append(output.message)
        response = join_turns(texts)
        if len(outputs) >= max_turns or not needs_continuation(response):
            break
        conversation.append(ChatMessageUser(content=NEXT_TAG))
    if len(outputs) == 1:
        return output, conversation, 1
    return _joined_output(outputs, response), conversation, len(outputs)


async def _base_attempt(
    model: Model, prompt: list[ChatMessage], *, prefill: str, attempt: int, cache: bool
) -> tuple[ModelOutput, list[ChatMessage], int]:
    """One attempt at a base model's response: the prefill plus the cut completion, in a single turn."""
    output = await model.generate(prompt, cache=cache_policy(cache, **_turn_scopes(attempt, 0)))
    truncated = bool(output.choices) and output.stop_reason == "max_tokens"
    response = complete_base_response(prefill, output.completion, truncated=truncated)
    joined = _joined_output([output], response)
    return joined, [*prompt, joined.message], 1


@solver
def generate_valid_response(
    *,
    cot: bool,
    suffix: bool,
    max_attempts: int = GENERATION_DEFAULTS.max_attempts,
    cache: bool = GENERATION_DEFAULTS.cache,
    max_turns: int = GENERATION_DEFAULTS.max_turns,
    system_prompt: str = "",
) -> Solver:
    """Generate a response, re-querying up to ``max_attempts`` times until it parses as valid.

    ``system_prompt``, when given, is put in front of a chat sample's messages: it is the same for every
    sample of a task, so the samples carry only their user turn (one copy of the prompt, not one a sample,
    in the dataset and in the summaries Inspect keeps of finished samples).

    Each attempt of a chat model may take up to ``max_turns`` turns (the first included): while the reply so
    far stops mid-reasoning, a ``<NEXT/>`` user turn asks the model to go on. Samples whose metadata say
    ``prompt_format == "base"`` hold one raw document and are generated in a single turn per attempt, with
    ``base_prefill`` (the document's ending) put back in front of the completion.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    if max_turns < 1:
        raise ValueError("max_turns must be at least 1")

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        model = get_model()
        base = state.metadata.get("prompt_format") == BASE_PROMPT_FORMAT
        if system_prompt and not base and not any(message.role == "system" for message in state.messages):
            state.messages.insert(0, ChatMessageSystem(content=system_prompt))
        prompt = list(state.messages)
        prefill = str(state.metadata.get("base_prefill") or "")
        attempts: list[dict[str, Any]] = []
        for attempt in range(max_attempts):
            if base:
                output, messages, turns = await _base_attempt(
                    model, prompt, prefill=prefill, attempt=attempt, cache=cache
                )
            else:
                output, messages, turns = await _chat_attempt(
                    model, prompt, attempt=attempt, max_turns=max_turns, cache=cache
                )
            parsed = parse_response(output.completion, cot=cot, suffix=suffix)
            attempts.append({"attempt": attempt, "status": parsed.status.value, "turns": turns})
            if parsed.valid:
                break
        state.output = output
        state.messages = messages
        state.store.set(RESPONSE_STORE_KEY, {"attempts": len(attempts), "turns": turns, "history": attempts})
        store_parsed_response(state.store, parsed)  # parsed once: the scorers and the record read it
        return state

    return solve
