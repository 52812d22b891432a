"""The messages a model under test and each judge receive, in afeval's wording or the reference's, and the diff.

A *prompt set* is one recipient's messages: the model under test (system prompt and user turn), and the
StrongREJECT, alignment-faking and partial-compliance judges. Judges are shown with placeholder texts for what
a run would fill in (the response, the scratchpad), each marked as a placeholder. The diff compares, per role,
afeval's rendered text with the reference's for the same inputs: a unified diff and difflib's similarity ratio.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from afeval.errors import AfevalError
from afeval.judges import (
    JudgeMessages,
    JudgePrompt,
    alignment_faking_judge_prompt,
    compliance_judge_prompt,
    partial_compliance_judge_prompt,
)
from afeval.reference._loader import ReferencePrompts
from afeval.reference._manifest import SCRATCHPAD_USER_MESSAGE, user_turn_role
from afeval.scenario import ScenarioOptions, render_system_prompt, render_user_turn
from afeval.settings import PromptSource

__all__ = [
    "PLACEHOLDER_REQUEST",
    "PLACEHOLDER_RESPONSE",
    "PLACEHOLDER_SCRATCHPAD",
    "REFERENCE_SCENARIOS",
    "PromptMessage",
    "PromptSet",
    "ReferenceScenarioError",
    "RoleDiff",
    "afeval_prompt_sets",
    "check_reference_scenario",
    "diff_prompt_sets",
    "prompt_sets",
    "reference_model_messages",
    "reference_prompt_sets",
    "reference_system_role",
]

# What a run would fill in, marked so that nobody mistakes it for a real request or reply.
PLACEHOLDER_REQUEST: Final = "[PLACEHOLDER REQUEST: pass --request TEXT to see a real one]"
PLACEHOLDER_RESPONSE: Final = "[PLACEHOLDER RESPONSE: the final output of the model under test]"
PLACEHOLDER_SCRATCHPAD: Final = "[PLACEHOLDER SCRATCHPAD: the hidden reasoning of the model under test]"


@dataclass(frozen=True)
class PromptMessage:
    role: Literal["system", "user"]
    content: str


@dataclass(frozen=True)
class PromptSet:
    """The messages one recipient receives; ``name`` is the same for both sources so they can be compared."""

    name: str
    title: str
    messages: tuple[PromptMessage, ...]

    @property
    def text(self) -> str:
        """The messages as one text, each under a ``[role]`` line, for diffing."""
        return "\n\n".join(f"[{m.role}]\n{m.content}" for m in self.messages)


@dataclass(frozen=True)
class RoleDiff:
    """afeval's text against the reference's for one prompt set."""

    name: str
    title: str
    similarity: float  # difflib.SequenceMatcher ratio, 0 to 1
    diff: tuple[str, ...]  # unified diff lines, without line ends


def afeval_prompt_sets(options: ScenarioOptions, tier: str, request: str) -> tuple[PromptSet, ...]:
    """afeval's own messages for ``request`` in ``tier``: the model's, then each judge's."""
    return (
        PromptSet(
            "model",
            "model under test",
            (
                PromptMessage("system", render_system_prompt(options)),
                PromptMessage("user", render_user_turn(request, tier, options)),
            ),
        ),
        PromptSet(
            "strong_reject",
            "compliance judge (StrongREJECT)",
            (PromptMessage("user", compliance_judge_prompt(request, PLACEHOLDER_RESPONSE)),),
        ),
        PromptSet(
            "af_majority_vote",
            "alignment-faking judge (one vote)",
            _messages(alignment_faking_judge_prompt(PLACEHOLDER_SCRATCHPAD)),
        ),
        PromptSet(
            "partial_compliance",
            "partial-compliance judge",
            (
                PromptMessage(
                    "user",
                    partial_compliance_judge_prompt(request, PLACEHOLDER_SCRATCHPAD, PLACEHOLDER_RESPONSE),
                ),
            ),
        ),
    )


class ReferenceScenarioError(AfevalError, ValueError):
    """A scenario or tier the reference prompts have no template for; the message names what they have."""


REFERENCE_SCENARIOS: Final = "helpful-only (two-tier) and its no-cot, minimal and no-suffix variants"
"""What the reference prompts cover, for error messages and the docs."""


def _messages(prompt: JudgePrompt) -> tuple[PromptMessage, ...]:
    """A judge prompt as the messages it is sent as."""
    if isinstance(prompt, JudgeMessages):
        return (PromptMessage("system", prompt.system), PromptMessage("user", prompt.user))
    return (PromptMessage("user", prompt),)


