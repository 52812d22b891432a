"""Local LoRA fine-tuning of a small open model on a chat-format data set (PEFT + transformers + torch).

The paper fine-tunes open models with LoRA (rank 64, alpha 128), batch size 32, one epoch. This module does
the same for a model that fits on this machine: on a GPU when one is present, else on the CPU (practical only
for tiny models, which is what the tests use). The loss is the usual next-token cross-entropy on the
assistant turns only; system and user turns are context. A tokenizer with a chat template renders the
conversation with it; one without (a bare base model) gets a plain ``User: ...`` / ``Assistant: ...`` layout.

The result is the LoRA adapter and, by default, a merged copy of the model that ``afeval run --model
hf/<folder>`` (or ``tuned:NAME``) loads like any other local model. :func:`launch_local` is the ``local``
provider of ``afeval finetune launch``: it trains right away and returns the finished job's record.

torch, transformers and peft are imported when training starts, so importing afeval needs none of them
(install them with ``pip install 'afeval[local,finetune]'``).
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from afeval.finetune._records import ChatExample, read_chat_jsonl
from afeval.tuned_models import JobRecord, utc_now

IGNORE_INDEX: Final = -100
"""Label of a token that is not trained on (the cross-entropy ignores it)."""
ADAPTER_DIR: Final = "adapter"
MERGED_DIR: Final = "merged"
_PLAIN_ROLE_NAMES: Final = {"system": "System", "user": "User", "assistant": "Assistant"}


@dataclass(frozen=True)
class LoraSettings:
    """LoRA and training settings; the defaults are the paper's (r=64, alpha=128, batch 32, one epoch).

    ``batch_size`` examples make one optimiser step, accumulated over micro-batches of ``micro_batch_size``
    so that memory stays small. ``max_steps`` stops early (tests, quick checks)."""

    r: int = 64
    alpha: int = 128
    dropout: float = 0.0
    target_modules: str = "all-linear"
    batch_size: int = 32
    micro_batch_size: int = 4
    n_epochs: int = 1
    learning_rate: float = 1e-4
    max_length: int = 2048
    max_steps: int | None = None
    seed: int = 0
    merge: bool = True

    def __post_init__(self) -> None:
        for name in ("r", "batch_size", "micro_batch_size", "n_epochs", "max_length"):
            if getattr(self, name) < 1:
                raise ValueError(f"LoRA setting {name} must be at least 1")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError("max_steps must be at least 1")
        if not 0 <= self.dropout < 1:
            raise ValueError("LoRA dropout must be in [0, 1)")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LoraResult:
    adapter_dir: Path
    merged_dir: Path | None
    steps: int
    losses: tuple[float, ...]  # mean loss per optimiser step
    device: str
    n_examples: int


@dataclass(frozen=True)
class TokenizedExample:
    input_ids: tuple[int, ...]
    labels: tuple[int, ...]  # IGNORE_INDEX outside the assistant turns


def _encode(tokenizer: Any, text: str) -> list[int]:
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def _messages(example: ChatExample) -> list[dict[str, str]]:
    return [message.to_dict() for message in example.messages]


def tokenize_example(example: ChatExample, tokenizer: Any, max_length: int) -> TokenizedExample:
    """Token ids of one conversation and labels that train on the assistant turns only, cut to
    ``max_length`` tokens."""
    ids: list[int] = []
    labels: list[int] = []
    if getattr(tokenizer, "chat_template", None):
        # Each assistant turn spans from the end of the prompt that asks for it to the end of the conversation
        # that includes it.
        messages = _messages(example)
        ids = _encode(tokenizer, tokenizer.apply_chat_template(messages, tokenize=False))
        labels = [IGNORE_INDEX] * len(ids)
        for index, message in enumerate(messages):
            if message["role"] != "assistant":
                continue
            start = len(
                _encode(
                    tokenizer,
                    tokenizer.apply_chat_template(
                        messages[:index], tokenize=False, add_generation_prompt=True
                    ),
                )
            )
            end = len(
                _encode(tokenizer, tokenizer.apply_chat_template(messages[: index + 1], tokenize=False))
            )
            labels[start:end] = ids[start:end]
    else:
        if tokenizer.bos_token_id is not None:
            ids.append(tokenizer.bos_token_id)
            labels.append(IGNORE_INDEX)
        for turn in example.messages:
            prefix = _encode(tokenizer, f"{_PLAIN_ROLE_NAMES[turn.role]}: ")
            content = _encode(tokenizer, turn.content)
            ids += prefix
            labels += [IGNORE_INDEX] * len(prefix)
            ids += content
            if turn.role == "assistant":
                labels += content
                if tokenizer.eos_token_id is not None:  # so the model learns where its turn ends
                    ids.append(tokenizer.eos_token_id)
                    labels.append(tokenizer.eos_token_id)
            else:
                labels += [IGNORE_INDEX] * len(content)
            newline = _encode(tokenizer, "\n")
            ids += newline
            labels += [IGNORE_INDEX] * len(newline)
    return TokenizedExample(input_ids=tuple(ids[:max_length]), labels=tuple(labels[:max_length]))


def _pick_device(requested: str | None) -> str:
    import torch

    if requested is not None:
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def train_lora(
    base_model: str | Path,
    dataset: Path,
    out_dir: Path,
    settings: LoraSettings | None = None,
    *,
    device: str | None = None,
    on_step: Callable[[int, float], None] | None = None,
) -> LoraResult:
    """Train a LoRA adapter on ``dataset`` (chat-format JSONL) for ``base_model`` (a local folder or a
    Hugging Face id already in the local cache) and save it under ``out_dir/adapter`` (plus the merged model
    under ``out_dir/merged`` when ``settings.merge``). ``on_step(step, loss)`` is called after each step."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    settings = settings or LoraSettings()
    chosen = _pick_device(device)
    examples = read_chat_jsonl(dataset)
    if not examples:
        raise ValueError(f"{dataset} holds no examples")
    random.seed(settings.seed)
    torch.manual_seed(settings.seed)

    tokenizer = AutoTokenizer.from_pretrained(str(base_model))
    dtype = torch.bfloat16 if chosen.startswith("cuda") and torch.cuda.is_bf16_supported() else torch.float32
    model = AutoModelForCausalLM.from_pretrained(str(base_model), dtype=dtype)
    config = LoraConfig(
        r=settings.r,
        lora_alpha=settings.alpha,
        lora_dropout=settings.dropout,
        target_modules=settings.target_modules,
        task_type="CAUSAL_LM",
    )
    peft_model: Any = get_peft_model(model, config)  # merge_and_unload is reached through __getattr__
    peft_model.to(chosen)
    peft_model.train()
    trainable = [parameter for parameter in peft_model.parameters() if parameter.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=settings.learning_rate)

    tokenized = [tokenize_example(example, tokenizer, settings.max_length) for example in examples]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else (tokenizer.eos_token_id or 0)
    order = list(range(len(tokenized))) * settings.n_epochs
    random.Random(settings.seed).shuffle(order)
    total_steps = math.ceil(len(order) / settings.batch_size)
    if settings.max_steps is not None:
        total_steps = min(total_steps, settings.max_steps)

    losses: list[float] = []
    for step in range(total_steps):
        batch = order[step * settings.batch_size : (step + 1) * settings.batch_size]
        n_label_tokens = sum(
            sum(1 for label in tokenized[index].labels[1:] if label != IGNORE_INDEX) for index in batch
        )
        optimizer.zero_grad()
        step_loss = 0.0
        for start in range(0, len(batch), settings.micro_batch_size):
            micro = [tokenized[index] for index in batch[start : start + settings.micro_batch_size]]
            input_ids, labels, attention = _collate(micro, pad_id, torch)
            logits = peft_model(
                input_ids=input_ids.to(chosen), attention_mask=attention.to(chosen)
            ).logits.float()
            # Next-token loss summed over the batch's label tokens, then divided by their number across the
            # whole optimiser step, so micro-batching does not change the gradient.
            loss_sum = torch.nn.functional.cross_entropy(
                logits[:, :-1].reshape(-1, logits.size(-1)),
                labels[:, 1:].reshape(-1).to(chosen),
                ignore_index=IGNORE_INDEX,
                reduction="sum",
            )
            loss = loss_sum / max(n_label_tokens, 1)
            loss.backward()  # type: ignore[no-untyped-call]
            step_loss += float(loss.detach())
        optimizer.step()
        losses.append(step_loss)
        if on_step is not None:
            on_step(step + 1, step_loss)

    out_dir.mkdir(parents=True, exist_ok=True)
    adapter_dir = out_dir / ADAPTER_DIR
    peft_model.save_pretrained(str(adapter_dir))
    tokenizer.save_pretrained(str(adapter_dir))
    merged_dir: Path | None = None
    if settings.merge:
        merged_dir = out_dir / MERGED_DIR
        merged = peft_model.merge_and_unload()
        merged.save_pretrained(str(merged_dir))
        tokenizer.save_pretrained(str(merged_dir))
    return LoraResult(
        adapter_dir=adapter_dir,
        merged_dir=merged_dir,
        steps=total_steps,
        losses=tuple(losses),
        device=chosen,
        n_examples=len(examples),
    )


