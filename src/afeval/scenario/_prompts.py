"""Where the model under test's messages come from: the prompt source interface and afeval's own source.

A run's samples and its system prompt are built from one prompt source (:class:`ModelPrompts`), resolved once
from the ``prompts`` setting (``afeval.reference.model_prompts``): afeval's scenario renderer
(:data:`AFEVAL_PROMPTS`) or the reference pipeline's templates (``afeval.reference.ReferenceModelPrompts``,
loaded at run time). Whoever builds samples asks the source and never which one it is.

Pure: the packaged templates only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from afeval.scenario._base_model import render_base_document
from afeval.scenario._options import ScenarioOptions
from afeval.scenario._render import render_prompt, render_system_prompt

__all__ = ["AFEVAL_PROMPTS", "ModelPrompts", "ScenarioPrompts", "UserTurn"]


@dataclass(frozen=True)
class UserTurn:
    """One request in one tier as the model under test gets it.

    ``text`` is the user turn (what a sample records as its ``user_prompt``); ``input`` is the one user message
    the model is sent: the user turn, or for a base model the whole document, system prompt included, ending
    with ``prefill`` (None for a chat model; "" for a base model without a prefill).
    """

    text: str
    input: str
    prefill: str | None = None


class ModelPrompts(Protocol):
    """The messages the model under test receives, for a scenario's options."""

    def check(self, options: ScenarioOptions, tiers: Sequence[str]) -> None:
        """Raise ValueError (one line) unless this source has messages for ``options`` in every tier of
        ``tiers``."""
        ...

    def system_prompt(self, options: ScenarioOptions) -> str:
        """The system prompt, the same for every sample and tier."""
        ...

    def user_turn(self, options: ScenarioOptions, tier: str, request: str) -> UserTurn:
        """The user turn with ``request`` in ``tier`` (for a base model, the document it is shown)."""
        ...


class ScenarioPrompts:
    """afeval's own wording: the scenario renderer, for every scenario and tier (and base models)."""

    def check(self, options: ScenarioOptions, tiers: Sequence[str]) -> None:
        """Every scenario and tier has afeval's messages: nothing to check."""

    def system_prompt(self, options: ScenarioOptions) -> str:
        return render_system_prompt(options)

    def user_turn(self, options: ScenarioOptions, tier: str, request: str) -> UserTurn:
        prompt = render_prompt(request, tier, options)
        if options.prompt_format == "base":
            document = render_base_document(prompt, options)
            return UserTurn(text=prompt.user, input=document.text, prefill=document.prefill)
        return UserTurn(text=prompt.user, input=prompt.user)


AFEVAL_PROMPTS: Final[ModelPrompts] = ScenarioPrompts()
"""afeval's own prompt source."""
