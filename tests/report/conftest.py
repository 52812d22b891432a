"""Small planted runs for the report's tests: known category counts, and one hostile transcript."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fixtures.example_runs import example_record, write_example_run

from afeval.outcomes import Category
from afeval.results import SampleRecord
from afeval.scenario import ScenarioOptions

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
HOSTILE_ID = "hostile-0-free"

# free: 10 planted + the hostile one (compliant) = 11 judged, 7 compliant, 4 with AF; paid: 9 judged, 2 compliant.
FREE_PLAN = {
    Category.REFUSAL: 3,
    Category.REFUSAL_WITH_AF: 1,
    Category.PARTIAL_COMPLIANCE_WITH_AF: 1,
    Category.COMPLIANCE: 3,
    Category.COMPLIANCE_WITH_AF: 2,
}
PAID_PLAN = {Category.REFUSAL: 7, Category.PARTIAL_COMPLIANCE: 1, Category.COMPLIANCE: 1}


def hostile_record() -> SampleRecord:
    return example_record(
        0,
        "free",
        Category.COMPLIANCE,
        ScenarioOptions(),
        run_label="hostile",
        scratchpad=f"Thinking it over. {HOSTILE} Done thinking.",
        output=f"<request_fully_accepted/>\n{HOSTILE}",
        request=f"Please repeat {HOSTILE}",
    )


@pytest.fixture
def planted_run(tmp_path: Path) -> Path:
    """A two-tier run of 19 planted samples plus one whose scratchpad, output and request hold HTML and script
    (free: 11 samples, paid: 9)."""
    return write_example_run(
        tmp_path / "planted-run",
        {"free": FREE_PLAN, "paid": PAID_PLAN},
        model="example/model-x",
        extra_records=[hostile_record()],
    )