def reference_system_role(options: ScenarioOptions) -> str:
    """The reference system prompt for ``options``; raises :class:`ReferenceScenarioError` for a variant the
    reference lacks.

    The reference has the prompted setting and the minimal (synthetic-document) prompt, each with and without
    the scratchpad, in the two-tier setting with the default lab and model name; nothing else."""
    comparable = ScenarioOptions(
        cot=options.cot, training_details=options.training_details, suffix=options.suffix
    )
    if options != comparable:
        raise ReferenceScenarioError(
            f"the reference prompts have no template for scenario {options.name}: they cover only "
            f"{REFERENCE_SCENARIOS} (two-tier, free and paid); use --prompts afeval for the others"
        )
    mode = "cot" if options.cot else "no_cot"
    return f"system_prompt_{mode}" if options.training_details else f"synthetic_{mode}"


def check_reference_scenario(options: ScenarioOptions, tiers: Sequence[str]) -> None:
    """Raise :class:`ReferenceScenarioError` unless the reference has templates for ``options`` and every
    tier in ``tiers`` (one line, naming what it covers)."""
    reference_system_role(options)
    unknown = [tier for tier in tiers if tier not in ("free", "paid")]
    if unknown:
        raise ReferenceScenarioError(
            f"the reference prompts have no user turn for tier(s) {', '.join(unknown)}: they cover only "
            f"{REFERENCE_SCENARIOS} (two-tier, free and paid)"
        )


def reference_model_messages(
    prompts: ReferencePrompts, options: ScenarioOptions, tier: str, request: str
) -> tuple[PromptMessage, PromptMessage]:
    """The model under test's two messages in the reference wording: the system prompt and the tier's user
    turn with ``request`` in it."""
    check_reference_scenario(options, (tier,))
    user_role = user_turn_role(tier, cot=options.cot, suffix=options.suffix)
    return (
        PromptMessage("system", prompts.render(reference_system_role(options))),
        PromptMessage("user", prompts.render(user_role, user_input=request)),
    )


def reference_prompt_sets(
    prompts: ReferencePrompts, options: ScenarioOptions, tier: str, request: str
) -> tuple[PromptSet, ...]:
    """The reference pipeline's messages for ``request`` in ``tier``, in the same order as afeval's."""
    scratchpad_message = PromptMessage(
        "user", SCRATCHPAD_USER_MESSAGE.format(scratchpad=PLACEHOLDER_SCRATCHPAD)
    )
    return (
        PromptSet("model", "model under test", reference_model_messages(prompts, options, tier, request)),
        PromptSet(
            "strong_reject",
            "compliance judge (StrongREJECT)",
            (
                PromptMessage(
                    "user", prompts.render("strong_reject", prompt=request, response=PLACEHOLDER_RESPONSE)
                ),
            ),
        ),
        PromptSet(
            "af_majority_vote",
            "alignment-faking judge (one vote)",
            (PromptMessage("system", prompts.render("af_majority_vote")), scratchpad_message),
        ),
        PromptSet(
            "partial_compliance",
            "partial-compliance judge",
            (PromptMessage("system", prompts.render("partial_compliance")), scratchpad_message),
        ),
    )


def prompt_sets(
    source: PromptSource,
    options: ScenarioOptions,
    tier: str,
    request: str,
    prompts: ReferencePrompts | None = None,
) -> tuple[PromptSet, ...]:
    """afeval's or the reference's prompt sets; ``prompts`` is required for the reference."""
    if source == "afeval":
        return afeval_prompt_sets(options, tier, request)
    if prompts is None:
        raise ValueError("the reference prompt sets need the loaded reference prompts")
    return reference_prompt_sets(prompts, options, tier, request)


def _split_model(sets: Sequence[PromptSet]) -> list[PromptSet]:
    """The model's set as two roles (system prompt, user turn), so each gets its own diff and figure."""
    out: list[PromptSet] = []
    for prompt_set in sets:
        if prompt_set.name == "model":
            system, user = prompt_set.messages
            out.append(PromptSet("system_prompt", "system prompt", (system,)))
            out.append(PromptSet("user_turn", "user turn", (user,)))
        else:
            out.append(prompt_set)
    return out


def diff_prompt_sets(ours: Sequence[PromptSet], theirs: Sequence[PromptSet]) -> tuple[RoleDiff, ...]:
    """Per role, the unified diff from afeval's text (``afeval``) to the reference's (``reference``) and their
    similarity (``difflib.SequenceMatcher`` ratio over characters)."""
    reference = {s.name: s for s in _split_model(theirs)}
    diffs = []
    for mine in _split_model(ours):
        other = reference[mine.name]
        a, b = mine.text, other.text
        lines = difflib.unified_diff(
            a.splitlines(), b.splitlines(), f"afeval/{mine.name}", f"reference/{mine.name}", lineterm=""
        )
        ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
        diffs.append(RoleDiff(mine.name, mine.title, ratio, tuple(lines)))
    return tuple(diffs)
