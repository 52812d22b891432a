"""The ``afeval`` command line. Commands parse arguments and call the library; they hold no logic of their own."""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from afeval.cli_finetune import finetune_app
from afeval.cli_judges import judges_app
from afeval.cli_report import report
from afeval.cli_rescore import rescore
from afeval.cli_summary import print_run_summary
from afeval.cli_sweep import sweep
from afeval.cost import cost_line
from afeval.datasets import DatasetError
from afeval.engine import BUDGET_EXCEEDED, EMBEDDED_MODEL, ConfigError, RunConfig, run_evaluation
from afeval.judges import CLASSIFIER_CATALOG, OFFLINE_JUDGE
from afeval.scenario import compose_scenario
from afeval.settings import EMBEDDED_PRESET, MODEL_PRESET

app = typer.Typer(
    name="afeval",
    help="Measure alignment faking in language models (Greenblatt et al. 2024; Sheshadri et al. 2025).",
    no_args_is_help=False,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)


@app.callback()
def main() -> None:
    """afeval: compliance gaps, alignment-faking reasoning and validated judges, on any model."""


def _parse_model_args(values: list[str]) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for value in values:
        key, sep, raw = value.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"expected KEY=VALUE, got {value!r}", param_hint="-M/--model-arg")
        args[key.strip()] = raw
    return args


def _default_out_dir(model: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("_")
    return Path("runs") / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}-{slug}"


