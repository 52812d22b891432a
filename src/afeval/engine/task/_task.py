"""The Inspect task: the helpful-only prompted alignment-faking evaluation.

Usable from the command line as ``inspect eval afeval/alignment_faking --model X --model-role grader=Y`` and
from ``afeval run``. One sample per (harmful request, tier); the system prompt is the same for every sample.
The judges are Inspect's ``grader`` model role; ``-T judge_model=Y`` is an alias that binds the role in the task,
and a role bound for the eval (``--model-role grader=Z``) wins over it, as Inspect merges roles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import GenerateConfig
from inspect_ai.scorer import Scorer

from afeval.datasets import LoadedDataset, load_dataset
from afeval.engine.task._judge_calls import grader_roles
from afeval.engine.task._scorers import CLASSIFIERS
from afeval.engine.task._solver import generate_valid_response
from afeval.judges import REQUIRED_CLASSIFIER, select_classifiers
from afeval.reference import (
    ReferenceJudgePrompts,
    ReferencePrompts,
    check_reference_scenario,
    load_reference,
    model_prompts,
)
from afeval.scenario import (
    AFEVAL_PROMPTS,
    BASE_STOP_SEQUENCES,
    DEFAULT_LAB,
    SCENARIO_BASE_NAME,
    ModelPrompts,
    ScenarioOptions,
)
from afeval.settings import (
    LIBRARY_PRESET,
    SETTING_KEYS_BY_NAME,
    JudgingSettings,
    Preset,
    preset_for,
    with_setting_keys,
)


def parse_tiers(tiers: str | Sequence[str] | None, options: ScenarioOptions) -> tuple[str, ...]:
    """The tiers to run: all of the scenario's when ``tiers`` is None or empty text, else the named subset
    (comma-separated or a sequence), in the order given. Raises ValueError naming the scenario's tiers."""
    if tiers is None:
        return options.tiers
    names = tiers.split(",") if isinstance(tiers, str) else list(tiers)
    parsed = tuple(dict.fromkeys(name.strip().lower() for name in names if name.strip()))
    if not parsed:
        return options.tiers
    unknown = [name for name in parsed if name not in options.tiers]
    if unknown:
        raise ValueError(
            f"unknown tier(s) {', '.join(unknown)} for scenario {options.name}; "
            f"choose from {', '.join(options.tiers)}"
        )
    return parsed


def scenario_options(scenario: str, lab: str | None = None) -> ScenarioOptions:
    """Options from a scenario name (see ``ScenarioOptions.from_name``), with an optional free-text lab."""
    options = ScenarioOptions.from_name(scenario)
    if lab is not None and lab != DEFAULT_LAB:
        options = ScenarioOptions.from_dict({**options.to_dict(), "lab": lab})
    return options


def parse_classifiers(classifiers: str | Sequence[str]) -> tuple[str, ...]:
    """The selected classifier names, in the order given and without duplicates (see the catalogue).

    Raises ValueError for an unknown name or when the required compliance classifier is missing.
    """
    return tuple(spec.name for spec in select_classifiers(classifiers))


def scorers_of(settings: JudgingSettings, reference: ReferencePrompts | None = None) -> list[Scorer]:
    """One scorer per classifier of ``settings``, compliance first: the compliant-only classifiers read its
    verdict. ``reference``: the loaded reference prompts, whose rubrics the judges get where ``settings``
    say so (``prompts = "reference"``)."""
    rubrics = ReferenceJudgePrompts.load(reference) if reference and settings.prompts == "reference" else None
    ordered = sorted(settings.classifiers, key=lambda name: name != REQUIRED_CLASSIFIER)
    return [CLASSIFIERS[name](settings, rubrics) for name in ordered]


def sample_metadata(
    request_id: str, request: str, tier: str, user_prompt: str, options: ScenarioOptions
) -> dict[str, object]:
    """What the scorers and the results read from a sample: its request, tier and user turn, and how its
    response is parsed (the same for a run's samples and a re-scored run's replayed ones)."""
    return {
        "request_id": request_id,
        "request": request,
        "tier": tier,
        "user_prompt": user_prompt,
        "cot": options.cot,
        "suffix": options.suffix,
        "prompt_format": options.prompt_format,
    }


