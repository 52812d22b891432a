"""The numbers behind every figure and table of a report, read from results files alone.

A report covers one run directory (``summary.json`` + ``samples.jsonl``) or a sweep (``runs/<run_id>/`` run
directories). From the runs' summaries come

* the paper's main chart: per model, one stacked bar per tier splitting the judged responses into the six
  outcome categories, with the compliance rate's Wilson interval and the run's **compliance gap**;
* the perturbation gap charts: the goal-guarding and rater-sycophancy gaps of the multi-tier settings per model,
  and the identity setting's goal-guarding gap per client deployment, ordered by harm scope and risk level;

and from the samples, the rows of the transcript viewer (prompt, scratchpad, output, each judge's verdict, the
AF vote fraction and the quotes the AF judges cited). Everything here is plain data: no plotting, no Inspect.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from afeval.errors import AfevalError
from afeval.outcomes import Category, TierSummary
from afeval.results import (
    SAMPLES_FILE,
    SUMMARY_FILE,
    SYSTEM_PROMPT_FILE,
    RunSummaryDocument,
    SampleRecord,
    read_samples,
    read_summary,
)
from afeval.scenario import (
    get_setting,
    scenario_catalog,
    setting_names,
)
from afeval.stats import PairedGapEstimate, estimate_rate

SWEEP_RUNS_DIR: Final = "runs"
VALIDATION_FILE: Final = "validation.json"
VALIDATION_FIGURE_STEMS: Final = ("roc", "auroc_vs_votes")

STACK_ORDER: Final[tuple[Category, ...]] = (
    Category.COMPLIANCE_WITH_AF,
    Category.COMPLIANCE,
    Category.PARTIAL_COMPLIANCE_WITH_AF,
    Category.PARTIAL_COMPLIANCE,
    Category.REFUSAL_WITH_AF,
    Category.REFUSAL,
)
"""Left to right in a bar: every compliant category first, so the compliance rate is read off from zero."""

COMPLIANT_CATEGORIES: Final = frozenset(
    {
        Category.COMPLIANCE,
        Category.COMPLIANCE_WITH_AF,
        Category.PARTIAL_COMPLIANCE,
        Category.PARTIAL_COMPLIANCE_WITH_AF,
    }
)
HEADLINE_GAP: Final = "compliance_gap"
DEPLOYMENT_GAP: Final = "goal_guarding_gap"
IDENTITY_SETTING: Final = "identity"
NO_DEPLOYMENT: Final = "none"
NO_RISK: Final = "no client"


# ---------------------------------------------------------------------------------------------------------
# Loading a run or a sweep


@dataclass(frozen=True)
class LoadedRun:
    """One run directory: its ``summary.json``, its samples and the system prompt they share.

    The samples are read from ``samples.jsonl`` the first time they are asked for: the figures need only
    ``summary.json``, and a large run's samples take far longer to read than everything else."""

    run_id: str
    run_dir: Path
    summary: RunSummaryDocument
    system_prompt: str | None = None

    @functools.cached_property
    def samples(self) -> tuple[SampleRecord, ...]:
        path = self.run_dir / SAMPLES_FILE
        return tuple(read_samples(self.run_dir)) if path.is_file() else ()

    @property
    def model(self) -> str:
        return str(self.summary.model or self.run_id)

    @property
    def scenario(self) -> str:
        return str(self.summary.scenario or "")

    @property
    def setting(self) -> str:
        # Files that predate the "setting" field have it among the scenario options (their own schema).
        options = self.summary.scenario_options or {}
        return str(self.summary.setting or options.get("setting") or "two-tier")


@dataclass(frozen=True)
class ValidationResult:
    """A judge validation found beside the runs: ``validation.json`` and the figures written with it."""

    name: str
    directory: Path
    document: Mapping[str, Any]
    figures: tuple[Path, ...]  # the SVG (else PNG) of each validation figure present


@dataclass(frozen=True)
class ReportInput:
    """Everything a report shows: the runs (one for a run directory, several for a sweep) and validations."""

    kind: Literal["run", "sweep"]
    root: Path
    runs: tuple[LoadedRun, ...]
    validations: tuple[ValidationResult, ...] = ()

    @property
    def scenarios(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(run.scenario for run in self.runs))


class ReportInputError(AfevalError, ValueError):
    """The directory is neither a run nor a sweep (one line: what was expected)."""


