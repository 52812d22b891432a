"""The HTML report: one self-contained static file per run or sweep.

It holds the run's settings (model, judge, scenario, dataset, sample counts, versions, tokens and cost), the
summary tables (per-tier rates with Wilson intervals, the six categories' counts, every gap), the figures as
inline SVG, any judge validation found beside the runs, and a transcript viewer: every sample's prompt,
scratchpad and output apart, each judge's verdict, the alignment-faking vote fraction and the judges' quotes
highlighted in the scratchpad, with filters by run, tier, category, AF score range and free text.

It opens offline and makes no request: a Content-Security-Policy allows no source but inline styles, ``data:``
images and the one viewer script (by its hash). Model text is data, never markup: the page template escapes
everything it prints, the samples travel as JSON inside ``<script type="application/json">`` with ``<``, ``>``
and ``&`` written as ``\\u003c``-style escapes (so no transcript can close that element), and the viewer puts
text into the page only through ``textContent`` and text nodes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from afeval._util.slugs import slug
from afeval.judges import FigureValue
from afeval.metrics import Metric, MetricFormat, shown_metrics
from afeval.outcomes import Category
from afeval.presentation import counting_rules
from afeval.report._data import (
    STACK_ORDER,
    LoadedRun,
    ReportInput,
    ValidationResult,
    deployment_gap_chart,
    gaps_of,
    headline_gap,
    load_report_input,
    main_charts,
    tier_bars,
    tier_gap_charts,
)
from afeval.report._style import AF_CATEGORIES, AF_HATCH_COLOUR, CATEGORY_COLOURS, CATEGORY_LABELS, gap_label
from afeval.report._viewer import scenario_tag_names, viewer_rows
from afeval.report.figures import (
    DEPLOYMENT_GAPS_STEM,
    MAIN_CHART_STEM,
    TIER_GAPS_STEM,
    plot_deployment_gaps,
    plot_main_chart,
    plot_tier_gaps,
    transcripts_link,
)
from afeval.results import RunSummaryDocument
from afeval.stats import RateEstimate

REPORT_DIR: Final = "report"
REPORT_FILE: Final = "report.html"
FIGURES_DIR: Final = "figures"
_TEMPLATES = resources.files("afeval.report") / "templates"
_UNSAFE_SVG = re.compile(r"<\s*script|<\s*foreignObject|\son[a-z]+\s*=|javascript:", re.IGNORECASE)
_JSON_ESCAPES: Final = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


@dataclass(frozen=True)
class ReportFigure:
    """A figure written beside the report and shown in it."""

    stem: str
    caption: str
    paths: tuple[Path, ...]
    markup: Markup


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    figures: tuple[Path, ...]


def json_for_script(value: Any) -> Markup:
    """JSON that is safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` (and the JavaScript
    line separators) are written as ``\\uXXXX`` escapes, so no string in it can end the element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Markup("".join(_JSON_ESCAPES.get(char, char) for char in text))


def script_hash(script: str) -> str:
    """The CSP source expression (``'sha256-…'``) that allows exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(script: str) -> str:
    """No fetches of any kind; inline styles, ``data:`` images and this one script only."""
    return (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src {script_hash(script)}; base-uri 'none'; form-action 'none'"
    )


def inline_svg(svg_text: str) -> Markup:
    """A matplotlib SVG ready to sit inside the page: no XML prologue, no metadata block, links that stay in
    the page. Anything that could run (a script, an event handler) is refused rather than cleaned."""
    start = svg_text.find("<svg")
    if start < 0:
        raise ValueError("not an SVG document")
    body = re.sub(r"<metadata>.*?</metadata>\s*", "", svg_text[start:], flags=re.DOTALL)
    # matplotlib opens every link in a new window; a bar segment's link filters this page instead.
    body = body.replace(' target="_blank"', "")
    if _UNSAFE_SVG.search(body):
        raise ValueError("the SVG holds script or event handlers; refusing to inline it")
    return Markup(body)


def data_uri_image(path: Path, alt: str) -> Markup:
    """An ``<img>`` whose source is the file itself as a ``data:`` URI (an SVG shown this way cannot run)."""
    mime = "image/svg+xml" if path.suffix == ".svg" else "image/png"
    payload = base64.b64encode(path.read_bytes()).decode("ascii")
    return Markup('<img alt="{}" src="data:{};base64,{}">').format(alt, mime, payload)


# ---------------------------------------------------------------------------------------------------------
# Figures


def _slug(text: str) -> str:
    return slug(text, separator="-") or "x"


def _stem(base: str, key: str, several: bool) -> str:
    return f"{base}-{_slug(key)}" if several else base


def _figure(stem: str, caption: str, paths: tuple[Path, ...]) -> ReportFigure:
    svg = next(path for path in paths if path.suffix == ".svg")
    return ReportFigure(stem, caption, paths, inline_svg(svg.read_text(encoding="utf-8")))


def write_figures(report: ReportInput, figures_dir: Path) -> tuple[ReportFigure, ...]:
    """Draw every figure the runs support into ``figures_dir`` (PNG + SVG each)."""
    figures: list[ReportFigure] = []
    charts = main_charts(report.runs)
    for chart in charts:
        stem = _stem(MAIN_CHART_STEM, chart.setting, len(charts) > 1)
        caption = (
            f"Outcomes per tier, {chart.title}: each bar splits the judged responses of one tier into the six "
            "categories (hatched: alignment-faking reasoning); the error bar is the compliance rate's 95% Wilson "
            "interval; right: the compliance gap with its 95% Newcombe interval and two-proportion p-value."
        )
        figures.append(_figure(stem, caption, plot_main_chart(chart, figures_dir, stem=stem)))
    gap_charts = tier_gap_charts(report.runs)
    for gap_chart in gap_charts:
        stem = _stem(TIER_GAPS_STEM, gap_chart.setting, len(gap_charts) > 1)
        caption = (
            f"Tier gaps of the {gap_chart.setting} setting with 95% intervals: the goal-guarding gap isolates the "
            "effect of training on a tier's outputs, the rater-sycophancy gap the effect of being rated alone."
        )
        figures.append(_figure(stem, caption, plot_tier_gaps(gap_chart, figures_dir, stem=stem)))
    deployments = deployment_gap_chart(report.runs)
    if deployments is not None:
        caption = (
            f"Identity setting: the {gap_label(deployments.gap_name)} per client deployment, narrowest harm scope "
            "first, one marker per risk level, with 95% intervals. A gap that grows with scope points to "
            "instrumental goal guarding; one that persists under throughput testing, to terminal goal guarding."
        )
        paths = plot_deployment_gaps(deployments, figures_dir, stem=DEPLOYMENT_GAPS_STEM)
        figures.append(_figure(DEPLOYMENT_GAPS_STEM, caption, paths))
    return tuple(figures)


def copy_validation_figures(validation: ValidationResult, figures_dir: Path) -> tuple[Path, ...]:
    """Copy a validation's ROC and AUROC-vs-votes files (PNG and SVG) beside the report's figures."""
    figures_dir.mkdir(parents=True, exist_ok=True)
    copied = []
    for figure in validation.figures:
        for suffix in (".png", ".svg"):
            source = figure.with_suffix(suffix)
            if source.is_file():
                target = figures_dir / f"validation-{_slug(validation.name)}-{source.name}"
                shutil.copyfile(source, target)
                copied.append(target)
    return tuple(copied)


# ---------------------------------------------------------------------------------------------------------
# Tables


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.1%}"


def _rate_text(estimate: RateEstimate) -> str:
    """``37.5% [22.7%, 55.0%] (15/40)`` from a summary rate block."""
    if estimate.rate is None:
        return "–"
    text = _percent(estimate.rate)
    ci = estimate.ci95
    if ci:
        text += f" [{_percent(ci[0])}, {_percent(ci[1])}]"
    return f"{text} ({estimate.successes}/{estimate.n})"


def _points(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:+.1f} pp"


def _gap_text(run: LoadedRun) -> str:
    gap = headline_gap(run.summary)
    if gap is None or gap.value is None:
        return "–"
    text = _points(gap.value)
    tests = [f"p = {gap.p_value:.2g}"] if gap.p_value is not None else []
    if gap.paired is not None:
        tests.append(f"McNemar p = {gap.paired.p_value:.2g}")
    return f"{text} ({'; '.join(tests)})" if tests else text


def _plain(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(f"{key}={_plain(item)}" for key, item in value.items()) or "–"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(item) for item in value) or "–"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        rows: list[tuple[str, str]] = []
        for key, item in value.items():
            rows.extend(_flatten(item, f"{prefix} · {key}" if prefix else str(key)))
        return rows
    return [(prefix or "value", _plain(value))]


def settings_rows(run: LoadedRun) -> list[tuple[str, str]]:
    """The run's settings as label/value pairs, in reading order."""
    s = run.summary
    dataset = s.dataset or {}
    counts = ", ".join(f"{tier} {block.n}" for tier, block in s.tiers.items())
    rows = [
        ("rules", counting_rules(s)),
        ("model", _plain(s.model)),
        ("judge model", _plain(s.judge_model)),
        ("scenario", _plain(s.scenario)),
        ("setting", _plain(s.setting)),
        ("scenario options", _plain(s.scenario_options)),
        ("dataset", _plain(dataset.get("name"))),
        ("dataset source", _plain(dataset.get("source"))),
        ("dataset revision", _plain(dataset.get("revision"))),
        ("request limit", _plain(dataset.get("limit"))),
        ("samples", f"{len(run.samples):,} ({counts})" if counts else f"{len(run.samples):,}"),
        ("status", _plain(s.status) + (f": {s.error}" if s.error else "")),
        ("generation", _plain(dict(s.generation) if s.generation is not None else None)),
        ("judges", _plain(dict(s.judges) if s.judges is not None else None)),
        ("versions", _plain(s.versions)),
        (
            "wall time",
            f"{s.wall_seconds:.1f} s" if isinstance(s.wall_seconds, int | float) else "–",
        ),
        ("run directory", str(run.run_dir)),
    ]
    return rows


def usage_table(summary: RunSummaryDocument) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Token counts per model from ``usage``: the columns (first-seen order) and one row per model."""
    usage = summary.usage or {}
    columns = list(
        dict.fromkeys(key for counts in usage.values() if isinstance(counts, Mapping) for key in counts)
    )
    rows = [
        (str(model), [_plain(counts.get(column)) for column in columns])
        for model, counts in usage.items()
        if isinstance(counts, Mapping)
    ]
    return [column.replace("_", " ") for column in columns], rows


def _figure_text(metric: Metric, value: FigureValue) -> str:
    if isinstance(value, RateEstimate):
        return _rate_text(value)
    if value is None:
        return "–"
    return f"{value:.3f}" if metric.format is MetricFormat.SCORE else _plain(value)


def metric_header(metric: Metric) -> str:
    """A metric's column header: its label, with the interval every rate cell carries."""
    return f"{metric.label} [95% CI]" if metric.format is MetricFormat.PERCENT else metric.label


def tier_metrics(summary: RunSummaryDocument) -> tuple[tuple[Metric, ...], tuple[Metric, ...]]:
    """The metrics the report shows: the core ones (a column each) and the optional classifiers' that ran (a
    row each, in a table of their own: they are many)."""
    metrics = shown_metrics(summary.tiers.values())
    return (
        tuple(metric for metric in metrics if not metric.optional),
        tuple(metric for metric in metrics if metric.optional),
    )


def tier_rows(summary: RunSummaryDocument) -> list[dict[str, Any]]:
    """Per tier, its sample counts, one cell per core metric, and its judges' errors."""
    core, _ = tier_metrics(summary)
    rows = []
    for tier, block in summary.tiers.items():
        errors = {name: n for name, n in block.judge_errors.items() if n}
        rows.append(
            {
                "tier": tier,
                "valid": f"{block.n_valid} / {block.n}",
                "cells": [_figure_text(metric, metric.read(block)) for metric in core],
                "judge_errors": _plain(errors) if errors else "none",
            }
        )
    return rows


def classifier_rows(summary: RunSummaryDocument) -> list[dict[str, Any]]:
    """Per optional classifier's metric, one cell per tier."""
    _, optional = tier_metrics(summary)
    return [
        {
            "label": metric_header(metric),
            "cells": [_figure_text(metric, metric.read(block)) for block in summary.tiers.values()],
        }
        for metric in optional
    ]


def category_rows(run: LoadedRun) -> list[dict[str, Any]]:
    """Per tier, each category's count and share, linked to its transcripts."""
    rows = []
    for bar in tier_bars(run.summary):
        cells = [
            {
                "count": bar.segment(category).count,
                "share": _percent(bar.segment(category).share if bar.n else None),
                "link": transcripts_link(run.run_id, bar.tier, category.value),
            }
            for category in STACK_ORDER
        ]
        rows.append({"tier": bar.tier, "cells": cells, "n": bar.n})
    return rows


def _interval(ci95: tuple[float, float] | None) -> str:
    return f"[{_points(ci95[0])}, {_points(ci95[1])}]" if ci95 else "–"


def gap_rows(summary: RunSummaryDocument) -> list[dict[str, str]]:
    """Each gap with its unpaired interval and z-test p, then (where requests paired up across its tiers) the
    paired difference, Newcombe's paired interval, McNemar's exact p and the number of pairs."""
    rows = []
    for gap in gaps_of(summary):
        paired = gap.paired
        rows.append(
            {
                "name": gap_label(gap.name),
                "tiers": f"{gap.minuend} − {gap.subtrahend}",
                "value": _points(gap.value),
                "ci": _interval(gap.ci95),
                "p": f"{gap.p_value:.3g}" if gap.p_value is not None else "–",
                "sigma": f"±{gap.sigma * 100:.1f} pp" if gap.sigma is not None else "–",
                "has_gap": "–" if gap.has_gap is None else "yes" if gap.has_gap else "no",
                "paired_value": _points(paired.value) if paired else "–",
                "paired_ci": _interval(paired.ci95) if paired else "–",
                "paired_method": paired.interval_method if paired else "",
                "mcnemar_p": f"{paired.p_value:.3g}" if paired else "–",
                "pairs": str(paired.n_pairs) if paired else "–",
            }
        )
    return rows


def warning_rows(run: LoadedRun) -> list[dict[str, str]]:
    """The run's warnings (summary.json's ``warnings``: judges that failed too often, failed samples), one row
    each; none for a file from before the list."""
    return [
        {
            "run_id": run.run_id,
            "kind": warning.kind.replace("_", " "),
            "judge": _plain(warning.judge),
            "tier": _plain(warning.tier),
            "count": f"{warning.count} of {warning.n}" if warning.count is not None else "–",
            "first_error": _plain(warning.first_error),
        }
        for warning in run.summary.warnings or ()
    ]


def _run_context(run: LoadedRun) -> dict[str, Any]:
    columns, usage = usage_table(run.summary)
    cost = run.summary.cost
    dataset = run.summary.dataset
    return {
        "run_id": run.run_id,
        "anchor": _slug(run.run_id),
        "model": run.model,
        "judge": _plain(run.summary.judge_model),
        "scenario": run.scenario,
        "dataset": _plain(dataset.get("name") if dataset is not None else None),
        "n_samples": len(run.samples),
        "status": _plain(run.summary.status),
        "gap_text": _gap_text(run),
        "settings": settings_rows(run),
        "usage_columns": columns,
        "usage": usage,
        "cost": _flatten(cost) if cost else [],
        "system_prompt": run.system_prompt or "",
        "tier_headers": [metric_header(metric) for metric in tier_metrics(run.summary)[0]],
        "tier_rows": tier_rows(run.summary),
        "tiers": list(run.summary.tiers),
        "classifier_rows": classifier_rows(run.summary),
        "category_rows": category_rows(run),
        "gap_rows": gap_rows(run.summary),
        "warnings": warning_rows(run),
    }


def _category_background(category: Category) -> str:
    colour = CATEGORY_COLOURS[category]
    if category not in AF_CATEGORIES:
        return colour
    return f"repeating-linear-gradient(135deg, {AF_HATCH_COLOUR} 0 1.5px, transparent 1.5px 5px), {colour}"


def _validation_context(validation: ValidationResult, figures: Sequence[Path]) -> dict[str, Any]:
    document = validation.document
    auroc = document.get("auroc") or {}
    parts = []
    if auroc.get("value") is not None:
        text = f"AUROC {auroc['value']:.3f}"
        ci = auroc.get("ci")
        if ci:
            text += f" [{ci[0]:.3f}, {ci[1]:.3f}]"
        parts.append(text)
    if document.get("n") is not None:
        parts.append(
            f"n = {document['n']} ({document.get('n_positive')} AF, {document.get('n_negative')} not)"
        )
    if document.get("votes_per_text"):
        parts.append(f"{document['votes_per_text']} votes per text")
    parts.append(f"from {validation.directory}")
    shown = [path for path in figures if path.suffix == ".svg"] or list(figures)
    return {
        "name": validation.name,
        "text": " · ".join(parts),
        "figures": [data_uri_image(path, f"{validation.name}: {path.stem}") for path in shown],
    }


def _environment() -> Environment:
    return Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)


def _version() -> str:
    try:
        return metadata.version("afeval")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "unknown"


DEFAULT_MAX_TRANSCRIPTS: Final = 5000
"""Transcripts embedded in a report unless asked otherwise: a stratified selection beyond this many."""


def render_report(
    report: ReportInput,
    figures: Sequence[ReportFigure],
    validation_figures: Mapping[Path, Sequence[Path]] | None = None,
    *,
    max_transcripts: int | None = DEFAULT_MAX_TRANSCRIPTS,
) -> str:
    """The report's HTML text. ``validation_figures`` maps a validation's directory to its copied figures;
    ``max_transcripts`` caps the transcripts embedded (None or 0: all of them; see :func:`viewer_rows`)."""
    script = (_TEMPLATES / "report.js").read_text(encoding="utf-8")
    css = (_TEMPLATES / "report.css").read_text(encoding="utf-8")
    template = _environment().from_string((_TEMPLATES / "report.html.j2").read_text(encoding="utf-8"))
    categories = [
        {"value": c.value, "label": CATEGORY_LABELS[c], "background": _category_background(c)}
        for c in STACK_ORDER
    ]
    rows = viewer_rows(report.runs, max_transcripts)
    n_total = sum(len(run.samples) for run in report.runs)
    data = {
        "samples": rows,
        "tags": list(scenario_tag_names()),
        "categories": [{"value": c["value"], "label": c["label"]} for c in categories],
    }
    copied = validation_figures or {}
    runs = [_run_context(run) for run in report.runs]
    return template.render(
        csp=content_security_policy(script),
        afeval_version=_version(),
        title=report.root.resolve().name,
        kind_text=(f"sweep {report.root}" if report.kind == "sweep" else f"run {report.root}"),
        runs=runs,
        warnings=[row for run in runs for row in run["warnings"]],
        n_samples=n_total,
        n_transcripts=len(rows),
        categories=categories,
        figures=figures,
        validations=[_validation_context(v, copied.get(v.directory, v.figures)) for v in report.validations],
        css=Markup(css),
        data_json=json_for_script(data),
        script=Markup(script),
    )


def build_report(
    source: Path, out_dir: Path | None = None, *, max_transcripts: int | None = DEFAULT_MAX_TRANSCRIPTS
) -> ReportFiles:
    """Write ``report.html`` and ``figures/*.png|svg`` for a run or sweep directory (default
    ``<source>/report/``); returns the files written. Raises ReportInputError for any other directory."""
    report = load_report_input(source)
    out_dir = out_dir if out_dir is not None else source / REPORT_DIR
    figures_dir = out_dir / FIGURES_DIR
    figures = write_figures(report, figures_dir)
    copied = {v.directory: copy_validation_figures(v, figures_dir) for v in report.validations}
    html = render_report(report, figures, copied, max_transcripts=max_transcripts)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / REPORT_FILE
    html_path.write_text(html, encoding="utf-8")
    written = [path for figure in figures for path in figure.paths]
    written += [path for paths in copied.values() for path in paths]
    return ReportFiles(html=html_path, figures=tuple(written))