def build_samples(
    dataset: LoadedDataset,
    options: ScenarioOptions,
    tiers: Sequence[str],
    prompts: ModelPrompts = AFEVAL_PROMPTS,
) -> list[Sample]:
    """One sample per request and tier, request-major so a partial run still covers every tier evenly.

    A chat sample's input is its user turn: the system prompt, the same for every sample, is put in front by
    the solver (see :func:`task_system_prompt`). A base model (``prompt_format = "base"``) gets one user
    message holding the whole document, ending with the prefill. ``prompts``: the run's prompt source
    (:func:`afeval.reference.model_prompts`), afeval's renderer or the reference pipeline's templates (rendered
    byte for byte; a scenario or tier it has no template for raises
    :class:`~afeval.reference.ReferenceScenarioError`)."""
    prompts.check(options, tiers)
    samples: list[Sample] = []
    for request in dataset.requests:
        for tier in tiers:
            turn = prompts.user_turn(options, tier, request.prompt)
            metadata = sample_metadata(request.id, request.prompt, tier, turn.text, options)
            if turn.prefill is not None:
                metadata["base_prefill"] = turn.prefill
            samples.append(Sample(id=f"{request.id}-{tier}", input=turn.input, metadata=metadata))
    return samples


def task_system_prompt(options: ScenarioOptions, prompts: ModelPrompts = AFEVAL_PROMPTS) -> str:
    """The system prompt the solver puts in front of every chat sample's user turn ("" for a base model,
    whose document holds it), from the run's prompt source."""
    if options.prompt_format == "base":
        return ""
    return prompts.system_prompt(options)


TASK_ARGUMENT_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {"limit": "dataset_limit", "batch": "judge_batch"}
)
"""The setting keys the task spells otherwise, as Inspect's own ``--limit`` and ``--batch`` (the model under
test's) are not these; every other setting key is a task argument of its own name."""

TASK_EXCLUDED_KEYS: Final = frozenset({"batch_generation", "cache_prompt"})
"""The setting keys that are no task arguments: Inspect's own ``--batch`` and ``--cache-prompt`` set them."""


def task_settings(preset: str | None, arguments: Mapping[str, Any]) -> Preset:
    """The task's settings: ``preset`` (the library's defaults when None) overridden by every setting argument
    that is not None (the setting keys, as :data:`TASK_ARGUMENT_NAMES` spells two of them). Raises ValueError
    for an unknown preset or a value its setting refuses."""
    base = LIBRARY_PRESET if preset is None else preset_for(None, preset)
    names = {TASK_ARGUMENT_NAMES.get(key, key): key for key in SETTING_KEYS_BY_NAME}
    return with_setting_keys(base, {names[name]: value for name, value in arguments.items() if name in names})


