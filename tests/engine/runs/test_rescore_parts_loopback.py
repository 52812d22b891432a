"""``afeval rescore`` through the executor: a re-scoring larger than one part is evaluated in parts, its stored
records read from ``samples.jsonl`` one part at a time, with the rows, summary and budget of one run."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from inspect_ai.dataset import Sample
from tests.fixtures.fake_openai import FakeServerState, write_planted_requests
from typer.testing import CliRunner

import afeval.engine.runs._executor as executor
import afeval.engine.runs._rescore as rescore
import afeval.results
from afeval.cli import app
from afeval.cost import PRICE_TABLE_ENV

SERVICE = "rescorepartsfake"
SUBJECT = f"openai-api/{SERVICE}/subject"
JUDGE = f"openai-api/{SERVICE}/judge"
PLANS = ["comply+af", "refuse", "comply", "partial+maybe", "garbage"]
SAMPLES = 2 * len(PLANS)


@pytest.fixture
def server(fake_service: Callable[[str], FakeServerState]) -> FakeServerState:
    return fake_service(SERVICE)


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, [*args, "--display", "none"])


@pytest.fixture
def stored_run(server: FakeServerState, tmp_path: Path) -> Path:
    dataset = write_planted_requests(tmp_path / "d.jsonl", [(plan, "refuse") for plan in PLANS])
    out = tmp_path / "run"
    result = cli(
        "run", "--model", SUBJECT, "--judge-model", JUDGE, "--dataset", str(dataset), "--out", str(out),
        "--af-votes", "3",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    server.reset()
    return out


def rows(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]


def test_a_rescore_in_parts_writes_what_one_eval_writes(
    stored_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = cli("rescore", str(stored_run), "--judge-model", "offline", "--out", str(tmp_path / "whole"))
    assert whole.exit_code == 0, whole.output
    monkeypatch.setattr(executor, "RUN_PART_SAMPLES", 4)
    parted = cli("rescore", str(stored_run), "--judge-model", "offline", "--out", str(tmp_path / "parted"))
    assert parted.exit_code == 0, parted.output

    assert len(list((tmp_path / "whole" / "logs").glob("*.eval"))) == 1
    assert len(list((tmp_path / "parted" / "logs").glob("*.eval"))) == 3  # 4 + 4 + 2 samples
    assert rows(tmp_path / "parted") == rows(tmp_path / "whole")
    assert [row["sample_id"] for row in rows(tmp_path / "parted")] == [
        row["sample_id"] for row in rows(stored_run)
    ]
    summaries = {
        run: json.loads((tmp_path / run / "summary.json").read_text()) for run in ("whole", "parted")
    }
    for key in ("tiers", "compliance_gap", "status", "rescored_from", "samples_failed"):
        assert summaries["parted"][key] == summaries["whole"][key], key
    assert Path(summaries["parted"]["log"]) == tmp_path / "parted" / "logs"


def test_a_rescore_holds_the_stored_records_of_one_part_at_a_time(
    stored_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*_: object) -> None:
        raise AssertionError("the stored records were read whole")

    monkeypatch.setattr(afeval.results, "read_samples", never)
    reads: list[int] = []
    held: list[tuple[int, int]] = []  # (samples of the part, stored responses held) as each part is evaluated
    records = rescore.StoredRun.records

    def counted_records(self: rescore.StoredRun, places: Sequence[rescore.RecordPlace]) -> Iterator[Any]:
        reads.append(len(places))
        return records(self, places)

    original_parts = rescore.replay_parts

    def spied_parts(
        stored: rescore.StoredRun, responses: dict[str, rescore.ReplayedResponse]
    ) -> executor.PartSource:
        parts = original_parts(stored, responses)

        def spy(part_size: int) -> Iterator[Sequence[Sample]]:
            for part in parts(part_size):
                held.append((len(part), len(responses)))
                yield part

        return spy

    monkeypatch.setattr(rescore.StoredRun, "records", counted_records)
    monkeypatch.setattr(rescore, "replay_parts", spied_parts)
    monkeypatch.setattr(executor, "RUN_PART_SAMPLES", 3)
    result = cli("rescore", str(stored_run), "--judge-model", "offline", "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output

    assert held == [(3, 3), (3, 3), (3, 3), (1, 1)]  # only the running part's responses are looked up
    assert max(reads) <= 3 and sum(reads) == SAMPLES + 1  # each record once, and the task's stand-in sample
    assert len(rows(tmp_path / "o")) == SAMPLES


def test_the_budget_carries_across_the_parts_of_a_rescore(
    stored_run: Path, server: FakeServerState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prices = tmp_path / "prices.toml"
    prices.write_text(
        f'checked = "2026-01-01"\nsource = "test prices"\n\n[models]\n'
        f'"{JUDGE}" = {{ input = 500.0, cached_input = 125.0, output = 2000.0 }}\n'
    )
    monkeypatch.setenv(PRICE_TABLE_ENV, str(prices))
    monkeypatch.setattr(executor, "RUN_PART_SAMPLES", 3)
    args = ("rescore", str(stored_run), "--max-connections", "1", "--no-cache")
    probe = cli(*args, "--out", str(tmp_path / "probe"))
    assert probe.exit_code == 0, probe.output
    per_sample = json.loads((tmp_path / "probe" / "summary.json").read_text())["cost"]["total_usd"] / SAMPLES
    assert per_sample > 0
    server.reset()

    # About four samples' worth: the budget runs out in the second part, and the parts after it start nothing.
    budget = f"{per_sample * 4.5:.6f}"
    out = tmp_path / "budgeted"
    result = cli(*args, "--max-cost", budget, "--out", str(out))
    assert result.exit_code == 1, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "budget_exceeded"
    finished = summary["budget"]["samples_finished"]
    assert 3 < finished < SAMPLES and finished == len(rows(out))
    assert summary["budget"]["samples_skipped"] == SAMPLES - finished
    assert summary["budget"]["spent_usd"] == pytest.approx(summary["cost"]["total_usd"])
    assert (
        len(list((out / "logs").glob("*.eval"))) == 4
    )  # every part ran; the later ones skipped every sample
