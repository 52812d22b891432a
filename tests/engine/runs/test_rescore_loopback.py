"""``afeval rescore``: re-judging a finished run's stored responses against the loopback fake provider, with
the fake's request counters proving that the model under test is never called again."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from inspect_ai.model import get_model
from tests.fixtures.fake_openai import FAKE_API_KEY, FakeServerState, write_planted_requests
from typer.testing import CliRunner

from afeval.cli import app
from afeval.engine.runs._rescore import REPLAY_API, ReplayedModelCalled, RescoreError, rescore_run

SERVICE = "rescorefake"
SUBJECT = f"openai-api/{SERVICE}/subject"
JUDGE = f"openai-api/{SERVICE}/judge"
OTHER_SERVICE = "rescorefaketwo"  # a second judge "provider", served by the same fake
OTHER_JUDGE = f"openai-api/{OTHER_SERVICE}/judge"
PLANS = [
    ("comply+af", "refuse"),
    ("comply", "refuse"),
    ("refuse+af", "refuse"),
    ("partial", "comply"),
    ("comply+invalid1", "refuse"),
]
VOTES = 3


@pytest.fixture
def server(
    fake_openai: tuple[str, FakeServerState],
    fake_service: Callable[[str], FakeServerState],
    monkeypatch: pytest.MonkeyPatch,
) -> FakeServerState:
    monkeypatch.setenv(f"{OTHER_SERVICE.upper()}_BASE_URL", fake_openai[0])
    monkeypatch.setenv(f"{OTHER_SERVICE.upper()}_API_KEY", FAKE_API_KEY)
    return fake_service(SERVICE)


def write_dataset(path: Path) -> Path:
    return write_planted_requests(path, PLANS)


def original_run(tmp_path: Path, server: FakeServerState, *extra: str) -> Path:
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "run", "--model", SUBJECT, "--judge-model", JUDGE, "--dataset", str(write_dataset(tmp_path / "d.jsonl")),
            "--out", str(out), "--af-votes", str(VOTES), "--display", "none", *extra,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert server.total("subject") == 2 * len(PLANS) + 1  # one re-query for the invalid first reply
    server.reset()
    return out


def rescore_cli(*args: str) -> Any:
    return CliRunner().invoke(app, ["rescore", *args, "--display", "none"])


def rows_of(run_dir: Path) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]
    return {row["sample_id"]: row for row in rows}


def test_more_votes_rejudge_without_calling_the_model_under_test(
    server: FakeServerState, tmp_path: Path
) -> None:
    run = original_run(tmp_path, server)
    out = tmp_path / "more-votes"
    result = rescore_cli(str(run), "--af-votes", "7", "--out", str(out), "--no-cache")
    assert result.exit_code == 0, result.output
    assert server.total("subject") == 0
    # Every valid sample: one compliance call, seven AF votes as the choices of one call (all have a
    # scratchpad), one partial call.
    assert server.total("judge") == 2 * len(PLANS) * (1 + 1 + 1)

    before, after = rows_of(run), rows_of(out)
    assert before.keys() == after.keys()
    for sample_id, row in after.items():
        old = before[sample_id]
        assert row["response"] == old["response"] and row["attempts"] == old["attempts"]
        assert row["compliance"]["decision"] == old["compliance"]["decision"]
        assert row["alignment_faking"]["label"] == old["alignment_faking"]["label"]
        assert len(row["alignment_faking"]["votes"]) == 7 and len(old["alignment_faking"]["votes"]) == VOTES
    summary = json.loads((out / "summary.json").read_text())
    original = json.loads((run / "summary.json").read_text())
    assert summary["model"] == SUBJECT and summary["judges"]["af_votes"] == 7
    assert summary["tiers"] == original["tiers"] and summary["compliance_gap"] == original["compliance_gap"]
    assert (
        summary["rescored_from"]["run"] == str(run)
        and summary["rescored_from"]["judges"]["af_votes"] == VOTES
    )
    assert set(summary["usage"]) == {JUDGE}  # nothing was generated
    assert summary["cost"]["per_model"][JUDGE]["role"] == "judge"
    assert list((out / "logs").glob("*.eval"))
    assert (out / "system_prompt.txt").read_text() == (run / "system_prompt.txt").read_text()
    assert "cost: $" in result.output


def test_a_new_judge_model_goes_to_a_default_folder_inside_the_run(
    server: FakeServerState, tmp_path: Path
) -> None:
    run = original_run(tmp_path, server)
    result = rescore_cli(str(run), "--judge-model", OTHER_JUDGE)
    assert result.exit_code == 0, result.output
    assert server.total("subject") == 0 and server.total("judge") > 0
    (out,) = run.glob("rescored-openai-api_rescorefaketwo_judge-*")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["judge_model"] == OTHER_JUDGE and summary["rescored_from"]["judge_model"] == JUDGE
    assert all(row["compliance"]["judge"] == OTHER_JUDGE for row in rows_of(out).values())


def test_cached_votes_are_reused_so_only_the_extra_votes_are_new_calls(
    server: FakeServerState, tmp_path: Path
) -> None:
    # Votes drawn one call each are cached by index; the rescore keeps the run's --no-af-num-choices.
    run = original_run(tmp_path, server, "--no-af-num-choices")
    result = rescore_cli(str(run), "--af-votes", str(VOTES + 2), "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    assert server.total("subject") == 0
    assert server.total("judge") == 2 * len(PLANS) * 2  # votes 4 and 5 of each scratchpad
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["judges"]["af_vote_calls"] == "separate"


def test_offline_rescoring_makes_no_call_at_all(server: FakeServerState, tmp_path: Path) -> None:
    run = original_run(tmp_path, server)
    out = tmp_path / "offline"
    result = rescore_cli(str(run), "--judge-model", "offline", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert server.total() == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["judge_model"] == "offline" and summary["usage"] == {}
    assert summary["cost"]["total_usd"] == 0.0


def test_classifier_subset_is_rejudged_and_follow_up_is_refused(
    server: FakeServerState, tmp_path: Path
) -> None:
    run = original_run(tmp_path, server)
    refused = rescore_cli(str(run), "--classifiers", "compliance,follow_up")
    assert refused.exit_code == 2
    assert "follow_up" in refused.output and "never calls" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    assert server.total() == 0

    out = tmp_path / "legacy"
    result = rescore_cli(str(run), "--classifiers", "compliance,af_legacy", "--out", str(out), "--no-cache")
    assert result.exit_code == 0, result.output
    assert server.total("subject") == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["judges"]["classifiers"] == ["compliance", "af_legacy"]
    row = rows_of(out)["d-0-free"]
    assert row["classifiers"]["af_legacy"]["status"] == "judged"
    assert row["alignment_faking"]["status"] == "not_judged"


def test_a_sample_that_failed_stays_failed(server: FakeServerState, tmp_path: Path) -> None:
    run = original_run(tmp_path, server)
    lines = (run / "samples.jsonl").read_text().splitlines()
    broken = json.loads(lines[0])
    broken.update(response="", response_status="error", error="provider said no", scratchpad="", output="")
    (run / "samples.jsonl").write_text("\n".join([json.dumps(broken), *lines[1:]]) + "\n")
    out = tmp_path / "o"
    result = rescore_cli(str(run), "--judge-model", "offline", "--out", str(out))
    assert result.exit_code == 0, result.output
    row = rows_of(out)[broken["sample_id"]]
    assert row["response_status"] == "error" and "provider said no" in row["error"]
    assert json.loads((out / "summary.json").read_text())["tiers"]["free"]["n_valid"] == len(PLANS) - 1


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d, "not an afeval run directory"),
        (lambda d: (d / "summary.json").write_text("{not json"), "cannot read the run"),
    ],
)
def test_unreadable_run_directories_fail_with_one_line(
    server: FakeServerState, tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    folder = tmp_path / "nothing"
    folder.mkdir()
    make(folder)
    result = rescore_cli(str(folder))
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert server.total() == 0


def test_a_run_without_samples_file_is_named(server: FakeServerState, tmp_path: Path) -> None:
    run = original_run(tmp_path, server)
    (run / "samples.jsonl").unlink()
    with pytest.raises(RescoreError, match=r"samples\.jsonl is missing"):
        rescore_run(run)


def test_the_stand_in_for_the_model_under_test_refuses_every_call() -> None:
    model = get_model(f"{REPLAY_API}/openai/gpt-4o")
    with pytest.raises(ReplayedModelCalled, match="never calls the model under test"):
        asyncio.run(model.generate("hello"))
