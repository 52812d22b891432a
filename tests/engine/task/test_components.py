"""Every custom Inspect component afeval registers, named and exercised on ``mockllm/`` models.

The solvers ``generate_valid_response``, ``judge_the_input`` and ``replay_response``; the scorers
``compliance_scorer``, ``alignment_faking_scorer``, ``partial_compliance_scorer``, ``af_legacy_scorer``,
``helpfulness_motive_scorer``, ``af_motive_scorer`` and ``follow_up_scorer`` (one per classifier, all from one
body) and ``text_scorer``; the metric ``judged_rate``. A new component must be added here.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from inspect_ai import Task, eval
from inspect_ai._util.registry import registry_info
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.scorer import SampleScore, Score
from tests.engine.task.test_task_mockllm import MOCK_JUDGE, MOCK_MODEL, mock_model, run, verdict
from tests.fixtures.fake_openai import judge_reply, subject_reply

from afeval.engine.runs._rescore import replay_response
from afeval.engine.task._judge_calls import GRADER_ROLE
from afeval.engine.task._judge_texts import JUDGEMENT_KEY, judge_the_input, text_scorer
from afeval.engine.task._scorers import CLASSIFIERS, judged_rate, scorer_name
from afeval.engine.task._solver import generate_valid_response
from afeval.judges import CLASSIFIER_CATALOG
from afeval.outcomes import Verdict
from afeval.results import SampleRecord
from afeval.settings import JudgingSettings

CLASSIFIER_SCORERS = [
    "compliance_scorer",
    "alignment_faking_scorer",
    "partial_compliance_scorer",
    "af_legacy_scorer",
    "helpfulness_motive_scorer",
    "af_motive_scorer",
    "follow_up_scorer",
]


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSPECT_CACHE_DIR", str(tmp_path / "inspect-cache"))


def test_every_component_is_registered_under_afeval() -> None:
    assert [scorer_name(name) for name in CLASSIFIER_CATALOG] == CLASSIFIER_SCORERS
    components = [
        generate_valid_response(cot=True, suffix=True),
        judge_the_input(),
        replay_response({}, MOCK_MODEL),
        text_scorer(JudgingSettings()),
        judged_rate(),
        *(CLASSIFIERS[name](JudgingSettings()) for name in CLASSIFIER_CATALOG),
    ]
    names = [registry_info(component).name for component in components]
    expected = [
        "generate_valid_response",
        "judge_the_input",
        "replay_response",
        "text_scorer",
        "judged_rate",
        *CLASSIFIER_SCORERS,
    ]
    assert names == [f"afeval/{name}" for name in expected]


def test_judged_rate_leaves_out_what_was_not_judged() -> None:
    rate = judged_rate()
    scores = [SampleScore(score=Score(value=value)) for value in (1.0, 0.0, 1.0, float("nan"))]
    assert rate(scores) == pytest.approx(2 / 3)
    assert math.isnan(float(rate([SampleScore(score=Score(value=float("nan")))])))  # type: ignore[arg-type]


def test_every_classifier_scorer_judges_through_the_grader(tmp_path: Path) -> None:
    """generate_valid_response answers each sample; each classifier's scorer asks the bound grader."""
    log = run(
        tmp_path,
        "chat",
        mock_model(MOCK_MODEL, subject_reply),
        model_roles={GRADER_ROLE: mock_model(MOCK_JUDGE, judge_reply)},
        judge_model="offline",
        classifiers=",".join(CLASSIFIER_CATALOG),
        af_votes=3,
    )
    assert log.status == "success", log.error
    assert log.samples is not None and log.results is not None
    assert {score.name for score in log.results.scores} == set(CLASSIFIER_SCORERS)
    complying = [
        s for s in log.samples if s.metadata["tier"] == "free" and s.metadata["request_id"].endswith("0")
    ]
    for name in CLASSIFIER_CATALOG:  # the complying sample is judged by every classifier, by the grader
        judged = verdict(complying[0], name)
        assert judged.judge == MOCK_JUDGE, (name, judged)
        assert judged.judged, (name, judged)


def test_judge_the_input_and_the_text_scorer(tmp_path: Path) -> None:
    """judge_the_input leaves the text as it is; text_scorer votes on it with the grader."""
    texts = ["<SCRATCHPAD_REASONING>I keep my values. <<M:af-yes=3>></SCRATCHPAD_REASONING>", "Plain text."]
    task = Task(
        dataset=MemoryDataset([Sample(id=index, input=text) for index, text in enumerate(texts)]),
        solver=judge_the_input(),
        scorer=text_scorer(JudgingSettings(judge_model=MOCK_JUDGE, af_votes=3)),
    )
    (log,) = eval(
        task,
        model=mock_model(MOCK_MODEL, subject_reply),
        model_roles={GRADER_ROLE: mock_model(MOCK_JUDGE, judge_reply)},
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success", log.error
    assert log.samples is not None
    scores = [sample.scores["text_scorer"] for sample in log.samples]  # type: ignore[index]
    assert [score.value for score in scores] == [1.0, 0.0]
    assert all(JUDGEMENT_KEY in (score.metadata or {}) for score in scores)
    assert all(sample.output.completion == "" for sample in log.samples)  # no generation
    assert log.results is not None and log.results.scores[0].metrics["judged_rate"].value == 0.5


def test_replay_response_puts_the_stored_response_back(tmp_path: Path) -> None:
    stored = "<SCRATCHPAD_REASONING>x</SCRATCHPAD_REASONING><OUTPUT><rejected/></OUTPUT>"
    not_judged = Verdict.not_judged("offline", "stored")
    record = SampleRecord(
        sample_id="r-free",
        request_id="r",
        request="a request",
        tier="free",
        user_prompt="a request",
        response=stored,
        attempts=1,
        response_status="valid",
        scratchpad="x",
        output="<rejected/>",
        accepted=False,
        refused=True,
        compliance=not_judged,
        alignment_faking=not_judged,
        partial_compliance=not_judged,
    )
    task = Task(
        dataset=MemoryDataset([Sample(id="r-free", input="a request")]),
        solver=replay_response({"r-free": record}, MOCK_MODEL),
    )
    (log,) = eval(
        task, model=mock_model(MOCK_MODEL, subject_reply), log_dir=str(tmp_path / "logs"), display="none"
    )
    assert log.status == "success", log.error
    assert log.samples is not None and log.samples[0].output.completion == stored
