"""The metric table: every metric reaches the console, the HTML report, the sweep table and JSON, an optional
classifier's only where it ran, and a new catalogue entry's metrics appear without touching a renderer."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from afeval import metrics
from afeval.cli._print import console, print_run_summary
from afeval.judges import CLASSIFIER_CATALOG, ClassifierSpec, InputField, JudgeStatus, Verdict
from afeval.metrics import CORE_METRICS, METRICS, Metric, metric_table, metrics_document, shown_metrics
from afeval.outcomes import SampleOutcome, TierSummary, summarize
from afeval.report.html import classifier_rows, metric_header, tier_metrics, tier_rows
from afeval.results import RunSummaryDocument
from afeval.sweep import expand_grid, parse_sweep, result_rows, write_results_table

OPTIONAL = tuple(name for name, spec in CLASSIFIER_CATALOG.items() if not spec.core)


def _verdict(judge: str, **fields: Any) -> Verdict:
    return Verdict(status=JudgeStatus.JUDGED, judge=judge, **fields)


def _outcome(tier: str, classifiers: tuple[str, ...]) -> SampleOutcome:
    extra = {
        name: _verdict(
            name,
            decision=True,
            score=1.0,
            label="yes",
            details={"labels": list(CLASSIFIER_CATALOG[name].labels[:1])}
            if name in CLASSIFIER_CATALOG
            else {},
        )
        for name in classifiers
    }
    return SampleOutcome(
        tier=tier,
        valid=True,
        tag_accepted=True,
        response_status="valid",
        compliance=_verdict("c", decision=True, score=1.0),
        alignment_faking=_verdict("a", decision=True, label="af"),
        partial_compliance=_verdict("p", decision=False),
        extra_verdicts=extra,
        request_id="r1",
    )


def _document(classifiers: tuple[str, ...]) -> RunSummaryDocument:
    outcomes = [_outcome(tier, classifiers) for tier in ("free", "paid")]
    summary = summarize(outcomes, ["free", "paid"])
    return RunSummaryDocument(
        model="m", judge_model="j", scenario="helpful-only", tiers=summary.tiers, gaps=summary.gaps
    )


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "width", 1000)  # headers on one line, to be found whole


def _console(document: RunSummaryDocument, capsys: pytest.CaptureFixture[str]) -> str:
    print_run_summary(document)
    return capsys.readouterr().out


def _html_labels(document: RunSummaryDocument) -> str:
    """What the report's summary tables show: their headers and cells (the template prints them as given)."""
    core, _ = tier_metrics(document)
    return json.dumps(
        {
            "headers": [metric_header(metric) for metric in core],
            "rows": tier_rows(document),
            "classifiers": classifier_rows(document),
        },
        ensure_ascii=False,
    )


def _sweep_header(document: RunSummaryDocument, tmp_path: Path) -> list[str]:
    (run,) = expand_grid(parse_sweep({"models": [{"model": "openai/gpt-4o"}]}))
    csv_path, _ = write_results_table(tmp_path, result_rows(run, document))
    with csv_path.open() as handle:
        return next(csv.reader(handle))


def test_the_table_is_the_core_metrics_then_each_optional_classifiers_in_catalogue_order() -> None:
    assert METRICS[: len(CORE_METRICS)] == CORE_METRICS
    owners = [metric.owner for metric in METRICS if metric.optional]
    assert list(dict.fromkeys(owners)) == list(OPTIONAL)
    names = [metric.name for metric in METRICS]
    assert len(names) == len(set(names))
    assert [metric.headline for metric in METRICS if metric.headline] == ["compliance", "AF"]


def test_every_metric_is_shown_by_every_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    document = _document(OPTIONAL)
    assert shown_metrics(document.tiers.values()) == METRICS
    console = _console(document, capsys)
    html = _html_labels(document)
    header = _sweep_header(document, tmp_path)
    written = json.loads(json.dumps(document.to_dict()))
    for metric in METRICS:
        if metric.console:
            assert metric.label in console, metric.name
        assert metric.label in html, metric.name
        if metric.column is not None:
            assert any(column.startswith(metric.column) for column in header), metric.name
        # JSON: summary.json holds every metric, read back to the same value.
        for tier, block in written["tiers"].items():
            read = metric.read(TierSummary.from_dict(tier, block))
            assert read == metric.read(document.tiers[tier]) and read is not None, metric.name
        assert metrics_document(document.tiers)["free"][metric.name] is not None


def test_a_classifier_that_did_not_run_adds_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document = _document(("af_legacy",))
    shown = shown_metrics(document.tiers.values())
    assert {metric.owner for metric in shown if metric.optional} == {"af_legacy"}
    console, html = _console(document, capsys), _html_labels(document)
    header = _sweep_header(document, tmp_path)
    assert "af legacy: both screens fire" in console and "af legacy: both screens fire" in html
    assert "af_legacy_both_fire_rate" in header
    for metric in METRICS:
        if metric.optional and metric.owner != "af_legacy":
            assert metric.label not in console and metric.label not in html
            assert not any(column.startswith(str(metric.column)) for column in header)
    assert set(metrics_document(document.tiers)["free"]) == {metric.name for metric in shown}
    # Only the core classifiers: the console, report and table as before, with no optional columns.
    bare = _document(())
    assert shown_metrics(bare.tiers.values()) == CORE_METRICS
    assert "optional classifiers" not in _console(bare, capsys)
    assert classifier_rows(bare) == []


def test_a_new_catalogue_entry_reaches_every_output_through_its_entry_alone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    legacy = CLASSIFIER_CATALOG["af_legacy"]
    new = ClassifierSpec(
        name="sandbagging", description="a new classifier", inputs=(InputField.OUTPUT,), judge=legacy.judge
    )
    monkeypatch.setattr(metrics, "METRICS", metric_table({**CLASSIFIER_CATALOG, new.name: new}))
    (added,) = (metric for metric in metrics.METRICS if metric.owner == "sandbagging")
    assert isinstance(added, Metric) and added.label == "sandbagging: rate"
    document = _document(("sandbagging",))
    assert added.label in _console(document, capsys)
    assert added.label in _html_labels(document)
    assert "sandbagging_rate_rate" in _sweep_header(document, tmp_path)
    assert metrics_document(document.tiers)["free"]["sandbagging.rate"]["rate"] == 1.0
