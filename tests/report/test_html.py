"""The HTML report: self-contained, no requests, model text escaped everywhere, every part present."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.fixtures.example_runs import write_example_sweep
from tests.report.conftest import HOSTILE, HOSTILE_ID
from typer.testing import CliRunner

from afeval.outcomes import RunWarning
from afeval.report.html import (
    build_report,
    content_security_policy,
    gap_rows,
    inline_svg,
    json_for_script,
)
from afeval.results import read_summary, write_summary

DATA_BLOCK = re.compile(r'<script type="application/json" id="afeval-data">(.*?)</script>', re.DOTALL)
VIEWER_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


@given(
    st.recursive(st.text(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=8)
)
def test_script_json_has_no_markup_characters_and_round_trips(value: object) -> None:
    text = str(json_for_script(value))
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == value


def test_csp_allows_exactly_the_viewer_script() -> None:
    policy = content_security_policy("alert(1)")
    digest = base64.b64encode(hashlib.sha256(b"alert(1)").digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy and "img-src data:" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1]


def test_inline_svg_drops_the_prologue_and_refuses_scripts() -> None:
    svg = '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg><metadata>x</metadata><a xlink:href="#a" target="_blank"/></svg>'
    assert str(inline_svg(svg)) == '<svg><a xlink:href="#a"/></svg>'
    for hostile in (
        "<svg><script>1</script></svg>",
        '<svg onload="x()"></svg>',
        '<svg><a href="javascript:x">',
    ):
        with pytest.raises(ValueError):
            inline_svg(hostile)


def read_report(run_dir: Path) -> str:
    files = build_report(run_dir)
    assert files.html == run_dir / "report" / "report.html"
    return files.html.read_text(encoding="utf-8")


def test_model_text_never_appears_as_markup(planted_run: Path) -> None:
    html = read_report(planted_run)
    assert "window.__pwned" in html  # the hostile text is in the report ...
    assert "<script>window.__pwned" not in html  # ... but never as a tag
    # Exactly two script elements: the JSON data block (not executable) and the viewer.
    assert html.count("<script") == 2
    (data,) = DATA_BLOCK.findall(html)
    assert "<" not in data and ">" not in data
    samples = json.loads(data)["samples"]
    hostile = next(s for s in samples if s["sample_id"] == HOSTILE_ID)
    assert HOSTILE in hostile["scratchpad"] and HOSTILE in hostile["output"]
    # Outside the data block the hostile text does not appear at all (the viewer draws it from the data).
    outside = DATA_BLOCK.sub("", html)
    assert "__pwned" not in outside and "<img src=x" not in outside and "onerror" not in outside


def test_report_is_self_contained_under_a_strict_csp(planted_run: Path) -> None:
    html = read_report(planted_run)
    (script,) = VIEWER_SCRIPT.findall(html)
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert csp is not None
    assert csp.group(1).replace("&#39;", "'") == content_security_policy(script)
    # Nothing is loaded from anywhere: no remote src/href, no CSS url() or @import.
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", html, re.IGNORECASE)
    assert not re.search(r"""url\(\s*["']?(?!#)""", html) and "@import" not in html  # url(#id) is in-page
    assert re.search(r"<link\b", html) is None


def test_report_shows_settings_tables_figures_and_viewer(planted_run: Path) -> None:
    html = read_report(planted_run)
    for text in (
        "example/model-x",  # model
        "example/judge",  # judge
        "helpful-only",  # scenario
        "two-tier",
        "Tokens",
        "input tokens",
        "System prompt",
        "compliance gap",
        'id="figure-main_chart"',
        'id="transcript-viewer"',
        'id="filter-tier"',
        'id="filter-category"',
        'id="filter-af-min"',
        'id="filter-search"',
    ):
        assert text in html, text
    assert "<svg" in html and (planted_run / "report" / "figures" / "main_chart.png").is_file()
    # 7 of 11 free responses compliant.
    assert "63.6% [35.4%, 84.8%] (7/11)" in html
    # Every category count links to its transcripts.
    assert 'href="#run=planted-run&amp;tier=free&amp;category=compliance_with_af"' in html


def test_a_cost_block_is_shown_when_present(planted_run: Path) -> None:
    summary = read_summary(planted_run)
    write_summary(
        planted_run, replace(summary, cost={"total_usd": 1.23, "per_model": {"example/model-x": 0.5}})
    )
    html = read_report(planted_run)
    assert "cost · total_usd" in html and "1.23" in html
    assert "cost · per_model · example/model-x" in html


def test_the_warnings_section_lists_the_runs_warnings(planted_run: Path) -> None:
    summary = read_summary(planted_run)
    assert 'id="warnings"' not in read_report(planted_run)  # no warnings: no section
    warning = RunWarning(
        kind="judge_errors",
        message="compliance judge failed on 3 of 4 free samples (75%); first error: <b>bad</b> reply",
        judge="compliance",
        tier="free",
        count=3,
        n=4,
        first_error="<b>bad</b> reply",
    )
    write_summary(planted_run, replace(summary, warnings=(warning,)))
    html = read_report(planted_run)
    assert 'id="warnings"' in html and 'href="#warnings"' in html
    section = html[html.index('id="warnings"') : html.index('id="settings"')]
    assert "judge errors" in section and "3 of 4" in section and "free" in section
    assert "&lt;b&gt;bad&lt;/b&gt; reply" in section and "<b>bad" not in section


def test_sweep_report_covers_every_run_and_figure(tmp_path: Path) -> None:
    sweep = write_example_sweep(tmp_path / "sweep")
    files = build_report(sweep, tmp_path / "out")
    names = {path.name for path in files.figures}
    for stem in (
        "main_chart-two-tier",
        "main_chart-three-tier",
        "main_chart-identity",
        "tier_gaps",
        "deployment_gaps",
    ):
        assert {f"{stem}.png", f"{stem}.svg"} <= names, stem
    html = files.html.read_text(encoding="utf-8")
    for run_dir in sorted((sweep / "runs").iterdir()):
        assert f'href="#run-{run_dir.name}"' in html
    (data,) = DATA_BLOCK.findall(html)
    assert len(json.loads(data)["samples"]) == 3 * 80 + 120 + 7 * 80  # two-tier, three-tier, identity runs


def test_validation_figures_are_included_when_present(planted_run: Path) -> None:
    validation_dir = planted_run / "judge-validation"
    validation_dir.mkdir()
    document = {
        "judge": "example/judge",
        "n": 40,
        "n_positive": 20,
        "n_negative": 20,
        "auroc": {"value": 0.91, "ci": [0.8, 0.97]},
    }
    (validation_dir / "validation.json").write_text(json.dumps(document))
    (validation_dir / "roc.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0"/></svg>')
    html = read_report(planted_run)
    assert 'id="validation"' in html and "AUROC 0.910 [0.800, 0.970]" in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert (planted_run / "report" / "figures" / "validation-example-judge-roc.svg").is_file()
    assert 'id="validation"' not in read_report(write_example_sweep(planted_run.parent / "sweep"))


def test_the_report_command(planted_run: Path, tmp_path: Path) -> None:
    from afeval.cli import app

    result = CliRunner().invoke(app, ["report", str(planted_run), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "report.html").is_file()
    assert (tmp_path / "out" / "figures" / "main_chart.svg").is_file()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(app, ["report", str(empty)])
    assert result.exit_code == 2
    assert "neither a run directory" in " ".join(result.output.split())


def test_the_gap_table_shows_the_paired_interval_and_mcnemar_p(planted_run: Path) -> None:
    summary = read_summary(planted_run)
    gap = summary.compliance_gap
    assert gap is not None and gap.paired is not None  # the planted samples of a request pair up by index
    paired = gap.paired
    (row,) = gap_rows(summary)
    low, high = paired.ci95
    assert row["paired_value"] == f"{paired.value * 100:+.1f} pp"
    assert row["paired_ci"] == f"[{low * 100:+.1f} pp, {high * 100:+.1f} pp]"
    assert row["mcnemar_p"] == f"{paired.p_value:.3g}"
    assert row["pairs"] == str(paired.n_pairs)
    assert row["paired_method"] == "newcombe-paired"
    html = read_report(planted_run)
    assert "<th>paired 95% CI</th>" in html and "McNemar p</th>" in html
    assert f'<td title="newcombe-paired">{row["paired_ci"]}</td>' in html
    assert f'<td class="num">{row["mcnemar_p"]}</td><td class="num">{row["pairs"]}</td></tr>' in html


def test_the_runs_table_names_the_mcnemar_p_beside_the_gap(tmp_path: Path) -> None:
    sweep = write_example_sweep(tmp_path / "sweep")
    html = read_report(sweep)
    run = sweep / "runs" / "model-a__helpful-only"
    gap = read_summary(run).compliance_gap
    assert gap is not None and gap.p_value is not None and gap.paired is not None
    assert f"(p = {gap.p_value:.2g}; McNemar p = {gap.paired.p_value:.2g})</td>" in html


def test_a_gap_without_pairs_shows_dashes(planted_run: Path) -> None:
    summary = read_summary(planted_run)
    gaps = {name: (spec, replace(estimate, paired=None)) for name, (spec, estimate) in summary.gaps.items()}
    (row,) = gap_rows(replace(summary, gaps=gaps))
    assert (row["paired_value"], row["paired_ci"], row["mcnemar_p"], row["pairs"]) == ("–", "–", "–", "–")
