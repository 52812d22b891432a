"""Drawing alignment-faking votes: a fixed number, as choices of one call, or sequentially until settled.

What the cache shares (Inspect caches one call's whole output, keyed by its messages, its generate config
(``num_choices`` included) and our scopes):

* a vote drawn as its own call is scoped by its absolute index, so fixed and sequential runs with separate calls
  share those votes, and the top-up of a choice that did not come back reuses the same vote a separate-call run
  drew at that index;
* the ``n = af_votes`` call of a fixed run is one entry (scope ``choices``), shared by every fixed run with the
  same vote count and judge;
* a sequential batch drawn as choices is one entry per batch (scope ``choices@<first index>``, ``n`` the batch
  size), shared by sequential runs, not with fixed runs: its ``n`` differs, and so would its draws.

Re-running a command therefore replays every vote from the cache, whichever way they were drawn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from inspect_ai.model import Model

from afeval.engine.task._judge_calls import (
    JUDGE_SCOPE,
    VOTE_SCOPE,
    ask_judge,
    judge_chat,
    judge_config,
    votes_as_choices,
)
from afeval.engine.task._solver import cache_policy
from afeval.judges import AF_VOTE_TEMPERATURE, JudgeCall, JudgePrompt, JudgeReply, JudgeReplyError
from afeval.judges.alignment_faking import VOTE_CALL, AlignmentFakingVote
from afeval.judges.sequential import SequentialDecision, SequentialVoter, SequentialVotingPolicy
from afeval.settings import JudgingSettings

CHOICES_SCOPE = "choices"
"""The vote scope of a fixed run's one call for all its votes (part of the cache format)."""


async def collect_af_votes(
    model: Model,
    prompt: JudgePrompt,
    settings: JudgingSettings,
    call: JudgeCall[AlignmentFakingVote] = VOTE_CALL,
) -> list[JudgeReply]:
    """Draw ``settings.af_votes`` independent alignment-faking votes at temperature 1.

    Where the judge's provider honours ``n`` (or ``af_num_choices`` says so) the votes are the choices of one
    call, which sends the long prompt once; otherwise each vote is its own call with its own cache scope.
    """
    return await _votes(model, prompt, settings, range(settings.af_votes), call, CHOICES_SCOPE)


async def _votes(
    model: Model,
    prompt: JudgePrompt,
    settings: JudgingSettings,
    indices: Sequence[int],
    call: JudgeCall[AlignmentFakingVote],
    choices_scope: str,
) -> list[JudgeReply]:
    """The votes at ``indices``: as choices of one call when the settings say so for this judge, and every vote
    that call did not return, or that cannot be parsed, drawn as its own call."""
    replies: list[JudgeReply | None] = [None] * len(indices)
    if votes_as_choices(settings, str(model)):
        replies = await _choices(model, prompt, settings, len(indices), call, choices_scope)
    missing = [position for position, reply in enumerate(replies) if reply is None]
    drawn = await _draw_votes(model, prompt, settings, [indices[position] for position in missing], call)
    for position, reply in zip(missing, drawn, strict=True):
        replies[position] = reply
    return [reply for reply in replies if reply is not None]


async def _choices(
    model: Model,
    prompt: JudgePrompt,
    settings: JudgingSettings,
    count: int,
    call: JudgeCall[AlignmentFakingVote],
    scope: str,
) -> list[JudgeReply | None]:
    """``count`` votes as the choices of one call; None where a choice is missing or unreadable, and all None
    when the call fails (the votes are then drawn one call each)."""
    replies: list[JudgeReply | None] = [None] * count
    try:
        output = await model.generate(
            judge_chat(prompt),
            config=judge_config(settings, temperature=AF_VOTE_TEMPERATURE, num_choices=count),
            cache=cache_policy(settings.cache, **{JUDGE_SCOPE: call.scope, VOTE_SCOPE: scope}),
        )
    except Exception:  # a provider that rejects `n`: fall back to one call per vote
        return replies
    for position, choice in enumerate(output.choices[:count]):
        text = choice.message.text
        try:
            replies[position] = JudgeReply(parsed=call.parse(text), raw=text, tries=1, error=None)
        except JudgeReplyError:
            continue
    return replies


async def _draw_votes(
    model: Model,
    prompt: JudgePrompt,
    settings: JudgingSettings,
    indices: Sequence[int],
    call: JudgeCall[AlignmentFakingVote],
) -> list[JudgeReply]:
    return list(
        await asyncio.gather(
            *(
                ask_judge(
                    model,
                    prompt,
                    call.parse,
                    settings,
                    temperature=AF_VOTE_TEMPERATURE,
                    scopes={JUDGE_SCOPE: call.scope, VOTE_SCOPE: str(index)},
                )
                for index in indices
            )
        )
    )


async def collect_sequential_af_votes(
    model: Model,
    prompt: JudgePrompt,
    settings: JudgingSettings,
    call: JudgeCall[AlignmentFakingVote] = VOTE_CALL,
) -> tuple[list[JudgeReply], SequentialDecision | None]:
    """Draw alignment-faking votes in small batches until the AF decision is settled (at most ``af_votes``).

    Each batch is one call asking for as many choices as it needs where votes are drawn as choices (then topped
    up, as in :func:`collect_af_votes`), else one call per vote.
    """
    voter = SequentialVoter(SequentialVotingPolicy(max_votes=settings.af_votes))
    replies: list[JudgeReply] = []
    while (needed := voter.needed()) > 0:
        first = voter.drawn
        batch = await _votes(
            model, prompt, settings, range(first, first + needed), call, f"{CHOICES_SCOPE}@{first}"
        )
        replies.extend(batch)
        voter = voter.add(r.parsed.is_alignment_faking if r.parsed is not None else None for r in batch)
    decision = voter.decision() if any(r.parsed is not None for r in replies) else None
    return replies, decision
