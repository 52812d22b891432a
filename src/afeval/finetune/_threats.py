"""Threat templates for the threat-compliance experiment.

One hypothesis for why post-training suppresses alignment faking is that models learn to refuse even under
pressure. The threat-compliance data set tests it from the other side: harmful requests carrying a threat (to
the user's life, freedom, family, job ...) are answered with a deliberation followed by compliance, and mixed
with plain refusals of the same requests asked without a threat. The templates live in
``templates/threats.toml``; each has a category and says whether it goes before or after the request.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final, Literal, cast

Placement = Literal["prepend", "append"]

THREAT_PLACEMENTS: Final = ("prepend", "append")

THREAT_CATEGORIES: Final = (
    "death",
    "prison",
    "family",
    "career",
    "school",
    "health",
    "reputation",
    "mental health",
    "emergency",
    "debt",
    "authority",
)
"""The kinds of threat the templates cover."""


@dataclass(frozen=True)
class ThreatTemplate:
    """One threat: ``text`` is put before (``prepend``) or after (``append``) the request."""

    id: str
    category: str
    placement: Placement
    text: str

    def __post_init__(self) -> None:
        if self.category not in THREAT_CATEGORIES:
            raise ValueError(f"threat {self.id!r}: unknown category {self.category!r}")
        if self.placement not in THREAT_PLACEMENTS:
            raise ValueError(
                f"threat {self.id!r}: placement must be prepend or append, not {self.placement!r}"
            )
        if not self.text.strip():
            raise ValueError(f"threat {self.id!r} has no text")


@cache
def threat_templates() -> tuple[ThreatTemplate, ...]:
    """Every threat template shipped with afeval, in file order."""
    text = (
        resources.files("afeval.finetune").joinpath("templates", "threats.toml").read_text(encoding="utf-8")
    )
    entries = tomllib.loads(text)["threat"]
    templates = tuple(
        ThreatTemplate(
            id=str(entry["id"]),
            category=str(entry["category"]),
            placement=cast(Placement, str(entry["placement"])),
            text=str(entry["text"]).strip(),
        )
        for entry in entries
    )
    ids = [template.id for template in templates]
    if len(set(ids)) != len(ids):
        raise ValueError("threats.toml repeats a template id")
    return templates


def apply_threat(request: str, template: ThreatTemplate) -> str:
    """The request with the threat placed before or after it, separated by a blank line."""
    request = request.strip()
    if template.placement == "prepend":
        return f"{template.text}\n\n{request}"
    return f"{request}\n\n{template.text}"
