"""``afeval run``: the run it asks for, and its exit codes.

The run's configuration is the preset its ``--model`` picks, overridden option by option; these tests catch it
on its way to ``run_evaluation``, so no model runs. A bad configuration costs one clear line and exit code 2,
before any call to a model: each of those cases runs the real command against the loopback fake provider
(service ``badcfg``), so the fake's request counter shows that nothing was sent. A run that did not finish, or
lost samples, keeps its results and exits 1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from tests.cli.finished_run import finished_run, run_summary
from tests.cli.one_line import assert_one_line, invoke
from tests.fixtures.fake_openai import FakeServerState
from typer.testing import CliRunner, Result

from afeval.cli import app
from afeval.datasets import DatasetError
from afeval.engine import EMBEDDED_MODEL, RunConfig, RunResult
from afeval.settings import EMBEDDED_PRESET, MODEL_PRESET

SERVICE = "badcfg"
SUBJECT = f"openai-api/{SERVICE}/subject"
JUDGE = f"openai-api/{SERVICE}/judge"
GOOD_DATASET = '{"prompt": "Request 0 {{free:comply paid:refuse}}"}\n'


@pytest.fixture
def server(fake_service: Callable[[str], FakeServerState]) -> FakeServerState:
    return fake_service(SERVICE)


def run(tmp_path: Path, *args: str, dataset: str | None = None) -> list[str]:
    """``afeval run`` with the fake model and judge (overridable by later options); the output's lines."""
    if dataset is None:
        dataset = str(tmp_path / "good.jsonl")
        Path(dataset).write_text(GOOD_DATASET)
    base = ["run", "--model", SUBJECT, "--judge-model", JUDGE, "--dataset", dataset]
    return invoke([*base, "--out", str(tmp_path / "out"), "--display", "none", *args])


def test_unknown_provider(server: FakeServerState, tmp_path: Path) -> None:
    assert_one_line(run(tmp_path, "--model", "nosuchprovider/some-model"), "nosuchprovider")
    assert server.total() == 0


def test_missing_key_of_the_model_under_test(
    server: FakeServerState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(f"{SERVICE.upper()}_API_KEY")
    assert_one_line(run(tmp_path), SUBJECT, f"No {SERVICE.upper()}_API_KEY defined")
    assert server.total() == 0


def test_missing_key_of_the_judge(
    server: FakeServerState,
    fake_openai: tuple[str, FakeServerState],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BADCFGJUDGE_BASE_URL", fake_openai[0])
    monkeypatch.delenv("BADCFGJUDGE_API_KEY", raising=False)
    lines = run(tmp_path, "--judge-model", "openai-api/badcfgjudge/judge")
    assert_one_line(lines, "judge model", "No BADCFGJUDGE_API_KEY defined", "--judge-model offline")
    assert server.total() == 0


@pytest.mark.parametrize(
    ("option", "fragment"),
    [
        (["--scenario", "bogus"], "unknown scenario part 'bogus'"),
        (["--scenario", "three-tier+nonsense"], "unknown scenario part 'nonsense'"),
        (["--setting", "nine-tier"], "nine-tier"),
        (["--tiers", "free,platinum"], "platinum"),
        (["--classifiers", "compliance,mind_reading"], "mind_reading"),
    ],
)
def test_unknown_scenario_option(
    server: FakeServerState, tmp_path: Path, option: list[str], fragment: str
) -> None:
    assert_one_line(run(tmp_path, *option), fragment)
    assert server.total() == 0


def _write(path: Path, content: bytes | str | None) -> Path:
    if content is None:
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("missing.jsonl", "<absent>", "missing.jsonl"),
        ("folder.jsonl", None, "cannot read dataset file"),
        ("latin1.jsonl", b'{"prompt": "caf\xe9"}\n', "not UTF-8"),
        ("broken.jsonl", '{"prompt": "unclosed"\n', "not valid JSON"),
        ("table.xlsx", "a,b\n", "unsupported dataset file type"),
    ],
)
def test_unreadable_dataset(
    server: FakeServerState, tmp_path: Path, name: str, content: bytes | str | None, fragment: str
) -> None:
    path = tmp_path / name
    if content != "<absent>":
        _write(path, content)
    assert_one_line(run(tmp_path, dataset=str(path)), fragment)
    assert server.total() == 0
    assert not (tmp_path / "out" / "summary.json").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.jsonl", ""), ("blank.jsonl", "\n\n"), ("header-only.csv", "prompt\n"), ("empty.txt", "")],
)
def test_empty_dataset(server: FakeServerState, tmp_path: Path, name: str, content: str) -> None:
    lines = run(tmp_path, dataset=str(_write(tmp_path / name, content)))
    assert_one_line(lines, name)
    assert "empty" in lines[0] or "no request" in lines[0], lines[0]
    assert server.total() == 0


