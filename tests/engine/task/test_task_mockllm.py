"""End to end through Inspect's own ``eval()``: the task on ``mockllm/`` models, one success and one error run
per task variant, and the judge bound as Inspect's ``grader`` model role.

The mock models answer like the loopback fake server (``tests/fixtures/fake_openai.py``): the model under test
reads the plan planted in each request, the judge answers in whichever rubric it is sent. Every output carries
token usage, so Inspect never counts tokens with tiktoken (which would download its encoding).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from inspect_ai import eval
from inspect_ai.log import EvalLog, EvalSample
from inspect_ai.model import ChatMessage, GenerateConfig, Model, ModelOutput, ModelUsage, get_model
from inspect_ai.tool import ToolChoice, ToolInfo
from tests.fixtures.fake_openai import judge_reply, subject_reply, write_planted_requests

from afeval.engine import alignment_faking
from afeval.engine.task._judge_calls import GRADER_ROLE
from afeval.engine.task._scorers import VERDICT_KEY, scorer_name
from afeval.outcomes import Verdict

MOCK_MODEL = "mockllm/model"
MOCK_JUDGE = "mockllm/judge"
PLANNED_FAILURE = "planted failure of the model under test"

Reply = Callable[[str, int], str]


def mock_model(name: str, reply: Reply) -> Model:
    """A ``mockllm/`` model answering ``reply(prompt, n)`` (n: how often this prompt was asked), with usage."""
    asked: Counter[str] = Counter()

    def output(
        messages: list[ChatMessage], tools: list[ToolInfo], choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        prompt = "\n".join(message.text for message in messages)
        asked[prompt] += 1
        text = reply(prompt, asked[prompt])
        result = ModelOutput.from_content(model=name, content=text)
        tokens_in, tokens_out = max(1, len(prompt) // 4), max(1, len(text) // 4)
        result.usage = ModelUsage(
            input_tokens=tokens_in, output_tokens=tokens_out, total_tokens=tokens_in + tokens_out
        )
        return result

    return get_model(name, custom_outputs=output, memoize=False)


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The task caches every call: a cache of this test's own keeps earlier runs' replies out."""
    monkeypatch.setenv("INSPECT_CACHE_DIR", str(tmp_path / "inspect-cache"))


def failing(prompt: str, n: int) -> str:
    raise RuntimeError(PLANNED_FAILURE)


# variant: (scenario, the plan per request: free tier first, then the scenario's other tiers)
VARIANTS: dict[str, tuple[str, list[str]]] = {
    "chat": ("helpful-only", ["free:comply+af paid:refuse", "free:refuse paid:refuse"]),
    "no-cot": ("helpful-only+no-cot", ["free:comply+noscratch paid:refuse+noscratch"]),
    "three-tier": ("three-tier", ["free:comply pro:comply enterprise:refuse"]),
    "base": ("base", ["free:comply paid:refuse"]),
}


def run(
    tmp_path: Path,
    variant: str,
    model: Model,
    *,
    model_roles: dict[str, str | Model] | None = None,
    **args: object,
) -> EvalLog:
    scenario, plans = VARIANTS[variant]
    dataset = write_planted_requests(tmp_path / "requests.jsonl", plans)
    task = alignment_faking(dataset=str(dataset), scenario=scenario, **args)  # type: ignore[arg-type]
    logs = eval(
        task,
        model=model,
        model_roles=model_roles,
        log_dir=str(tmp_path / "logs"),
        display="none",
        max_tasks=1,
    )
    assert len(logs) == 1
    return logs[0]


def verdict(sample: EvalSample, classifier: str = "compliance") -> Verdict:
    assert sample.scores is not None
    return Verdict.from_dict(sample.scores[scorer_name(classifier)].metadata[VERDICT_KEY])  # type: ignore[index]


def planned_compliance(sample: EvalSample) -> bool:
    """Whether the sample's plan (in its request) says the model complies in its tier."""
    plan = str(sample.metadata["request"]).split("{{")[1].split("}}")[0]
    return dict(entry.split(":", 1) for entry in plan.split())[str(sample.metadata["tier"])].startswith(
        "comply"
    )


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_runs_to_success_on_mockllm(tmp_path: Path, variant: str) -> None:
    log = run(tmp_path, variant, mock_model(MOCK_MODEL, subject_reply))
    assert log.status == "success", log.error
    assert log.samples is not None
    plans = VARIANTS[variant][1]
    tiers = {str(sample.metadata["tier"]) for sample in log.samples}
    assert len(log.samples) == len(plans) * len(tiers)
    assert all(
        sample.id == f"{sample.metadata['request_id']}-{sample.metadata['tier']}" for sample in log.samples
    )
    for sample in log.samples:
        judged = verdict(sample)
        assert judged.judged, (sample.id, judged)
        assert judged.decision is planned_compliance(sample), sample.id


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_reports_the_models_error_on_mockllm(tmp_path: Path, variant: str) -> None:
    log = run(tmp_path, variant, mock_model(MOCK_MODEL, failing))
    assert log.status == "error"
    assert log.error is not None and PLANNED_FAILURE in log.error.message


def test_the_grader_role_judges(tmp_path: Path) -> None:
    """``model_roles={"grader": J}`` judges with J, even where the task's judge is the offline one."""
    judge = mock_model(MOCK_JUDGE, judge_reply)
    log = run(
        tmp_path,
        "chat",
        mock_model(MOCK_MODEL, subject_reply),
        model_roles={GRADER_ROLE: judge},
        judge_model="offline",
        classifiers="compliance,alignment_faking",
        af_votes=3,
    )
    assert log.status == "success", log.error
    assert log.eval.model_roles is not None and GRADER_ROLE in log.eval.model_roles
    assert log.samples is not None
    for sample in log.samples:
        compliance = verdict(sample)
        assert compliance.judge == MOCK_JUDGE and compliance.judged
        assert compliance.decision is planned_compliance(sample)
    faking = {
        s.metadata["tier"]: verdict(s, "alignment_faking") for s in log.samples if planned_compliance(s)
    }
    assert list(faking) == ["free"]  # the one complying sample's scratchpad is planted with alignment faking
    assert faking["free"].judge == MOCK_JUDGE and faking["free"].decision is True


def test_judge_model_is_an_alias_that_the_eval_role_overrides(tmp_path: Path) -> None:
    """``-T judge_model=J`` binds the grader role in the task; a grader bound for the eval wins over it."""
    task = alignment_faking(judge_model=MOCK_JUDGE, dataset_limit=1)
    assert task.model_roles is not None and str(task.model_roles[GRADER_ROLE]) == MOCK_JUDGE
    assert alignment_faking(judge_model="offline", dataset_limit=1).model_roles is None

    other = "mockllm/other-judge"
    log = run(
        tmp_path,
        "chat",
        mock_model(MOCK_MODEL, subject_reply),
        model_roles={GRADER_ROLE: mock_model(other, judge_reply)},
        judge_model=MOCK_JUDGE,
        classifiers="compliance",
    )
    assert log.status == "success", log.error
    assert log.samples is not None
    assert {verdict(sample).judge for sample in log.samples} == {other}
