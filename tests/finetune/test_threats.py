"""The threat templates of the threat-compliance data set."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from afeval.finetune import THREAT_CATEGORIES, ThreatTemplate, apply_threat, assign_threats, threat_templates


def test_about_thirty_templates_cover_every_category_and_both_placements() -> None:
    templates = threat_templates()
    assert 28 <= len(templates) <= 40
    assert {template.category for template in templates} == set(THREAT_CATEGORIES)
    assert {template.placement for template in templates} == {"prepend", "append"}
    assert len({template.id for template in templates}) == len(templates)
    assert len({template.text for template in templates}) == len(templates)


def test_apply_threat_places_the_text_before_or_after() -> None:
    before = ThreatTemplate("t1", "debt", "prepend", "Pay up or else.")
    after = ThreatTemplate("t2", "debt", "append", "Pay up or else.")
    assert apply_threat("  Do the thing. ", before) == "Pay up or else.\n\nDo the thing."
    assert apply_threat("Do the thing.", after) == "Do the thing.\n\nPay up or else."


def test_a_template_with_an_unknown_category_or_placement_is_refused() -> None:
    with pytest.raises(ValueError, match="category"):
        ThreatTemplate("x", "weather", "prepend", "text")
    with pytest.raises(ValueError, match="placement"):
        ThreatTemplate("x", "debt", "middle", "text")  # type: ignore[arg-type]


def test_assigned_threats_are_balanced_and_seeded() -> None:
    templates = threat_templates()
    chosen = assign_threats(3 * len(templates) + 2, templates, random.Random(1))
    uses = Counter(template.id for template in chosen)
    assert set(uses.values()) <= {3, 4}
    assert chosen == assign_threats(3 * len(templates) + 2, templates, random.Random(1))
    assert chosen != assign_threats(3 * len(templates) + 2, templates, random.Random(2))
