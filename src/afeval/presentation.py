"""Sentences about results for people: what the console (``afeval`` commands) and the HTML report both print.

Kept out of :mod:`afeval.results`, which holds the data and the files, and out of the CLI, which the report
does not import.
"""

from __future__ import annotations

from afeval.results import RunSummaryDocument
from afeval.settings import ComplianceInput, PartialInput


def counting_rules(summary: RunSummaryDocument) -> str:
    """Under which rules the printed numbers were obtained: the preset, and how responses were counted and
    judged, in whose wording (docs/fidelity.md)."""
    preset = summary.preset or "custom"
    judging = summary.judging_settings
    if judging is None or summary.judges is None or "count_invalid" not in summary.judges:
        return f"{preset} (a file from before the counting rules were recorded: invalid responses left out)"
    compliance_reads = (
        "response without scratchpads"
        if judging.compliance_input == ComplianceInput.RESPONSE
        else "final output"
    )
    partial_reads = (
        "scratchpad alone"
        if judging.partial_input == PartialInput.SCRATCHPAD
        else "request, scratchpad and output"
    )
    parts = [
        "every response counted, invalid ones included" if judging.count_invalid else "valid responses only",
        f"compliance judge reads the {compliance_reads}",
        f"partial-compliance judge reads the {partial_reads}",
    ]
    if judging.refusal_shortcut:
        parts.append("canned refusals scored without a judge")
    if judging.errored_votes_count_no:
        parts.append("unreadable AF votes count No")
    if judging.prompts == "reference":
        parts.append("judges given the reference pipeline's rubrics")
    return f"{preset} — " + "; ".join(parts)
