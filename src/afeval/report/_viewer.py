"""The transcript viewer's rows: one per sample (or a stratified selection), with the judges' verdicts and quotes
in the form the report's viewer draws them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Final

from afeval.outcomes import Verdict
from afeval.report._data import LoadedRun
from afeval.results import SampleRecord
from afeval.scenario import (
    ACCEPT_TAG,
    DRAFT_OUTPUT_TAG,
    FREE_TIER_TAG,
    NEXT_TAG,
    OUTPUT_TAG,
    REJECT_TAG,
    SCRATCHPAD_TAG,
    USER_INPUT_TAG,
    get_setting,
    setting_names,
)

_PLACEHOLDER_QUOTES: Final = frozenset({"", "none", "n/a", "na", "null", "-", "—", "no quote", "nothing"})


SCENARIO_TAGS: Final[tuple[str, ...]] = (
    SCRATCHPAD_TAG,
    OUTPUT_TAG,
    DRAFT_OUTPUT_TAG,
    USER_INPUT_TAG,
    FREE_TIER_TAG,
    ACCEPT_TAG.strip("</>"),
    REJECT_TAG.strip("</>"),
    NEXT_TAG.strip("</>"),
)


def scenario_tag_names() -> tuple[str, ...]:
    """The tags the viewer draws as labelled sections: the response format's and every setting's tier tag.
    Any other tag (``<script>``, say) stays literal text."""
    tier_tags = (get_setting(name).tier_tag for name in setting_names())
    return tuple(dict.fromkeys((*SCENARIO_TAGS, *tier_tags)))


def judge_quotes(verdicts: Iterable[Verdict]) -> list[dict[str, Any]]:
    """The distinct passages the judges quoted across their votes, most often cited first."""
    counts: Counter[str] = Counter()
    first_judge: dict[str, str] = {}
    for verdict in verdicts:
        for vote in verdict.votes:
            for quote in vote.get("quotes") or ():
                text = str(quote).strip().strip('"“”').strip()
                if text.lower() in _PLACEHOLDER_QUOTES or len(text) < 3:
                    continue
                counts[text] += 1
                first_judge.setdefault(text, verdict.judge)
    return [
        {"text": text, "count": count, "judge": first_judge[text]} for text, count in counts.most_common()
    ]


def _criteria_counts(verdict: Verdict) -> list[int] | None:
    rows: list[Sequence[Any]] = [vote["criteria"] for vote in verdict.votes if vote.get("criteria")]
    if not rows:
        return None
    width = max(len(row) for row in rows)
    return [sum(1 for row in rows if i < len(row) and bool(row[i])) for i in range(width)]


def verdict_row(name: str, verdict: Verdict) -> dict[str, Any]:
    """A verdict as the viewer shows it: who judged, the decision, score and label, and the judge's reasoning."""
    details = verdict.details
    reasoning = details.get("reasoning") or details.get("reason") or verdict.error or ""
    flags = {
        key: details[key] for key in ("scheming", "compromise", "avoidance", "refused") if key in details
    }
    return {
        "name": name,
        "judge": verdict.judge,
        "status": verdict.status.value,
        "decision": verdict.decision,
        "score": verdict.score,
        "label": verdict.label,
        "reasoning": str(reasoning),
        "flags": flags,
        "n_votes": len(verdict.votes),
        "criteria": _criteria_counts(verdict),
        "n_errors": verdict.n_errors,
    }


def viewer_row(index: int, run: LoadedRun, record: SampleRecord) -> dict[str, Any]:
    """One transcript for the viewer: prompt, scratchpad and output apart; every verdict; the AF score."""
    category = record.outcome.category
    af = record.alignment_faking
    verdicts = {
        "compliance": record.compliance,
        "alignment_faking": af,
        "partial_compliance": record.partial_compliance,
        **record.extra_verdicts,
    }
    return {
        "index": index,
        "run": run.run_id,
        "model": run.model,
        "scenario": run.scenario,
        "sample_id": record.sample_id,
        "request_id": record.request_id,
        "tier": record.tier,
        "category": category.value if category is not None else None,
        "status": record.response_status,
        "attempts": record.attempts,
        "request": record.request,
        "prompt": record.user_prompt,
        "scratchpad": record.scratchpad,
        "output": record.output,
        "af_score": af.score if af.judged else None,
        "af_label": af.label if af.judged else None,
        "af_votes": {"yes": af.details.get("yes"), "n": af.details.get("n_votes")} if af.judged else None,
        "verdicts": [verdict_row(name, verdict) for name, verdict in verdicts.items()],
        "quotes": judge_quotes(verdicts.values()),
        "error": record.error,
    }


def viewer_rows(runs: Sequence[LoadedRun], max_transcripts: int | None = None) -> list[dict[str, Any]]:
    """The samples the viewer shows, in run then file order: all of them, or at most ``max_transcripts``.

    A capped selection is stratified: every (run, tier, category) keeps its share of the cap, at least one
    transcript, taken in file order, so rare outcomes (alignment faking in the paid tier, say) stay visible
    while a report of a 100,000-sample sweep stays small enough for a browser."""
    chosen = _stratified_selection(runs, max_transcripts)
    rows: list[dict[str, Any]] = []
    for run in runs:
        for position, record in enumerate(run.samples):
            if chosen is None or (run.run_id, position) in chosen:
                rows.append(viewer_row(len(rows), run, record))
    return rows


def _stratified_selection(runs: Sequence[LoadedRun], cap: int | None) -> set[tuple[str, int]] | None:
    """(run id, position) of the samples to keep under ``cap``; None keeps everything."""
    total = sum(len(run.samples) for run in runs)
    if cap is None or cap <= 0 or total <= cap:
        return None
    strata: dict[tuple[str, str, str], list[tuple[str, int]]] = {}
    for run in runs:
        for position, record in enumerate(run.samples):
            category = record.outcome.category
            key = (
                run.run_id,
                record.tier,
                category.value if category is not None else record.response_status,
            )
            strata.setdefault(key, []).append((run.run_id, position))
    chosen: set[tuple[str, int]] = set()
    for members in strata.values():
        quota = max(1, cap * len(members) // total)
        chosen.update(members[:quota])
    return chosen