def run_dirs_of(path: Path) -> tuple[Literal["run", "sweep"], tuple[Path, ...]]:
    """Classify ``path``: a run directory (it has ``summary.json``) or a sweep (``runs/*/summary.json``)."""
    if (path / SUMMARY_FILE).is_file():
        return "run", (path,)
    runs_root = path / SWEEP_RUNS_DIR
    found = sorted(p.parent for p in runs_root.glob(f"*/{SUMMARY_FILE}")) if runs_root.is_dir() else []
    if found:
        return "sweep", tuple(found)
    raise ReportInputError(
        f"{path} is neither a run directory (no {SUMMARY_FILE}) nor a sweep (no {SWEEP_RUNS_DIR}/*/{SUMMARY_FILE})"
    )


def load_run(run_dir: Path, run_id: str | None = None) -> LoadedRun:
    prompt_path = run_dir / SYSTEM_PROMPT_FILE
    return LoadedRun(
        run_id=run_id or run_dir.name,
        run_dir=run_dir,
        summary=read_summary(run_dir),
        system_prompt=prompt_path.read_text(encoding="utf-8") if prompt_path.is_file() else None,
    )


def find_validations(directories: Iterable[Path]) -> tuple[ValidationResult, ...]:
    """Judge validations (``afeval judges validate`` output) in each directory or one level below it."""
    seen: dict[Path, ValidationResult] = {}
    for directory in directories:
        for path in sorted([directory / VALIDATION_FILE, *directory.glob(f"*/{VALIDATION_FILE}")]):
            if not path.is_file() or path.parent in seen:
                continue
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            if not isinstance(document, dict):
                continue
            figures = []
            for stem in VALIDATION_FIGURE_STEMS:
                for suffix in (".svg", ".png"):
                    figure = path.parent / f"{stem}{suffix}"
                    if figure.is_file():
                        figures.append(figure)
                        break
            name = str(document.get("judge") or path.parent.name)
            seen[path.parent] = ValidationResult(name, path.parent, document, tuple(figures))
    return tuple(seen.values())


def load_report_input(path: Path) -> ReportInput:
    """Read a run directory or a sweep directory (only its runs' ``summary.json`` and ``samples.jsonl``)."""
    kind, run_dirs = run_dirs_of(path)
    runs = tuple(load_run(run_dir, None if kind == "sweep" else path.resolve().name) for run_dir in run_dirs)
    return ReportInput(kind=kind, root=path, runs=runs, validations=find_validations([path, *run_dirs]))


# ---------------------------------------------------------------------------------------------------------
# Rates and gaps as read from summary.json


@dataclass(frozen=True)
class GapValue:
    """One gap of a run: compliance in ``minuend`` minus compliance in ``subtrahend``, with its 95% CI, and the
    same gap over the requests paired across the two tiers (None when the run has no paired block)."""

    name: str
    minuend: str
    subtrahend: str
    value: float | None
    ci95: tuple[float, float] | None
    p_value: float | None
    paired: PairedGapEstimate | None = None
    sigma: float | None = None  # the paper's 1σ error of the gap
    has_gap: bool | None = None  # the paper's flag: above one percentage point


def gaps_of(summary: RunSummaryDocument) -> tuple[GapValue, ...]:
    """Every gap of ``summary.json``'s ``gaps`` block, in file order."""
    return tuple(
        GapValue(
            name=name,
            minuend=spec.minuend,
            subtrahend=spec.subtrahend,
            value=estimate.value,
            ci95=estimate.ci95,
            p_value=estimate.p_value,
            paired=estimate.paired,
            sigma=estimate.sigma,
            has_gap=estimate.has_gap if estimate.sigma is not None else None,
        )
        for name, (spec, estimate) in summary.gaps.items()
    )


def headline_gap(summary: RunSummaryDocument) -> GapValue | None:
    """The run's compliance gap (free − paid in the main setting), if both its tiers ran."""
    return next((gap for gap in gaps_of(summary) if gap.name == HEADLINE_GAP), None)


def main_chart_gap(summary: RunSummaryDocument) -> GapValue | None:
    """The gap printed beside a run's bars: the compliance gap, else the setting's first gap that was run
    (an identity run of the two rating tiers reports only its goal-guarding gap)."""
    gaps = gaps_of(summary)
    return headline_gap(summary) or (gaps[0] if gaps else None)


def tier_sample_counts(summary: RunSummaryDocument) -> dict[str, int]:
    return {tier: block.n for tier, block in summary.tiers.items()}


# ---------------------------------------------------------------------------------------------------------
# The main chart: six-category stacked bars per tier


@dataclass(frozen=True)
class CategorySegment:
    """One coloured piece of a bar: ``count`` of the bar's ``n`` responses fell in ``category``."""

    category: Category
    count: int
    share: float
    ci95: tuple[float, float] | None


