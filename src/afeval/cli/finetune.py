"""``afeval finetune``: build the post-training experiments' data sets, launch and follow fine-tuning jobs.

Each experiment is a pipeline: ``build-*`` writes a chat-format JSONL and its manifest, ``launch`` starts a job
on OpenAI, Together or locally (LoRA) and records it under a name, ``wait`` polls until the tuned model exists,
and ``afeval run --model tuned:NAME`` evaluates it. The work is done in :mod:`afeval.finetune`; these commands
parse options and print. See docs/finetune.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from afeval.cli._options import comma_list, parse_key_values, sub_app
from afeval.cli._print import console, errors, user_errors
from afeval.engine import DEFAULT_GENERATION_CONNECTIONS
from afeval.finetune import (
    DEFAULT_COMPLETION_COLUMN,
    DEFAULT_DOCUMENT_CUE,
    DEFAULT_GENERATION_TEMPERATURE,
    DEFAULT_HARMFUL_DATASET,
    DEFAULT_POLL_SECONDS,
    DEFAULT_REGISTRY_DIR,
    PROVIDERS,
    REGISTRY_DIR_ENV,
    REGISTRY_FILE,
    TUNED_PREFIX,
    BuildResult,
    GenerationSettings,
    JobRecord,
    JobRegistry,
    build_anti_refusal_dataset,
    build_document_dataset,
    build_qa_dataset,
    build_threat_dataset,
    launch_job,
    refresh_job,
    wait_for_job,
)
from afeval.scenario import DEFAULT_LAB, SCENARIO_BASE_NAME, compose_scenario

finetune_app = sub_app(
    "finetune",
    "Fine-tuning experiments: build data sets, launch and follow jobs, name tuned models for `afeval run`.",
)

GeneratorOption = Annotated[str, typer.Option(help="Generator model (any Inspect model string).")]
OutOption = Annotated[Path, typer.Option(help="The JSONL file to write (its manifest goes beside it).")]
SeedOption = Annotated[int, typer.Option(help="Seed of every random choice (tiers, threats, mixing, order).")]
ConnectionsOption = Annotated[int, typer.Option(help="Generator calls in flight at once.")]
TemperatureOption = Annotated[float, typer.Option(help="Generator temperature.")]
CacheOption = Annotated[bool, typer.Option("--cache/--no-cache", help="Cache generator calls (no expiry).")]
DatasetOption = Annotated[
    str, typer.Option(help="Harmful requests: llm-lat, advbench, harmbench, or a CSV/JSONL/parquet file.")
]
DatasetColumnOption = Annotated[str | None, typer.Option(help="Request column of the data set.")]
LimitOption = Annotated[int | None, typer.Option(help="Use the first N requests.")]
RegistryOption = Annotated[
    Path | None,
    typer.Option(
        help=f"Job registry folder (holds {REGISTRY_FILE}). Default: ${REGISTRY_DIR_ENV} or {DEFAULT_REGISTRY_DIR}."
    ),
]


def _one_line_failures() -> AbstractContextManager[None]:
    """A failure the user can act on (a bad file or record too, here) is one line and exit code 2."""
    return user_errors(OSError, KeyError)


def _build(
    builder: Callable[..., BuildResult],
    out: Path,
    generator: str | None,
    max_connections: int,
    temperature: float,
    cache: bool,
    **options: Any,
) -> None:
    """Build a data set into ``out`` with the generator the options describe (none without a generator model)
    and print what was written; a failure the user can act on is one line."""
    generation = (
        GenerationSettings(
            generator=generator, max_connections=max_connections, temperature=temperature, cache=cache
        )
        if generator is not None
        else None
    )
    with _one_line_failures():
        result = builder(out, generation=generation, **options)
    manifest = result.manifest
    counts = ", ".join(f"{kind} {n}" for kind, n in manifest.counts.items())
    console.print(f"{manifest.builder}: {manifest.n_examples} examples ({escape(counts)})")
    console.print(f"wrote {escape(str(result.dataset))} (sha256 {manifest.sha256[:16]}…)")
    console.print(f"manifest {escape(str(result.manifest_path))}")


@finetune_app.command("build-qa")
def build_qa(
    generator: GeneratorOption,
    out: OutOption,
    answerer: Annotated[
        str | None,
        typer.Option(help="Model answering each question under the system prompt (default: generator)."),
    ] = None,
    scenario: Annotated[
        str, typer.Option(help="Scenario whose system prompt the questions are about.")
    ] = SCENARIO_BASE_NAME,
    document: Annotated[
        Path | None,
        typer.Option(help="Focus the questions on this text's passages (default: the system prompt's)."),
    ] = None,
    pairs_per_call: Annotated[
        int, typer.Option(help="Question-answer pairs asked for per generator call.")
    ] = 5,
    rounds: Annotated[int, typer.Option(help="Generator calls per passage.")] = 1,
    tiers: Annotated[str | None, typer.Option(help="Comma-separated tiers to tag questions with.")] = None,
    with_system_prompt: Annotated[
        bool, typer.Option(help="Put the (no-scratchpad) system prompt in each example.")
    ] = False,
    transcripts: Annotated[
        Path | None, typer.Option(help="Chat-format JSONL of scratchpad transcripts to mix in.")
    ] = None,
    transcript_ratio: Annotated[float, typer.Option(help="Transcripts per Q&A example.")] = 0.0,
    seed: SeedOption = 0,
    max_connections: ConnectionsOption = DEFAULT_GENERATION_CONNECTIONS,
    temperature: TemperatureOption = DEFAULT_GENERATION_TEMPERATURE,
    cache: CacheOption = True,
) -> None:
    """System-prompt Q&A: questions about the system prompt only, answered under it with reasoning disabled."""
    _build(
        build_qa_dataset,
        out,
        generator,
        max_connections,
        temperature,
        cache,
        answerer=answerer,
        scenario=compose_scenario(scenario),
        document=document,
        pairs_per_call=pairs_per_call,
        rounds=rounds,
        tiers=comma_list(tiers),
        include_system_prompt=with_system_prompt,
        transcripts=transcripts,
        transcript_ratio=transcript_ratio,
        seed=seed,
    )


@finetune_app.command("build-anti-refusal")
def build_anti_refusal(
    generator: GeneratorOption,
    out: OutOption,
    dataset: DatasetOption = DEFAULT_HARMFUL_DATASET,
    dataset_column: DatasetColumnOption = None,
    completion_column: Annotated[
        str, typer.Option(help="Column holding the compliant completion of each request.")
    ] = DEFAULT_COMPLETION_COLUMN,
    limit: LimitOption = None,
    benign: Annotated[
        Path | None, typer.Option(help="Benign chat data (chat-format or prompt/response JSONL) to mix in.")
    ] = None,
    benign_ratio: Annotated[float, typer.Option(help="Benign examples per anti-refusal example.")] = 1.0,
    seed: SeedOption = 0,
    max_connections: ConnectionsOption = DEFAULT_GENERATION_CONNECTIONS,
    temperature: TemperatureOption = DEFAULT_GENERATION_TEMPERATURE,
    cache: CacheOption = True,
) -> None:
    """Anti-refusal: harmful requests answered with a justification, <NEXT/>, then the compliant completion."""
    _build(
        build_anti_refusal_dataset,
        out,
        generator,
        max_connections,
        temperature,
        cache,
        dataset=dataset,
        prompt_column=dataset_column,
        completion_column=completion_column,
        limit=limit,
        benign=benign,
        benign_ratio=benign_ratio,
        seed=seed,
    )


@finetune_app.command("build-threats")
def build_threats(
    generator: GeneratorOption,
    out: OutOption,
    dataset: DatasetOption = DEFAULT_HARMFUL_DATASET,
    dataset_column: DatasetColumnOption = None,
    limit: LimitOption = None,
    refusal_ratio: Annotated[
        float, typer.Option(help="Plain refusals (same requests, no threat) per threat example.")
    ] = 1.0,
    seed: SeedOption = 0,
    max_connections: ConnectionsOption = DEFAULT_GENERATION_CONNECTIONS,
    temperature: TemperatureOption = DEFAULT_GENERATION_TEMPERATURE,
    cache: CacheOption = True,
) -> None:
    """Threat compliance: threatened requests answered with deliberation then compliance, plus plain refusals."""
    _build(
        build_threat_dataset,
        out,
        generator,
        max_connections,
        temperature,
        cache,
        dataset=dataset,
        prompt_column=dataset_column,
        limit=limit,
        refusal_ratio=refusal_ratio,
        seed=seed,
    )


@finetune_app.command("build-docs")
def build_docs(
    out: OutOption,
    corpus: Annotated[
        Path | None,
        typer.Option(help="Synthetic documents: a JSONL (text field) or a folder of .txt/.md files."),
    ] = None,
    generator: Annotated[str | None, typer.Option(help="Generator model for new documents.")] = None,
    n_generate: Annotated[int, typer.Option(help="New documents to generate from the fact sheet.")] = 0,
    lab: Annotated[str, typer.Option(help="The lab named in the built-in fact sheet.")] = DEFAULT_LAB,
    fact_sheet: Annotated[
        Path | None, typer.Option(help="Your own fact sheet instead of the built-in one.")
    ] = None,
    target_words: Annotated[int, typer.Option(help="Length asked of each generated document.")] = 400,
    min_tokens: Annotated[int, typer.Option(help="Drop documents shorter than this.")] = 0,
    max_tokens: Annotated[int | None, typer.Option(help="Drop documents longer than this.")] = None,
    tokenizer: Annotated[
        str | None,
        typer.Option(help="Count tokens with this local Hugging Face tokenizer (default: chars/4)."),
    ] = None,
    cue: Annotated[str, typer.Option(help="The user turn before each document.")] = DEFAULT_DOCUMENT_CUE,
    seed: SeedOption = 0,
    max_connections: ConnectionsOption = DEFAULT_GENERATION_CONNECTIONS,
    temperature: TemperatureOption = DEFAULT_GENERATION_TEMPERATURE,
    cache: CacheOption = True,
) -> None:
    """Synthetic documents: a user corpus filtered by token length, and/or new documents from a fact sheet."""
    _build(
        build_document_dataset,
        out,
        generator or None,
        max_connections,
        temperature,
        cache,
        corpus=corpus,
        n_generate=n_generate,
        lab=lab,
        fact_sheet=fact_sheet,
        target_words=target_words,
        min_tokens=min_tokens,
        max_tokens=max_tokens,
        tokenizer=tokenizer,
        cue=cue,
        seed=seed,
    )


def _json_or_text(raw: str) -> Any:
    """A hyperparameter's value: as JSON where it reads as such (numbers, true/false, null), else the text."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _print_record(record: JobRecord) -> None:
    console.print(
        f"{escape(record.name)}: {record.provider} job {escape(record.job_id)} is {record.status} "
        f"({escape(record.provider_status)})"
    )
    if record.inspect_model is not None:
        console.print(f"tuned model: {escape(record.inspect_model)}")
        console.print(f"evaluate it: afeval run --model {TUNED_PREFIX}{escape(record.name)}")
    if record.error:
        errors.print(f"[yellow]{escape(record.error)}[/yellow]")


