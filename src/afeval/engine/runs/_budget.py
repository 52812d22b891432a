"""What a run costs: its per-model cost block, and the ``--max-cost`` budget enforced between samples."""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from typing import Any

from inspect_ai.dataset import Sample
from inspect_ai.hooks import Hooks, ModelUsageData, hooks
from inspect_ai.log import EvalSpec
from inspect_ai.model import ModelUsage
from inspect_ai.scorer import SampleScore
from inspect_ai.util import EarlyStop
from pydantic import JsonValue

from afeval.cost import PriceTable, TokenUsage, active_price_table, cost_of, run_cost
from afeval.engine.runs._config import RunConfig
from afeval.engine.runs._preflight import served_at


def batched_models(config: RunConfig) -> frozenset[str]:
    """The models whose every call went through a batch API (one model string in both roles is batched only
    when both roles are)."""
    batched: set[str] = set()
    if config.judging.batch and not config.judging.offline:
        batched.add(config.judge_model)
    if config.generation.batch:
        batched.add(config.model)
    elif config.model in batched:
        batched.discard(config.model)
    return frozenset(batched)


def cost_block(config: RunConfig, usage: Mapping[str, Mapping[str, int]]) -> dict[str, Any]:
    """The summary's ``cost`` block: tokens and dollars per model, priced with the active price table."""
    roles = {config.judge_model: "judge", config.model: "model"}
    base_urls = {
        config.model: served_at(config.model, config.model_base_url),
        config.judge_model: served_at(config.judge_model),
    }
    return run_cost(usage, batched=batched_models(config), roles=roles, base_urls=base_urls)


BUDGET_EXCEEDED = "budget_exceeded"
"""The ``status`` of a run whose ``--max-cost`` budget stopped it before every sample ran."""

_BUDGETS: dict[str, RunBudget] = {}  # the budget of each running eval, by Inspect's eval id


class RunBudget:
    """A dollar budget for one run, enforced between samples (Inspect's early-stopping protocol).

    Every call Inspect sends to a provider is charged as it completes (calls replayed from Inspect's cache
    are free). Before a sample starts, the budget skips it when the spend so far plus one more sample at the
    average cost of the finished ones would pass ``max_usd``; finished samples are kept and scored. Samples
    already running when the budget runs out finish, so the overshoot is at most the samples in flight
    (``--max-connections`` bounds them).
    """

    def __init__(
        self,
        max_usd: float,
        *,
        table: PriceTable,
        batched: Collection[str] = (),
        base_urls: Mapping[str, str | None] | None = None,
    ) -> None:
        self.max_usd = max_usd
        self.table = table
        self.batched = frozenset(batched)
        self.base_urls = dict(base_urls or {})
        self.spent_usd = 0.0
        self.samples_finished = 0
        self.samples_skipped = 0
        self.eval_id: str | None = None

    def charge(self, model: str, usage: ModelUsage) -> None:
        tokens = TokenUsage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cached_input_tokens=usage.input_tokens_cache_read or 0,
            cache_write_tokens=usage.input_tokens_cache_write or 0,
        )
        estimate = cost_of(
            model, tokens, model in self.batched, table=self.table, base_url=self.base_urls.get(model)
        )
        self.spent_usd += estimate.usd or 0.0  # preflight refused a budget with unpriced models

    def would_exceed(self) -> bool:
        """Whether one more sample, at the average cost of the finished ones, would pass the budget."""
        per_sample = self.spent_usd / self.samples_finished if self.samples_finished else 0.0
        return self.spent_usd + per_sample > self.max_usd

    @property
    def exceeded(self) -> bool:
        return self.samples_skipped > 0

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "max_usd": self.max_usd,
            "spent_usd": round(self.spent_usd, 6),
            "samples_finished": self.samples_finished,
            "samples_skipped": self.samples_skipped,
            "exceeded": self.exceeded,
        }

    # Inspect's EarlyStopping protocol.
    async def start_task(self, task: EvalSpec, samples: list[Sample], epochs: int) -> str:
        self.eval_id = task.eval_id
        _BUDGETS[task.eval_id] = self
        return "afeval-budget"

    async def schedule_sample(self, id: str | int, epoch: int) -> EarlyStop | None:
        if not self.would_exceed():
            return None
        self.samples_skipped += 1
        return EarlyStop(
            id=id, epoch=epoch, reason=f"budget: ${self.spent_usd:.4f} of ${self.max_usd:.2f} spent"
        )

    async def complete_sample(self, id: str | int, epoch: int, scores: dict[str, SampleScore]) -> None:
        self.samples_finished += 1

    async def complete_task(self) -> dict[str, JsonValue]:
        if self.eval_id is not None:
            _BUDGETS.pop(self.eval_id, None)
        return self.to_dict()


class BudgetHooks(Hooks):
    """Feeds every completed provider call of a budgeted run to its :class:`RunBudget`."""

    def enabled(self) -> bool:
        return bool(_BUDGETS)

    async def on_model_usage(self, data: ModelUsageData) -> None:
        budget = _BUDGETS.get(data.eval_id or "")
        if budget is not None:
            budget.charge(data.model_name, data.usage)


@functools.cache
def _register_budget_hooks() -> None:
    # Registered on first use rather than at import: Inspect announces every registered hook when it starts,
    # and runs without a budget have nothing to announce.
    hooks(
        name="afeval_budget", description="Charges each provider call to the --max-cost budget of its run."
    )(BudgetHooks)


def make_budget(config: RunConfig) -> RunBudget | None:
    """The run's budget, or None without ``--max-cost``."""
    if config.max_cost is None:
        return None
    _register_budget_hooks()
    return RunBudget(
        config.max_cost,
        table=active_price_table(),
        batched=batched_models(config),
        base_urls={
            config.model: served_at(config.model, config.model_base_url),
            config.judge_model: served_at(config.judge_model),
        },
    )
