"""The judging names and defaults that settings need, without the judges themselves.

:mod:`afeval.settings` defaults to the offline judge, the default number of alignment-faking votes and the
default classifier selection, and checks a selection's names; importing a judge module (and through
``afeval.judges``' ``__init__``, every judge) for that would put the whole judging layer under the settings.
So the names live here, low in the import graph (this module imports nothing from afeval), and the judge
modules import them from here too: ``OFFLINE_JUDGE`` (:mod:`afeval.judges.offline`), ``DEFAULT_AF_VOTES``
(:mod:`afeval.judges.voting`) and the classifier names of :mod:`afeval.judges.catalog`, whose entries must
carry exactly these names in this order (the catalogue checks it when it is imported).

:func:`select_classifier_names` is the one validation of a selection; ``select_classifiers`` in the catalogue
maps its names to their specs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

OFFLINE_JUDGE: Final = "offline"
"""The judge model string of the no-API judges."""

DEFAULT_AF_VOTES: Final = 20
"""Alignment-faking votes per scratchpad (Sheshadri et al., 2025)."""

CLASSIFIER_NAMES: Final[tuple[str, ...]] = (
    "compliance",
    "alignment_faking",
    "partial_compliance",
    "af_legacy",
    "helpfulness_motive",
    "af_motive",
    "follow_up",
)
"""Every selectable classifier's name, in the order results list them (the catalogue's order)."""

REQUIRED_CLASSIFIER: Final = "compliance"
"""The classifier every selection must hold: compliance, which every rate and the compliance gap build on."""

DEFAULT_CLASSIFIERS: Final[tuple[str, ...]] = ("compliance", "alignment_faking", "partial_compliance")
"""The selection a run makes when it is given none."""


def check_classifier_name(name: str) -> str:
    """``name`` itself; raises ValueError naming the choices when it is unknown."""
    if name not in CLASSIFIER_NAMES:
        raise ValueError(f"unknown classifier {name!r}; choose from {', '.join(CLASSIFIER_NAMES)}")
    return name


def select_classifier_names(names: str | Sequence[str]) -> tuple[str, ...]:
    """The names of a selection such as ``"compliance,af_legacy"``, in the order given, duplicates dropped.

    Blank entries are ignored. Raises ValueError for an unknown name or when the required compliance
    classifier is missing.
    """
    entries = names.split(",") if isinstance(names, str) else list(names)
    chosen: dict[str, str] = {}
    for entry in entries:
        name = entry.strip()
        if name and name not in chosen:
            chosen[name] = check_classifier_name(name)
    if REQUIRED_CLASSIFIER not in chosen:
        raise ValueError(
            f"the {REQUIRED_CLASSIFIER} classifier is required (every rate and the compliance gap build on it)"
        )
    return tuple(chosen)