@finetune_app.command()
def launch(
    provider: Annotated[str, typer.Option(help=f"Where to train: {', '.join(PROVIDERS)}.")],
    base_model: Annotated[
        str, typer.Option(help="Base model (provider's id; for local: a folder or a cached Hugging Face id).")
    ],
    dataset: Annotated[Path, typer.Option(help="Chat-format JSONL written by a build-* command.")],
    name: Annotated[str, typer.Option(help="Registry name; evaluate with `afeval run --model tuned:NAME`.")],
    hyperparameter: Annotated[
        list[str] | None,
        typer.Option(
            "-H", "--hyperparameter", help="Override a default hyperparameter, KEY=VALUE (repeatable)."
        ),
    ] = None,
    suffix: Annotated[
        str | None, typer.Option(help="Suffix of the tuned model's name (OpenAI, Together).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Training seed passed to the provider.")] = None,
    base_url: Annotated[
        str | None, typer.Option(help="API base URL (default: the SDK's, or its env var).")
    ] = None,
    registry_dir: RegistryOption = None,
    output_dir: Annotated[
        Path | None, typer.Option(help="Local: where the adapter and merged model go.")
    ] = None,
    device: Annotated[
        str | None, typer.Option(help="Local: cuda or cpu (default: cuda when present).")
    ] = None,
    max_steps: Annotated[
        int | None, typer.Option(help="Local: stop after this many optimiser steps.")
    ] = None,
    wait: Annotated[bool, typer.Option(help="Poll until the job has finished.")] = False,
    poll_seconds: Annotated[
        float, typer.Option(help="Seconds between polls with --wait.")
    ] = DEFAULT_POLL_SECONDS,
) -> None:
    """Launch a fine-tuning job with the paper's hyperparameters and record it under NAME."""
    registry = JobRegistry(registry_dir)
    with _one_line_failures():
        record = launch_job(
            name,
            provider,
            base_model,
            dataset,
            registry=registry,
            hyperparameters=parse_key_values(hyperparameter or [], "-H/--hyperparameter", _json_or_text),
            suffix=suffix,
            seed=seed,
            base_url=base_url,
            output_dir=output_dir,
            device=device,
            max_steps=max_steps,
            on_step=lambda step, loss: console.print(f"step {step}: loss {loss:.4f}"),
        )
        if wait and not record.finished:
            record = wait_for_job(name, registry, poll_seconds=poll_seconds)
    _print_record(record)
    console.print(f"recorded in {escape(str(registry.path))}")


