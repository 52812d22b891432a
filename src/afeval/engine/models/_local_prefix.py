"""The embedded model's token budget and prompt-prefix reuse: which tokens one generation may add, and which
keys and values of the previous prompt the next one can take over. Pure except :class:`PrefixKVCache`, which
holds a transformers cache (imported on first use)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

CONTEXT_WINDOW = 8192
"""SmolLM2's context length in tokens (prompt and generated tokens together)."""


# ---------------------------------------------------------------------------------------------------------
# Pure helpers (no torch): token budget, stop sequences, reusable prompt prefix.
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenBudget:
    """How many tokens one generation may produce, and whether the context window is what limits it."""

    max_new_tokens: int
    limited_by_context: bool


def plan_token_budget(
    prompt_tokens: int, requested: int, context_window: int = CONTEXT_WINDOW
) -> TokenBudget:
    """Clamp the requested number of new tokens to the room the prompt leaves in the context window."""
    if prompt_tokens < 0 or requested < 0 or context_window <= 0:
        raise ValueError("token counts must be non-negative and the context window positive")
    room = max(context_window - prompt_tokens, 0)
    return TokenBudget(
        max_new_tokens=min(requested, room), limited_by_context=prompt_tokens + requested > context_window
    )


def truncate_at_stop(text: str, stop_seqs: Sequence[str]) -> tuple[str, bool]:
    """Cut ``text`` just before the earliest stop sequence; report whether one was found."""
    positions = [text.find(stop) for stop in stop_seqs if stop]
    found = [position for position in positions if position >= 0]
    if not found:
        return text, False
    return text[: min(found)], True


MIN_REUSED_PREFIX_TOKENS = 32
"""Shorter shared prefixes are run again rather than copied: copying the cache would cost more than it saves."""


def common_prefix_length(first: Sequence[int], second: Sequence[int]) -> int:
    """Number of leading tokens the two sequences share."""
    shared = 0
    for left, right in zip(first, second, strict=False):
        if left != right:
            break
        shared += 1
    return shared


def reusable_prefix_length(
    cached: Sequence[int], prompt: Sequence[int], minimum: int = MIN_REUSED_PREFIX_TOKENS
) -> int:
    """How many leading tokens of ``prompt`` can take their keys and values from the cache of ``cached``.

    A token's keys and values depend only on the tokens up to it, so any shared prefix of token ids is exact.
    At least the prompt's last token is always run again: generation needs its logits. Returns 0 when the
    reusable part is shorter than ``minimum``.
    """
    reusable = min(common_prefix_length(cached, prompt), len(prompt) - 1)
    return reusable if reusable >= max(minimum, 1) else 0


class PrefixKVCache:
    """Keys and values of the most recent prompt, kept so that the next prompt sharing its opening skips it.

    One prompt only, which bounds the memory: SmolLM2-135M keeps 30 layers x 2 x 3 key/value heads x 64
    float32 numbers, 45 KiB per token, so a 4,500-token system prompt holds about 200 MiB (at most
    ~370 MiB for a full 8,192-token window), and twice that while a generation runs from its copy.
    Not thread-safe by itself: every use is under the lock that serialises generation.
    """

    def __init__(self, min_reused_tokens: int = MIN_REUSED_PREFIX_TOKENS) -> None:
        self.min_reused_tokens = min_reused_tokens
        self._token_ids: tuple[int, ...] = ()
        self._cache: Any = None  # a transformers DynamicCache holding exactly len(self._token_ids) tokens

    @property
    def token_ids(self) -> tuple[int, ...]:
        """The tokens whose keys and values are held."""
        return self._token_ids

    @property
    def held_bytes(self) -> int:
        """Memory taken by the held keys and values (0 when empty)."""
        if self._cache is None:
            return 0
        return sum(tensor.untyped_storage().nbytes() for layer in self._cache for tensor in layer[:2])

    def clear(self) -> None:
        """Drop the held prefix and free its memory."""
        self._token_ids, self._cache = (), None

    def start_for(self, prompt_ids: Sequence[int]) -> tuple[Any, int]:
        """A cache for generating after ``prompt_ids``, and how many of its tokens it already holds.

        The held cache is deep-copied, never handed out, since generation appends to the cache it is given.
        """
        from transformers import DynamicCache

        reused = reusable_prefix_length(self._token_ids, prompt_ids, self.min_reused_tokens)
        if reused == 0:
            return DynamicCache(), 0
        started = copy.deepcopy(self._cache)
        _crop(started, reused)
        return started, reused

    def keep(self, prompt_ids: Sequence[int], cache: Any) -> None:
        """Hold ``cache``, just used to generate after ``prompt_ids``, cut back to the prompt's tokens."""
        _crop(cache, len(prompt_ids))
        self._token_ids, self._cache = tuple(prompt_ids), cache


def _crop(cache: Any, length: int) -> None:
    """Cut a DynamicCache to its first ``length`` tokens, in place."""
    excess = cache.get_seq_length() - length
    # A negative count removes tokens in every transformers version since 4.46; crop(0) means "to nothing" in 4.x.
    if excess > 0:
        cache.crop(-excess)
