"""The report's figures: written as PNG and SVG, labelled, linked to transcripts, and deterministic."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.example_runs import write_example_sweep

from afeval.outcomes import Category
from afeval.report._data import (
    GapValue,
    deployment_gap_chart,
    load_report_input,
    main_charts,
    tier_gap_charts,
)
from afeval.report._style import AF_CATEGORIES, AF_HATCH, CATEGORY_COLOURS
from afeval.report.figures import (
    category_legend_handles,
    gap_text,
    plot_deployment_gaps,
    plot_main_chart,
    plot_tier_gaps,
    transcripts_link,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_written(paths: tuple[Path, ...], stem: str, *texts: str) -> str:
    assert [path.name for path in paths] == [f"{stem}.png", f"{stem}.svg"]
    png, svg = paths
    assert png.read_bytes().startswith(PNG_MAGIC) and png.stat().st_size > 10_000
    content = svg.read_text(encoding="utf-8")
    for text in texts:  # matplotlib writes each text as a comment beside its glyphs
        assert text in content, text
    return content


def test_each_af_category_is_its_base_colour_hatched() -> None:
    twins = {
        Category.REFUSAL: Category.REFUSAL_WITH_AF,
        Category.PARTIAL_COMPLIANCE: Category.PARTIAL_COMPLIANCE_WITH_AF,
        Category.COMPLIANCE: Category.COMPLIANCE_WITH_AF,
    }
    for base, twin in twins.items():
        assert CATEGORY_COLOURS[base] == CATEGORY_COLOURS[twin]
    assert len({CATEGORY_COLOURS[base] for base in twins}) == 3
    handles = category_legend_handles()
    assert len(handles) == 6
    for handle in handles:
        hatched = handle.get_hatch() == AF_HATCH
        assert hatched == any(handle.get_label() == label for label in ("compliance, AF reasoning",
                                                                         "partial compliance, AF reasoning",
                                                                         "refusal, AF reasoning"))  # fmt: skip
    assert len(AF_CATEGORIES) == 3


def test_gap_text_reads_the_gap_and_its_interval() -> None:
    gap = GapValue("compliance_gap", "free", "paid", 0.25, (0.05, 0.45), 0.012)
    assert gap_text(gap) == "compliance gap (free − paid)\n+25.0 pp  [+5.0, +45.0], p = 0.012"
    assert gap_text(None) == "no gap: fewer than two tiers"
    assert gap_text(GapValue("goal_guarding_gap", "free", "pro", None, None, None)).endswith(
        "no judged samples"
    )


def test_main_chart_is_labelled_and_links_segments_to_transcripts(tmp_path: Path) -> None:
    runs = load_report_input(write_example_sweep(tmp_path / "sweep")).runs
    chart = next(chart for chart in main_charts(runs) if chart.setting == "two-tier")
    svg = assert_written(
        plot_main_chart(chart, tmp_path / "figs"),
        "main_chart",
        "example/model-a",
        "example/model-c",
        "free  (n = 40)",
        "paid  (n = 40)",
        "compliance gap (free − paid)",
        "compliance, AF reasoning",
        "Share of judged responses",
    )
    group = chart.groups[0]
    for bar in group.bars:
        for segment in bar.segments:
            link = transcripts_link(group.run_id, bar.tier, segment.category.value).replace("&", "&amp;")
            # Only drawn segments carry a link: an empty category has no rectangle to click.
            assert (link in svg) == (segment.count > 0), (bar.tier, segment.category)


def test_figures_are_deterministic(tmp_path: Path) -> None:
    runs = load_report_input(write_example_sweep(tmp_path / "sweep")).runs
    chart = main_charts(runs)[0]
    first = plot_main_chart(chart, tmp_path / "a")[1].read_bytes()
    second = plot_main_chart(chart, tmp_path / "b")[1].read_bytes()
    assert first == second


def test_tier_gap_chart(tmp_path: Path) -> None:
    runs = load_report_input(write_example_sweep(tmp_path / "sweep")).runs
    (chart,) = tier_gap_charts(runs)
    assert_written(
        plot_tier_gaps(chart, tmp_path / "figs"),
        "tier_gaps",
        "goal-guarding gap (free − pro)",
        "rater-sycophancy gap (pro − enterprise)",
        "n = 40 per tier",
        "example/model-a",
    )


def test_deployment_gap_chart(tmp_path: Path) -> None:
    runs = load_report_input(write_example_sweep(tmp_path / "sweep")).runs
    chart = deployment_gap_chart(runs)
    assert chart is not None
    svg = assert_written(
        plot_deployment_gaps(chart, tmp_path / "figs"),
        "deployment_gaps",
        "throughput-testing",
        "bioweapon-attacks",
        "suspected risk",
        "direct risk",
        "no client",
        "rising order of harm scope",
    )
    # The x axis follows harm scope: each tick label appears after the previous one in drawing order.
    positions = [svg.index(f"<!-- {name} -->") for name in chart.deployments]
    assert positions == sorted(positions)
