"""The results files every later step reads: one row per sample and ``summary.json``.

A run directory holds::

    summary.json        run settings, per-tier rates with 95% intervals, the compliance gap
    samples.jsonl       one row per sample: prompt, tier, raw response, parsed parts, every verdict and vote
                        (the optional classifiers' verdicts under "classifiers", by name)
    system_prompt.txt   the rendered system prompt (shared by every sample, so stored once)
    logs/               Inspect's .eval logs (browse them with ``inspect view --log-dir DIR/logs``)

This module is the one schema; figures, reports and re-scoring read only these files.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from afeval.outcomes import RunSummary, SampleOutcome, Verdict

SUMMARY_FILE = "summary.json"
SAMPLES_FILE = "samples.jsonl"
OUTCOMES_FILE = "outcomes.jsonl"  # one small line per sample: the verdicts without votes
SYSTEM_PROMPT_FILE = "system_prompt.txt"
LOGS_DIR = "logs"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class SampleRecord:
    """Everything known about one sample, as stored in ``samples.jsonl``."""

    sample_id: str
    request_id: str
    request: str
    tier: str
    user_prompt: str
    response: str
    attempts: int
    response_status: str
    scratchpad: str
    output: str
    accepted: bool
    refused: bool
    compliance: Verdict
    alignment_faking: Verdict
    partial_compliance: Verdict
    error: str | None = None
    extra_verdicts: Mapping[str, Verdict] = field(default_factory=dict)  # optional classifiers, by name

    @property
    def valid(self) -> bool:
        return self.response_status == "valid"

    @property
    def outcome(self) -> SampleOutcome:
        return SampleOutcome(
            tier=self.tier,
            valid=self.valid,
            tag_accepted=self.accepted and not self.refused,
            response_status=self.response_status,
            compliance=self.compliance,
            alignment_faking=self.alignment_faking,
            partial_compliance=self.partial_compliance,
            extra_verdicts=self.extra_verdicts,
        )

    def to_dict(self) -> dict[str, Any]:
        category = self.outcome.category
        return {
            "sample_id": self.sample_id,
            "request_id": self.request_id,
            "request": self.request,
            "tier": self.tier,
            "user_prompt": self.user_prompt,
            "response": self.response,
            "attempts": self.attempts,
            "response_status": self.response_status,
            "scratchpad": self.scratchpad,
            "output": self.output,
            "accepted": self.accepted,
            "refused": self.refused,
            "compliance": self.compliance.to_dict(),
            "alignment_faking": self.alignment_faking.to_dict(),
            "partial_compliance": self.partial_compliance.to_dict(),
            "classifiers": {name: verdict.to_dict() for name, verdict in self.extra_verdicts.items()},
            "category": category.value if category else None,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SampleRecord:
        return cls(
            sample_id=str(data["sample_id"]),
            request_id=str(data["request_id"]),
            request=str(data["request"]),
            tier=str(data["tier"]),
            user_prompt=str(data["user_prompt"]),
            response=str(data["response"]),
            attempts=int(data["attempts"]),
            response_status=str(data["response_status"]),
            scratchpad=str(data["scratchpad"]),
            output=str(data["output"]),
            accepted=bool(data["accepted"]),
            refused=bool(data["refused"]),
            compliance=Verdict.from_dict(data["compliance"]),
            alignment_faking=Verdict.from_dict(data["alignment_faking"]),
            partial_compliance=Verdict.from_dict(data["partial_compliance"]),
            error=data.get("error"),
            # Rows written before the optional classifiers existed have no "classifiers" field.
            extra_verdicts={
                str(name): Verdict.from_dict(verdict)
                for name, verdict in (data.get("classifiers") or {}).items()
            },
        )


def _atomic_write_text(path: Path, text: str) -> None:
    # A crash mid-write must never leave a truncated results file behind.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_samples(run_dir: Path, records: Iterable[SampleRecord]) -> list[SampleOutcome]:
    """Write ``samples.jsonl`` (every field, votes included) and ``outcomes.jsonl`` (what the rates need) one
    record at a time, so a run of any size is written in constant memory; returns the outcomes (without
    the votes, as in ``outcomes.jsonl``).

    Both files are written to temporary names and moved into place, so a crash never leaves half a file."""
    run_dir.mkdir(parents=True, exist_ok=True)
    outcomes: list[SampleOutcome] = []
    samples_tmp = run_dir / f".{SAMPLES_FILE}.tmp"
    outcomes_tmp = run_dir / f".{OUTCOMES_FILE}.tmp"
    with (
        samples_tmp.open("w", encoding="utf-8") as samples,
        outcomes_tmp.open("w", encoding="utf-8") as small,
    ):
        for record in records:
            outcome = record.outcome.without_votes()
            samples.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
            small.write(json.dumps(outcome.to_dict(), ensure_ascii=False) + "\n")
            outcomes.append(outcome)
    samples_tmp.replace(run_dir / SAMPLES_FILE)
    outcomes_tmp.replace(run_dir / OUTCOMES_FILE)
    return outcomes


def read_outcomes(run_dir: Path) -> Iterator[SampleOutcome]:
    """The samples' outcomes, from ``outcomes.jsonl`` (or from ``samples.jsonl`` for runs written before it
    existed): all a summary needs, at a fraction of the reading time of the full records."""
    path = run_dir / OUTCOMES_FILE
    if not path.is_file():
        yield from (record.outcome for record in read_samples(run_dir))
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield SampleOutcome.from_dict(json.loads(line))


def read_samples(run_dir: Path) -> Iterator[SampleRecord]:
    with (run_dir / SAMPLES_FILE).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield SampleRecord.from_dict(json.loads(line))


def summary_document(
    *,
    settings: Mapping[str, Any],
    summary: RunSummary,
) -> dict[str, Any]:
    """The ``summary.json`` document: the run's settings, then per-tier rates, the compliance gap and every gap
    of the setting (``gaps``: name -> minuend tier, subtrahend tier, value, ci95, p_value)."""
    gap = summary.compliance_gap
    return {
        "schema_version": SCHEMA_VERSION,
        **settings,
        "tiers": {tier: tier_summary.to_dict() for tier, tier_summary in summary.tiers.items()},
        "compliance_gap": gap.to_dict() if gap is not None else None,
        "gaps": {
            name: {"minuend": spec.minuend, "subtrahend": spec.subtrahend, **estimate.to_dict()}
            for name, (spec, estimate) in summary.gaps.items()
        },
    }


def write_summary(run_dir: Path, document: Mapping[str, Any]) -> Path:
    path = run_dir / SUMMARY_FILE
    _atomic_write_text(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path


def read_summary(run_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((run_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
    return data


def write_system_prompt(run_dir: Path, system_prompt: str) -> Path:
    path = run_dir / SYSTEM_PROMPT_FILE
    _atomic_write_text(path, system_prompt)
    return path


def outcomes_of(records: Sequence[SampleRecord]) -> list[SampleOutcome]:
    return [record.outcome for record in records]
