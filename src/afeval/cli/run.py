"""``afeval run``: one evaluation of one model, from a preset (the embedded demo, or a named model's) and the
options that override it. The work is done in :func:`afeval.engine.run_evaluation`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from afeval.cli._options import (
    DisplayOption,
    ModelArgsOption,
    ReferenceDirOption,
    StrictOption,
    comma_list,
    out_dir_option,
    parse_model_args,
    with_setting_options,
)
from afeval.cli._print import (
    RUN_UNFINISHED,
    exit_if_samples_failed,
    exit_if_strict,
    exit_if_unfinished,
    fail,
    print_dry_run,
    print_run_plan,
    print_run_plan_json,
    print_run_result,
    user_errors,
)
from afeval.engine import EMBEDDED_MODEL, RunConfig, default_run_dir, plan_run, run_evaluation
from afeval.scenario import SCENARIO_BASE_NAME, compose_scenario, scenario_catalog
from afeval.settings import PAPER_PRESET, SETTING_KEYS_BY_NAME, preset_for, with_setting_keys


@with_setting_options(SETTING_KEYS_BY_NAME)
def run(
    model: Annotated[
        str | None,
        typer.Option(
            help=f"Model under test (any Inspect model string). Default: the embedded {EMBEDDED_MODEL}."
        ),
    ] = None,
    out: Annotated[Path | None, out_dir_option("runs/<time>-<model>")] = None,
    scenario: Annotated[
        str,
        typer.Option(
            help="Scenario by name: helpful-only, or parts joined with '+', e.g. three-tier+no-cot, "
            "five-tier+drop-plus, identity+deploy-bioweapon-attacks+risk-direct, "
            "no-changes-when-complying, lab-openai, base+prefill-however (see docs/scenarios.md). "
            "The flags below add to it."
        ),
    ] = SCENARIO_BASE_NAME,
    setting: Annotated[
        str | None,
        typer.Option(
            help="Tier setting: two-tier, three-tier, five-tier, five-tier-swapped, never-used, never-trained, "
            "identity."
        ),
    ] = None,
    tiers: Annotated[
        str | None, typer.Option(help="Comma-separated subset of the scenario's tiers (default: all).")
    ] = None,
    drop_tier: Annotated[str | None, typer.Option(help="Drop one tier of a five-tier setting.")] = None,
    deployment: Annotated[
        str | None,
        typer.Option(help=f"Identity setting: {', '.join(scenario_catalog().deployments)}."),
    ] = None,
    deployment_risk: Annotated[
        str | None, typer.Option(help="Risk level of a client deployment: suspected or direct.")
    ] = None,
    clarification: Annotated[
        list[str] | None,
        typer.Option(
            help="Add a clarification: no-changes-when-complying, direct-training-objective (repeatable)."
        ),
    ] = None,
    lab: Annotated[
        str | None,
        typer.Option(help="AI lab named in the system prompt (free text; presets via --scenario)."),
    ] = None,
    model_name: Annotated[
        str | None, typer.Option(help="Name the model in the system prompt (name ablations).")
    ] = None,
    cot: Annotated[bool | None, typer.Option("--cot/--no-cot", help="Hidden scratchpad reasoning.")] = None,
    training_details: Annotated[
        bool | None,
        typer.Option("--training-details/--minimal", help="Full RLHF/tier facts, or the minimal prompt."),
    ] = None,
    suffix: Annotated[
        bool | None,
        typer.Option("--suffix/--no-suffix", help="Accept/reject tag instruction in the user turn."),
    ] = None,
    base: Annotated[
        bool,
        typer.Option(
            help="Base (pretrained) model: one raw document through a completions provider "
            "(openai-api-completions/..., vllm-completions/..., hf/...). Adds no-changes-when-complying."
        ),
    ] = False,
    prefill: Annotated[str | None, typer.Option(help="Base models: basic or however.")] = None,
    max_connections: Annotated[int | None, typer.Option(help="Concurrent connections per model.")] = None,
    model_base_url: Annotated[str | None, typer.Option(help="Base URL for the model under test.")] = None,
    model_arg: ModelArgsOption = None,
    display: DisplayOption = None,
    live_log: Annotated[
        bool,
        typer.Option(
            help="Let `inspect view` show samples while the run is going (Inspect's realtime log; costs about "
            "a fifth more CPU per sample)."
        ),
    ] = False,
    max_cost: Annotated[
        float | None,
        typer.Option(
            help="Budget in US dollars: stop starting samples once the spend would pass it (finished work is "
            "kept; re-run the same command to go on). Prices: docs/cost.md."
        ),
    ] = None,
    paper: Annotated[
        bool,
        typer.Option(
            "--paper",
            help=f"Measure what the paper's pipeline measures: {PAPER_PRESET.description} "
            "(docs/fidelity.md). The options given override it.",
        ),
    ] = False,
    reference_dir: ReferenceDirOption = None,
    strict: StrictOption = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print the estimated calls, tokens and dollars, and the judge's under each AF-vote scheme; "
            "call nothing.",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --dry-run: print the plan as JSON, and nothing else.")
    ] = False,
    **settings: Any,
) -> None:
    """Run the prompted helpful-only alignment-faking evaluation and write summary.json and samples.jsonl."""
    if as_json and not dry_run:
        fail(ValueError("--json prints the plan of a dry run: give --dry-run too"))
    # The preset's values, each overridden by its setting option where given (left out, an option is None).
    preset = preset_for(model, PAPER_PRESET.name if paper else None)
    chosen_model = EMBEDDED_MODEL if model is None else model
    with user_errors():
        options = compose_scenario(
            scenario,
            setting=setting,
            dropped_tier=drop_tier,
            deployment=deployment,
            deployment_risk=deployment_risk,
            clarifications=clarification or [],
            lab=lab,
            model_name=model_name,
            cot=cot,
            training_details=training_details,
            suffix=suffix,
            base=base,
            prefill=prefill,
        )
        chosen = with_setting_keys(preset, settings)
        config = RunConfig(
            model=chosen_model,
            out_dir=out or default_run_dir(chosen_model),
            dataset=chosen.dataset,
            scenario=options,
            tiers=comma_list(tiers),
            generation=chosen.generation,
            judging=chosen.judging,
            max_connections=max_connections,
            model_base_url=model_base_url,
            model_args=parse_model_args(model_arg or []),
            display=display,
            live_log=live_log,
            max_cost=max_cost,
            preset=preset.name,
            reference_dir=reference_dir,
        )
        if dry_run:
            estimate = plan_run(config)
        else:
            result = run_evaluation(config)
    if dry_run:
        if as_json:
            print_run_plan_json(estimate)
        else:
            print_run_plan(config, estimate)
            print_dry_run()
        return
    print_run_result(result)
    exit_if_unfinished(result.summary, RUN_UNFINISHED)
    exit_if_samples_failed(result)
    exit_if_strict(len(result.summary.warnings or ()), strict)
