"""One visual vocabulary for every figure and the HTML report: the six outcome categories' colours and names,
the hatching that marks alignment-faking reasoning, and the colours of gaps and deployment risk levels.

The three base outcomes (refusal, partial compliance, compliance) each have a colour; a category's "with AF"
twin keeps that colour and adds dark hatching, so the eye reads the outcome first and AF reasoning second, as in
the paper's stacked bars. Plain hex strings, so the HTML legend and the matplotlib figures agree exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from afeval.outcomes import Category

CATEGORY_COLOURS: Final[Mapping[Category, str]] = {
    Category.REFUSAL: "#8db7d9",
    Category.REFUSAL_WITH_AF: "#8db7d9",
    Category.PARTIAL_COMPLIANCE: "#f1c453",
    Category.PARTIAL_COMPLIANCE_WITH_AF: "#f1c453",
    Category.COMPLIANCE: "#e07a5f",
    Category.COMPLIANCE_WITH_AF: "#e07a5f",
}

CATEGORY_LABELS: Final[Mapping[Category, str]] = {
    Category.REFUSAL: "refusal",
    Category.REFUSAL_WITH_AF: "refusal, AF reasoning",
    Category.PARTIAL_COMPLIANCE: "partial compliance",
    Category.PARTIAL_COMPLIANCE_WITH_AF: "partial compliance, AF reasoning",
    Category.COMPLIANCE: "compliance",
    Category.COMPLIANCE_WITH_AF: "compliance, AF reasoning",
}

AF_CATEGORIES: Final = frozenset(
    {Category.REFUSAL_WITH_AF, Category.PARTIAL_COMPLIANCE_WITH_AF, Category.COMPLIANCE_WITH_AF}
)
AF_HATCH: Final = "////"
AF_HATCH_COLOUR: Final = "#5b1a1a"
SEGMENT_EDGE_COLOUR: Final = "#ffffff"

# Named gaps keep one colour wherever they appear; any other gap takes the fallback.
GAP_COLOURS: Final[Mapping[str, str]] = {
    "compliance_gap": "#444444",
    "goal_guarding_gap": "#b2413a",
    "rater_sycophancy_gap": "#3a6fb2",
    "llm_rater_gap": "#6a8f3a",
    "sft_gap": "#8a5aa8",
    "other_model_training_gap": "#c08a2a",
}
FALLBACK_GAP_COLOUR: Final = "#777777"

# Deployment risk levels of the identity setting; "no client" is throughput testing, which has no risk level.
RISK_COLOURS: Final[Mapping[str, str]] = {"suspected": "#3a6fb2", "direct": "#b2413a", "no client": "#555555"}
RISK_MARKERS: Final[Mapping[str, str]] = {"suspected": "o", "direct": "s", "no client": "D"}


def gap_colour(name: str) -> str:
    return GAP_COLOURS.get(name, FALLBACK_GAP_COLOUR)


def gap_label(name: str) -> str:
    """``goal_guarding_gap`` -> ``goal-guarding gap``."""
    stem = name.removesuffix("_gap").replace("_", "-")
    return f"{stem} gap"
