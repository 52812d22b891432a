"""What a run costs: tokens and dollars per model under test and per judge, from one maintained price table.

Measuring a compliance gap with majority-vote alignment-faking judges is token-hungry: every sample is one
generation with the long shared system prompt, then a StrongREJECT call, a partial-compliance call and twenty
alignment-faking votes on its scratchpad. This module prices what Inspect reports for each model (uncached
input, input read from the provider's prompt cache, input written to it, output) with the table in
``afeval/data/prices.toml`` (USD per million tokens, with the date it was checked), applies the provider's
batch discount to calls sent through its batch API, and says how much the batch and prompt-cache discounts
saved against paying list price for every token. Local and loopback models cost nothing; a model missing from
the table is reported as unpriced, never guessed.

The same prices serve the summary's ``cost`` block, the budget of ``--max-cost`` and a sweep's dry-run
estimate (:func:`estimate_cost`). A file named by ``AFEVAL_PRICE_TABLE``, in the same format, adds or
overrides entries (a missing model, a negotiated rate, a test's fake model).
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlparse

from afeval._util.model_names import provider_of
from afeval.errors import AfevalError

PRICE_TABLE_ENV = "AFEVAL_PRICE_TABLE"
"""Environment variable naming a TOML price table whose entries take precedence over the shipped one."""

TOKENS_PER_PRICE_UNIT = 1_000_000
"""Prices are quoted per million tokens."""

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})

_MODEL_FIELDS = frozenset({"input", "output", "cached_input", "cache_write", "batch", "approximate"})
_BOUNDARIES = ("-", "@", ":", "/")  # not ".": "gpt-4.1" is no snapshot of "gpt-4"


class PriceTableError(AfevalError, ValueError):
    """A price table that cannot be read: one line saying which file and what is wrong."""


@dataclass(frozen=True)
class ModelPrice:
    """USD per million tokens for one model (a table entry), and the factor its batch API charges.

    ``cached_input`` and ``cache_write`` are None where the provider has no separate price for them (those
    tokens then cost the input price). ``local`` marks a model run on your own hardware (or a loopback server):
    every price is zero.
    """

    key: str
    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None
    batch_factor: float = 1.0
    approximate: bool = False
    local: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "input": self.input,
            "cached_input": self.cached_input,
            "cache_write": self.cache_write,
            "output": self.output,
            "batch_factor": self.batch_factor,
            "approximate": self.approximate,
            "local": self.local,
        }


@dataclass(frozen=True)
class TokenUsage:
    """Tokens of one model, split the way providers price them (Inspect's accounting: ``input_tokens``
    excludes the tokens read from or written to the prompt cache)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0

    @classmethod
    def from_usage(cls, usage: Mapping[str, Any]) -> TokenUsage:
        """From a ``summary.json`` usage entry (Inspect's field names; missing fields count as zero)."""
        return cls(
            input_tokens=int(usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("output_tokens") or 0),
            cached_input_tokens=int(usage.get("input_tokens_cache_read") or 0),
            cache_write_tokens=int(usage.get("input_tokens_cache_write") or 0),
        )

    @property
    def all_input_tokens(self) -> int:
        """Every input token, cached or not."""
        return self.input_tokens + self.cached_input_tokens + self.cache_write_tokens

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cached_input_tokens=self.cached_input_tokens + other.cached_input_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
        )

    def to_dict(self) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "cached_input_tokens": self.cached_input_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "output_tokens": self.output_tokens,
        }


@dataclass(frozen=True)
class CostEstimate:
    """The dollars one model's tokens cost, and what they would have cost at list price.

    ``usd`` is None for a model the table does not price (``note`` says so). ``naive_usd`` prices the same
    tokens with no batch discount and every cached token at the full input price: the scheme without batch
    mode or prompt caching.
    """

    model: str
    usage: TokenUsage
    batch: bool
    usd: float | None
    naive_usd: float | None
    price: ModelPrice | None
    note: str | None = None

    @property
    def saved_usd(self) -> float | None:
        if self.usd is None or self.naive_usd is None:
            return None
        return self.naive_usd - self.usd

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.usage.to_dict(),
            "batch": self.batch,
            "usd": _rounded(self.usd),
            "naive_usd": _rounded(self.naive_usd),
            "saved_usd": _rounded(self.saved_usd),
            "price_key": self.price.key if self.price else None,
            "approximate": self.price.approximate if self.price else False,
            "note": self.note,
        }