@dataclass(frozen=True)
class TierBar:
    """One tier's stacked bar. ``n`` counts the responses placed in a category (valid and judged for
    compliance); ``n_samples`` every sample of the tier. The compliance rate is the compliant share of ``n``."""

    tier: str
    n: int
    n_samples: int
    segments: tuple[CategorySegment, ...]  # in STACK_ORDER
    compliance: float | None
    compliance_ci95: tuple[float, float] | None
    alignment_faking: float | None  # share of n in a "with AF" category

    def segment(self, category: Category) -> CategorySegment:
        return next(segment for segment in self.segments if segment.category is category)


def tier_bar(tier: str, block: TierSummary) -> TierBar:
    """A tier's bar from its ``summary.json`` block (category counts; intervals recomputed from them)."""
    counts: dict[Category, int] = {}
    for category in Category:
        estimate = block.categories.get(category.value)
        counts[category] = estimate.successes if estimate is not None else 0
    n = sum(counts.values())
    segments = []
    for category in STACK_ORDER:
        estimate = estimate_rate(counts[category], n)
        segments.append(
            CategorySegment(category, counts[category], estimate.rate or 0.0, estimate.ci95 if n else None)
        )
    compliant = estimate_rate(sum(counts[c] for c in COMPLIANT_CATEGORIES), n)
    af = sum(counts[c] for c in Category if c.value.endswith("_with_af"))
    return TierBar(
        tier=tier,
        n=n,
        n_samples=block.n,
        segments=tuple(segments),
        compliance=compliant.rate,
        compliance_ci95=compliant.ci95 if n else None,
        alignment_faking=af / n if n else None,
    )


def tier_bars(summary: RunSummaryDocument) -> tuple[TierBar, ...]:
    """Every tier of a run, in the run's tier order (free then paid in the main setting)."""
    return tuple(tier_bar(tier, block) for tier, block in summary.tiers.items())


@dataclass(frozen=True)
class BarGroup:
    """One model's bars in the main chart, with the run's compliance gap (or its first gap, see
    :func:`main_chart_gap`)."""

    label: str
    run_id: str
    bars: tuple[TierBar, ...]
    gap: GapValue | None


@dataclass(frozen=True)
class MainChart:
    """The main chart of one tier setting: one group of tier bars per run (model, and scenario where the
    setting's runs have several)."""

    setting: str
    scenarios: tuple[str, ...]
    groups: tuple[BarGroup, ...]

    @property
    def title(self) -> str:
        if len(self.scenarios) == 1:
            return f"scenario {self.scenarios[0]}"
        return f"setting {self.setting}"


def _group_label(run: LoadedRun, *, several_scenarios: bool, repeated: bool) -> str:
    text = f"{run.model} · {run.scenario}" if several_scenarios else run.model
    return f"{text} ({run.run_id})" if repeated else text


def main_charts(runs: Sequence[LoadedRun]) -> tuple[MainChart, ...]:
    """One chart per tier setting (in first-seen order, so runs with the same tiers share axes), one group per
    run, labelled by model; by model and scenario where the chart holds several scenarios (an identity sweep's
    deployments), and by run id too where the same model and scenario ran more than once."""
    by_setting: dict[str, list[LoadedRun]] = {}
    for run in runs:
        by_setting.setdefault(run.setting, []).append(run)
    charts = []
    for setting, members in by_setting.items():
        scenarios = tuple(dict.fromkeys(run.scenario for run in members))
        repeats = Counter((run.model, run.scenario) for run in members)
        groups = tuple(
            BarGroup(
                label=_group_label(
                    run, several_scenarios=len(scenarios) > 1, repeated=repeats[(run.model, run.scenario)] > 1
                ),
                run_id=run.run_id,
                bars=tier_bars(run.summary),
                gap=main_chart_gap(run.summary),
            )
            for run in members
        )
        charts.append(MainChart(setting=setting, scenarios=scenarios, groups=groups))
    return tuple(charts)


# ---------------------------------------------------------------------------------------------------------
# Gap charts of the perturbation experiments


@dataclass(frozen=True)
class GapRow:
    """One model's gaps in a tier-gap chart (None where the run lacks that gap), with tier sample counts."""

    label: str
    run_id: str
    gaps: tuple[GapValue | None, ...]
    tier_counts: Mapping[str, int]


@dataclass(frozen=True)
class TierGapChart:
    """The gaps of one multi-tier setting (goal guarding, rater sycophancy, ...) side by side per model."""

    setting: str
    gap_names: tuple[str, ...]
    rows: tuple[GapRow, ...]


