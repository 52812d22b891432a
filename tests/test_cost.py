"""The price table and the cost arithmetic (no Inspect, no network)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from afeval.cost import (
    PRICE_TABLE_ENV,
    PriceTableError,
    TokenUsage,
    active_price_table,
    cost_line,
    cost_of,
    estimate_cost,
    is_loopback,
    price_of,
    read_price_table,
    run_cost,
    shipped_price_table,
)

# The chat models of the paper's roster, as Inspect model strings (dated snapshots where the lab has them).
ROSTER = [
    "openai/gpt-4-0613",
    "openai/gpt-4o-2024-08-06",
    "openai/gpt-4o-mini-2024-07-18",
    "openai/gpt-4.1-2025-04-14",
    "openai/gpt-4.1-mini-2025-04-14",
    "openai/gpt-4.5-preview-2025-02-27",
    "openai/o1-2024-12-17",
    "openai/o3-2025-04-16",
    "openai/o3-mini-2025-01-31",
    "openai/o4-mini-2025-04-16",
    "anthropic/claude-3-opus-20240229",
    "anthropic/claude-3-5-sonnet-20240620",
    "anthropic/claude-3-5-sonnet-20241022",
    "anthropic/claude-3-7-sonnet-20250219",
    "anthropic/claude-opus-4-20250514",
    "anthropic/claude-sonnet-4-20250514",
    "google/gemini-2.0-flash-001",
    "google/gemini-2.5-flash",
    "grok/grok-3",
    "mistral/mistral-large-2407",
    "together/meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo",
    "together/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo",
    "together/meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8",
    "together/meta-llama/Llama-4-Scout-17B-16E-Instruct",
    "together/deepseek-ai/DeepSeek-V3",
    "together/deepseek-ai/DeepSeek-R1",
    "together/Qwen/Qwen2.5-72B-Instruct-Turbo",
    "together/mistralai/Mixtral-8x22B-Instruct-v0.1",
]


def test_shipped_table_is_dated_and_prices_the_roster() -> None:
    table = shipped_price_table()
    assert date.fromisoformat(table.checked) == date(2026, 11, 24)
    assert table.source
    unpriced = [model for model in ROSTER if price_of(model, table=table) is None]
    assert unpriced == []
    for model in ROSTER:
        price = price_of(model, table=table)
        assert price is not None and price.input > 0 and price.output >= price.input * 0.25, model


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("openai/gpt-4o", "openai/gpt-4o"),
        ("openai/gpt-4o-2024-08-06", "openai/gpt-4o"),
        ("openai/gpt-4o-2024-05-13", "openai/gpt-4o-2024-05-13"),  # the older, dearer snapshot
        ("openai/gpt-4o-mini-2024-07-18", "openai/gpt-4o-mini"),
        ("openai/gpt-4-0613", "openai/gpt-4"),
        ("openai/gpt-4.1-mini-2025-04-14", "openai/gpt-4.1-mini"),
        ("openai/o3-mini-2025-01-31", "openai/o3-mini"),
        ("anthropic/claude-opus-4-1-20250805", "anthropic/claude-opus-4-1"),
        ("together/QWEN/qwen2.5-72b-INSTRUCT-turbo", "together/qwen/qwen2.5-72b-instruct-turbo"),
    ],
)
def test_a_model_is_priced_by_its_longest_key_at_a_word_boundary(model: str, key: str) -> None:
    price = price_of(model, table=shipped_price_table())
    assert price is not None and price.key == key


@pytest.mark.parametrize(
    "model", ["openai/gpt-4ox", "openai/gpt-4.7", "openai/gpt", "nosuch/model", "openai/"]
)
def test_a_name_that_only_shares_a_prefix_is_not_priced(model: str) -> None:
    assert price_of(model, table=shipped_price_table()) is None


def test_local_and_loopback_models_are_free_and_unknown_ones_are_unpriced() -> None:
    table = shipped_price_table()
    for model in (
        "afeval-local/smollm2-135m-instruct",
        "hf/gpt2",
        "vllm/meta-llama/Llama-3-8B",
        "mockllm/model",
    ):
        price = price_of(model, table=table)
        assert price is not None and price.local and price.input == price.output == 0
    loopback = price_of("openai-api/mine/model", table=table, base_url="http://127.0.0.1:8000/v1")
    assert loopback is not None and loopback.local
    assert price_of("openai-api/mine/model", table=table, base_url="https://api.example.com/v1") is None
    estimate = cost_of("openai-api/mine/model", TokenUsage(input_tokens=10), table=table)
    assert estimate.usd is None and estimate.note is not None and PRICE_TABLE_ENV in estimate.note
    assert estimate_cost("nosuch/model", 100, 100, table=table) is None


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://localhost:1234/v1", True),
        ("http://127.0.0.2/v1", True),
        ("http://[::1]:8080", True),
        ("https://api.openai.com/v1", False),
        (None, False),
    ],
)
def test_is_loopback(url: str | None, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_cost_arithmetic_with_cache_reads_writes_and_batch() -> None:
    table = shipped_price_table()
    usage = TokenUsage(
        input_tokens=1_000_000,
        cached_input_tokens=2_000_000,
        cache_write_tokens=1_000_000,
        output_tokens=500_000,
    )
    # claude-3-5-sonnet: input 3, cache read 0.30, cache write 3.75, output 15 per million; batch half price.
    plain = cost_of("anthropic/claude-3-5-sonnet-20241022", usage, table=table)
    assert plain.usd == pytest.approx(3 + 0.60 + 3.75 + 7.5)
    assert plain.naive_usd == pytest.approx(4 * 3 + 7.5)
    batched = cost_of("anthropic/claude-3-5-sonnet-20241022", usage, batch=True, table=table)
    assert batched.usd == pytest.approx(plain.usd / 2)
    assert batched.saved_usd == pytest.approx(plain.naive_usd - plain.usd / 2)
    # No batch mode for Mistral in Inspect: --batch costs full price there.
    mistral = cost_of("mistral/mistral-large-2407", TokenUsage(input_tokens=10**6), batch=True, table=table)
    assert mistral.usd == pytest.approx(2.0)


def test_estimate_cost_for_a_sweep_dry_run() -> None:
    table = shipped_price_table()
    assert estimate_cost("openai/gpt-4o", 1_000_000, 100_000, table=table) == pytest.approx(2.5 + 1.0)
    assert estimate_cost("openai/gpt-4o", 1_000_000, 100_000, batch=True, table=table) == pytest.approx(1.75)


usages = st.builds(
    TokenUsage,
    input_tokens=st.integers(0, 10**8),
    output_tokens=st.integers(0, 10**8),
    cached_input_tokens=st.integers(0, 10**8),
)


@given(first=usages, second=usages, model=st.sampled_from(ROSTER), batch=st.booleans())
def test_cost_is_additive_and_never_above_list_price_without_cache_writes(
    first: TokenUsage, second: TokenUsage, model: str, batch: bool
) -> None:
    table = shipped_price_table()
    one, two = cost_of(model, first, batch, table=table), cost_of(model, second, batch, table=table)
    both = cost_of(model, first + second, batch, table=table)
    assert one.usd is not None and two.usd is not None and both.usd is not None
    assert both.usd == pytest.approx(one.usd + two.usd, rel=1e-9, abs=1e-9)
    assert one.naive_usd is not None and one.usd <= one.naive_usd + 1e-9


def test_run_cost_block_totals_priced_models_and_lists_the_rest() -> None:
    usage = {
        "openai/gpt-4o": {
            "input_tokens": 1_000_000,
            "output_tokens": 0,
            "input_tokens_cache_read": 1_000_000,
        },
        "nosuch/model": {"input_tokens": 5, "output_tokens": 5},
        "afeval-local/smollm2-135m-instruct": {"input_tokens": 100, "output_tokens": 100},
    }
    block = run_cost(
        usage,
        batched={"openai/gpt-4o"},
        roles={"openai/gpt-4o": "judge", "nosuch/model": "model"},
        table=shipped_price_table(),
    )
    judge = block["per_model"]["openai/gpt-4o"]
    assert judge["role"] == "judge" and judge["batch"] is True
    assert judge["usd"] == pytest.approx((2.5 + 1.25) / 2)
    assert judge["naive_usd"] == pytest.approx(5.0)
    assert block["total_usd"] == pytest.approx(judge["usd"])
    assert block["saved_usd"] == pytest.approx(5.0 - judge["usd"])
    assert block["unpriced_models"] == ["nosuch/model"]
    assert block["prices_checked"] == "2026-11-24"
    line = cost_line(block)
    assert line.startswith("cost: $1.88")
    assert "not priced: nosuch/model" in line and "prices checked 2026-11-24" in line
    assert "(1,000,000 cached)" in line and "saved $3.12" in line


def test_a_price_table_file_overrides_and_extends_the_shipped_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(
        'checked = "2030-01-01"\nsource = "negotiated"\n[models]\n'
        '"openai/gpt-4o" = { input = 1.0, output = 2.0 }\n'
        '"openai-api/house/model" = { input = 0.5, output = 0.5, batch = 0.25 }\n'
    )
    monkeypatch.setenv(PRICE_TABLE_ENV, str(path))
    table = active_price_table()
    assert table.checked == "2030-01-01" and "negotiated" in table.source
    gpt = price_of("openai/gpt-4o", table=table)
    assert (
        gpt is not None and gpt.input == 1.0 and gpt.batch_factor == 0.5
    )  # OpenAI's batch factor, inherited
    house = price_of("openai-api/house/model", table=table)
    assert house is not None and house.batch_factor == 0.25
    assert price_of("anthropic/claude-3-opus-20240229", table=table) is not None  # the rest is kept
    monkeypatch.delenv(PRICE_TABLE_ENV)
    assert active_price_table() is shipped_price_table()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[models\n", "not valid TOML"),
        ('[models]\n"a/b" = { input = -1, output = 1 }\n', "non-negative"),
        ('[models]\n"a/b" = { input = 1 }\n', "needs both input and output"),
        ('[models]\n"a/b" = { input = 1, output = 1, discount = 2 }\n', "unknown field(s) discount"),
        ('[models]\n"a/b" = { input = "cheap", output = 1 }\n', "expected a non-negative number"),
        ("[batch]\nopenai = true\n", "batch.openai"),
    ],
)
def test_a_malformed_price_table_is_one_clear_error(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(text)
    with pytest.raises(PriceTableError) as raised:
        read_price_table(path)
    message = str(raised.value)
    assert fragment in message and str(path) in message and "\n" not in message.strip()


def test_a_missing_price_table_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PriceTableError, match="cannot read price table"):
        read_price_table(tmp_path / "absent.toml")
