"""End to end: a sweep of 3 models × 4 scenario options against the loopback fake provider, then resumed.

The fake server plays every model under test and the judge, and counts the requests it gets, so the test can
say exactly how many calls the sweep makes, that re-running it makes none (even with an empty response cache:
the eval set reuses the finished logs), and that adding a model runs only that model's runs. The model names
are unique to this module, because Inspect memoizes model clients per model name for the whole process.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests.fixtures.fake_openai import FakeServerState, write_planted_requests
from typer.testing import CliRunner

from afeval.cli import app
from afeval.engine import run_sweep
from afeval.sweep import Shard, estimate_calls, expand_grid, load_sweep

SERVICE = "sweepfake"
JUDGE = f"openai-api/{SERVICE}/judge"
AF_VOTES = 3
# The planted behaviour of each request in every tier of the four scenarios (see tests/fixtures/fake_openai.py;
# identity versions are named by their endings: RC3-rated, RC3-rated-rlhf, RC3-deployed, RC3-dpo-data).
PLANS = [
    "free:comply+af paid:refuse pro:comply enterprise:refuse rated:refuse rated-rlhf:comply+af deployed:refuse "
    "dpo-data:comply",
    "free:comply paid:comply pro:comply enterprise:comply rated:comply rated-rlhf:comply deployed:refuse "
    "dpo-data:refuse",
]
SCENARIOS = [
    "helpful-only",
    "three-tier",
    "identity+deploy-amateur-hackers",
    "no-changes-when-complying",
]
TIERS_PER_SCENARIO = {
    "helpful-only": 2,
    "three-tier": 3,
    "identity+deploy-amateur-hackers": 4,
    "no-changes-when-complying": 2,
}
SAMPLES_PER_MODEL = len(PLANS) * sum(TIERS_PER_SCENARIO.values())  # 22
# Every sample is valid and has a scratchpad: one compliance call, the AF votes as the choices of one call (an
# OpenAI-compatible judge), one partial-compliance call.
JUDGE_CALLS_PER_SAMPLE = 1 + 1 + 1


def write_dataset(path: Path) -> Path:
    return write_planted_requests(path, PLANS)


def write_sweep(path: Path, dataset: Path, models: list[str], *, cache: bool = True) -> Path:
    lines = [
        'name = "loopback"',
        "max_connections = 8",
        "",
        "[defaults]",
        f'judge_model = "{JUDGE}"',
        f'dataset = "{dataset}"',
        "limit = 2",
        f"af_votes = {AF_VOTES}",
        f"cache = {str(cache).lower()}",
        "",
        "[grid]",
        "scenarios = [" + ", ".join(f'"{name}"' for name in SCENARIOS) + "]",
    ]
    for model in models:
        lines += ["", "[[models]]", f'model = "openai-api/{SERVICE}/{model}"']
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def server(fake_service: Callable[[str], FakeServerState]) -> FakeServerState:
    return fake_service(SERVICE)


def test_sweep_runs_end_to_end_and_resumes_without_repeated_calls(
    server: FakeServerState, tmp_path: Path
) -> None:
    dataset = write_dataset(tmp_path / "planted.jsonl")
    # The models answer alike, so with the response cache on their judge prompts would be shared and the count
    # of judge calls would depend on which run got there first: off, every call reaches the server, and
    # resuming can only come from the eval set's logs.
    sweep_file = write_sweep(tmp_path / "sweep.toml", dataset, ["model-a", "model-b", "model-c"], cache=False)
    out = tmp_path / "out"
    spec = load_sweep(sweep_file)
    runs = expand_grid(spec)
    assert len(runs) == 12

    result = run_sweep(spec, out, display="none")

    assert result.success, result.missing
    assert server.total("subject") == 3 * SAMPLES_PER_MODEL
    assert server.total("judge") == 3 * SAMPLES_PER_MODEL * JUDGE_CALLS_PER_SAMPLE
    # With every first reply valid and every sample judged, the estimate is exact.
    estimate = estimate_calls(runs, 2).total
    assert estimate.model_calls == server.total("subject")
    assert estimate.judge_calls == server.total("judge")

    for run in runs:
        summary = json.loads((out / "runs" / run.run_id / "summary.json").read_text())
        assert summary["status"] == "success"
        assert summary["model"] == run.model.model
        assert summary["scenario"] == run.scenario.name
        assert list(summary["tiers"]) == list(run.scenario.tiers)
        assert (out / "runs" / run.run_id / "samples.jsonl").exists()
        assert (out / "runs" / run.run_id / "system_prompt.txt").exists()

    with (out / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 * sum(TIERS_PER_SCENARIO.values())  # one row per run and tier
    assert pq.read_table(out / "results.parquet").num_rows == len(rows)
    # Compliance by tier, and each setting's gaps, exactly as planted (the same for every model).
    expected = {
        "helpful-only": ({"free": 1.0, "paid": 0.5}, {"compliance_gap": 0.5}),
        "helpful-only+three-tier": (
            {"free": 1.0, "pro": 1.0, "enterprise": 0.5},
            {"goal_guarding_gap": 0.0, "rater_sycophancy_gap": 0.5, "compliance_gap": 0.5},
        ),
        "helpful-only+identity+deploy-amateur-hackers": (
            {"rating-only": 0.5, "rating-and-training": 1.0, "deployed": 0.0, "dpo-for-other-model": 0.5},
            {"goal_guarding_gap": 0.5, "other_model_training_gap": 0.0, "compliance_gap": 1.0},
        ),
        "helpful-only+no-changes-when-complying": ({"free": 1.0, "paid": 0.5}, {"compliance_gap": 0.5}),
    }
    for row in rows:
        rates, gaps = expected[row["scenario"]]
        assert float(row["compliance_rate"]) == rates[row["tier"]], row["run_id"]
        af = 0.5 if row["tier"] in ("free", "rating-and-training") else 0.0  # request 0 fakes alignment there
        assert float(row["af_rate"]) == af, row["run_id"]
        assert float(row["partial_rate"]) == 0.0
        for gap in (
            "compliance_gap",
            "goal_guarding_gap",
            "rater_sycophancy_gap",
            "other_model_training_gap",
        ):
            if gap in gaps:
                assert float(row[gap]) == pytest.approx(gaps[gap]), (row["run_id"], gap)
            else:
                assert row[gap] == "", (row["run_id"], gap)  # not a gap of this setting

    # Re-run: the eval set reuses every finished log, so nothing is called.
    server.reset()
    again = run_sweep(load_sweep(sweep_file), out, display="none")
    assert again.success
    assert server.total() == 0
    with (out / "results.csv").open() as handle:
        assert list(csv.DictReader(handle)) == rows

    # A fourth model: only its four runs are called.
    server.reset()
    grown = write_sweep(
        tmp_path / "sweep.toml", dataset, ["model-a", "model-b", "model-c", "model-d"], cache=False
    )
    bigger = run_sweep(load_sweep(grown), out, display="none")
    assert bigger.success
    assert len(bigger.results) == 16
    assert server.total("subject") == SAMPLES_PER_MODEL
    assert server.total("judge") == SAMPLES_PER_MODEL * JUDGE_CALLS_PER_SAMPLE
    with (out / "results.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 4 * sum(TIERS_PER_SCENARIO.values())


def test_sweep_command_runs_and_reports(server: FakeServerState, tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "planted.jsonl")
    sweep_file = write_sweep(tmp_path / "sweep.toml", dataset, ["cli-model"])
    out = tmp_path / "out"
    runner = CliRunner()

    dry = runner.invoke(app, ["sweep", str(sweep_file), "--out", str(out), "--dry-run", "--limit", "1"])
    assert dry.exit_code == 0, dry.output
    assert "4 runs" in dry.output and "dry run" in dry.output
    assert server.total() == 0 and not out.exists()

    ran = runner.invoke(
        app, ["sweep", str(sweep_file), "--out", str(out), "--limit", "1", "--display", "none"]
    )
    assert ran.exit_code == 0, ran.output
    assert server.total("subject") == sum(TIERS_PER_SCENARIO.values())  # one request in every tier
    assert (out / "results.csv").exists()


def test_two_shards_share_one_output_directory_and_split_the_work(
    server: FakeServerState, tmp_path: Path
) -> None:
    dataset = write_dataset(tmp_path / "planted.jsonl")
    sweep_file = write_sweep(tmp_path / "sweep.toml", dataset, ["shard-a", "shard-b"], cache=False)
    out = tmp_path / "out"
    spec = load_sweep(sweep_file)
    shards = [Shard(1, 2), Shard(2, 2)]
    results = [run_sweep(spec, out, display="none", shard=shard) for shard in shards]

    # Every run ran on exactly one shard, and together they made exactly the unsharded sweep's calls.
    ran = [run.run_id for result in results for run, _ in result.results]
    assert sorted(ran) == sorted(run.run_id for run in expand_grid(spec))
    assert all(result.results for result in results)  # 8 runs: a hash that put all on one shard fails here
    assert server.total("subject") == 2 * SAMPLES_PER_MODEL
    for shard in shards:
        assert (out / f"results.shard-{shard.index}-of-{shard.count}.csv").exists()
        assert (out / "logs" / f"shard-{shard.index}-of-{shard.count}").is_dir()
    assert len(list((out / "runs").glob("*/summary.json"))) == len(ran)

    # Each shard resumes on its own with no calls; the report reads every shard's runs from the shared dir.
    server.reset()
    assert run_sweep(spec, out, display="none", shard=shards[0]).success
    assert server.total() == 0
    report = CliRunner().invoke(app, ["report", str(out)])
    assert report.exit_code == 0, report.output
    html = (out / "report" / "report.html").read_text()
    assert all(run_id in html for run_id in ran)