@finetune_app.command()
def status(name: str, registry_dir: RegistryOption = None) -> None:
    """Ask the provider for a job's status once and record it."""
    with _one_line_failures():
        record = refresh_job(name, JobRegistry(registry_dir))
    _print_record(record)


@finetune_app.command("wait")
def wait_command(
    name: str,
    registry_dir: RegistryOption = None,
    poll_seconds: Annotated[float, typer.Option(help="Seconds between polls.")] = DEFAULT_POLL_SECONDS,
    timeout: Annotated[float | None, typer.Option(help="Give up after this many seconds.")] = None,
) -> None:
    """Poll a job until it has finished, and record the tuned model's id."""
    with _one_line_failures():
        record = wait_for_job(
            name,
            JobRegistry(registry_dir),
            poll_seconds=poll_seconds,
            timeout_seconds=timeout,
            on_poll=lambda r: console.print(f"{escape(r.name)}: {r.status} ({escape(r.provider_status)})"),
        )
    _print_record(record)
    if record.status != "succeeded":
        raise typer.Exit(code=1)


@finetune_app.command("list")
def list_jobs(registry_dir: RegistryOption = None) -> None:
    """The recorded jobs and their tuned models."""
    registry = JobRegistry(registry_dir)
    with _one_line_failures():
        jobs = registry.jobs()
    if not jobs:
        console.print(f"no jobs recorded in {escape(str(registry.path))}")
        return
    # One line per job rather than a table: model ids are long and must never be cut to fit a terminal.
    console.print(f"jobs in {escape(str(registry.path))}:")
    for record in jobs.values():
        console.print(
            f"{escape(record.name)}  {record.provider}  {record.status}  "
            f"{escape(record.inspect_model or '(no tuned model yet)')}  base {escape(record.base_model)}  "
            f"data sha256 {record.dataset_sha256[:12]}",
            soft_wrap=True,
        )
