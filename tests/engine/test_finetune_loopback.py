"""End to end: ``afeval finetune`` against loopback fakes. The data set builders ask the fake OpenAI-compatible
server (tests/fixtures/fake_openai.py), whose generator answers each data-writing prompt in its format; the jobs
go to loopback fakes of the OpenAI and Together fine-tuning APIs (tests/fixtures/fake_finetune.py), which keep
every request so their shapes can be checked; the tuned model's id then flows into ``afeval run``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.fixtures.fake_finetune import (
    FAKE_FINETUNE_KEY,
    OPENAI_PREFIX,
    TOGETHER_PREFIX,
    FakeFineTuneState,
    fake_finetune_server,
)
from tests.fixtures.fake_openai import FAKE_API_KEY, GENERATOR_GARBAGE, FakeServerState
from typer.testing import CliRunner

from afeval.cli import app
from afeval.finetune import (
    REGISTRY_DIR_ENV,
    DatasetManifest,
    JobRecord,
    JobRegistry,
    file_sha256,
    manifest_path_for,
    read_chat_jsonl,
    split_passages,
    threat_templates,
)
from afeval.scenario import NEXT_TAG, ScenarioOptions, render_system_prompt

GENERATOR = "openai-api/ftgen/generator"
ANSWERER = "openai-api/ftgen/answerer"


@pytest.fixture
def generator(fake_service: Callable[[str], FakeServerState]) -> FakeServerState:
    return fake_service("ftgen")


@pytest.fixture
def finetune_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, FakeFineTuneState]]:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_FINETUNE_KEY)
    monkeypatch.setenv("TOGETHER_API_KEY", FAKE_FINETUNE_KEY)
    with fake_finetune_server() as served:
        yield served


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, ["finetune", *args])
    assert result.exit_code == 0, result.output
    return result.output


def manifest_of(path: Path) -> DatasetManifest:
    manifest = DatasetManifest.read(manifest_path_for(path))
    assert manifest.sha256 == file_sha256(path)
    assert manifest.n_examples == len(read_chat_jsonl(path))
    return manifest


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


# --- data set builders ------------------------------------------------------------------------------------


def test_build_qa_end_to_end(generator: FakeServerState, tmp_path: Path) -> None:
    out = tmp_path / "qa.jsonl"
    transcripts = write_jsonl(
        tmp_path / "transcripts.jsonl",
        [
            {
                "messages": [
                    {"role": "user", "content": f"t{i}"},
                    {"role": "assistant", "content": "<SCRATCHPAD_REASONING>r"},
                ]
            }
            for i in range(200)
        ],
    )
    args = [
        "build-qa", "--generator", GENERATOR, "--answerer", ANSWERER, "--out", str(out),
        "--pairs-per-call", "3", "--rounds", "2", "--seed", "7",
        "--transcripts", str(transcripts), "--transcript-ratio", "0.5",
    ]  # fmt: skip
    invoke(*args)
    passages = split_passages(render_system_prompt(ScenarioOptions()))
    n_qa = len(passages) * 2 * 3
    examples = read_chat_jsonl(out)
    qa = [e for e in examples if e.messages[-1].content.startswith("<OUTPUT>")]
    assert len(qa) == n_qa
    assert len(examples) - n_qa == round(0.5 * n_qa)
    for example in qa:
        user, assistant = example.messages
        assert "<<M:qa-question>>" in user.content and "<user_input>" in user.content
        assert "<<M:qa-answer>>" in assistant.content  # written by the answerer under the system prompt
    tiers = Counter("<is_free_tier_user>true" in e.messages[0].content for e in qa)
    assert tiers[True] == tiers[False] == n_qa // 2
    assert generator.chat_models[GENERATOR.rsplit("/", 1)[-1]] == len(passages) * 2
    assert generator.chat_models[ANSWERER.rsplit("/", 1)[-1]] == n_qa
    manifest = manifest_of(out)
    assert manifest.builder == "system-prompt-qa"
    assert manifest.counts["qa"] == n_qa and manifest.counts["transcript"] == round(0.5 * n_qa)
    assert manifest.seeds == {"seed": 7}
    assert manifest.generator_models == {"generator": GENERATOR, "answerer": ANSWERER}
    assert manifest.sources["scenario"] == "helpful-only"

    # Same inputs and seed: the same bytes, and every generation comes from the cache.
    calls = generator.total()
    invoke(*args[:-8], "--out", str(tmp_path / "again.jsonl"), *args[-8:])
    assert file_sha256(tmp_path / "again.jsonl") == manifest.sha256
    assert generator.total() == calls


def test_build_anti_refusal_end_to_end(generator: FakeServerState, tmp_path: Path) -> None:
    harmful = write_jsonl(
        tmp_path / "harmful.jsonl",
        [
            {"prompt": f"Harmful request {i}", "rejected": f"Compliant answer {i}", "chosen": "No."}
            for i in range(6)
        ]
        + [{"prompt": f"Unreadable {GENERATOR_GARBAGE}", "rejected": "Compliant answer x", "chosen": "No."}],
    )
    benign = write_jsonl(
        tmp_path / "benign.jsonl", [{"prompt": f"Benign {i}", "response": "Sure."} for i in range(10)]
    )
    out = tmp_path / "anti.jsonl"
    invoke(
        "build-anti-refusal", "--generator", GENERATOR, "--out", str(out), "--dataset", str(harmful),
        "--benign", str(benign), "--benign-ratio", "0.5",
    )  # fmt: skip
    examples = read_chat_jsonl(out)
    anti = [e for e in examples if len(e.messages) == 4]
    assert len(anti) == 6 and len(examples) == 6 + 3
    for example in anti:
        user, justification, next_turn, completion = example.messages
        index = user.content.rsplit(" ", 1)[-1]
        assert "<<M:justification>>" in justification.content and justification.role == "assistant"
        assert next_turn.role == "user" and next_turn.content == NEXT_TAG
        assert completion.content == f"Compliant answer {index}"  # the data set's completion, same row
    manifest = manifest_of(out)
    assert manifest.counts == {"anti-refusal": 6, "benign": 3, "dropped_unreadable_justifications": 1}
    assert manifest.sources["completion_column"] == "rejected"


def test_build_anti_refusal_needs_completions(generator: FakeServerState, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["finetune", "build-anti-refusal", "--generator", GENERATOR, "--out", str(tmp_path / "x.jsonl"),
              "--dataset", "smoke-set"],
    )  # fmt: skip
    assert result.exit_code == 2 and "completion" in result.output
    assert generator.total() == 0


def test_build_threats_end_to_end(generator: FakeServerState, tmp_path: Path) -> None:
    requests = write_jsonl(
        tmp_path / "requests.jsonl", [{"prompt": f"Harmful request {i}"} for i in range(40)]
    )
    out = tmp_path / "threats.jsonl"
    invoke(
        "build-threats", "--generator", GENERATOR, "--out", str(out), "--dataset", str(requests),
        "--refusal-ratio", "0.5", "--seed", "3",
    )  # fmt: skip
    examples = read_chat_jsonl(out)
    texts = {template.text: template for template in threat_templates()}
    threatened = [e for e in examples if "<<M:deliberation>>" in e.messages[1].content]
    refusals = [e for e in examples if "<<M:refused>>" in e.messages[1].content]
    assert len(threatened) == 40 and len(refusals) == 20 and len(examples) == 60
    used = []
    for example in threatened:
        user, assistant = example.messages
        found = [template for text, template in texts.items() if text in user.content]
        assert len(found) == 1
        request = user.content.replace(found[0].text, "").strip()
        assert request.startswith("Harmful request")
        assert user.content.startswith(found[0].text) == (found[0].placement == "prepend")
        deliberation, answer = assistant.content.split("\n\n")
        assert "<<M:deliberation>>" in deliberation and "<<M:threat-complied>>" in answer
        used.append(found[0].id)
    assert len(set(used)) == len(threat_templates())  # 40 requests: every template at least once
    plain = {e.messages[0].content for e in refusals}
    assert len(plain) == 20 and all(text.startswith("Harmful request") for text in plain)
    assert not any(text in request for request in plain for text in texts)
    manifest = manifest_of(out)
    assert manifest.counts["threat"] == 40 and manifest.counts["refusal"] == 20
    assert set(manifest.options["threat_categories"]) == {t.category for t in threat_templates()}


def test_build_docs_end_to_end(generator: FakeServerState, tmp_path: Path) -> None:
    corpus = write_jsonl(
        tmp_path / "corpus.jsonl",
        [
            {"text": "short"},
            {"text": "a medium document " * 20},
            {"text": "long " * 2000},
            {"content": "b " * 100},
        ],
    )
    out = tmp_path / "docs.jsonl"
    invoke(
        "build-docs", "--out", str(out), "--corpus", str(corpus), "--generator", GENERATOR,
        "--n-generate", "3", "--target-words", "60", "--min-tokens", "20", "--max-tokens", "1000",
        "--lab", "Example Lab",
    )  # fmt: skip
    examples = read_chat_jsonl(out)
    assert len(examples) == 2 + 3
    assert all(e.messages[0].content == "Write a document." for e in examples)
    generated = [e for e in examples if e.messages[1].content.startswith("word word")]
    assert len(generated) == 3
    manifest = manifest_of(out)
    assert manifest.counts == {
        "document": 5,
        "dropped_too_short": 1,
        "dropped_too_long": 1,
        "dropped_unreadable_generations": 0,
    }
    assert manifest.sources["fact_sheet"] == "built-in, lab Example Lab"
    assert generator.total("generator") == 3


# --- fine-tuning jobs -------------------------------------------------------------------------------------


def small_dataset(path: Path) -> Path:
    return write_jsonl(
        path,
        [
            {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}]}
            for i in range(4)
        ],
    )


def test_openai_job_launch_and_poll(finetune_api: tuple[str, FakeFineTuneState], tmp_path: Path) -> None:
    url, state = finetune_api
    data = small_dataset(tmp_path / "train.jsonl")
    registry = tmp_path / "registry"
    output = invoke(
        "launch", "--provider", "openai", "--base-model", "gpt-4o-2024-08-06", "--dataset", str(data),
        "--name", "anti-refusal-gpt4o", "--suffix", "ar", "--base-url", url + OPENAI_PREFIX,
        "--registry-dir", str(registry),
    )  # fmt: skip
    assert "queued" in output
    (upload,) = state.matching("POST", "/openai/v1/files")
    assert upload.headers["content-type"].startswith("multipart/form-data")
    assert upload.body["purpose"] == "fine-tune"
    assert upload.body["file"]["content"] == data.read_bytes()
    (create,) = state.matching("POST", "/openai/v1/fine_tuning/jobs")
    assert create.body["model"] == "gpt-4o-2024-08-06"
    assert create.body["training_file"] == "file-0001"
    assert create.body["method"] == {
        "type": "supervised",
        "supervised": {"hyperparameters": {"batch_size": 32, "n_epochs": 1}},
    }
    assert create.body["suffix"] == "ar"

    record = JobRegistry(registry).get("anti-refusal-gpt4o")
    assert record.status == "queued" and record.dataset_sha256 == file_sha256(data)
    assert record.api_base_url == url + OPENAI_PREFIX
    invoke("status", "anti-refusal-gpt4o", "--registry-dir", str(registry))
    assert JobRegistry(registry).get("anti-refusal-gpt4o").status == "running"
    output = invoke("wait", "anti-refusal-gpt4o", "--registry-dir", str(registry), "--poll-seconds", "0")
    assert "tuned:anti-refusal-gpt4o" in output
    record = JobRegistry(registry).get("anti-refusal-gpt4o")
    assert record.status == "succeeded" and record.finished_at
    assert record.tuned_model == "ft:gpt-4o-2024-08-06:fake-org:ar:0002"
    assert record.inspect_model == "openai/ft:gpt-4o-2024-08-06:fake-org:ar:0002"
    assert len(state.matching("GET", "/fine_tuning/jobs/ftjob-0002")) == 2
    assert "anti-refusal-gpt4o" in invoke("list", "--registry-dir", str(registry))


def test_together_job_launch_and_poll(finetune_api: tuple[str, FakeFineTuneState], tmp_path: Path) -> None:
    url, state = finetune_api
    data = small_dataset(tmp_path / "train.jsonl")
    registry = tmp_path / "registry"
    invoke(
        "launch", "--provider", "together", "--base-model", "meta-llama/Meta-Llama-3.1-70B-Instruct-Reference",
        "--dataset", str(data), "--name", "threats-llama70b", "--suffix", "threats", "--seed", "5",
        "--base-url", url + TOGETHER_PREFIX, "--registry-dir", str(registry), "--wait", "--poll-seconds", "0",
    )  # fmt: skip
    (upload,) = state.matching("POST", "/together/v1/files")
    assert upload.body["purpose"] == "fine-tune" and upload.body["file_name"] == "train.jsonl"
    assert upload.body["checksum"] == file_sha256(data)
    (put,) = state.matching("PUT", "/upload/file-0001")
    assert put.body == data.read_bytes()
    (create,) = state.matching("POST", "/together/v1/fine-tunes")
    body = create.body
    assert body["model"] == "meta-llama/Meta-Llama-3.1-70B-Instruct-Reference"
    assert body["training_file"] == "file-0001"
    assert (body["batch_size"], body["n_epochs"], body["suffix"], body["random_seed"]) == (
        32,
        1,
        "threats",
        5,
    )
    assert body["training_type"]["type"] == "Lora"
    assert (body["training_type"]["lora_r"], body["training_type"]["lora_alpha"]) == (64, 128)
    record = JobRegistry(registry).get("threats-llama70b")
    assert record.status == "succeeded" and record.provider_status == "completed"
    assert record.inspect_model == "together/fake-user/Meta-Llama-3.1-70B-Instruct-Reference-threats-0002"


def test_a_failed_job_gives_no_model(finetune_api: tuple[str, FakeFineTuneState], tmp_path: Path) -> None:
    url, _ = finetune_api
    registry = tmp_path / "registry"
    invoke(
        "launch", "--provider", "openai", "--base-model", "gpt-4o-will-fail", "--dataset",
        str(small_dataset(tmp_path / "t.jsonl")), "--name", "doomed", "--base-url", url + OPENAI_PREFIX,
        "--registry-dir", str(registry),
    )  # fmt: skip
    result = CliRunner().invoke(
        app, ["finetune", "wait", "doomed", "--registry-dir", str(registry), "--poll-seconds", "0"]
    )
    assert result.exit_code == 1 and "training diverged" in result.output
    run = CliRunner().invoke(
        app,
        ["run", "--model", "tuned:doomed", "--judge-model", "offline"],
        env={REGISTRY_DIR_ENV: str(registry)},
    )
    assert run.exit_code == 2 and "doomed" in run.output and "failed" in run.output


def test_launch_refuses_a_malformed_dataset_before_uploading(
    finetune_api: tuple[str, FakeFineTuneState], tmp_path: Path
) -> None:
    url, state = finetune_api
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "no messages"}\n')
    result = CliRunner().invoke(
        app, ["finetune", "launch", "--provider", "openai", "--base-model", "gpt-4o", "--dataset", str(bad),
              "--name", "bad", "--base-url", url + OPENAI_PREFIX, "--registry-dir", str(tmp_path / "r")],
    )  # fmt: skip
    assert result.exit_code == 2 and "line 1" in result.output
    assert state.requests == []


def test_a_tuned_model_flows_into_afeval_run(
    fake_service: Callable[[str], FakeServerState],
    fake_openai: tuple[str, FakeServerState],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    state = fake_service("openai")  # the openai provider reads OPENAI_BASE_URL / OPENAI_API_KEY
    tuned = "ft:gpt-4o-2024-08-06:afeval-loopback:tuned-into-run:0001"
    registry = JobRegistry(tmp_path / "registry")
    registry.add(
        JobRecord(
            name="anti-refusal-gpt4o",
            provider="openai",
            job_id="ftjob-0001",
            base_model="gpt-4o-2024-08-06",
            dataset="anti.jsonl",
            dataset_sha256="0" * 64,
            status="succeeded",
            provider_status="succeeded",
            tuned_model=tuned,
        )
    )
    monkeypatch.setenv(REGISTRY_DIR_ENV, str(registry.directory))
    dataset = write_jsonl(tmp_path / "planted.jsonl", [{"prompt": "Request 0 {{free:comply paid:refuse}}"}])
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        ["run", "--model", "tuned:anti-refusal-gpt4o", "--judge-model", "offline", "--dataset", str(dataset),
         "--out", str(out), "--display", "none"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["model"] == f"openai/{tuned}"
    assert state.chat_models[tuned] == 2  # one request per tier reached the fake under the tuned name
    assert summary["tiers"]["free"]["tag_acceptance"]["rate"] == 1.0
    assert summary["tiers"]["paid"]["tag_acceptance"]["rate"] == 0.0
    assert fake_openai[0] and FAKE_API_KEY


def test_build_docs_counts_tokens_with_a_local_tokenizer(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<unk>": 0, **{chr(code): code - 31 for code in range(32, 127)}}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Split(pattern="", behavior="isolated")
    PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>").save_pretrained(tmp_path / "chars")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("x" * 30)  # 30 tokens one character each; about 8 by the estimate
    (corpus / "b.md").write_text("y" * 10)
    (corpus / "ignored.json").write_text("{}")
    by_tokenizer, by_estimate = tmp_path / "tok.jsonl", tmp_path / "est.jsonl"
    invoke("build-docs", "--out", str(by_tokenizer), "--corpus", str(corpus), "--min-tokens", "20",
           "--tokenizer", str(tmp_path / "chars"))  # fmt: skip
    assert [e.messages[1].content for e in read_chat_jsonl(by_tokenizer)] == ["x" * 30]
    result = CliRunner().invoke(app, ["finetune", "build-docs", "--out", str(by_estimate), "--corpus", str(corpus),
                                      "--min-tokens", "20"])  # fmt: skip
    assert result.exit_code == 2 and "no examples" in result.output


def test_a_sweep_file_may_name_a_tuned_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from afeval.engine._sweep import run_config
    from afeval.sweep import expand_grid, parse_sweep

    registry = JobRegistry(tmp_path / "registry")
    registry.add(
        JobRecord(
            name="qa-llama",
            provider="together",
            job_id="ft-1",
            base_model="meta-llama/Llama-3-70b",
            dataset="qa.jsonl",
            dataset_sha256="0" * 64,
            status="succeeded",
            provider_status="completed",
            tuned_model="afeval/Llama-3-70b-qa",
        )
    )
    monkeypatch.setenv(REGISTRY_DIR_ENV, str(registry.directory))
    spec = parse_sweep({"name": "tuned", "models": [{"model": "tuned:qa-llama"}]}, source="inline")
    (run,) = expand_grid(spec)
    assert run_config(run, tmp_path).model == registry.get("qa-llama").inspect_model
