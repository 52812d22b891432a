"""End to end: the ``afeval finetune build-*`` commands against the loopback fake OpenAI-compatible server
(tests/fixtures/fake_openai.py), whose generator answers each data-writing prompt in its format."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.fixtures.fake_finetune import write_jsonl
from tests.fixtures.fake_openai import GENERATOR_GARBAGE, FakeServerState
from typer.testing import CliRunner

from afeval.cli import app
from afeval.finetune import (
    DatasetManifest,
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


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, ["finetune", *args])
    assert result.exit_code == 0, result.output
    return result.output


def manifest_of(path: Path) -> DatasetManifest:
    manifest = DatasetManifest.read(manifest_path_for(path))
    assert manifest.sha256 == file_sha256(path)
    assert manifest.n_examples == len(read_chat_jsonl(path))
    return manifest


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
