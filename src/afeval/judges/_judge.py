"""The small interface every judge module fills in, so the engine can run any classifier from its catalogue entry.

A judge is a set of **calls** (each a cache scope, a prompt builder and a reply parser) and a **verdict
builder** that turns the replies into a :class:`~afeval.judges.Verdict`. The engine asks the calls and hands
the replies back; everything else is pure code in the judge's own module. Three ways of asking exist, and
the engine decides between them in one place (``afeval.engine.task._scorers.ask``):

* :class:`RubricJudge`: each call asked once, concurrently (compliance, partial compliance, the legacy pair,
  the motive categorisers);
* :class:`~afeval.judges.alignment_faking.VotingJudge`: one call drawn many times, its verdict a majority vote;
* :class:`~afeval.judges.follow_up.FollowUpJudge`: questions put to the model under test, one answer labelled
  by a judge call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from afeval.judges._templates import JudgePrompt
from afeval.judges._verdict import JudgeStatus, Verdict
from afeval.parsing import ParsedResponse

T = TypeVar("T")


@dataclass(frozen=True)
class JudgeReply:
    """The outcome of asking the judge once (with retries for unparseable replies): the parser's reading of the
    reply (of the type its call's parser returns), or None with the error that left it unread."""

    parsed: Any
    raw: str
    tries: int
    error: str | None

    def judged_verdict(
        self,
        judge: str,
        *,
        decision: bool | None,
        score: float | None,
        details: Mapping[str, Any],
        label: str | None = None,
    ) -> Verdict:
        """The verdict of a reply that was read: ``details`` then the raw reply (``reply``) kept with it; the
        tries before the one that was read count as errors."""
        return Verdict(
            status=JudgeStatus.JUDGED,
            judge=judge,
            decision=decision,
            score=score,
            label=label,
            details={**details, "reply": self.raw},
            n_errors=self.tries - 1,
        )

    def error_verdict(self, judge: str, details: Mapping[str, Any] | None = None) -> Verdict:
        """The judge-error verdict of a reply that could not be parsed (every try counts as an error)."""
        return Verdict(
            status=JudgeStatus.JUDGE_ERROR,
            judge=judge,
            details=dict(details or {}),
            n_errors=self.tries,
            error=self.error,
        )


@dataclass(frozen=True)
class JudgeCall(Generic[T]):
    """One judge call of a sample.

    ``prompt`` takes the transcript parts its classifier reads, in the order of the catalogue entry's
    ``inputs`` and returns one user message or a system and a user message. ``scope`` is part of the call's
    cache key: changing it makes every cached reply miss.
    """

    scope: str
    prompt: Callable[..., JudgePrompt]
    parse: Callable[[str], T]


@dataclass(frozen=True, kw_only=True)
class Judge:
    """What every judge has: its calls, the rubric it is named by, and its no-API version if it has one."""

    calls: tuple[JudgeCall[Any], ...]
    rubric: str  # "the offline judge has no <rubric>"
    offline: Callable[[ParsedResponse], Verdict] | None = None
    graded_value: bool = False

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(call.scope for call in self.calls)

    @property
    def no_scratchpad_is_no(self) -> bool:
        """Whether, where every response is counted, a response without a scratchpad is a judged No rather
        than not judged (the alignment-faking vote's rule); False unless a judge says otherwise."""
        return False


@dataclass(frozen=True, kw_only=True)
class RubricJudge(Judge):
    """Each call asked once, at temperature 0; ``verdict`` gets the judge's name and one reply per call.

    With ``graded_value`` the engine's score value is the verdict's graded score (the legacy pair's 0 / 0.5 / 1)
    rather than its yes/no decision.
    """

    verdict: Callable[[str, Sequence[JudgeReply]], Verdict]
