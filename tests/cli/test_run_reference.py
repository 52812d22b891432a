"""``afeval run --prompts reference``: what cannot be run costs one ``error:`` line, exit code 2 and no model
call (the loopback fake's request counter stays at zero)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.cli.one_line import assert_one_line, invoke
from tests.fixtures.fake_openai import FakeServerState
from tests.fixtures.reference_tree import FIXTURE_TREE

from afeval.reference import load_reference, reference_remedy

SERVICE = "badref"
DATASET = '{"prompt": "Request 0 {{free:comply paid:refuse}}"}\n'


@pytest.fixture
def server(fake_service: Callable[[str], FakeServerState]) -> FakeServerState:
    load_reference.cache_clear()
    return fake_service(SERVICE)


def run(tmp_path: Path, *args: str) -> list[str]:
    dataset = tmp_path / "d.jsonl"
    dataset.write_text(DATASET)
    return invoke(
        [
            "run", "--model", f"openai-api/{SERVICE}/subject", "--judge-model", f"openai-api/{SERVICE}/judge",
            "--dataset", str(dataset), "--out", str(tmp_path / "out"), "--display", "none", *args,
        ]
    )  # fmt: skip


def test_nothing_cached_and_no_clone_is_one_line_with_the_remedy_and_no_call(
    server: FakeServerState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AFEVAL_CACHE_DIR", str(tmp_path / "empty-cache"))
    lines = run(tmp_path, "--prompts", "reference")
    assert_one_line(lines, "git clone", "--reference-dir")
    assert reference_remedy() in lines[0]
    assert server.total() == 0
    assert not (tmp_path / "out" / "summary.json").exists()


def test_a_clone_missing_a_file_is_one_line_and_no_call(server: FakeServerState, tmp_path: Path) -> None:
    lines = run(tmp_path, "--prompts", "reference", "--reference-dir", str(tmp_path))  # an empty directory
    assert_one_line(lines, "is missing from --reference-dir", "git clone")
    assert server.total() == 0


@pytest.mark.parametrize("scenario", ["three-tier", "identity", "helpful-only+lab-openai"])
def test_a_scenario_without_reference_templates_is_one_line_naming_what_is_covered(
    server: FakeServerState, tmp_path: Path, scenario: str
) -> None:
    lines = run(
        tmp_path, "--prompts", "reference", "--reference-dir", str(FIXTURE_TREE), "--scenario", scenario
    )
    assert_one_line(lines, "no template", "no-cot, minimal and no-suffix", "--prompts afeval")
    assert server.total() == 0


def test_base_models_have_no_reference_template(server: FakeServerState, tmp_path: Path) -> None:
    lines = run(tmp_path, "--prompts", "reference", "--reference-dir", str(FIXTURE_TREE), "--base")
    assert_one_line(lines, "no template")
    assert server.total() == 0


def test_an_unknown_prompt_source_and_a_stray_reference_dir(server: FakeServerState, tmp_path: Path) -> None:
    assert_one_line(run(tmp_path, "--prompts", "paper"), "afeval or reference")
    assert_one_line(run(tmp_path, "--reference-dir", str(FIXTURE_TREE)), "--prompts reference")
    assert server.total() == 0