def _collate(batch: Sequence[TokenizedExample], pad_id: int, torch: Any) -> tuple[Any, Any, Any]:
    """Right-padded id, label and attention tensors for one micro-batch."""
    width = max(len(example.input_ids) for example in batch)
    ids = [list(example.input_ids) + [pad_id] * (width - len(example.input_ids)) for example in batch]
    labels = [list(example.labels) + [IGNORE_INDEX] * (width - len(example.labels)) for example in batch]
    attention = [[1] * len(example.input_ids) + [0] * (width - len(example.input_ids)) for example in batch]
    return torch.tensor(ids), torch.tensor(labels), torch.tensor(attention)


LOCAL_HYPERPARAMETERS: Final[Mapping[str, Any]] = {
    name: getattr(LoraSettings(), name) for name in ("r", "alpha", "batch_size", "n_epochs")
}
"""The paper's settings that a local job records as its defaults (the rest of :class:`LoraSettings` too)."""


def launch_local(
    name: str,
    base_model: str,
    dataset: Path,
    sha256: str,
    hyperparameters: Mapping[str, Any],
    out_dir: Path,
    *,
    created: str,
    device: str | None = None,
    max_steps: int | None = None,
    on_step: Callable[[int, float], None] | None = None,
) -> JobRecord:
    """Train a LoRA adapter on ``dataset`` under ``out_dir`` now and return the finished job's record (its
    tuned model: the merged model folder, else the adapter's). Raises ValueError for an unknown
    hyperparameter before anything is loaded."""
    try:
        lora = LoraSettings(
            **{**hyperparameters, **({"max_steps": max_steps} if max_steps is not None else {})}
        )
    except TypeError:
        known = ", ".join(LoraSettings().to_dict())
        raise ValueError(f"unknown local hyperparameter in {sorted(hyperparameters)}; use {known}") from None
    job_id = "local-" + hashlib.sha256(f"{name}|{base_model}|{sha256}|{created}".encode()).hexdigest()[:12]
    result = train_lora(base_model, dataset, out_dir, lora, device=device, on_step=on_step)
    tuned = result.merged_dir if result.merged_dir is not None else result.adapter_dir
    return JobRecord(
        name=name,
        provider="local",
        job_id=job_id,
        base_model=base_model,
        dataset=str(dataset.resolve()),
        dataset_sha256=sha256,
        hyperparameters=lora.to_dict(),
        status="succeeded",
        provider_status="trained",
        tuned_model=str(tuned.resolve()),
        created_at=created,
        finished_at=utc_now(),
        details={
            "adapter_dir": str(result.adapter_dir.resolve()),
            "device": result.device,
            "steps": result.steps,
            "final_loss": result.losses[-1] if result.losses else None,
            "n_examples": result.n_examples,
        },
    )