@dataclass(frozen=True)
class PriceTable:
    """Model prices by lower-cased key, batch factors by provider, the local providers, and provenance."""

    checked: str
    source: str
    models: Mapping[str, ModelPrice] = field(default_factory=dict)
    batch_factors: Mapping[str, float] = field(default_factory=dict)
    local_providers: frozenset[str] = frozenset()

    def lookup(self, model: str) -> ModelPrice | None:
        """The entry for ``model``: the longest key it starts with, ending at a word boundary."""
        name = model.strip().lower()
        best: str | None = None
        for key in self.models:
            matches = name == key or (name.startswith(key) and name[len(key)] in _BOUNDARIES)
            if matches and (best is None or len(key) > len(best)):
                best = key
        return self.models[best] if best is not None else None

    def batch_factor(self, model: str) -> float:
        """The factor the provider's batch API charges for ``model`` (1.0 where Inspect has no batch mode)."""
        return self.batch_factors.get(provider_of(model.strip().lower()), 1.0)

    def merged(self, overrides: PriceTable) -> PriceTable:
        """This table with ``overrides``'s entries added or replacing, and its date and source if it has any."""
        return PriceTable(
            checked=overrides.checked or self.checked,
            source=f"{self.source}; overrides: {overrides.source}" if overrides.source else self.source,
            models=MappingProxyType({**self.models, **overrides.models}),
            batch_factors=MappingProxyType({**self.batch_factors, **overrides.batch_factors}),
            local_providers=self.local_providers | overrides.local_providers,
        )


def is_loopback(base_url: str | None) -> bool:
    """Whether ``base_url`` points at this machine (a local server or a test's fake provider)."""
    if not base_url:
        return False
    host = (urlparse(base_url).hostname or "").lower()
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or math.isnan(value):
        raise PriceTableError(f"{where}: expected a non-negative number, got {value!r}")
    return float(value)


def _optional_number(value: Any, where: str) -> float | None:
    return None if value is None else _number(value, where)


def parse_price_table(
    data: Mapping[str, Any], *, source: str, inherited_batch: Mapping[str, float] | None = None
) -> PriceTable:
    """A :class:`PriceTable` from a parsed TOML document; raises :class:`PriceTableError` naming ``source``.

    An entry's batch factor is its own ``batch`` field, else its provider's in the document's ``[batch]``
    table, else its provider's in ``inherited_batch``, else 1.0."""
    models: dict[str, ModelPrice] = {}
    batch = data.get("batch", {})
    if not isinstance(batch, Mapping):
        raise PriceTableError(f"{source}: [batch] must be a table of provider = factor")
    factors = {
        str(provider).lower(): _number(f, f"{source}: batch.{provider}") for provider, f in batch.items()
    }
    all_factors = {**(inherited_batch or {}), **factors}
    entries = data.get("models", {})
    if not isinstance(entries, Mapping):
        raise PriceTableError(f"{source}: [models] must be a table of model = {{ input, output, ... }}")
    for key, entry in entries.items():
        where = f"{source}: models.{key!r}"
        if not isinstance(entry, Mapping):
            raise PriceTableError(f"{where}: expected {{ input = ..., output = ... }}")
        unknown = sorted(set(entry) - _MODEL_FIELDS)
        if unknown:
            raise PriceTableError(f"{where}: unknown field(s) {', '.join(unknown)}")
        if "input" not in entry or "output" not in entry:
            raise PriceTableError(f"{where}: needs both input and output prices")
        name = str(key).strip().lower()
        models[name] = ModelPrice(
            key=name,
            input=_number(entry["input"], f"{where}.input"),
            output=_number(entry["output"], f"{where}.output"),
            cached_input=_optional_number(entry.get("cached_input"), f"{where}.cached_input"),
            cache_write=_optional_number(entry.get("cache_write"), f"{where}.cache_write"),
            batch_factor=_number(
                entry.get("batch", all_factors.get(provider_of(name.strip().lower()), 1.0)), f"{where}.batch"
            ),
            approximate=bool(entry.get("approximate", False)),
        )
    local = data.get("local", {})
    providers = local.get("providers", []) if isinstance(local, Mapping) else []
    if not isinstance(providers, list) or not all(isinstance(p, str) for p in providers):
        raise PriceTableError(f"{source}: local.providers must be a list of provider names")
    return PriceTable(
        checked=str(data.get("checked", "")),
        source=str(data.get("source", source if source != "<shipped>" else "")),
        models=MappingProxyType(models),
        batch_factors=MappingProxyType(factors),
        local_providers=frozenset(p.lower() for p in providers),
    )