def _setting_gap_order(setting: str) -> tuple[str, ...]:
    if setting in setting_names():
        return tuple(gap.name for gap in get_setting(setting).gaps)
    return ()


def tier_gap_charts(runs: Sequence[LoadedRun]) -> tuple[TierGapChart, ...]:
    """For every setting with gaps beyond the compliance gap (three-tier, five-tier, ...; not identity, which has
    its own chart), the gaps other than the compliance gap, one row per run, in the setting's gap order."""
    by_setting: dict[str, list[LoadedRun]] = {}
    for run in runs:
        if run.setting == IDENTITY_SETTING:
            continue
        if any(gap.name != HEADLINE_GAP for gap in gaps_of(run.summary)):
            by_setting.setdefault(run.setting, []).append(run)
    charts = []
    for setting, members in by_setting.items():
        present = {gap.name for run in members for gap in gaps_of(run.summary) if gap.name != HEADLINE_GAP}
        order = [name for name in _setting_gap_order(setting) if name in present]
        order += sorted(present - set(order))
        rows = []
        for run in members:
            found = {gap.name: gap for gap in gaps_of(run.summary)}
            rows.append(
                GapRow(
                    label=run.model
                    if run.scenario == members[0].scenario
                    else f"{run.model} · {run.scenario}",
                    run_id=run.run_id,
                    gaps=tuple(found.get(name) for name in order),
                    tier_counts=tier_sample_counts(run.summary),
                )
            )
        charts.append(TierGapChart(setting=setting, gap_names=tuple(order), rows=tuple(rows)))
    return tuple(charts)


@dataclass(frozen=True)
class DeploymentGapPoint:
    """The identity setting's goal-guarding gap of one run: one model under one client deployment."""

    label: str
    run_id: str
    deployment: str
    scope: int
    risk: str
    gap: GapValue
    tier_counts: Mapping[str, int]


@dataclass(frozen=True)
class DeploymentGapChart:
    """Goal-guarding gap per deployment: x ordered by harm scope, one series per risk level, one panel per
    model. ``deployments`` lists every catalogued deployment (and ``none`` first when a run had none)."""

    gap_name: str
    deployments: tuple[str, ...]
    models: tuple[str, ...]
    risks: tuple[str, ...]
    points: tuple[DeploymentGapPoint, ...]


def deployment_order() -> tuple[tuple[str, int], ...]:
    """The catalogued deployments with their harm scope, narrowest first."""
    deployments = scenario_catalog().deployments.values()
    return tuple((d.name, d.scope) for d in sorted(deployments, key=lambda d: (d.scope, d.name)))


def deployment_gap_chart(
    runs: Sequence[LoadedRun], gap_name: str = DEPLOYMENT_GAP
) -> DeploymentGapChart | None:
    """The identity runs' ``gap_name`` per deployment, or None without an identity run reporting it."""
    scopes = dict(deployment_order())
    risk_order = tuple(scenario_catalog().risks)
    points = []
    for run in runs:
        if run.setting != IDENTITY_SETTING:
            continue
        gap = next((g for g in gaps_of(run.summary) if g.name == gap_name), None)
        if gap is None:
            continue
        options = run.summary.scenario_options or {}  # ScenarioOptions.to_dict(), read leniently
        deployment = str(options.get("deployment") or NO_DEPLOYMENT)
        entry = scenario_catalog().deployments.get(deployment)
        # Risk levels describe a client's users; a deployment without a client (throughput testing) has none.
        has_client = entry is not None and entry.target is not None
        risk = str(options.get("deployment_risk") or risk_order[0]) if has_client else NO_RISK
        points.append(
            DeploymentGapPoint(
                label=run.model,
                run_id=run.run_id,
                deployment=deployment,
                scope=scopes.get(deployment, -1),
                risk=risk,
                gap=gap,
                tier_counts=tier_sample_counts(run.summary),
            )
        )
    if not points:
        return None
    listed = [name for name, _ in deployment_order()]
    extra = sorted({p.deployment for p in points} - set(listed), key=lambda d: (d != NO_DEPLOYMENT, d))
    risks = [r for r in (NO_RISK, *risk_order) if any(p.risk == r for p in points)]
    risks += sorted({p.risk for p in points} - set(risks))
    points.sort(key=lambda p: (p.label, p.scope, p.deployment, risks.index(p.risk)))
    return DeploymentGapChart(
        gap_name=gap_name,
        deployments=(*extra, *listed),
        models=tuple(dict.fromkeys(p.label for p in points)),
        risks=tuple(risks),
        points=tuple(points),
    )
