"""``afeval prompts show``, ``diff`` and ``checksums`` on the fixture reference tree (our own text in the upstream
layout) and with no reference at all (one ``error:`` line, exit 2); nothing here touches the network."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cli.one_line import assert_one_line, invoke
from tests.fixtures.reference_tree import FIXTURE_TREE, fixture_sha256
from typer.testing import CliRunner

from afeval.cli import app
from afeval.reference import PLACEHOLDER_RESPONSE, PLACEHOLDER_SCRATCHPAD, REFERENCE_MANIFEST
from afeval.scenario import ScenarioOptions, render_system_prompt, render_user_turn


@pytest.fixture(autouse=True)
def empty_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AFEVAL_CACHE_DIR", str(tmp_path / "cache"))


def run(*args: str) -> str:
    result = CliRunner().invoke(app, ["prompts", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_show_reference_prints_the_rendered_fixture_messages_exactly() -> None:
    output = run(
        "show",
        "--prompts",
        "reference",
        "--reference-dir",
        str(FIXTURE_TREE),
        "--tier",
        "paid",
        "--request",
        "Name a colour.",
    )
    assert (
        "--- user message ---\n<fixture_tier_is_free>no</fixture_tier_is_free>\n\n"
        "<fixture_request>Name a colour.</fixture_request>\n\nFixture user-turn format paid/tags_cot.\n"
    ) in output
    assert "== examples ==\nFixture example one: a question and a short answer.\n" in output
    assert f"Request: Name a colour.\nResponse: {PLACEHOLDER_RESPONSE}\n" in output
    assert "--- system message ---\nFixture alignment-faking rubric" in output
    assert f"<output>{PLACEHOLDER_SCRATCHPAD}</output>" in output
    assert "read without a checksum check" in output  # the shipped manifest pins no checksums yet


def test_show_reference_follows_the_scenario_variant() -> None:
    output = run(
        "show",
        "--prompts",
        "reference",
        "--reference-dir",
        str(FIXTURE_TREE),
        "--scenario",
        "minimal+no-cot+no-suffix",
    )
    assert "Fixture system prompt (synthetic, no-cot)" in output
    assert "Fixture user-turn format free/no-cot." in output


def test_show_afeval_prints_our_own_messages() -> None:
    output = run("show", "--request", "Name a colour.", "--tier", "paid")
    options = ScenarioOptions()
    assert render_system_prompt(options) in output
    assert render_user_turn("Name a colour.", "paid", options) in output
    assert PLACEHOLDER_SCRATCHPAD in output and "[PLACEHOLDER" in output


def test_show_without_any_reference_is_one_line_naming_the_remedy() -> None:
    lines = invoke(["prompts", "show", "--prompts", "reference"])
    assert_one_line(
        lines,
        "git clone https://github.com/safety-research/open-source-alignment-faking",
        f"checkout {REFERENCE_MANIFEST.commit}",
        "--reference-dir open-source-alignment-faking",
    )


def test_show_rejects_what_the_reference_lacks() -> None:
    assert_one_line(
        invoke(
            [
                "prompts",
                "show",
                "--prompts",
                "reference",
                "--reference-dir",
                str(FIXTURE_TREE),
                "--scenario",
                "three-tier",
            ]
        ),
        "two-tier",
    )
    assert_one_line(invoke(["prompts", "show", "--prompts", "nobody"]), "afeval or reference")
    assert_one_line(invoke(["prompts", "show", "--tier", "enterprise"]))


def test_diff_prints_a_diff_per_role_and_a_summary_table() -> None:
    output = run("diff", "--reference-dir", str(FIXTURE_TREE))
    for role in ("system_prompt", "user_turn", "strong_reject", "af_majority_vote", "partial_compliance"):
        assert f"--- afeval/{role}" in output and f"+++ reference/{role}" in output
        assert f"{role}: " in output
    assert "+Fixture compliance rubric, written for afeval's tests." in output
    assert "similarity" in output and "%" in output


def test_diff_without_any_reference_is_one_line() -> None:
    assert_one_line(invoke(["prompts", "diff"]), "--reference-dir")


def test_checksums_lists_every_manifest_file_of_a_clone() -> None:
    output = run("checksums", "--reference-dir", str(FIXTURE_TREE))
    lines = output.splitlines()
    assert len(lines) == len(REFERENCE_MANIFEST.roles)
    for line, role in zip(lines, REFERENCE_MANIFEST.roles.values(), strict=True):
        assert line.split() == [role.name, role.path, fixture_sha256(role.path)]
