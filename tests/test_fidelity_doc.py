"""docs/fidelity.md's table of rules is checked against the presets: the ``--paper`` column against
``PAPER_PRESET`` and the default column against ``MODEL_PRESET``, field by field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from afeval.settings import MODEL_PRESET, PAPER_PRESET, Preset

FIDELITY = Path(__file__).resolve().parents[1] / "docs" / "fidelity.md"
SETTING = re.compile(r"^`(dataset|generation|judging)\.([a-z_]+)`$")
FIRST_CODE = re.compile(r"`([^`]*)`")


def table_rows() -> list[list[str]]:
    """The cells of the rules table (the one whose header starts ``| rule |``)."""
    rows: list[list[str]] = []
    inside = False
    for line in FIDELITY.read_text(encoding="utf-8").splitlines():
        if line.startswith("| rule |"):
            inside = True
        elif inside and not line.startswith("|"):
            break
        elif inside and not line.startswith("| ---"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


def shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return repr(value)
    return str(value)


def value_of(preset: Preset, part: str, name: str) -> Any:
    return getattr(getattr(preset, part), name)


SETTING_ROWS = [row for row in table_rows() if SETTING.match(row[4])]


def test_the_table_has_every_rule() -> None:
    rules = {row[0] for row in table_rows()}
    for rule in (
        "Requests",
        "Judge model",
        "Turns",
        "Attempts at an unusable reply",
        "Which responses count",
        "What the compliance judge reads",
        "Canned refusals",
        "Unreadable AF votes",
        "What the partial-compliance judge reads",
        "Error bars",
        '"Has a compliance gap"',
        "Prompt text",
        "Sweep sizes",
    ):
        assert rule in rules, rule
    assert all(len(row) == 5 for row in table_rows())


def test_every_counting_rule_of_the_paper_preset_has_a_row() -> None:
    # Each field on which the paper preset differs from a named model's run is a rule the table must list.
    documented = {SETTING.match(row[4]).groups() for row in SETTING_ROWS}  # type: ignore[union-attr]
    for part in ("dataset", "generation", "judging"):
        paper, default = getattr(PAPER_PRESET, part), getattr(MODEL_PRESET, part)
        for name in vars(paper):
            if getattr(paper, name) != getattr(default, name):
                assert (part, name) in documented, f"{part}.{name} differs but has no row"


@pytest.mark.parametrize("row", SETTING_ROWS, ids=[row[4] for row in SETTING_ROWS])
def test_the_preset_columns_show_the_presets_values(row: list[str]) -> None:
    match = SETTING.match(row[4])
    assert match is not None
    part, name = match.groups()
    for cell, preset in ((row[2], PAPER_PRESET), (row[3], MODEL_PRESET)):
        written = FIRST_CODE.search(cell)
        assert written is not None, f"{name}: {cell!r} names no value"
        assert written.group(1) == shown(value_of(preset, part, name)), f"{part}.{name} in {preset.name}"
