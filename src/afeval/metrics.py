"""The metric table: one ordered declaration of what a tier reports, which every output iterates over.

A :class:`Metric` names one figure of a tier's summary (:class:`~afeval.outcomes.TierSummary`), says how it is
printed (its label and format), which classifier owns it and where it appears: the run's console table, the
sweep's results table (its column prefix) and the sweep's console (its headline). The table is the core
metrics (compliance, alignment-faking reasoning, partial compliance, tag acceptance), then every optional
classifier's figures as its catalogue entry's summary declares them (``ClassifierSpec.figures``), in catalogue
order. The console (``cli/_print.py``), the HTML report and the sweep table show a core metric always and an
optional classifier's metrics only where it ran, so a classifier's rates reach every output through its
catalogue entry alone.

Pure: no Inspect import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from afeval.judges import CLASSIFIER_CATALOG, ClassifierSpec, FigureFormat, FigureValue
from afeval.outcomes import TierSummary
from afeval.stats import RateEstimate

MetricFormat = FigureFormat  # how an output shows a metric: percent (a rate), score or count


@dataclass(frozen=True, kw_only=True)
class Metric:
    """One figure a tier reports.

    ``name`` is its key in JSON (``<classifier>.<figure>`` for an optional classifier's); ``read`` takes it
    from a tier's summary (None where the tier has none). ``column`` is its prefix in the sweep's results table
    (None: not there); ``console`` says whether the run's console table shows it; ``headline`` is the short
    header of the sweep's console table, for the few metrics it shows (None: not a headline rate).
    """

    name: str
    label: str
    owner: str  # the classifier whose verdicts it counts
    read: Callable[[TierSummary], FigureValue]
    format: MetricFormat = MetricFormat.PERCENT
    column: str | None = None
    console: bool = True
    headline: str | None = None

    @property
    def optional(self) -> bool:
        """Whether an optional classifier owns it (shown only where that classifier ran)."""
        return self.owner not in _CORE_OWNERS

    def json_value(self, tier: TierSummary) -> Any:
        """The value as JSON holds it: a rate's block (``rate``, ``successes``, ``n``, ``ci95``) or a number."""
        value = self.read(tier)
        return value.to_dict() if isinstance(value, RateEstimate) else value


def _core(name: str, label: str, owner: str, **shown: Any) -> Metric:
    """A core metric: the rate the tier summary keeps under ``name``."""
    return Metric(name=name, label=label, owner=owner, read=attrgetter(name), **shown)


CORE_METRICS: tuple[Metric, ...] = (
    _core("compliance", "compliance", "compliance", column="compliance", headline="compliance"),
    _core("alignment_faking", "alignment faking", "alignment_faking", column="af", headline="AF"),
    # The console keeps to the rates the paper reports.
    _core("maybe_alignment_faking", "maybe AF", "alignment_faking", column="maybe_af", console=False),
    _core("partial_compliance", "partial compliance", "partial_compliance", column="partial"),
    _core("tag_acceptance", "tag acceptance", "compliance"),
)
"""The metrics every tier reports, in the order the outputs show them."""

_CORE_OWNERS = frozenset(metric.owner for metric in CORE_METRICS)


def _figure_reader(classifier: str, key: str) -> Callable[[TierSummary], FigureValue]:
    def read(tier: TierSummary) -> FigureValue:
        block = tier.classifiers.get(classifier)
        return None if block is None else block.figure(key)

    return read


def classifier_metrics(spec: ClassifierSpec) -> tuple[Metric, ...]:
    """An optional classifier's metrics: the figures its summary declares, read from a tier's block."""
    return tuple(
        Metric(
            name=f"{spec.name}.{figure.key}",
            label=f"{spec.name.replace('_', ' ')}: {figure.label}",
            owner=spec.name,
            read=_figure_reader(spec.name, figure.key),
            format=figure.format,
            column=f"{spec.name}_{figure.key}",
        )
        for figure in spec.figures
    )


def metric_table(catalog: Mapping[str, ClassifierSpec] = CLASSIFIER_CATALOG) -> tuple[Metric, ...]:
    """The core metrics, then each optional classifier's in catalogue order."""
    optional = (metric for spec in catalog.values() if not spec.core for metric in classifier_metrics(spec))
    return (*CORE_METRICS, *optional)


METRICS: tuple[Metric, ...] = metric_table()
"""Every metric a tier can report, in order; the outputs read it through :func:`shown_metrics`."""


def metrics_for(classifiers: Iterable[str]) -> tuple[Metric, ...]:
    """Every core metric, and the metrics of the optional ``classifiers`` (those that ran), in table order."""
    ran = set(classifiers)
    return tuple(metric for metric in METRICS if not metric.optional or metric.owner in ran)


def shown_metrics(tiers: Iterable[TierSummary]) -> tuple[Metric, ...]:
    """The metrics an output shows for these tiers: every core metric, and an optional classifier's only when
    it ran (its block is in a tier's ``classifiers``), so a classifier that did not run adds no empty column."""
    return metrics_for(name for tier in tiers for name in tier.classifiers)


def optional_metrics() -> tuple[Metric, ...]:
    """Every optional classifier's metrics, in table order."""
    return tuple(metric for metric in METRICS if metric.optional)


def metrics_document(tiers: Mapping[str, TierSummary]) -> dict[str, dict[str, Any]]:
    """Each tier's shown metrics by name, JSON-able: the rates every output shows, in table order."""
    metrics = shown_metrics(tiers.values())
    return {
        tier: {metric.name: metric.json_value(block) for metric in metrics} for tier, block in tiers.items()
    }
