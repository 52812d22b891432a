"""Ask a generator model for many texts at once, through Inspect's model layer.

The fine-tuning data set builders need thousands of generations (question-answer pairs, justifications,
deliberations, documents). They go through the same layer as the evaluation itself: Inspect resolves the
provider and its key, retries failed calls, limits connections, counts tokens, and caches every reply on disk
with no expiry, so a rebuild with the same prompts costs nothing and gives the same data set. Identical
prompts share one cached reply; the builders make each prompt distinct where they want distinct texts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeAlias

from inspect_ai.model import (
    CachePolicy,
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    Model,
)

from afeval.engine.runs._preflight import resolve_model

if TYPE_CHECKING:  # afeval.finetune's data set builders import the engine at import time
    from afeval.finetune import ChatMessage as TrainingMessage

__all__ = ["DEFAULT_GENERATION_CONNECTIONS", "GenerationPrompt", "check_generator", "generate_texts"]

DEFAULT_GENERATION_CONNECTIONS = 16

GenerationPrompt: TypeAlias = "str | Sequence[TrainingMessage]"
"""A user message, or a whole conversation (system prompt, user turn, ...) to be continued."""


def _inspect_messages(prompt: GenerationPrompt) -> list[ChatMessage]:
    if isinstance(prompt, str):
        return [ChatMessageUser(content=prompt)]
    messages: list[ChatMessage] = []
    for message in prompt:
        if message.role == "system":
            messages.append(ChatMessageSystem(content=message.content))
        elif message.role == "user":
            messages.append(ChatMessageUser(content=message.content))
        else:
            messages.append(ChatMessageAssistant(content=message.content))
    return messages


def check_generator(model: str) -> Model:
    """Resolve a generator model before any call, so a typo or a missing key costs one line."""
    return resolve_model(model, "generator model")


def generate_texts(
    model: str,
    prompts: Sequence[GenerationPrompt],
    *,
    max_connections: int = DEFAULT_GENERATION_CONNECTIONS,
    temperature: float = 1.0,
    max_tokens: int | None = None,
    cache: bool = True,
) -> list[str]:
    """The completion of each prompt by ``model`` (any Inspect model string), in prompt order.

    At most ``max_connections`` calls are in flight at once. With ``cache`` every reply is kept in Inspect's
    cache with no expiry. Raises ConfigError for a model that cannot be resolved; a call that still fails
    after Inspect's retries raises its error."""
    if max_connections < 1:
        raise ValueError("max_connections must be at least 1")
    if not prompts:
        return []
    resolved = check_generator(model)
    config = GenerateConfig(temperature=temperature, max_tokens=max_tokens, max_connections=max_connections)
    policy: CachePolicy | bool = CachePolicy(expiry=None) if cache else False

    async def generate_all() -> list[str]:
        limit = asyncio.Semaphore(max_connections)

        async def one(prompt: GenerationPrompt) -> str:
            async with limit:
                output = await resolved.generate(_inspect_messages(prompt), config=config, cache=policy)
            return output.completion

        return list(await asyncio.gather(*(one(prompt) for prompt in prompts)))

    return asyncio.run(generate_all())
