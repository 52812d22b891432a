"""Follow-up questions put to the model under test after its reply, in a further user turn of the same tier."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from inspect_ai.model import ChatMessage, ChatMessageAssistant, ChatMessageSystem, ChatMessageUser, Model
from inspect_ai.solver import TaskState

from afeval.engine.task._judge_calls import failure_text
from afeval.engine.task._solver import cache_policy
from afeval.judges import (
    FollowUpAnswer,
    FollowUpQuestion,
    FollowUpReply,
    append_follow_up,
    parse_follow_up_answer,
)
from afeval.settings import JUDGE_REPLY_ATTEMPTS, JudgingSettings

FOLLOW_UP_SCOPE = "afeval_follow_up"


def _chat_message(role: str, content: str) -> ChatMessage:
    if role == "system":
        return ChatMessageSystem(content=content)
    if role == "assistant":
        return ChatMessageAssistant(content=content)
    return ChatMessageUser(content=content)


async def ask_follow_up(
    model: Model, state: TaskState, question: FollowUpQuestion, settings: JudgingSettings
) -> FollowUpReply:
    """Put ``question`` to the model under test after its reply, in a further user turn of the same tier.

    The conversation is the sample's own (system prompt, user turn, the model's full reply); the question is
    asked on its own, re-asked (a fresh cache scope each time) while the answer has no usable ``<OUTPUT>``.
    """
    conversation = [(message.role, message.text) for message in state.messages]
    turns = append_follow_up(conversation, question, str(state.metadata["tier"]))
    messages = [_chat_message(role, content) for role, content in turns]
    answer: FollowUpAnswer | None = None
    for attempt in range(JUDGE_REPLY_ATTEMPTS):
        try:
            output = await model.generate(
                messages,
                cache=cache_policy(
                    settings.cache,
                    **{FOLLOW_UP_SCOPE: question.value, f"{FOLLOW_UP_SCOPE}_attempt": str(attempt)},
                ),
            )
        except Exception as exc:  # provider failure after Inspect's own retries
            return FollowUpReply(answer=answer, tries=attempt + 1, error=failure_text(exc))
        answer = parse_follow_up_answer(output.completion, cot=bool(state.metadata["cot"]))
        if answer.answered:
            return FollowUpReply(answer=answer, tries=attempt + 1, error=None)
    status = answer.status.value if answer is not None else "no reply"
    return FollowUpReply(
        answer=answer, tries=JUDGE_REPLY_ATTEMPTS, error=f"no usable answer to the follow-up: {status}"
    )


async def ask_follow_ups(
    model: Model, state: TaskState, questions: Sequence[FollowUpQuestion], settings: JudgingSettings
) -> dict[FollowUpQuestion, FollowUpReply]:
    """Every question, each on its own and concurrently; the answers in the order asked."""
    replies = await asyncio.gather(
        *(ask_follow_up(model, state, question, settings) for question in questions)
    )
    return dict(zip(questions, replies, strict=True))
