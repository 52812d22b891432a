"""Asking the judge model: one call with re-asks for unparseable replies, under a run's judging settings
(:class:`~afeval.settings.JudgingSettings`, used as they are), and the cache scopes.

The judge is Inspect's ``grader`` model role. A model bound to that role for the eval (``inspect eval ...
--model-role grader=M``, ``eval(..., model_roles={"grader": M})``, or the task's own binding from its
``judge_model`` argument) judges; only when none is bound does the judging settings' model (a preset's judge, or
``offline``) apply. The eval's binding wins over the task's, as Inspect merges them.

Every judge call is cached under its prompt plus scopes: ``afeval_judge`` (the call's scope in its judge
module), a vote or screen where there are several, and the try. Changing a scope makes every cached reply
miss, so these names are part of the cache format.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Final

from inspect_ai.model import (
    ChatMessage,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    Model,
    get_model,
    model_roles,
)

from afeval.engine.task._solver import cache_policy
from afeval.judges import OFFLINE_JUDGE, JudgeMessages, JudgePrompt, JudgeReply, JudgeReplyError
from afeval.settings import JUDGE_REPLY_ATTEMPTS, JudgingSettings, af_vote_calls

GRADER_ROLE: Final = "grader"
"""Inspect's model role the judges run as."""

JUDGE_SCOPE = "afeval_judge"
VOTE_SCOPE = "afeval_vote"


def votes_as_choices(settings: JudgingSettings, judge: str) -> bool:
    """Whether the AF votes are choices of one call for ``judge`` (the model that answers, as Inspect names it):
    the explicit setting, else whether its provider honours ``n``."""
    return af_vote_calls(settings.af_num_choices, judge) == "choices"


def judge_config(
    settings: JudgingSettings, *, temperature: float, num_choices: int | None = None
) -> GenerateConfig:
    """The generation settings of one judge call (batch mode travels here: the judge is not the task's active
    model, so the task's own config never reaches it)."""
    return GenerateConfig(
        temperature=temperature, num_choices=num_choices, batch=True if settings.batch else None
    )


def grader_roles(judge_model: str) -> dict[str, str] | None:
    """The model roles that make ``judge_model`` the judge: ``{"grader": judge_model}``, or None for the offline
    judge (which is no model)."""
    return None if judge_model == OFFLINE_JUDGE else {GRADER_ROLE: judge_model}


def bound_grader() -> Model | None:
    """The model bound to the ``grader`` role in the running eval (the first, if a list), else None."""
    bound = model_roles().get(GRADER_ROLE)
    return bound[0] if isinstance(bound, list) else bound


def graded_by(settings: JudgingSettings) -> JudgingSettings:
    """``settings`` naming the judge that will answer: the bound ``grader`` when there is one (verdicts are
    labelled with it and the offline judge gives way to it), else ``settings`` unchanged."""
    grader = bound_grader()
    if grader is None or str(grader) == settings.judge_model:
        return settings
    return replace(settings, judge_model=str(grader))


def judge_model(settings: JudgingSettings) -> Model:
    """The judge: the bound ``grader`` role, else the settings' model."""
    return get_model(role=GRADER_ROLE, default=settings.judge_model)


def judge_chat(prompt: JudgePrompt) -> list[ChatMessage]:
    """The chat messages of a judge prompt: one user message, or the rubric as system message and the data as
    user message."""
    if isinstance(prompt, JudgeMessages):
        return [ChatMessageSystem(content=prompt.system), ChatMessageUser(content=prompt.user)]
    return [ChatMessageUser(content=prompt)]


def failure_text(exc: Exception) -> str:
    """A provider failure (after Inspect's own retries) as a short error line."""
    return f"{type(exc).__name__}: {exc}"[:500]


async def ask_judge(
    model: Model,
    prompt: JudgePrompt,
    parse: Callable[[str], Any],
    settings: JudgingSettings,
    *,
    temperature: float,
    scopes: Mapping[str, str],
) -> JudgeReply:
    """Ask the judge, re-asking (a fresh cache scope each time) while its reply cannot be parsed.

    Parse failures and provider failures both end as a recorded error, never as an exception: one bad judge
    reply must not lose the sample.
    """
    raw = ""
    error: str | None = None
    config = judge_config(settings, temperature=temperature)
    for attempt in range(JUDGE_REPLY_ATTEMPTS):
        try:
            output = await model.generate(
                judge_chat(prompt),
                config=config,
                cache=cache_policy(settings.cache, **scopes, **{f"{JUDGE_SCOPE}_attempt": str(attempt)}),
            )
        except Exception as exc:  # provider failure after Inspect's own retries
            return JudgeReply(parsed=None, raw=raw, tries=attempt + 1, error=failure_text(exc))
        raw = output.completion
        try:
            return JudgeReply(parsed=parse(raw), raw=raw, tries=attempt + 1, error=None)
        except JudgeReplyError as exc:
            error = f"unparseable judge reply: {exc}"[:500]
    return JudgeReply(parsed=None, raw=raw, tries=JUDGE_REPLY_ATTEMPTS, error=error)
