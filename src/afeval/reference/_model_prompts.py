"""The reference pipeline's templates as a prompt source for the model under test, and the one resolver.

:class:`ReferenceModelPrompts` implements :class:`afeval.scenario.ModelPrompts` from the loaded reference
prompts: the system prompt and the tier's user turn rendered byte for byte as the pipeline renders them, for the
scenarios it has templates for (a scenario or tier it lacks raises
:class:`~afeval.reference.ReferenceScenarioError`, one line). :func:`model_prompts` picks a run's source from
its ``prompts`` setting, once; whoever builds samples or the system prompt then asks the source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from afeval.reference._compare import check_reference_scenario, reference_system_role
from afeval.reference._loader import ReferencePrompts
from afeval.reference._manifest import user_turn_role
from afeval.scenario import AFEVAL_PROMPTS, ModelPrompts, ScenarioOptions, UserTurn
from afeval.settings import PromptSource

__all__ = ["ReferenceModelPrompts", "model_prompts"]


@dataclass(frozen=True)
class ReferenceModelPrompts:
    """The reference pipeline's messages for the model under test (two-tier chat scenarios only)."""

    prompts: ReferencePrompts

    def check(self, options: ScenarioOptions, tiers: Sequence[str]) -> None:
        check_reference_scenario(options, tiers)

    def system_prompt(self, options: ScenarioOptions) -> str:
        return self.prompts.render(reference_system_role(options))

    def user_turn(self, options: ScenarioOptions, tier: str, request: str) -> UserTurn:
        check_reference_scenario(options, (tier,))
        text = self.prompts.render(
            user_turn_role(tier, cot=options.cot, suffix=options.suffix), user_input=request
        )
        return UserTurn(text=text, input=text)


def model_prompts(source: PromptSource, reference: ReferencePrompts | None = None) -> ModelPrompts:
    """The prompt source of a run whose model gets ``source``'s wording (the ``prompts`` setting): afeval's
    renderer, or the reference's templates from ``reference`` (the loaded prompts, required then).

    Raises ValueError for the reference wording without its loaded prompts."""
    if source == "afeval":
        return AFEVAL_PROMPTS
    if reference is None:
        raise ValueError("the reference wording needs the loaded reference prompts")
    return ReferenceModelPrompts(reference)
