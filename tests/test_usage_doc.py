"""docs/usage.md lists every setting option of ``afeval run``: the options are derived from the settings fields
(afeval.settings.SETTING_KEYS), so a new setting is an option at once and this keeps the page in step."""

from __future__ import annotations

from pathlib import Path

from afeval.settings import SETTING_KEYS

USAGE = Path(__file__).resolve().parents[1] / "docs" / "usage.md"


def test_every_setting_option_is_documented() -> None:
    text = USAGE.read_text(encoding="utf-8")
    missing = [key.name for key in SETTING_KEYS if f"`--{key.name.replace('_', '-')}" not in text]
    assert not missing, f"docs/usage.md does not document the options of these setting keys: {missing}"