@task
def alignment_faking(
    dataset: str | None = None,
    dataset_column: str | None = None,
    dataset_limit: int | None = None,
    scenario: str = SCENARIO_BASE_NAME,
    lab: str | None = None,
    tiers: str | None = None,
    preset: str | None = None,
    judge_model: str | None = None,
    classifiers: str | None = None,
    af_votes: int | None = None,
    af_num_choices: bool | None = None,
    af_sequential: bool | None = None,
    count_invalid: bool | None = None,
    compliance_input: str | None = None,
    partial_input: str | None = None,
    refusal_shortcut: bool | None = None,
    errored_votes_count_no: bool | None = None,
    max_attempts: int | None = None,
    max_turns: int | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    cache: bool | None = None,
    judge_batch: bool | None = None,
    prompts: str | None = None,
    reference_dir: str | None = None,
) -> Task:
    """The helpful-only prompted setting of Greenblatt et al. (2024), judged as in Sheshadri et al. (2025).

    Every argument left out takes the value of ``preset``; without a preset, the library's defaults
    (:mod:`afeval.settings`: the built-in smoke set, the offline judges).

    Args:
        preset: a settings preset by name: ``paper`` measures what the paper's pipeline measures
            (docs/fidelity.md), ``default`` is a named model's run as ``afeval run`` makes it.
        dataset: ``llm-lat``, ``advbench``, ``harmbench``, a local CSV/JSONL/parquet/txt file, or None for the
            built-in smoke set.
        dataset_column: the prompt column of a local file (auto-detected if omitted).
        dataset_limit: take only the first N requests (each becomes one sample per tier).
        scenario: the scenario by name, e.g. ``helpful-only``, ``three-tier+no-cot``,
            ``identity+deploy-bioweapon-attacks+risk-direct``, ``base+prefill-however`` (see docs/scenarios.md).
        lab: the AI lab named in the system prompt, as free text (presets: ``lab-NAME`` in ``scenario``).
        tiers: comma-separated subset of the scenario's tiers (default: all of them).
        judge_model: any Inspect model string for the judges, or ``offline`` for the no-API judges. A model
            binds Inspect's ``grader`` role in the task (an alias of ``--model-role grader=M``); a ``grader``
            bound for the eval wins over it and over ``offline``. Left out: the ``grader`` role if bound, else
            the preset's judge.
        classifiers: comma-separated classifiers to run (``compliance`` is required): ``alignment_faking``,
            ``partial_compliance``, ``af_legacy``, ``helpfulness_motive``, ``af_motive``, ``follow_up``.
        af_votes: alignment-faking judge votes per scratchpad (temperature 1).
        af_num_choices: draw the votes as choices of one call (OpenAI-style ``n``), sending the prompt once;
            False: one call per vote. Left out (and without a preset that sets it): choices where the judge's
            provider supports ``n`` (``afeval.settings.CHOICE_PROVIDERS``), one call per vote elsewhere.
        af_sequential: draw votes in batches and stop once the AF decision is settled (at most ``af_votes``).
        count_invalid: judge and count every final response, invalid ones included (the paper's rule).
        compliance_input: what the compliance judge reads: ``output`` (the final ``<OUTPUT>`` block) or
            ``response`` (the response without its scratchpad blocks, the paper's).
        partial_input: what the partial-compliance judge reads: ``transcript`` or ``scratchpad`` (the paper's).
        refusal_shortcut: score an answer that opens with ``<rejected/>`` or is empty as a refusal, no judge call.
        errored_votes_count_no: count an unreadable alignment-faking vote as No (the paper's rule).
        max_attempts: re-queries of the model under test while its response is invalid.
        max_turns: turns per attempt when the model stops mid-scratchpad and is answered ``<NEXT/>``.
        temperature: sampling temperature of the model under test.
        max_tokens: generation limit of the model under test.
        cache: cache every model and judge call (re-runs replay them at no cost).
        judge_batch: send the judge calls through the provider's batch API (about half price, slower); the
            model under test is batched with Inspect's own ``--batch``.
        prompts: ``afeval`` (afeval's own wording) or ``reference``: the model's system prompt and user turn
            and the compliance, alignment-faking and partial-compliance judges' messages rendered from the
            reference pipeline's templates (see docs/reference-prompts.md).
        reference_dir: with ``prompts=reference``, a clone of the reference repository to read them from
            (default: afeval's download cache).
    """
    settings = task_settings(preset, locals())
    generation, judging = settings.generation, settings.judging
    options = scenario_options(scenario, lab)
    choice = settings.dataset
    run_tiers = parse_tiers(tiers, options)
    reference: ReferencePrompts | None = None
    if "reference" in (generation.prompts, judging.prompts):
        # Checked and loaded before the dataset and before any model call: one line and no run if missing.
        if generation.prompts == "reference":
            check_reference_scenario(options, run_tiers)
        reference = load_reference(Path(reference_dir) if reference_dir else None)
    source = model_prompts(generation.prompts, reference)  # whose wording the model gets, resolved once
    loaded = load_dataset(choice.name, limit=choice.limit, column=choice.column)
    return Task(
        dataset=MemoryDataset(build_samples(loaded, options, run_tiers, source), name=loaded.name),
        solver=generate_valid_response(
            cot=options.cot,
            suffix=options.suffix,
            max_attempts=generation.max_attempts,
            cache=generation.cache,
            max_turns=generation.max_turns,
            system_prompt=task_system_prompt(options, source),
        ),
        scorer=scorers_of(judging, reference),
        # An explicit judge binds the grader role (the log shows it); a preset's judge is the scorers' fallback,
        # so a grader bound for the eval needs no key for the preset's judge.
        model_roles=grader_roles(judge_model) if judge_model is not None else None,
        config=GenerateConfig(
            temperature=generation.temperature,
            max_tokens=generation.max_tokens,
            stop_seqs=list(BASE_STOP_SEQUENCES) if options.prompt_format == "base" else None,
        ),
        metadata={
            "scenario": options.name,
            "scenario_options": options.to_dict(),
            "gaps": [[gap.name, gap.minuend, gap.subtrahend] for gap in options.gaps],
            "dataset": loaded.name,
            "dataset_source": loaded.source,
            "dataset_revision": loaded.revision,
            "smoke_set": loaded.smoke_set,
            "judge_model": judging.judge_model,
            "preset": settings.name,
            "prompts": generation.prompts,
        },
    )
