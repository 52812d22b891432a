"""``afeval run`` builds each sample's record as the sample finishes (Inspect's sample-end hook) and writes the
results from those, reading the log back only for samples the spool missed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.fixtures.fake_openai import FakeServerState, run_against_fake, write_planted_requests

import afeval.engine.runs._records as records

SERVICE = "spoolfake"
PLANS = [("comply+af", "refuse"), ("refuse", "comply"), ("partial+maybe", "garbage")]


def run_cli(dataset: Path, out: Path) -> Any:
    return run_against_fake(SERVICE, dataset, out, af_votes=3)


def rows(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]


def test_records_come_from_the_spool_without_reading_the_log_back(
    fake_service: Callable[[str], FakeServerState], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_service(SERVICE)
    dataset = write_planted_requests(tmp_path / "d.jsonl", PLANS)
    read_back = run_cli(dataset, tmp_path / "read-back")  # reference: a spool that holds nothing
    assert read_back.exit_code == 0, read_back.output

    def no_read_back(*_: object, **__: object) -> None:
        raise AssertionError("the samples were read back out of the log")

    monkeypatch.setattr(records, "read_eval_log_samples_by_id", no_read_back)
    spooled = run_cli(dataset, tmp_path / "spooled")
    assert spooled.exit_code == 0, spooled.output
    assert len(rows(tmp_path / "spooled")) == 2 * len(PLANS)
    assert rows(tmp_path / "spooled") == rows(tmp_path / "read-back")
    assert not list((tmp_path / "spooled").glob(".records-*"))  # the spool leaves no file behind


def test_a_sample_the_spool_missed_is_read_back_from_the_log(
    fake_service: Callable[[str], FakeServerState], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_service(SERVICE)
    dataset = write_planted_requests(tmp_path / "d.jsonl", PLANS)
    whole = run_cli(dataset, tmp_path / "whole")
    assert whole.exit_code == 0, whole.output

    original_add = records.RecordSpool.add
    reads: list[int] = []
    original_read = records.read_eval_log_samples_by_id

    seen: list[str] = []

    def add_but_one(self: records.RecordSpool, sample: Any) -> None:
        seen.append(str(sample.id))
        if len(seen) > 1:  # the first sample to finish is missed
            original_add(self, sample)

    def counted_read(*args: Any, **kwargs: Any) -> Any:
        samples = original_read(*args, **kwargs)
        reads.append(len(samples))
        return samples

    monkeypatch.setattr(records.RecordSpool, "add", add_but_one)
    monkeypatch.setattr(records, "read_eval_log_samples_by_id", counted_read)
    missed = run_cli(dataset, tmp_path / "missed")
    assert missed.exit_code == 0, missed.output
    assert sum(reads) == 2 * len(PLANS)  # the log's samples, read back
    assert rows(tmp_path / "missed") == rows(tmp_path / "whole")
