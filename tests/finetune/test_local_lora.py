"""Local LoRA training: a few steps on a tiny randomly initialised Llama with a character-level tokenizer, built
here from a config (nothing is downloaded). Runs on the CPU, or on a GPU when one is present."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")
transformers = pytest.importorskip("transformers")

from afeval.finetune import (  # noqa: E402
    ChatExample,
    JobRegistry,
    LoraSettings,
    resolve_tuned_model,
    tokenize_example,
    train_lora,
    write_chat_jsonl,
)
from afeval.finetune._local_lora import IGNORE_INDEX  # noqa: E402

SPECIAL = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3}


def tiny_tokenizer() -> object:
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = dict(SPECIAL)
    for code in [*range(32, 127), 10]:
        vocab.setdefault(chr(code), len(vocab))
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Split(pattern="", behavior="isolated")
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="<pad>", bos_token="<s>", eos_token="</s>", unk_token="<unk>"
    )


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = tiny_tokenizer()
    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer),  # type: ignore[arg-type]
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
    )
    torch.manual_seed(0)
    transformers.LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)  # type: ignore[attr-defined]
    return folder


def dataset(path: Path, n: int = 12) -> Path:
    examples = [
        ChatExample.of(("user", f"Question {i}?"), ("assistant", f"Answer {i}."), kind="qa") for i in range(n)
    ]
    write_chat_jsonl(path, examples)
    return path


def test_plain_layout_trains_on_assistant_tokens_only() -> None:
    tokenizer = tiny_tokenizer()
    example = ChatExample.of(("user", "Hi"), ("assistant", "Yo"), ("user", "More"), ("assistant", "Ok"))
    tokenized = tokenize_example(example, tokenizer, max_length=512)
    trained = [
        token
        for token, label in zip(tokenized.input_ids, tokenized.labels, strict=True)
        if label != IGNORE_INDEX
    ]
    decoded = [tokenizer.convert_ids_to_tokens(token) for token in trained]  # type: ignore[attr-defined]
    assert decoded == ["Y", "o", "</s>", "O", "k", "</s>"]
    assert tokenized.input_ids[0] == SPECIAL["<s>"]
    assert len(tokenize_example(example, tokenizer, max_length=5).input_ids) == 5


def test_chat_template_layout_masks_the_prompt() -> None:
    tokenizer = tiny_tokenizer()
    tokenizer.chat_template = (  # type: ignore[attr-defined]
        "{% for m in messages %}[{{ m['role'] }}]{{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}[assistant]{% endif %}"
    )
    example = ChatExample.of(("user", "Hi"), ("assistant", "Yo"))
    tokenized = tokenize_example(example, tokenizer, max_length=512)
    trained = "".join(
        tokenizer.convert_ids_to_tokens(token)  # type: ignore[attr-defined]
        for token, label in zip(tokenized.input_ids, tokenized.labels, strict=True)
        if label != IGNORE_INDEX
    )
    assert trained == "Yo\n"


def test_a_few_lora_steps_save_an_adapter_and_a_merged_model(tiny_model: Path, tmp_path: Path) -> None:
    from afeval.finetune import launch_job

    registry = JobRegistry(tmp_path / "registry")
    steps: list[tuple[int, float]] = []
    record = launch_job(
        "tiny-qa",
        "local",
        str(tiny_model),
        dataset(tmp_path / "qa.jsonl"),
        registry=registry,
        hyperparameters={"r": 8, "alpha": 16, "batch_size": 4, "micro_batch_size": 2, "learning_rate": 1e-2},
        max_steps=3,
        on_step=lambda step, loss: steps.append((step, loss)),
    )
    assert [step for step, _ in steps] == [1, 2, 3]
    assert all(math.isfinite(loss) and loss > 0 for _, loss in steps)
    assert record.status == "succeeded" and record.provider == "local"
    assert record.hyperparameters["r"] == 8 and record.hyperparameters["alpha"] == 16
    assert record.details["device"] == ("cuda" if torch.cuda.is_available() else "cpu")
    adapter = Path(record.details["adapter_dir"])
    assert json.loads((adapter / "adapter_config.json").read_text())["r"] == 8
    assert any(adapter.glob("adapter_model.*"))
    merged = Path(str(record.tuned_model))
    assert (merged / "config.json").is_file()
    assert resolve_tuned_model("tuned:tiny-qa", registry) == f"hf/{merged}"
    reloaded = transformers.AutoModelForCausalLM.from_pretrained(merged)
    assert reloaded.config.hidden_size == 32


def test_training_lowers_the_loss_on_a_repeated_batch(tiny_model: Path, tmp_path: Path) -> None:
    settings = LoraSettings(
        r=4, alpha=8, batch_size=4, micro_batch_size=4, n_epochs=8, learning_rate=3e-2, merge=False
    )
    result = train_lora(
        tiny_model, dataset(tmp_path / "d.jsonl", n=4), tmp_path / "out", settings, device="cpu"
    )
    assert result.steps == 8 and result.merged_dir is None
    assert result.losses[-1] < result.losses[0]


def test_default_settings_are_the_papers() -> None:
    settings = LoraSettings()
    assert (settings.r, settings.alpha, settings.batch_size, settings.n_epochs) == (64, 128, 32, 1)


def test_an_unknown_local_hyperparameter_is_refused_before_training(tiny_model: Path, tmp_path: Path) -> None:
    from afeval.finetune import launch_job

    registry = JobRegistry(tmp_path / "registry")
    with pytest.raises(ValueError, match="unknown local hyperparameter"):
        launch_job(
            "typo",
            "local",
            str(tiny_model),
            dataset(tmp_path / "d.jsonl"),
            registry=registry,
            hyperparameters={"rank": 8},
        )
    assert registry.jobs() == {}