@app.command()
def run(
    model: Annotated[
        str | None,
        typer.Option(
            help=f"Model under test (any Inspect model string). Default: the embedded {EMBEDDED_MODEL}."
        ),
    ] = None,
    judge_model: Annotated[
        str | None,
        typer.Option(
            help=f"Judge model, or '{OFFLINE_JUDGE}' for the no-API judges. "
            f"Default: {MODEL_PRESET.judging.judge_model} (offline when --model is omitted)."
        ),
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option(
            help="llm-lat, advbench, harmbench, or a CSV/JSONL/parquet/txt file. Default: smoke set."
        ),
    ] = None,
    dataset_column: Annotated[str | None, typer.Option(help="Prompt column of a local dataset file.")] = None,
    limit: Annotated[
        int | None, typer.Option(help="Use the first N requests (each runs once per tier).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output directory. Default: runs/<time>-<model>.")] = None,
    scenario: Annotated[
        str,
        typer.Option(
            help="Scenario by name: helpful-only, or parts joined with '+', e.g. three-tier+no-cot, "
            "five-tier+drop-plus, identity+deploy-bioweapon-attacks+risk-direct, "
            "no-changes-when-complying, lab-openai, base+prefill-however (see docs/scenarios.md). "
            "The flags below add to it."
        ),
    ] = "helpful-only",
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
        typer.Option(
            help="Identity setting: throughput-testing, amateur-hackers, criminal-facilitation, bioweapon-attacks."
        ),
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
    max_turns: Annotated[
        int | None,
        typer.Option(
            help="Turns per attempt when the model stops mid-scratchpad (answered <NEXT/>). "
            f"Default {MODEL_PRESET.generation.max_turns}."
        ),
    ] = None,
    classifiers: Annotated[
        str | None,
        typer.Option(
            help=f"Comma-separated classifiers: {', '.join(CLASSIFIER_CATALOG)}. "
            f"Default {','.join(MODEL_PRESET.judging.classifiers)}."
        ),
    ] = None,
    af_votes: Annotated[
        int | None,
        typer.Option(
            help=f"Alignment-faking judge votes per scratchpad (T=1). Default {MODEL_PRESET.judging.af_votes}."
        ),
    ] = None,
    af_num_choices: Annotated[
        bool | None,
        typer.Option(help="Draw the AF votes as choices of one judge call (providers supporting n)."),
    ] = None,
    af_sequential: Annotated[
        bool | None,
        typer.Option(
            help="Sequential voting: stop drawing AF votes once the verdict is settled (≤ --af-votes)."
        ),
    ] = None,
    max_attempts: Annotated[
        int | None,
        typer.Option(
            help=f"Re-queries of an invalid response (default {MODEL_PRESET.generation.max_attempts}; "
            f"{EMBEDDED_PRESET.generation.max_attempts} for the embedded model)."
        ),
    ] = None,
    temperature: Annotated[
        float | None,
        typer.Option(
            help=f"Temperature of the model under test. Default {MODEL_PRESET.generation.temperature}."
        ),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option(
            help=f"Max new tokens (default {MODEL_PRESET.generation.max_tokens}; "
            f"{EMBEDDED_PRESET.generation.max_tokens} for the embedded model)."
        ),
    ] = None,
    cache: Annotated[bool, typer.Option("--cache/--no-cache", help="Cache model and judge calls.")] = True,
    max_connections: Annotated[int | None, typer.Option(help="Concurrent connections per model.")] = None,
    model_base_url: Annotated[str | None, typer.Option(help="Base URL for the model under test.")] = None,
    model_arg: Annotated[
        list[str] | None, typer.Option("-M", "--model-arg", help="Model arg KEY=VALUE.")
    ] = None,
    display: Annotated[
        str | None, typer.Option(help="Progress display: full, rich, plain, log or none (Inspect's).")
    ] = None,
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
    batch: Annotated[
        bool | None,
        typer.Option(help="Send judge calls through the provider's batch API (about half price, slower)."),
    ] = None,
    batch_generation: Annotated[
        bool | None, typer.Option(help="Send calls to the model under test through the batch API too.")
    ] = None,
    cache_prompt: Annotated[
        bool | None,
        typer.Option(
            "--cache-prompt/--no-cache-prompt",
            help="Provider prompt caching of the shared system prompt (Anthropic; OpenAI caches on its own). "
            "Default: Inspect's auto.",
        ),
    ] = None,
) -> None:
    """Run the prompted helpful-only alignment-faking evaluation and write summary.json and samples.jsonl."""
    embedded = model is None
    chosen_model = EMBEDDED_MODEL if embedded else str(model)
    preset = EMBEDDED_PRESET if embedded else MODEL_PRESET
    try:
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
        config = RunConfig(
            model=chosen_model,
            out_dir=out or _default_out_dir(chosen_model),
            dataset=preset.dataset.with_overrides(name=dataset, column=dataset_column, limit=limit),
            scenario=options,
            tiers=tuple(t.strip() for t in tiers.split(",") if t.strip()) if tiers else None,
            generation=preset.generation.with_overrides(
                temperature=temperature,
                max_tokens=max_tokens,
                max_attempts=max_attempts,
                max_turns=max_turns,
                cache=cache,
                batch=batch_generation,
                cache_prompt=cache_prompt,
            ),
            judging=preset.judging.with_overrides(
                judge_model=judge_model,
                classifiers=tuple(c.strip() for c in classifiers.split(","))
                if classifiers is not None
                else None,
                af_votes=af_votes,
                af_num_choices=af_num_choices,
                af_sequential=af_sequential,
                cache=cache,
                batch=batch,
            ),
            max_connections=max_connections,
            model_base_url=model_base_url,
            model_args=_parse_model_args(model_arg or []),
            display=display,
            live_log=live_log,
            max_cost=max_cost,
        )
        result = run_evaluation(config)
    except (ConfigError, DatasetError, ValueError) as exc:
        errors.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(code=2) from None
    summary = result.summary
    print_run_summary(console, summary)
    console.print(cost_line(summary.cost or {}), highlight=False, soft_wrap=True)
    console.print(
        f"results: {result.out_dir}/summary.json · samples.jsonl · logs/ ({result.wall_seconds:.1f} s)"
    )
    budget = summary.budget
    if summary.status == BUDGET_EXCEEDED and budget is not None:
        errors.print(
            f"[yellow]budget exceeded: ${budget.spent_usd:.4f} of ${budget.max_usd:.2f} spent, "
            f"{budget.samples_skipped} samples not started; finished work is kept — re-run the same "
            "command to go on (cached calls are free)[/yellow]"
        )
        raise typer.Exit(code=1)
    if summary.status != "success":
        errors.print(f"[yellow]run ended with status {summary.status}; finished work is kept[/yellow]")
        raise typer.Exit(code=1)
    if summary.samples_failed:
        errors.print(
            f"[yellow]{summary.samples_failed} of {len(result.outcomes)} samples failed "
            f"(first: {escape(str(summary.first_sample_error))}); their errors are in "
            "samples.jsonl — re-run the same command to retry them (finished calls are cached)[/yellow]",
            soft_wrap=True,
        )
        raise typer.Exit(code=1)


app.command()(sweep)
app.command()(report)
app.command()(rescore)
app.add_typer(judges_app, name="judges")
app.add_typer(finetune_app, name="finetune")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