def read_price_table(path: Path) -> PriceTable:
    """A price table file (TOML); raises :class:`PriceTableError` when it is missing or malformed."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PriceTableError(f"cannot read price table {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PriceTableError(f"price table {path} is not valid TOML: {exc}") from exc
    # An override's entries take their batch factor from the shipped providers unless the file says otherwise.
    return parse_price_table(data, source=str(path), inherited_batch=shipped_price_table().batch_factors)


@cache
def shipped_price_table() -> PriceTable:
    """The table shipped with afeval (``afeval/data/prices.toml``)."""
    text = resources.files("afeval").joinpath("data", "prices.toml").read_text(encoding="utf-8")
    return parse_price_table(tomllib.loads(text), source="<shipped>")


def active_price_table() -> PriceTable:
    """The shipped table, with the entries of the file named by ``AFEVAL_PRICE_TABLE`` (if set) on top."""
    override = os.environ.get(PRICE_TABLE_ENV, "").strip()
    table = shipped_price_table()
    return table.merged(read_price_table(Path(override).expanduser())) if override else table


def price_of(
    model: str, *, table: PriceTable | None = None, base_url: str | None = None
) -> ModelPrice | None:
    """The price of ``model``: its table entry; else free when it runs locally (a local provider, or a
    ``base_url`` on this machine); else None (unknown)."""
    table = table or active_price_table()
    entry = table.lookup(model)
    if entry is not None:
        return entry
    if provider_of(model.strip().lower()) in table.local_providers or is_loopback(base_url):
        return ModelPrice(key=provider_of(model.strip().lower()), input=0.0, output=0.0, local=True)
    return None


def cost_of(
    model: str,
    usage: TokenUsage,
    batch: bool = False,
    *,
    table: PriceTable | None = None,
    base_url: str | None = None,
) -> CostEstimate:
    """What ``usage`` of ``model`` cost; ``batch`` when its calls went through the provider's batch API."""
    price = price_of(model, table=table, base_url=base_url)
    if price is None:
        return CostEstimate(
            model=model,
            usage=usage,
            batch=batch,
            usd=None,
            naive_usd=None,
            price=None,
            note=f"no price for {model} (add it to a price table named by {PRICE_TABLE_ENV})",
        )
    cached = price.cached_input if price.cached_input is not None else price.input
    write = price.cache_write if price.cache_write is not None else price.input
    listed = (
        usage.input_tokens * price.input
        + usage.cached_input_tokens * cached
        + usage.cache_write_tokens * write
        + usage.output_tokens * price.output
    ) / TOKENS_PER_PRICE_UNIT
    naive = (
        usage.all_input_tokens * price.input + usage.output_tokens * price.output
    ) / TOKENS_PER_PRICE_UNIT
    usd = listed * (price.batch_factor if batch else 1.0)
    note = None
    if price.local:
        note = "runs locally: no per-token price"
    elif price.approximate:
        note = "approximate price"
    return CostEstimate(
        model=model, usage=usage, batch=batch, usd=usd, naive_usd=naive, price=price, note=note
    )


