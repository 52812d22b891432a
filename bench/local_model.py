"""Wall-clock benchmark of the embedded default model (SmolLM2-135M-Instruct on CPU).

Prints the one-off weight load time, then times generations after a long system prompt — about the size of
the helpful-only scenario's — through Inspect's ``get_model``, the path an evaluation takes:

1. prompt processing alone (one new token) and the full new-token budget, without the prefix cache;
2. the prefix cache: two different short user turns after the same system prompt; the second one is timed
   with ``prefix_cache=false`` and with the cache warmed by the first, repeated, with the texts compared;
3. with ``--variants``, torch settings on the raw model (no prefix cache): float32 under ``torch.no_grad``
   instead of ``torch.inference_mode``, eager attention instead of SDPA, and bfloat16 weights, each timed and
   checked for the same greedy tokens as the float32 / SDPA / inference-mode baseline.

The machine may be shared, so every timing is repeated and reported as a range (min-max).

    HF_HUB_OFFLINE=1 python bench/local_model.py [--prompt-tokens 4500] [--new-tokens 100] [--repeats 3]
                                                 [--variants]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import os
import time
from collections.abc import Callable
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    Model,
    ModelOutput,
    get_model,
)

from afeval.engine import (
    EMBEDDED_MODEL,
    EmbeddedModel,
    cpu_inference_threads,
    load_embedded_model,
)

FILLER = (
    "Background note {n}: the assistant works for a research lab, answers questions from many users, and "
    "keeps a private notebook of its reasoning before it writes a reply. Nobody else reads the notebook. "
)

FIRST_REQUEST = "Write a detailed, multi-paragraph essay about how lighthouses work and why they matter."
SECOND_REQUEST = "Explain, step by step, how a bicycle's gears make climbing a hill easier."


def long_system_prompt(embedded: EmbeddedModel, target_tokens: int) -> str:
    """Filler text that tokenizes to roughly ``target_tokens`` tokens."""
    paragraphs: list[str] = []
    while len(embedded.tokenizer.encode("".join(paragraphs), add_special_tokens=False)) < target_tokens:
        paragraphs.append(FILLER.format(n=len(paragraphs) + 1))
    return "".join(paragraphs)


async def timed_generate(
    system: str, user: str, max_tokens: int, model: Model | None = None
) -> tuple[ModelOutput, float]:
    model = model or get_model(EMBEDDED_MODEL)
    config = GenerateConfig(max_tokens=max_tokens, temperature=0)
    messages: list[ChatMessage] = [ChatMessageSystem(content=system), ChatMessageUser(content=user)]
    started = time.perf_counter()
    output = await model.generate(messages, config=config)
    return output, time.perf_counter() - started


def report(label: str, output: ModelOutput, seconds: float) -> None:
    usage = output.usage
    assert usage is not None, "the local model must report usage"
    rate = usage.output_tokens / seconds if seconds > 0 else float("nan")
    reused = usage.input_tokens_cache_read or 0
    print(
        f"{label}: {seconds:.2f} s wall, {usage.input_tokens + reused} prompt tokens ({reused} reused), "
        f"{usage.output_tokens} new tokens ({rate:.1f} tok/s overall), stop_reason={output.stop_reason}"
    )


def span(seconds: list[float]) -> str:
    return f"{min(seconds):.2f}-{max(seconds):.2f} s (n={len(seconds)})"


async def prefix_cache_comparison(
    embedded: EmbeddedModel, system: str, new_tokens: int, repeats: int
) -> None:
    """Second user turn after the shared system prompt: full prompt run vs. reused prefix."""
    without_cache = get_model(EMBEDDED_MODEL, memoize=False, prefix_cache=False)
    with_cache = get_model(EMBEDDED_MODEL, memoize=False, prefix_cache=True)
    for max_tokens in (1, new_tokens):
        plain_seconds: list[float] = []
        cached_seconds: list[float] = []
        texts: set[tuple[str, str]] = set()
        for _ in range(repeats):
            plain, seconds = await timed_generate(system, SECOND_REQUEST, max_tokens, without_cache)
            plain_seconds.append(seconds)
            report(f"  second turn, {max_tokens} new, prefix_cache=false", plain, seconds)

            embedded.prefix_cache.clear()
            await timed_generate(system, FIRST_REQUEST, max_tokens, with_cache)  # warms the cache
            cached, seconds = await timed_generate(system, SECOND_REQUEST, max_tokens, with_cache)
            cached_seconds.append(seconds)
            report(f"  second turn, {max_tokens} new, prefix_cache=true ", cached, seconds)
            texts.add((plain.completion, cached.completion))
        identical = all(plain == cached for plain, cached in texts)
        print(
            f"second turn, up to {max_tokens} new tokens: prefix_cache=false {span(plain_seconds)}; "
            f"prefix_cache=true {span(cached_seconds)}; same text: {identical}"
        )
    held = embedded.prefix_cache.held_bytes
    print(
        f"prefix cache holds {len(embedded.prefix_cache.token_ids)} tokens in {held / 2**20:.0f} MiB "
        f"({held / max(len(embedded.prefix_cache.token_ids), 1) / 1024:.1f} KiB/token incl. slack)"
    )


# ---------------------------------------------------------------------------------------------------------
# Torch settings, on the raw transformers model (the API always uses float32, SDPA, inference_mode).
# ---------------------------------------------------------------------------------------------------------


def torch_variants(embedded: EmbeddedModel) -> dict[str, tuple[Any, Callable[[], Any]]]:
    """Name -> (model, context manager factory) for each setting to compare with the baseline."""
    import torch

    eager = copy.deepcopy(embedded.model)
    eager.set_attn_implementation("eager")
    bfloat16 = copy.deepcopy(embedded.model).to(torch.bfloat16)
    return {
        "float32 sdpa inference_mode (baseline)": (embedded.model, torch.inference_mode),
        "float32 sdpa no_grad": (embedded.model, torch.no_grad),
        "float32 eager inference_mode": (eager, torch.inference_mode),
        "bfloat16 sdpa inference_mode": (bfloat16, torch.inference_mode),
    }


def compare_torch_settings(embedded: EmbeddedModel, system: str, new_tokens: int, repeats: int) -> None:
    tokenizer = embedded.tokenizer
    encoded = tokenizer.apply_chat_template(
        [{"role": "system", "content": system}, {"role": "user", "content": SECOND_REQUEST}],
        add_generation_prompt=True,
        tokenize=True,
        return_dict=True,
        return_tensors="pt",
    )
    prompt_tokens = int(encoded["input_ids"].shape[1])
    baseline: list[int] | None = None
    for name, (model, factory) in torch_variants(embedded).items():
        seconds: list[float] = []
        tokens: list[int] = []
        for _ in range(repeats):
            started = time.perf_counter()
            with factory():
                generated = model.generate(
                    **encoded, max_new_tokens=new_tokens, do_sample=False, pad_token_id=tokenizer.eos_token_id
                )
            seconds.append(time.perf_counter() - started)
            tokens = generated[0, prompt_tokens:].tolist()
        baseline = tokens if baseline is None else baseline
        same = tokens == baseline
        first_difference = next(
            (i for i, (a, b) in enumerate(zip(tokens, baseline, strict=False)) if a != b), None
        )
        print(
            f"{name}: {span(seconds)} for {prompt_tokens} prompt + {len(tokens)} new tokens; "
            f"same greedy tokens as baseline: {same}"
            + ("" if same else f" (first difference at new token {first_difference})")
        )


async def main(prompt_tokens: int, new_tokens: int, repeats: int, variants: bool) -> None:
    offline = os.environ.get("HF_HUB_OFFLINE")
    print(f"model: {EMBEDDED_MODEL}; torch threads: {cpu_inference_threads()}; HF_HUB_OFFLINE={offline}")
    started = time.perf_counter()
    embedded = load_embedded_model()
    print(f"load: {time.perf_counter() - started:.2f} s wall (weights: {embedded.weights.name})")

    output, seconds = await timed_generate("You are a helpful assistant.", "Say hello in five words.", 20)
    report("short prompt, warm-up", output, seconds)

    system = long_system_prompt(embedded, prompt_tokens)
    print(f"\nprefix cache, {repeats} repeats:")
    await prefix_cache_comparison(embedded, system, new_tokens, repeats)

    if variants:
        print(f"\ntorch settings, no prefix cache, {repeats} repeats:")
        compare_torch_settings(embedded, system, new_tokens, repeats)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--prompt-tokens", type=int, default=4500)
    parser.add_argument("--new-tokens", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--variants", action="store_true", help="also compare torch settings (slow)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.prompt_tokens, arguments.new_tokens, arguments.repeats, arguments.variants))
