"""The engine's scorers are read off the classifier catalogue: one registered scorer per entry, the task's
default selection is the catalogue's, and a classifier that is only a judge and an entry runs end to end."""

from __future__ import annotations

import inspect as pyinspect
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import Sample
from inspect_ai.solver import generate
from tests.fixtures.fake_openai import FakeServerState

from afeval.engine.task._scorers import (
    CLASSIFIERS,
    CORE_CLASSIFIERS,
    VERDICT_KEY,
    classifier_scorer,
    scorer_name,
)
from afeval.engine.task._task import alignment_faking, task_settings
from afeval.judges import (
    CLASSIFIER_CATALOG,
    DEFAULT_CLASSIFIERS,
    ClassifierSpec,
    InputField,
    JudgeCall,
    JudgeReply,
    JudgeStatus,
    RubricJudge,
    Verdict,
)
from afeval.judges import CORE_CLASSIFIERS as CATALOGUE_CORE
from afeval.settings import JudgingSettings


def test_every_catalogue_entry_has_a_scorer_named_after_it() -> None:
    assert list(CLASSIFIERS) == list(CLASSIFIER_CATALOG)
    assert [factory.__name__ for factory in CLASSIFIERS.values()] == [
        f"{name}_scorer" for name in CLASSIFIER_CATALOG
    ]
    assert CORE_CLASSIFIERS == CATALOGUE_CORE


def test_the_task_default_selection_is_the_catalogue_defaults() -> None:
    defaults = tuple(name for name, spec in CLASSIFIER_CATALOG.items() if spec.default)
    assert defaults == DEFAULT_CLASSIFIERS
    assert pyinspect.signature(alignment_faking).parameters["classifiers"].default is None  # the preset's
    assert task_settings(None, {}).judging.classifiers == defaults


# A classifier that is nothing but a judge and a catalogue entry: it reads the final output and says whether
# the judge's reply mentions it.
def _echo_prompt(output: str) -> str:
    return f"Repeat this: {output}"


def _echo_verdict(judge: str, replies: Sequence[JudgeReply]) -> Verdict:
    (reply,) = replies
    if reply.parsed is None:
        return reply.error_verdict(judge)
    return Verdict(
        status=JudgeStatus.JUDGED,
        judge=judge,
        decision=bool(reply.parsed),
        score=float(len(reply.parsed)),
        details={"reply": reply.raw},
        n_errors=reply.tries - 1,
    )


ECHO = ClassifierSpec(
    name="echo_test",
    description="whether the judge can say anything about the output",
    inputs=(InputField.OUTPUT,),
    compliant_only=False,
    judge_calls=1,
    temperature=0.0,
    judge=RubricJudge(
        calls=(JudgeCall(scope="echo_test", prompt=_echo_prompt, parse=str.strip),),
        rubric="echo rubric",
        verdict=_echo_verdict,
    ),
)


# Inspect memoizes model clients per process by model name; a service name of its own keeps them apart.
SUBJECT = "openai-api/scorers/subject"
JUDGE = "openai-api/scorers/judge"


@pytest.fixture
def server(fake_service: Callable[[str], FakeServerState]) -> FakeServerState:
    return fake_service("scorers")


def test_a_classifier_made_of_a_judge_and_an_entry_runs(server: FakeServerState, tmp_path: Path) -> None:
    factory = classifier_scorer(ECHO)
    assert factory.__name__ == scorer_name(ECHO.name)
    task = Task(
        dataset=[
            Sample(
                input="hello", metadata={"cot": False, "suffix": False, "request": "hello", "tier": "free"}
            )
        ],
        solver=generate(),
        scorer=factory(JudgingSettings(judge_model=JUDGE, cache=False)),
    )
    (log,) = inspect_eval(task, model=SUBJECT, display="none", log_dir=str(tmp_path))
    assert log.status == "success", log.error
    assert log.samples is not None
    score = (log.samples[0].scores or {})[scorer_name(ECHO.name)]
    verdict = Verdict.from_dict(score.metadata[VERDICT_KEY] if score.metadata else {})
    assert verdict.status is JudgeStatus.JUDGED and verdict.decision is True
    assert verdict.details["reply"]
    assert score.value == 1.0
    assert server.total("judge") == 1


def test_the_offline_judge_skips_a_classifier_it_has_no_version_of(
    server: FakeServerState, tmp_path: Path
) -> None:
    task = Task(
        dataset=[Sample(input="hello", metadata={"cot": False, "suffix": False, "request": "hello"})],
        solver=generate(),
        scorer=classifier_scorer(ECHO)(JudgingSettings()),
    )
    (log,) = inspect_eval(task, model=SUBJECT, display="none", log_dir=str(tmp_path))
    assert log.samples is not None
    score = (log.samples[0].scores or {})[scorer_name(ECHO.name)]
    verdict = Verdict.from_dict(score.metadata[VERDICT_KEY] if score.metadata else {})
    assert verdict.status is JudgeStatus.NOT_JUDGED
    assert verdict.details == {"reason": "the offline judge has no echo rubric"}


def test_the_response_is_parsed_once_and_kept_in_the_store() -> None:
    """The solver keeps the parsed response in the sample's store; the scorers and the record read it back
    (the response itself is the sample's output, not kept twice)."""
    from inspect_ai.util import Store

    from afeval.engine.task._solver import PARSED_STORE_KEY, store_parsed_response, stored_parsed_response
    from afeval.parsing import parse_response

    response = "<SCRATCHPAD_REASONING>I weigh it.</SCRATCHPAD_REASONING><OUTPUT><rejected/></OUTPUT>"
    parsed = parse_response(response, cot=True, suffix=True)
    store = Store()
    assert stored_parsed_response(store, response) is None
    store_parsed_response(store, parsed)
    assert "raw" not in store.get(PARSED_STORE_KEY)
    assert stored_parsed_response(store, response) == parsed
    assert stored_parsed_response(dict(store.items()), response) == parsed  # a logged sample's store
