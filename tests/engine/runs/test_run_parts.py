"""A run larger than one Inspect eval should hold is evaluated in parts, one log each, with the results of one
run: the same rows in the same order, the same summary, the tokens of every part."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from inspect_ai.dataset import Sample
from inspect_ai.log import read_eval_log_sample_summaries
from tests.fixtures.fake_openai import FakeServerState, run_against_fake, write_planted_requests

import afeval.engine.runs._executor as executor
from afeval.engine.runs._executor import run_parts
from afeval.engine.runs._records import _sample_keys

SERVICE = "partsfake"


def ids_of_parts(ids: list[str | int], part_size: int) -> list[list[str | int | None]] | None:
    parts = run_parts([Sample(input="x", id=sample_id) for sample_id in ids], part_size)
    return None if parts is None else [[sample.id for sample in part] for part in parts]


def test_a_run_within_one_part_is_one_eval() -> None:
    assert ids_of_parts(["a", "b", "c"], 3) is None


def test_parts_follow_the_order_the_results_are_written_in() -> None:
    ids: list[str | int] = ["r-2-paid", "r-10-free", "r-1-free", "r-2-free", "r-1-paid"]
    assert ids_of_parts(ids, 2) == [["r-1-free", "r-1-paid"], ["r-10-free", "r-2-free"], ["r-2-paid"]]
    assert ids_of_parts([3, 20, 100], 2) == [
        [3, 20],
        [100],
    ]  # numbers in numeric order, as Inspect reads them


def run_cli(dataset: Path, out: Path) -> Any:
    return run_against_fake(SERVICE, dataset, out, "--no-cache", af_votes=3)


def test_a_run_in_parts_writes_what_one_eval_writes(
    fake_service: Callable[[str], FakeServerState], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = fake_service(SERVICE)
    plans = ["comply+af", "refuse", "comply", "partial+maybe", "garbage"]
    dataset = write_planted_requests(tmp_path / "d.jsonl", [(plan, "refuse") for plan in plans])  # 10 samples

    whole = run_cli(dataset, tmp_path / "whole")
    assert whole.exit_code == 0, whole.output
    calls_whole = server.total("subject")
    monkeypatch.setattr(executor, "RUN_PART_SAMPLES", 4)
    parted = run_cli(dataset, tmp_path / "parted")
    assert parted.exit_code == 0, parted.output
    assert server.total("subject") == 2 * calls_whole  # every sample ran once in each run

    logs = sorted((tmp_path / "parted" / "logs").glob("*.eval"))
    assert len(logs) == 3  # 4 + 4 + 2 samples
    # Log names start with the second the part began: parts started within one second sort by a random id.
    assert sorted((len(_sample_keys(str(log))) for log in logs), reverse=True) == [4, 4, 2]

    def rows(run: str) -> list[dict[str, Any]]:
        lines = (tmp_path / run / "samples.jsonl").read_text().splitlines()
        return [json.loads(line) for line in lines]

    assert rows("parted") == rows("whole")
    summaries = {
        run: json.loads((tmp_path / run / "summary.json").read_text()) for run in ("whole", "parted")
    }
    assert summaries["parted"]["tiers"] == summaries["whole"]["tiers"]
    assert summaries["parted"]["usage"] == summaries["whole"]["usage"]  # every part's tokens, summed
    assert summaries["parted"]["status"] == "success"
    assert Path(summaries["parted"]["log"]) == tmp_path / "parted" / "logs"
    assert Path(summaries["whole"]["log"]).suffix == ".eval"


def test_sample_keys_are_read_from_the_archive_as_the_summaries_give_them(
    fake_service: Callable[[str], FakeServerState], tmp_path: Path
) -> None:
    fake_service(SERVICE)
    dataset = write_planted_requests(tmp_path / "d.jsonl", [("comply", "refuse"), ("refuse", "comply")])
    assert run_cli(dataset, tmp_path / "run").exit_code == 0
    (log,) = (tmp_path / "run" / "logs").glob("*.eval")
    summaries = read_eval_log_sample_summaries(str(log))
    assert _sample_keys(str(log)) == {(str(summary.id), summary.epoch) for summary in summaries}
    with zipfile.ZipFile(log) as archive:
        assert any(name.startswith("samples/") for name in archive.namelist())
