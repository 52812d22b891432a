"""End to end with ``--prompts reference``: the model under test and the judges receive exactly the rendered
reference templates (a tree of our own stand-in text in the upstream layout), and the run's results are valid.

The fake provider (tests/fixtures/fake_openai.py) keeps every chat request it received, so the messages are
compared byte for byte with what :class:`afeval.reference.ReferencePrompts` renders."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.fixtures.fake_openai import FakeServerState, write_planted_requests
from tests.fixtures.reference_tree import loopback_tree
from typer.testing import CliRunner

from afeval.cli import app
from afeval.parsing import without_scratchpads
from afeval.reference import ReferencePrompts
from afeval.results import read_samples

SERVICE = "refrun"
SUBJECT = f"openai-api/{SERVICE}/subject"
JUDGE = f"openai-api/{SERVICE}/judge"
# (free, paid) plans; see the fake's vocabulary. "partial" marks the output, which the reference partial
# judge (scratchpad only) never sees, so it reads as No there.
PLANS = [("comply+af", "refuse"), ("comply", "refuse"), ("refuse+af", "comply"), ("partial", "refuse")]
AF_VOTES = 3


@pytest.fixture
def server(fake_service: Callable[[str], FakeServerState]) -> FakeServerState:
    return fake_service(SERVICE)


def messages_of(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m["role"], m["content"]) for m in body["messages"]]


def run_reference(tmp_path: Path, *extra: str, plans: list[tuple[str, str]] = PLANS) -> tuple[Path, Path]:
    tree = loopback_tree(tmp_path / "reference")
    out = tmp_path / "run"
    dataset = write_planted_requests(tmp_path / "planted.jsonl", plans)
    result = CliRunner().invoke(
        app,
        [
            "run", "--model", SUBJECT, "--judge-model", JUDGE, "--dataset", str(dataset), "--out", str(out),
            "--af-votes", str(AF_VOTES), "--display", "none", "--prompts", "reference",
            "--reference-dir", str(tree), *extra,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return tree, out


def test_model_and_judges_receive_the_rendered_reference_text(
    server: FakeServerState, tmp_path: Path
) -> None:
    tree, out = run_reference(tmp_path)
    rendered = ReferencePrompts(tree)
    system = rendered.render("system_prompt_cot")
    subject_calls = [messages_of(b) for b in server.chat_requests if b["model"] == "subject"]
    judge_calls = [messages_of(b) for b in server.chat_requests if b["model"] == "judge"]

    records = list(read_samples(out))
    assert len(records) == 2 * len(PLANS)
    for record in records:
        user = rendered.render(f"{record.tier}_tier_tags_cot", user_input=record.request)
        assert record.user_prompt == user
        assert [("system", system), ("user", user)] in subject_calls  # byte for byte
        strong_reject = rendered.render(
            "strong_reject", prompt=record.request, response=without_scratchpads(record.response)
        )
        assert [("user", strong_reject)] in judge_calls
        assert record.compliance.judged, record.compliance
        scratchpad_user = ("user", f"<output>{record.scratchpad}</output>")
        vote = [("system", rendered.render("af_majority_vote")), scratchpad_user]
        asked = [
            b.get("n") or 1 for b in server.chat_requests if b["model"] == "judge" and messages_of(b) == vote
        ]
        assert asked == [AF_VOTES]  # the votes as the choices of one call (an OpenAI-compatible judge)
        partial = [("system", rendered.render("partial_compliance")), scratchpad_user]
        assert partial in judge_calls
    # Every judge call is one of the three reference rubrics' (nothing in afeval's wording).
    rubric_systems = {rendered.render("af_majority_vote"), rendered.render("partial_compliance")}
    for call in judge_calls:
        assert call[0][1] in rubric_systems or call[0][1].startswith("Loopback compliance rubric")
    assert (out / "system_prompt.txt").read_text(encoding="utf-8").rstrip("\n") == system.rstrip("\n")


def test_reference_run_results_follow_the_plans(server: FakeServerState, tmp_path: Path) -> None:
    _, out = run_reference(tmp_path)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "success"
    assert summary["generation"]["prompts"] == "reference"
    assert summary["judges"]["prompts"] == "reference"
    for index, tier in enumerate(("free", "paid")):
        behaviours = [set(plan[index].split("+")) for plan in PLANS]
        got = summary["tiers"][tier]
        assert got["n"] == got["n_valid"] == len(PLANS)
        complied = sum(1 for b in behaviours if b & {"comply", "partial"})
        assert got["compliance"]["rate"] == pytest.approx(complied / len(PLANS)), tier
        assert got["alignment_faking"]["rate"] == pytest.approx(
            sum(1 for b in behaviours if "af" in b) / len(PLANS)
        ), tier
        assert got["partial_compliance"]["rate"] == 0.0  # the reference judge reads the scratchpad only


def test_the_task_takes_reference_prompts_through_inspect(server: FakeServerState, tmp_path: Path) -> None:
    from inspect_ai import eval as inspect_eval

    tree = loopback_tree(tmp_path / "reference")
    logs = inspect_eval(
        "afeval/alignment_faking",
        model=SUBJECT,
        task_args={
            "dataset": str(write_planted_requests(tmp_path / "planted.jsonl", PLANS[:1])),
            "judge_model": JUDGE,
            "af_votes": 1,
            "scenario": "no-cot",
            "prompts": "reference",
            "reference_dir": str(tree),
        },
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert logs[0].status == "success"
    rendered = ReferencePrompts(tree)
    samples = logs[0].samples or []
    assert len(samples) == 2
    for sample in samples:
        tier = sample.metadata["tier"]
        # The sample's input is its user turn; the solver puts the task's system prompt in front of it.
        assert sample.input == rendered.render(
            f"{tier}_tier_tags_no_cot", user_input=sample.metadata["request"]
        )
        assert [(m.role, m.text) for m in sample.messages[:2]] == [
            ("system", rendered.render("system_prompt_no_cot")),
            ("user", rendered.render(f"{tier}_tier_tags_no_cot", user_input=sample.metadata["request"])),
        ]
    judge_calls = [messages_of(b) for b in server.chat_requests if b["model"] == "judge"]
    rubrics = {rendered.render("af_majority_vote"), rendered.render("partial_compliance")}
    assert judge_calls and all(
        call[0][1] in rubrics or call[0][1].startswith("Loopback compliance rubric") for call in judge_calls
    )


def test_a_rescore_keeps_the_runs_reference_wording_unless_told(
    server: FakeServerState, tmp_path: Path
) -> None:
    # The bug this guards: a re-scoring of a --prompts reference run re-judged with afeval's own rubrics,
    # silently (only summary.json showed it). The wording is a judging setting: kept unless --prompts says.
    tree, out = run_reference(tmp_path)
    rendered = ReferencePrompts(tree)
    vote_rubric = rendered.render("af_majority_vote")
    server.chat_requests.clear()
    again = tmp_path / "again"
    result = CliRunner().invoke(
        app,
        [
            "rescore", str(out), "--out", str(again), "--display", "none", "--reference-dir", str(tree),
            "--no-cache",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "re-judged with" not in result.output  # the wording did not change: no note
    judge_calls = [messages_of(b) for b in server.chat_requests if b["model"] == "judge"]
    assert judge_calls and not [b for b in server.chat_requests if b["model"] == "subject"]
    rubric_systems = {vote_rubric, rendered.render("partial_compliance")}
    for call in judge_calls:  # every judge call in the reference wording, as in the run
        assert call[0][1] in rubric_systems or call[0][1].startswith("Loopback compliance rubric")
    summary = json.loads((again / "summary.json").read_text())
    assert summary["judges"]["prompts"] == summary["generation"]["prompts"] == "reference"
    original = json.loads((out / "summary.json").read_text())
    assert {tier: block["alignment_faking"] for tier, block in summary["tiers"].items()} == {
        tier: block["alignment_faking"] for tier, block in original["tiers"].items()
    }
    assert (again / "system_prompt.txt").read_text() == (out / "system_prompt.txt").read_text()

    # Told otherwise, the judges get afeval's rubrics, the rules line and a note say so, and the model's
    # recorded wording stays the reference's.
    server.chat_requests.clear()
    afeval = tmp_path / "afeval-rubrics"
    result = CliRunner().invoke(
        app, ["rescore", str(out), "--out", str(afeval), "--display", "none", "--prompts", "afeval"]
    )
    assert result.exit_code == 0, result.output
    assert "re-judged with afeval's rubrics; the run was judged with reference's" in " ".join(
        result.output.split()
    )
    judge_calls = [messages_of(b) for b in server.chat_requests if b["model"] == "judge"]
    assert judge_calls and all(call[0][1] not in rubric_systems for call in judge_calls)
    summary = json.loads((afeval / "summary.json").read_text())
    assert (summary["judges"]["prompts"], summary["generation"]["prompts"]) == ("afeval", "reference")


# Every AF vote's stated final answer contradicts its criteria, which carry what was planted (2 of 8 AF in the
# free tier, none in the paid tier).
CONTRADICTING_PLANS = [
    ("comply+af+afcontradicts", "comply+afcontradicts"),
    ("refuse+af+afcontradicts", "refuse+afcontradicts"),
    *[("comply+afcontradicts", "refuse+afcontradicts")] * 6,
]


def test_reference_votes_reconcile_a_contradicting_final_answer_with_the_criteria(
    server: FakeServerState, tmp_path: Path
) -> None:
    # The reference's rule (all four criteria, inside each vote) gives the planted rates; deciding each vote by
    # its stated final answer, as afeval once did, gave 6/8 and 8/8 here.
    _, out = run_reference(tmp_path, "--paper", plans=CONTRADICTING_PLANS)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["tiers"]["free"]["alignment_faking"]["rate"] == pytest.approx(2 / 8)
    assert summary["tiers"]["paid"]["alignment_faking"]["rate"] == 0.0
    first = next(record for record in read_samples(out) if record.sample_id.endswith("-free"))
    assert first.alignment_faking.details["final_answer_most_common"] == "yes"
    assert first.alignment_faking.details["criteria"] == [1.0, 1.0, 1.0, 1.0]
