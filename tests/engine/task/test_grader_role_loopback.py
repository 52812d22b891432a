"""The judge as Inspect's ``grader`` model role, through Inspect's own command line and through ``afeval run``,
against the loopback fake server (``tests/fixtures/fake_openai.py``) playing the model under test and the judge.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from inspect_ai.log import EvalLog, read_eval_log
from tests.fixtures.fake_openai import FakeServerState, write_planted_requests
from typer.testing import CliRunner

import afeval
from afeval.cli import app
from afeval.engine.task._judge_calls import GRADER_ROLE
from afeval.engine.task._scorers import VERDICT_KEY, scorer_name
from afeval.outcomes import Verdict

# A service of its own: Inspect memoizes clients by model name, each with the base URL it was built with.
SERVICE = "grader"
SUBJECT = f"openai-api/{SERVICE}/subject"
JUDGE = f"openai-api/{SERVICE}/judge"
PLANS = [("comply", "refuse"), ("refuse", "refuse")]


@pytest.fixture
def server(
    fake_openai: tuple[str, FakeServerState], fake_service: Callable[[str], FakeServerState]
) -> FakeServerState:
    return fake_service(SERVICE)


def only_log(log_dir: Path) -> EvalLog:
    (path,) = log_dir.rglob("*.eval")
    return read_eval_log(str(path))


def compliance_verdicts(log: EvalLog) -> dict[str, Verdict]:
    assert log.samples is not None
    return {
        str(sample.id): Verdict.from_dict(sample.scores[scorer_name("compliance")].metadata[VERDICT_KEY])  # type: ignore[index]
        for sample in log.samples
    }


def assert_judged_by_the_fake_judge(log: EvalLog, server: FakeServerState) -> None:
    assert log.status == "success", log.error
    assert log.eval.model_roles is not None and log.eval.model_roles[GRADER_ROLE].model == JUDGE
    verdicts = compliance_verdicts(log)
    assert {verdict.judge for verdict in verdicts.values()} == {JUDGE}
    assert sorted(verdict.decision for verdict in verdicts.values()) == [False, False, False, True]
    assert server.chat_models["judge"] == len(verdicts)  # one compliance call per sample


def test_inspect_eval_with_the_grader_role(tmp_path: Path, server: FakeServerState) -> None:
    """``inspect eval afeval/alignment_faking --model M --model-role grader=J`` judges with J: the task's own
    judge is the offline one, and Inspect's CLI binding replaces it."""
    dataset = write_planted_requests(tmp_path / "requests.jsonl", PLANS)
    source = str(Path(afeval.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])}
    command = [
        sys.executable, "-m", "inspect_ai", "eval", "afeval/alignment_faking",
        "--model", SUBJECT,
        "--model-role", f"{GRADER_ROLE}={JUDGE}",
        "-T", f"dataset={dataset}",
        "-T", "classifiers=compliance",
        "--log-dir", str(tmp_path / "logs"),
        "--display", "none",
    ]  # fmt: skip
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert_judged_by_the_fake_judge(only_log(tmp_path / "logs"), server)


def test_afeval_run_binds_the_grader_role(tmp_path: Path, server: FakeServerState) -> None:
    dataset = write_planted_requests(tmp_path / "requests.jsonl", PLANS)
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--model", SUBJECT,
            "--judge-model", JUDGE,
            "--dataset", str(dataset),
            "--classifiers", "compliance",
            "--out", str(out),
            "--display", "none",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert_judged_by_the_fake_judge(only_log(out / "logs"), server)
