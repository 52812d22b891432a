"""Failures that speak: a judge that cannot give a verdict on more than 5 % of the samples it was asked about in
a tier gets a ``warning:`` line on the console and an entry in summary.json's ``warnings``; ``--strict`` turns
any warning into exit code 1 (the results are written all the same).

Runs the real command against the loopback fake provider: ``+judgefail`` makes the compliance judge answer
nonsense on that sample."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.fixtures.fake_openai import FakeServerState, run_against_fake, write_planted_requests
from typer.testing import CliRunner, Result

from afeval.cli import app

SERVICE = "warn"


@pytest.fixture
def server(fake_service: Callable[[str], FakeServerState]) -> FakeServerState:
    return fake_service(SERVICE)


def run(tmp_path: Path, plans: list[tuple[str, str]], *extra: str) -> Result:
    dataset = write_planted_requests(tmp_path / "planted.jsonl", plans)
    result: Result = run_against_fake(SERVICE, dataset, tmp_path / "out", *extra)
    return result


def warnings_of(tmp_path: Path) -> list[dict[str, object]]:
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    warnings: list[dict[str, object]] = summary["warnings"]
    return warnings


MOSTLY_FAILING = [("comply+judgefail", "refuse")] * 3 + [("comply", "refuse")]


def test_a_judge_failing_on_most_samples_speaks(server: FakeServerState, tmp_path: Path) -> None:
    result = run(tmp_path, MOSTLY_FAILING)
    assert result.exit_code == 0, result.output  # no change without --strict
    (line,) = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert "compliance judge failed on 3 of 4 free samples (75%); first error:" in line
    (warning,) = warnings_of(tmp_path)
    assert warning["kind"] == "judge_errors"
    assert (warning["judge"], warning["tier"], warning["count"], warning["n"]) == ("compliance", "free", 3, 4)
    first = str(warning["first_error"])
    assert first and "\n" not in first and first in line
    assert warning["message"] == line.removeprefix("warning: ")


def test_strict_exits_1_and_keeps_the_results(server: FakeServerState, tmp_path: Path) -> None:
    result = run(tmp_path, MOSTLY_FAILING, "--strict")
    assert result.exit_code == 1, result.output
    assert "--strict: 1 warning" in result.output
    assert (tmp_path / "out" / "samples.jsonl").is_file() and warnings_of(tmp_path)
    rescored = CliRunner().invoke(
        app,
        ["rescore", str(tmp_path / "out"), "--out", str(tmp_path / "again"), "--display", "none", "--strict"],
    )
    assert rescored.exit_code == 1, rescored.output
    assert "warning: compliance judge failed on 3 of 4 free samples" in rescored.output


def test_under_five_percent_gives_no_warning(server: FakeServerState, tmp_path: Path) -> None:
    # 1 of 21 free samples (4.8 %) is under the line.
    result = run(tmp_path, [("comply+judgefail", "refuse")] + [("comply", "refuse")] * 20, "--strict")
    assert result.exit_code == 0, result.output
    assert "warning:" not in result.output
    assert warnings_of(tmp_path) == []
