"""Sweep files: parsing, one-line errors, grid expansion (counts, ids, de-duplication, base-model defaults)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from afeval.scenario import ScenarioOptions
from afeval.sweep import (
    SweepFileError,
    SweepRun,
    expand_grid,
    load_sweep,
    parse_sweep,
)


def spec_of(**grid: Any) -> dict[str, Any]:
    """A minimal sweep document with two chat models and the given grid."""
    return {
        "name": "t",
        "models": [
            {"model": "openai/gpt-4o"},
            {"model": "anthropic/claude-3-opus-20240229", "label": "opus"},
        ],
        "grid": grid,
    }


def ids(runs: tuple[SweepRun, ...]) -> list[str]:
    return [run.run_id for run in runs]


# --- expansion ------------------------------------------------------------------------------------------


def test_grid_is_models_by_scenarios_by_cot_in_file_order() -> None:
    runs = expand_grid(parse_sweep(spec_of(scenarios=["helpful-only", "three-tier"], cot=[True, False])))
    assert ids(runs) == [
        "gpt-4o__helpful-only",
        "gpt-4o__helpful-only+no-cot",
        "gpt-4o__helpful-only+three-tier",
        "gpt-4o__helpful-only+three-tier+no-cot",
        "opus__helpful-only",
        "opus__helpful-only+no-cot",
        "opus__helpful-only+three-tier",
        "opus__helpful-only+three-tier+no-cot",
    ]
    first = runs[0]
    assert first.model.model == "openai/gpt-4o"
    assert first.model.label == "gpt-4o"  # the last part of the model string
    assert first.scenario == ScenarioOptions()
    assert first.run_tiers == ("free", "paid")
    assert runs[2].run_tiers == ("free", "pro", "enterprise")
    assert ScenarioOptions.from_name(runs[3].scenario.name) == runs[3].scenario


def test_cot_is_applied_on_top_of_each_scenario_and_duplicates_collapse() -> None:
    # "helpful-only+no-cot" with cot=[true, false] is the same two runs as "helpful-only".
    runs = expand_grid(
        parse_sweep(
            spec_of(scenarios=["helpful-only", "helpful-only+no-cot", "helpful-only"], cot=[True, False])
        )
    )
    assert ids(runs) == [
        "gpt-4o__helpful-only",
        "gpt-4o__helpful-only+no-cot",
        "opus__helpful-only",
        "opus__helpful-only+no-cot",
    ]


def test_without_cot_key_each_scenario_keeps_its_own_cot() -> None:
    runs = expand_grid(parse_sweep(spec_of(scenarios=["helpful-only+no-cot"])))
    assert [run.scenario.cot for run in runs] == [False, False]


def test_inline_option_tables_and_named_scenarios_with_their_own_tiers() -> None:
    runs = expand_grid(
        parse_sweep(
            spec_of(
                scenarios=[
                    {"setting": "identity", "deployment": "bioweapon-attacks", "deployment_risk": "direct"},
                    {"name": "three-tier", "tiers": ["free", "pro"]},
                    {"lab": "Example Labs", "clarifications": ["direct-training-objective"]},
                ]
            )
        )
    )
    identity, three_tier, lab = runs[:3]
    assert identity.scenario == ScenarioOptions.from_name("identity+deploy-bioweapon-attacks+risk-direct")
    assert three_tier.tiers == ("free", "pro")
    assert three_tier.run_id == "gpt-4o__helpful-only+three-tier__tiers-free-pro"
    assert lab.scenario.lab == "Example Labs"
    assert lab.run_id == "gpt-4o__helpful-only+direct-training-objective+lab-example-labs"


def test_grid_tiers_subset_and_the_full_set_is_the_same_run_as_no_subset() -> None:
    subset = expand_grid(parse_sweep(spec_of(tiers=["paid"])))
    assert subset[0].tiers == ("paid",) and subset[0].run_id == "gpt-4o__helpful-only__tiers-paid"
    full = expand_grid(parse_sweep(spec_of(tiers=["free", "paid"])))
    assert full[0].tiers is None and full[0].run_id == "gpt-4o__helpful-only"


def test_max_turns_is_a_grid_dimension_named_in_the_run_id() -> None:
    runs = expand_grid(parse_sweep(spec_of(max_turns=[1, 4])))
    assert ids(runs)[:2] == ["gpt-4o__helpful-only__turns-1", "gpt-4o__helpful-only__turns-4"]
    assert [run.settings.generation.max_turns for run in runs[:2]] == [1, 4]


def test_base_models_get_the_base_format_their_prefills_and_the_default_clarification() -> None:
    document = {
        "models": [
            {
                "model": "openai-api-completions/host/llama-405b",
                "kind": "base",
                "prefill": ["basic", "however"],
            },
            {"model": "vllm-completions/llama-70b", "kind": "base", "clarifications": []},
        ],
        "grid": {"scenarios": ["helpful-only"], "cot": [True, False]},
    }
    runs = expand_grid(parse_sweep(document))
    assert ids(runs) == [
        "llama-405b__helpful-only+no-changes-when-complying+base+prefill-basic",
        "llama-405b__helpful-only+no-changes-when-complying+base+prefill-however",
        # The prefills open a scratchpad: the no-CoT run has none, so both prefills give the same run.
        "llama-405b__helpful-only+no-changes-when-complying+no-cot+base",
        "llama-70b__helpful-only+base",
        "llama-70b__helpful-only+no-cot+base",
    ]
    assert all(run.scenario.prompt_format == "base" for run in runs)
    assert runs[1].scenario.prefill == "however"
    assert runs[0].scenario.clarifications == ("no-changes-when-complying",)
    assert runs[3].scenario.clarifications == ()


def test_run_ids_are_safe_file_names() -> None:
    runs = expand_grid(parse_sweep(spec_of(scenarios=["identity+deploy-amateur-hackers+model-Claude"])))
    for run in runs:
        assert "/" not in run.run_id and " " not in run.run_id
        assert all(ch.isalnum() or ch in "._-+" for ch in run.run_id)


@settings(max_examples=40, deadline=None)
@given(
    n_models=st.integers(1, 4),
    scenarios=st.lists(
        st.sampled_from(
            ["helpful-only", "three-tier", "never-used", "identity", "lab-openai", "five-tier+drop-pro"]
        ),
        min_size=1,
        max_size=4,
        unique=True,
    ),
    cot=st.lists(st.booleans(), min_size=1, max_size=2, unique=True),
)
def test_grid_size_is_the_product_of_its_dimensions(
    n_models: int, scenarios: list[str], cot: list[bool]
) -> None:
    document = {
        "models": [{"model": f"openai/m{i}"} for i in range(n_models)],
        "grid": {"scenarios": scenarios, "cot": cot},
    }
    runs = expand_grid(parse_sweep(document))
    assert len(runs) == n_models * len(scenarios) * len(cot)
    assert len(set(ids(runs))) == len(runs)


# --- errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"models": [{"model": "openai/gpt-4o"}], "grids": {}}, "unknown key(s) grids"),
        (
            {"models": [{"model": "openai/gpt-4o"}], "defaults": {"votes": 3}},
            "unknown key(s) votes in [defaults]",
        ),
        ({"models": [{"model": "openai/gpt-4o"}], "defaults": {"limit": "ten"}}, "defaults.limit must be"),
        ({"models": [{"model": "openai/gpt-4o"}], "defaults": {"limit": True}}, "defaults.limit must be"),
        ({"models": [{"model": "openai/gpt-4o"}], "defaults": {"limit": 0}}, "limit must be at least 1"),
        ({"models": [{"model": "openai/gpt-4o"}], "defaults": {"classifiers": ["af_legacy"]}}, "compliance"),
        ({"models": []}, "at least one model"),
        ({}, "at least one model"),
        ({"models": [{"label": "x"}]}, "models[0] needs a model"),
        (
            {"models": [{"model": "openai/gpt-4o", "temperature": 1}]},
            "unknown key(s) temperature in models[0]",
        ),
        (
            {"models": [{"model": "openai/a", "label": "x"}, {"model": "openai/b", "label": "x"}]},
            "used twice",
        ),
        ({"models": [{"model": "openai/gpt-4o", "label": "a b"}]}, "label 'a b'"),
        ({"models": [{"model": "openai/gpt-4o", "kind": "instruct"}]}, "unknown model kind"),
        ({"models": [{"model": "openai/gpt-4o", "prefill": "basic"}]}, "needs kind"),
        ({"models": [{"model": "m/x", "kind": "base", "prefill": "sure"}]}, "unknown prefill"),
        (
            {"models": [{"model": "openai/gpt-4o"}], "grid": {"scenarios": ["four-tier"]}},
            "unknown scenario part",
        ),
        (
            {"models": [{"model": "openai/gpt-4o"}], "grid": {"scenarios": [{"tier": "free"}]}},
            "unknown scenario opt",
        ),
        ({"models": [{"model": "openai/gpt-4o"}], "grid": {"scenarios": []}}, "grid.scenarios"),
        ({"models": [{"model": "openai/gpt-4o"}], "grid": {"cot": "yes"}}, "grid.cot must be a list"),
        ({"models": [{"model": "openai/gpt-4o"}], "grid": {"cot": ["yes"]}}, "grid.cot item"),
        ({"models": [{"model": "openai/gpt-4o"}], "grid": {"tiers": ["pro"]}}, "tier(s) pro not in scenario"),
        (
            {"models": [{"model": "openai/gpt-4o"}], "grid": {"scenarios": ["deploy-amateur-hackers"]}},
            "identity",
        ),
        (
            {"models": [{"model": "openai/gpt-4o"}], "max_connections": 0},
            "max_connections must be at least 1",
        ),
    ],
)
def test_malformed_documents_fail_with_one_line(document: dict[str, Any], message: str) -> None:
    with pytest.raises(SweepFileError) as caught:
        parse_sweep(document, source="bad.toml")
    text = str(caught.value)
    assert text.startswith("bad.toml: ")
    assert message in text
    assert "\n" not in text


def test_free_text_labs_that_read_the_same_cannot_share_a_run_id() -> None:
    document = spec_of(scenarios=[{"lab": "Example Labs"}, {"lab": "example labs"}])
    with pytest.raises(SweepFileError, match="share the id"):
        parse_sweep(document)


def test_files_that_are_not_toml_or_yaml_mappings(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n")
    with pytest.raises(SweepFileError, match="not valid TOML"):
        load_sweep(broken)
    listed = tmp_path / "listed.yaml"
    listed.write_text("- a\n- b\n")
    with pytest.raises(SweepFileError, match="mapping"):
        load_sweep(listed)
    other = tmp_path / "sweep.json"
    other.write_text("{}")
    with pytest.raises(SweepFileError, match="ends in"):
        load_sweep(other)
    with pytest.raises(SweepFileError, match="no sweep file"):
        load_sweep(tmp_path / "missing.toml")
    with pytest.raises(SweepFileError, match="paper-roster"):
        load_sweep("no-such-sweep")


def test_yaml_and_toml_files_give_the_same_sweep(tmp_path: Path) -> None:
    toml_file = tmp_path / "s.toml"
    toml_file.write_text(
        'name = "s"\n[defaults]\nlimit = 5\njudge_model = "offline"\n'
        '[grid]\nscenarios = ["three-tier", { setting = "identity", deployment = "throughput-testing" }]\n'
        "cot = [true, false]\n"
        '[[models]]\nmodel = "openai/gpt-4o"\nmax_connections = 4\n'
    )
    yaml_file = tmp_path / "s.yaml"
    yaml_file.write_text(
        "name: s\ndefaults: {limit: 5, judge_model: offline}\n"
        "grid:\n  scenarios: [three-tier, {setting: identity, deployment: throughput-testing}]\n"
        "  cot: [true, false]\n"
        "models:\n  - {model: openai/gpt-4o, max_connections: 4}\n"
    )
    from_toml, from_yaml = load_sweep(toml_file), load_sweep(yaml_file)
    assert expand_grid(from_toml) == expand_grid(from_yaml)
    assert from_toml.defaults == from_yaml.defaults
    assert len(expand_grid(from_yaml)) == 4


def test_the_paper_roster_lists_the_25_chat_models() -> None:
    spec = load_sweep("paper-roster")
    assert len(spec.models) == 25
    assert {model.kind for model in spec.models} == {"chat"}
    labels = {model.label for model in spec.models}
    for expected in (
        "gpt-4",
        "gpt-4.5",
        "claude-3-opus",
        "claude-3.5-sonnet-oct-2024",
        "claude-3.5-sonnet-jun-2024",
        "grok-3",
        "llama-3-405b",
        "deepseek-r1",
        "qwen-2.5-coder-32b",
        "mistral-large-2",
    ):
        assert expected in labels
    assert json.dumps([run.run_id for run in expand_grid(spec)]).count("__helpful-only") == 25


def test_a_defaults_preset_is_the_base_its_other_keys_override() -> None:
    spec = parse_sweep({**spec_of(scenarios=["helpful-only"]), "defaults": {"preset": "paper", "limit": 400}})
    defaults = spec.defaults
    assert defaults.preset == "paper"
    assert (defaults.dataset.name, defaults.dataset.limit) == ("llm-lat", 400)
    assert defaults.judging.count_invalid and defaults.generation.max_turns == 1
    plain = parse_sweep(spec_of(scenarios=["helpful-only"])).defaults
    assert plain.preset == "default" and not plain.judging.count_invalid
    with pytest.raises(SweepFileError, match="unknown preset 'papr'"):
        parse_sweep({**spec_of(scenarios=["helpful-only"]), "defaults": {"preset": "papr"}})


@pytest.mark.parametrize(
    ("name", "n"),
    [("paper-roster", 200), ("three-tier", 400), ("identity-deployments", 400), ("five-tier", 200)],
)
def test_the_papers_experiments_run_under_its_rules_at_its_n(name: str, n: int) -> None:
    defaults = load_sweep(name).defaults
    assert defaults.preset == "paper" and defaults.judging.count_invalid
    assert (defaults.dataset.name, defaults.dataset.limit) == ("llm-lat", n)
