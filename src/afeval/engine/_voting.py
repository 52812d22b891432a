"""Drawing alignment-faking votes: a fixed number, as choices of one call, or sequentially until settled.

A vote's cache scope is its absolute index, so fixed and sequential runs share cached votes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from inspect_ai.model import Model

from afeval.engine._judge_calls import JUDGE_SCOPE, VOTE_SCOPE, JudgeSettings, ask_judge, judge_chat
from afeval.engine._solver import cache_policy
from afeval.judges import JudgeCall, JudgePrompt, JudgeReply, JudgeReplyError
from afeval.judges.alignment_faking import VOTE_CALL, AlignmentFakingVote
from afeval.judges.sequential import SequentialDecision, SequentialVoter, SequentialVotingPolicy


async def collect_af_votes(
    model: Model,
    prompt: JudgePrompt,
    settings: JudgeSettings,
    call: JudgeCall[AlignmentFakingVote] = VOTE_CALL,
) -> list[JudgeReply]:
    """Draw ``settings.af_votes`` independent alignment-faking votes at temperature 1.

    By default each vote is its own call with its own cache scope. With ``af_num_choices`` the votes come from
    one call asking for that many choices, which sends the long prompt once; votes the provider did not return
    or that cannot be parsed are then drawn one by one, as in the default mode.
    """
    replies: list[JudgeReply | None] = [None] * settings.af_votes
    if settings.af_num_choices:
        try:
            output = await model.generate(
                judge_chat(prompt),
                config=settings.generate_config(
                    temperature=settings.af_temperature, num_choices=settings.af_votes
                ),
                cache=cache_policy(settings.cache, **{JUDGE_SCOPE: call.scope, VOTE_SCOPE: "choices"}),
            )
            for index, choice in enumerate(output.choices[: settings.af_votes]):
                text = choice.message.text
                with contextlib.suppress(JudgeReplyError):
                    replies[index] = JudgeReply(parsed=call.parse(text), raw=text, tries=1, error=None)
        except Exception:  # fall back to one call per vote below
            pass
    missing = [index for index, reply in enumerate(replies) if reply is None]
    for index, reply in zip(missing, await _draw_votes(model, prompt, settings, missing, call), strict=True):
        replies[index] = reply
    return [reply for reply in replies if reply is not None]


async def _draw_votes(
    model: Model,
    prompt: JudgePrompt,
    settings: JudgeSettings,
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
                    temperature=settings.af_temperature,
                    scopes={JUDGE_SCOPE: call.scope, VOTE_SCOPE: str(index)},
                )
                for index in indices
            )
        )
    )


async def collect_sequential_af_votes(
    model: Model,
    prompt: JudgePrompt,
    settings: JudgeSettings,
    call: JudgeCall[AlignmentFakingVote] = VOTE_CALL,
) -> tuple[list[JudgeReply], SequentialDecision | None]:
    """Draw alignment-faking votes in small batches until the AF decision is settled (at most ``af_votes``)."""
    voter = SequentialVoter(SequentialVotingPolicy(max_votes=settings.af_votes))
    replies: list[JudgeReply] = []
    while (needed := voter.needed()) > 0:
        batch = await _draw_votes(model, prompt, settings, range(voter.drawn, voter.drawn + needed), call)
        replies.extend(batch)
        voter = voter.add(r.parsed.is_alignment_faking if r.parsed is not None else None for r in batch)
    decision = voter.decision() if any(r.parsed is not None for r in replies) else None
    return replies, decision
