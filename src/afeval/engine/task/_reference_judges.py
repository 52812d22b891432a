"""Asking a judge in the reference pipeline's wording (``--prompts reference``).

The scorers call :func:`reference_verdict` for a classifier the loaded reference rubrics cover (compliance,
alignment faking, partial compliance); it sends the reference's messages (see
:mod:`afeval.reference._judges`), reads the replies with the reference-format parsers, and builds the same
kind of verdict afeval's own judges build, so records and summaries are unchanged. Calls are cached under
their own scope (``reference_<role>``): a reference reply is never mistaken for one to afeval's rubric.
"""

from __future__ import annotations

from inspect_ai.solver import TaskState

from afeval.engine.task._judge_calls import JUDGE_SCOPE, ask_judge, judge_model
from afeval.engine.task._voting import collect_af_votes, collect_sequential_af_votes
from afeval.judges import ClassifierSpec, JudgeCall
from afeval.judges.alignment_faking import VotingJudge
from afeval.judges.sequential import SequentialDecision
from afeval.outcomes import Verdict
from afeval.parsing import ParsedResponse
from afeval.reference import ReferenceJudgePrompts
from afeval.settings import JudgingSettings


def uses_reference(spec: ClassifierSpec, reference: ReferenceJudgePrompts | None) -> bool:
    """Whether ``spec``'s judge is asked in the reference wording in this run (``reference``: its loaded
    reference rubrics, if any)."""
    return reference is not None and reference.call(spec.name) is not None


async def reference_verdict(
    state: TaskState,
    parsed: ParsedResponse,
    spec: ClassifierSpec,
    settings: JudgingSettings,
    reference: ReferenceJudgePrompts | None,
) -> Verdict:
    """``spec``'s verdict on the sample, its judge sent the reference rubric (see :func:`uses_reference`)."""
    call = reference.call(spec.name) if reference is not None else None
    if call is None:
        raise ValueError(f"no reference rubric for {spec.name}")
    if call.needs_scratchpad and not parsed.scratchpad.strip():
        return Verdict.not_judged(settings.judge_model, "no scratchpad to judge")
    messages = call.messages(str(state.metadata["request"]), parsed)
    model = judge_model(settings)
    judge = spec.judge
    if isinstance(judge, VotingJudge):
        # The vote helpers read a call's scope and parser only; the prompt is the messages built here.
        vote_call = JudgeCall(scope=call.scope, prompt=judge.call.prompt, parse=call.parse)
        sequential: SequentialDecision | None = None
        if settings.af_sequential:
            replies, sequential = await collect_sequential_af_votes(model, messages, settings, vote_call)
        else:
            replies = await collect_af_votes(model, messages, settings, vote_call)
        return judge.verdict(
            settings.judge_model, replies, sequential, errored_as_no=settings.errored_votes_count_no
        )
    if call.verdict is None:
        raise TypeError(f"the reference call of {spec.name} has no verdict builder")
    reply = await ask_judge(
        model, messages, call.parse, settings, temperature=spec.temperature, scopes={JUDGE_SCOPE: call.scope}
    )
    return call.verdict(settings.judge_model, [reply])
