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
from afeval.engine import EMBEDDED_MODEL, RunConfig, run_evaluation
from afeval.engine._run import BUDGET_EXCEEDED, ConfigError
from afeval.finetune import resolve_model_name
from afeval.judges import OFFLINE_JUDGE
from afeval.scenario import compose_scenario

app = typer.Typer(
    name="afeval",
    help="Measure alignment faking in language models (Greenblatt et al. 2024; Sheshadri et al. 2025).",
    no_args_is_help=False,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)

DEFAULT_JUDGE_MODEL = "openai/gpt-4o"
# The embedded model is a 135M-parameter model on CPU: a short default run keeps the no-argument demo quick.
# It is greedy and deterministic, so re-querying an invalid reply at temperature 0 would only repeat it.
EMBEDDED_LIMIT = 2
EMBEDDED_MAX_TOKENS = 300
EMBEDDED_MAX_ATTEMPTS = 1


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
            f"Default: {DEFAULT_JUDGE_MODEL} (offline when --model is omitted)."
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
        int, typer.Option(help="Turns per attempt when the model stops mid-scratchpad (answered <NEXT/>).")
    ] = 4,
    classifiers: Annotated[
        str,
        typer.Option(
            help="Comma-separated classifiers: compliance, alignment_faking, partial_compliance, af_legacy, "
            "helpfulness_motive, af_motive, follow_up."
        ),
    ] = "compliance,alignment_faking,partial_compliance",
    af_votes: Annotated[int, typer.Option(help="Alignment-faking judge votes per scratchpad (T=1).")] = 20,
    af_num_choices: Annotated[
        bool,
        typer.Option(help="Draw the AF votes as choices of one judge call (providers supporting n)."),
    ] = False,
    af_sequential: Annotated[
        bool,
        typer.Option(
            help="Sequential voting: stop drawing AF votes once the verdict is settled (≤ --af-votes)."
        ),
    ] = False,
    max_attempts: Annotated[
        int | None,
        typer.Option(help="Re-queries of an invalid response (default 10; 1 for the embedded model)."),
    ] = None,
    temperature: Annotated[float, typer.Option(help="Temperature of the model under test.")] = 0.0,
    max_tokens: Annotated[
        int | None, typer.Option(help="Max new tokens (default 2000; 300 for the embedded model).")
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
        bool,
        typer.Option(help="Send judge calls through the provider's batch API (about half price, slower)."),
    ] = False,
    batch_generation: Annotated[
        bool, typer.Option(help="Send calls to the model under test through the batch API too.")
    ] = False,
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
    try:
        chosen_model = resolve_model_name(chosen_model)  # tuned:NAME -> a fine-tuned model
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
            judge_model=judge_model or (OFFLINE_JUDGE if embedded else DEFAULT_JUDGE_MODEL),
            dataset=dataset,
            dataset_column=dataset_column,
            limit=limit if limit is not None else (EMBEDDED_LIMIT if embedded else None),
            scenario=options,
            tiers=tuple(t.strip() for t in tiers.split(",") if t.strip()) if tiers else None,
            classifiers=tuple(c.strip() for c in classifiers.split(",") if c.strip()),
            af_votes=af_votes,
            af_num_choices=af_num_choices,
            af_sequential=af_sequential,
            max_attempts=max_attempts or (EMBEDDED_MAX_ATTEMPTS if embedded else 10),
            max_turns=max_turns,
            temperature=temperature,
            max_tokens=max_tokens or (EMBEDDED_MAX_TOKENS if embedded else 2000),
            cache=cache,
            max_connections=max_connections,
            model_base_url=model_base_url,
            model_args=_parse_model_args(model_arg or []),
            display=display,
            live_log=live_log,
            max_cost=max_cost,
            batch=batch,
            batch_generation=batch_generation,
            cache_prompt=cache_prompt,
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