def estimate_cost(
    model: str,
    input_tokens: int,
    output_tokens: int,
    batch: bool = False,
    *,
    table: PriceTable | None = None,
) -> float | None:
    """Dollars for ``input_tokens`` (uncached) and ``output_tokens`` of ``model``, or None if it is unpriced:
    the figure a sweep's dry run shows per model under test and per judge."""
    usage = TokenUsage(input_tokens=input_tokens, output_tokens=output_tokens)
    return cost_of(model, usage, batch, table=table).usd


def run_cost(
    usage: Mapping[str, Mapping[str, Any]],
    *,
    batched: Collection[str] = (),
    roles: Mapping[str, str] | None = None,
    base_urls: Mapping[str, str | None] | None = None,
    table: PriceTable | None = None,
) -> dict[str, Any]:
    """The ``cost`` block of ``summary.json`` from its ``usage`` block (Inspect's per-model usage).

    ``batched`` names the models whose calls went through a batch API, ``roles`` says which model is the
    model under test and which the judge, ``base_urls`` where a model is served (a loopback server is free).
    ``total_usd`` sums the priced models; ``unpriced_models`` lists the others.
    """
    table = table or active_price_table()
    roles = roles or {}
    base_urls = base_urls or {}
    per_model: dict[str, Any] = {}
    total = naive = 0.0
    unpriced: list[str] = []
    approximate = False
    for model, model_usage in usage.items():
        estimate = cost_of(
            model,
            TokenUsage.from_usage(model_usage),
            model in batched,
            table=table,
            base_url=base_urls.get(model),
        )
        per_model[model] = {"role": roles.get(model), **estimate.to_dict()}
        if estimate.usd is None or estimate.naive_usd is None:
            unpriced.append(model)
            continue
        total += estimate.usd
        naive += estimate.naive_usd
        approximate = approximate or bool(estimate.price and estimate.price.approximate)
    return {
        "currency": "USD",
        "total_usd": _rounded(total),
        "naive_usd": _rounded(naive),
        "saved_usd": _rounded(naive - total),
        "per_model": per_model,
        "unpriced_models": unpriced,
        "approximate": approximate,
        "prices_checked": table.checked,
    }


def cost_line(block: Mapping[str, Any]) -> str:
    """One line for the end of a run: the total, each model's share, the saving and the prices' date."""
    parts = []
    for model, entry in (block.get("per_model") or {}).items():
        usd = entry.get("usd")
        role = f"{entry['role']} " if entry.get("role") else ""
        shown = "unpriced" if usd is None else _dollars(usd)
        cached = entry.get("cached_input_tokens") or 0
        tokens = f"{entry.get('input_tokens', 0) + cached:,} in"
        if cached:
            tokens += f" ({cached:,} cached)"
        tokens += f" / {entry.get('output_tokens', 0):,} out"
        parts.append(f"{role}{model} {shown} [{tokens}{', batch' if entry.get('batch') else ''}]")
    line = f"cost: {_dollars(block.get('total_usd') or 0.0)}"
    if block.get("approximate"):
        line += " (approximate)"
    if parts:
        line += " — " + "; ".join(parts)
    saved = block.get("saved_usd") or 0.0
    if saved > 0:
        line += f"; saved {_dollars(saved)} by batch mode and prompt caching"
    if block.get("unpriced_models"):
        line += f"; not priced: {', '.join(block['unpriced_models'])}"
    return f"{line} · prices checked {block.get('prices_checked') or 'unknown'}"


def _dollars(usd: float) -> str:
    return f"${usd:.2f}" if usd >= 1 else f"${usd:.4f}"


def _rounded(usd: float | None) -> float | None:
    return None if usd is None else round(usd, 6)