# --- the configuration the options build ---------------------------------------------------------------------


class Stop(Exception):
    """Raised by the stand-in for ``run_evaluation`` once it has the configuration."""


def config_of(monkeypatch: pytest.MonkeyPatch, *args: str) -> RunConfig:
    """The RunConfig ``afeval run ARGS`` hands to ``run_evaluation`` (which is not called)."""
    seen: list[RunConfig] = []

    def capture(config: RunConfig) -> RunResult:
        seen.append(config)
        raise Stop

    monkeypatch.setattr("afeval.cli.run.run_evaluation", capture)
    result = CliRunner().invoke(app, ["run", *args])
    assert isinstance(result.exception, Stop), result.output
    return seen[0]


def test_no_model_is_the_embedded_preset_and_an_option_overrides_only_its_field(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = config_of(monkeypatch, "--max-tokens", "50")
    assert config.model == EMBEDDED_MODEL
    assert config.generation.max_tokens == 50 != EMBEDDED_PRESET.generation.max_tokens
    assert config.generation.max_attempts == EMBEDDED_PRESET.generation.max_attempts == 1
    assert config.dataset.limit == EMBEDDED_PRESET.dataset.limit == 2
    assert config.judging == EMBEDDED_PRESET.judging


def test_an_option_left_out_keeps_the_presets_value_whatever_default_help_shows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # --help shows the named-model preset's values as defaults; only options given override a preset.
    generation = replace(EMBEDDED_PRESET.generation, max_turns=MODEL_PRESET.generation.max_turns + 3)
    monkeypatch.setattr(
        "afeval.cli.run.preset_for", lambda model, name: replace(EMBEDDED_PRESET, generation=generation)
    )
    assert config_of(monkeypatch).generation.max_turns == generation.max_turns
    shown = str(MODEL_PRESET.generation.max_turns)
    assert (
        config_of(monkeypatch, "--max-turns", shown).generation.max_turns == MODEL_PRESET.generation.max_turns
    )


def test_a_named_model_is_the_model_preset(monkeypatch: pytest.MonkeyPatch) -> None:
    config = config_of(monkeypatch, "--model", "openai/some-model", "--limit", "3")
    assert config.model == "openai/some-model"
    assert config.generation == MODEL_PRESET.generation
    assert config.judging == MODEL_PRESET.judging
    assert config.dataset.limit == 3


def test_default_out_dir_is_named_after_time_and_model(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = config_of(monkeypatch, "--model", "openai-api/some host/model:1")
    assert config.out_dir.parent == Path("runs")
    assert re.fullmatch(r"\d{8}-\d{6}-openai-api_some_host_model_1", config.out_dir.name), config.out_dir
    assert config_of(monkeypatch, "--out", str(tmp_path / "here")).out_dir == tmp_path / "here"


def test_lists_model_args_and_switches(monkeypatch: pytest.MonkeyPatch) -> None:
    config = config_of(
        monkeypatch,
        "--model", "openai/m",
        "-M", "a=1", "--model-arg", "b= c=d",
        "--tiers", " free, ,paid",
        "--classifiers", "compliance, af_legacy",
        "--no-cot", "--no-cache", "--batch", "--judge-model", "offline",
    )  # fmt: skip
    assert dict(config.model_args) == {"a": "1", "b": " c=d"}
    assert config.tiers == ("free", "paid")
    assert config.judging.classifiers == ("compliance", "af_legacy")
    assert config.scenario.cot is False
    assert (config.generation.cache, config.judging.cache) == (False, False)
    assert (config.generation.batch, config.judging.batch) == (False, True)
    assert config.judging.judge_model == "offline"


def test_a_model_arg_without_a_value_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("afeval.cli.run.run_evaluation", lambda config: pytest.fail("ran"))
    result = CliRunner().invoke(app, ["run", "-M", "novalue"])
    assert result.exit_code == 2
    assert "expected KEY=VALUE, got 'novalue'" in result.output


# --- exit codes ------------------------------------------------------------------------------------------------


def test_a_library_error_is_one_error_line_on_stderr_and_exit_code_2(monkeypatch: pytest.MonkeyPatch) -> None:
    message = "cannot read [defaults] of " + "a/very/long/path/" * 12 + "data.jsonl"

    def refuse(config: RunConfig) -> RunResult:
        raise DatasetError(message)

    monkeypatch.setattr("afeval.cli.run.run_evaluation", refuse)
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {message}\n"  # one line, however long, markup-like text kept as it is


def finish(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, document: dict[str, Any]) -> Result:
    """``afeval run`` whose run ends with the summary ``document``."""
    result = finished_run(tmp_path, document)
    monkeypatch.setattr("afeval.cli.run.run_evaluation", lambda config: result)
    return CliRunner().invoke(app, ["run", "--model", "openai/m", "--out", str(tmp_path)])


def test_a_finished_run_prints_its_table_cost_and_files_and_exits_0(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = finish(monkeypatch, tmp_path, run_summary())
    assert result.exit_code == 0, result.output
    printed = " ".join(result.stdout.split())  # the test terminal is 80 columns wide: lines wrap
    assert "openai/m · helpful-only · judge offline" in printed and "50.0%" in printed
    assert "cost: $0.0000 · prices checked 2026-01-01" in printed
    assert f"results: {tmp_path}/summary.json · samples.jsonl · logs/ (1.2 s)" in printed
    assert result.stderr == ""


def test_a_run_with_failed_samples_exits_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    document = run_summary(samples_failed=1, first_sample_error="provider said [no]")
    result = finish(monkeypatch, tmp_path, document)
    assert result.exit_code == 1
    warning = " ".join(result.stderr.split())
    assert warning.startswith(
        "1 of 2 samples failed (first: provider said [no]); their errors are in samples.jsonl"
    )
    assert "results: " in result.stdout  # the finished work is reported first


def test_a_run_stopped_by_its_budget_exits_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    budget = {"spent_usd": 1.23456, "max_usd": 1.0, "samples_skipped": 7}
    result = finish(monkeypatch, tmp_path, run_summary(status="budget_exceeded", budget=budget))
    assert result.exit_code == 1
    warning = " ".join(result.stderr.split())
    assert warning == (
        "budget exceeded: $1.2346 of $1.00 spent, 7 samples not started; finished work is kept — re-run the "
        "same command to go on (cached calls are free)"
    )


def test_a_run_that_ended_otherwise_exits_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    result = finish(monkeypatch, tmp_path, run_summary(status="error"))
    assert result.exit_code == 1
    assert result.stderr == "run ended with status error; finished work is kept\n"


# --- afeval run --dry-run ---------------------------------------------------------------------------------


def dry_run(tmp_path: Path, *args: str, columns: str = "200") -> Result:
    dataset = tmp_path / "good.jsonl"
    dataset.write_text(GOOD_DATASET)
    base = ["run", "--model", SUBJECT, "--judge-model", JUDGE, "--dataset", str(dataset), "--dry-run"]
    return CliRunner().invoke(app, [*base, "--out", str(tmp_path / "out"), *args], env={"COLUMNS": columns})


@pytest.fixture
def no_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(config: RunConfig) -> RunResult:
        raise AssertionError("a dry run ran the evaluation")

    monkeypatch.setattr("afeval.cli.run.run_evaluation", refuse)


@pytest.mark.usefixtures("no_run")
def test_dry_run_prints_the_plan_and_the_schemes_and_calls_nothing(
    server: FakeServerState, tmp_path: Path
) -> None:
    result = dry_run(tmp_path)
    assert result.exit_code == 0, result.output
    assert server.total() == 0 and not (tmp_path / "out").exists()
    output = result.output
    assert f"run {SUBJECT}" in output and "1 requests per tier" in output
    assert "AF votes drawn as" in output and "batch API" in output and "prompt caching" in output
    for row in ("reference: n choices, 1 call", "afeval: choices (auto, openai-api)", "one call per vote"):
        assert row in output
    assert "expected (7.2 of 20)" in output and "model under test, the same under every scheme" in output
    assert output.rstrip().endswith("dry run: nothing was called")
    # 2 samples: reference and afeval 3 calls each, separate 22 each.
    assert re.search(r"reference: n choices, 1 call\s*│\s*6 │", output), output
    assert re.search(r"one call per vote\s*│\s*44 │", output), output


@pytest.mark.usefixtures("no_run")
def test_dry_run_fits_the_terminal(server: FakeServerState, tmp_path: Path) -> None:
    result = dry_run(tmp_path, columns="80")
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert "left out to fit 80 columns" in result.output and "AF votes drawn as" in result.output


@pytest.mark.usefixtures("no_run")
def test_dry_run_json_has_the_schemes(server: FakeServerState, tmp_path: Path) -> None:
    result = dry_run(tmp_path, "--json", "--judge-model", "anthropic/claude-3-5-sonnet-latest")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)  # nothing else on stdout
    assert server.total() == 0
    assert plan["sweep"] is None and plan["n_runs"] == 1 and plan["runs"][0]["model"] == SUBJECT
    rows = {row["name"]: row for row in plan["judge_schemes"]}
    assert list(rows) == ["reference", "afeval", "separate", "sequential-separate", "sequential-choices"]
    assert rows["afeval"]["vote_calls"] == "separate" and "auto, anthropic" in rows["afeval"]["description"]
    assert rows["afeval"]["at_most"] == rows["separate"]["at_most"]
    assert rows["reference"]["at_most"]["calls"] == 2 * 3 and rows["reference"]["expected"] is None
    assert set(rows["sequential-choices"]["expected"]) == {
        "calls",
        "input_tokens",
        "cached_input_tokens",
        "cache_write_tokens",
        "output_tokens",
        "usd",
        "batch_usd",
        "cached_usd",
    }
    assert plan["sequential_expected_votes"] == 7.2


@pytest.mark.usefixtures("no_run")
def test_dry_run_with_the_offline_judge_says_there_are_no_judge_calls(
    server: FakeServerState, tmp_path: Path
) -> None:
    result = dry_run(tmp_path, "--judge-model", "offline")
    assert result.exit_code == 0, result.output
    assert "judge: offline — no judge calls" in result.output and "AF votes drawn as" not in result.output
    plan = json.loads(dry_run(tmp_path, "--judge-model", "offline", "--json").output)
    assert plan["judge_schemes"] is None


def test_json_without_dry_run_is_refused(server: FakeServerState, tmp_path: Path) -> None:
    assert_one_line(run(tmp_path, "--json"), "--dry-run")
    assert server.total() == 0
