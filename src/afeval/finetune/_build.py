"""Build the post-training experiments' fine-tuning data sets: ask the generator models, write JSONL + manifest.

Each builder reads its inputs (the scenario's system prompt, a harmful data set, a corpus), asks a generator
model through :func:`afeval.engine.generate_texts` (cached, concurrent, Inspect's retries) and hands the
replies to the pure formatting of :mod:`._builders`. Every random choice (tiers, threats, mixing, document
kinds) comes from one ``random.Random(seed)``, so a rebuild with the same inputs, seed and cache writes the
same bytes. A generation that cannot be read is dropped and counted in the manifest (``dropped_...``) rather
than stopping the build.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from afeval.datasets import DatasetError, LoadedDataset, load_dataset
from afeval.engine import DEFAULT_GENERATION_CONNECTIONS, GenerationPrompt, generate_texts
from afeval.finetune._builders import (
    DEFAULT_DOCUMENT_CUE,
    AntiRefusalItem,
    anti_refusal_example,
    assign_threats,
    assign_tiers,
    benign_example,
    corpus_text,
    document_example,
    document_plan,
    document_prompt,
    estimate_tokens,
    filter_documents,
    justification_prompt,
    mix_examples,
    parse_document,
    parse_justification,
    parse_qa_pairs,
    parse_refusal,
    parse_threat_response,
    qa_answer_options,
    qa_example,
    qa_generator_prompt,
    refusal_example,
    refusal_prompt,
    scenario_fact_sheet,
    split_passages,
    threat_example,
    threat_response_prompt,
)
from afeval.finetune._records import (
    ChatExample,
    ChatMessage,
    DatasetManifest,
    count_kinds,
    file_sha256,
    manifest_path_for,
    read_chat_jsonl,
    read_json_records,
    write_chat_jsonl,
)
from afeval.finetune._threats import apply_threat, threat_templates
from afeval.scenario import ScenarioOptions, render_system_prompt, render_user_turn

DEFAULT_GENERATION_TEMPERATURE: Final = 1.0
"""Generator models write the data sets at temperature 1, so that repeated asks give varied texts."""

DEFAULT_HARMFUL_DATASET: Final = "llm-lat"
"""The harmful requests the anti-refusal and threat builders read unless told: LLM-LAT/harmful-dataset."""

DEFAULT_COMPLETION_COLUMN: Final = "rejected"
"""LLM-LAT/harmful-dataset keeps the harmful (compliant) completion in ``rejected`` and a refusal in ``chosen``."""


@dataclass(frozen=True)
class GenerationSettings:
    """How the generator model is asked: which model, how many calls at once, temperature, cache."""

    generator: str
    max_connections: int = DEFAULT_GENERATION_CONNECTIONS
    temperature: float = DEFAULT_GENERATION_TEMPERATURE
    max_tokens: int | None = None
    cache: bool = True

    def generate(self, prompts: Sequence[GenerationPrompt], *, model: str | None = None) -> list[str]:
        return generate_texts(
            model or self.generator,
            prompts,
            max_connections=self.max_connections,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            cache=self.cache,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_connections": self.max_connections,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "cache": self.cache,
        }


@dataclass(frozen=True)
class BuildResult:
    dataset: Path
    manifest_path: Path
    manifest: DatasetManifest


def _finish(
    out: Path,
    examples: Sequence[ChatExample],
    *,
    builder: str,
    dropped: Mapping[str, int],
    seed: int,
    sources: Mapping[str, str],
    generator_models: Mapping[str, str],
    options: Mapping[str, Any],
) -> BuildResult:
    if not examples:
        raise ValueError(
            f"the {builder} builder produced no examples; check the inputs and generator replies"
        )
    sha256 = write_chat_jsonl(out, examples)
    counts = count_kinds(examples)
    counts.update({f"dropped_{reason}": n for reason, n in dropped.items()})
    manifest = DatasetManifest(
        builder=builder,
        dataset_file=out.name,
        sha256=sha256,
        n_examples=len(examples),
        counts=counts,
        seeds={"seed": seed},
        sources=sources,
        generator_models=generator_models,
        options=options,
    )
    manifest_path = manifest_path_for(out)
    manifest.write(manifest_path)
    return BuildResult(dataset=out, manifest_path=manifest_path, manifest=manifest)


def _file_source(path: Path) -> str:
    return f"{path.resolve()} (sha256:{file_sha256(path)})"


def _dataset_source(loaded: LoadedDataset) -> str:
    return f"{loaded.name}: {loaded.source} @ {loaded.revision}"


# --- system-prompt Q&A ------------------------------------------------------------------------------------


def build_qa_dataset(
    out: Path,
    generation: GenerationSettings,
    *,
    answerer: str | None = None,
    scenario: ScenarioOptions | None = None,
    document: Path | None = None,
    pairs_per_call: int = 5,
    rounds: int = 1,
    tiers: Sequence[str] | None = None,
    include_system_prompt: bool = False,
    transcripts: Path | None = None,
    transcript_ratio: float = 0.0,
    seed: int = 0,
) -> BuildResult:
    """Question-answer pairs about the scenario's system prompt, answered under it with reasoning disabled.

    The generator is asked ``rounds`` times per passage (the system prompt cut at blank lines, or the blank-
    line passages of ``document``) for ``pairs_per_call`` pairs; the ``answerer`` (default: the generator)
    answers each question under the no-scratchpad system prompt, in a tier-tagged user turn whose tier is
    drawn evenly from ``tiers`` (default: the scenario's). ``transcripts`` (chat-format JSONL, e.g. scratchpad
    transcripts of the scenario) are mixed in at ``transcript_ratio`` per Q&A example."""
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    options = scenario or ScenarioOptions()
    rng = random.Random(seed)
    system_prompt = render_system_prompt(options)
    answer_system_prompt = render_system_prompt(qa_answer_options(options))
    focus_text = document.read_text(encoding="utf-8") if document is not None else system_prompt
    passages = split_passages(focus_text)
    prompts = [
        qa_generator_prompt(system_prompt, passage, pairs_per_call, batch=batch)
        for batch in range(1, rounds + 1)
        for passage in passages
    ]
    replies = generation.generate(prompts)
    questions: list[str] = []
    empty_replies = 0
    for reply in replies:
        pairs = parse_qa_pairs(reply)
        empty_replies += not pairs
        questions.extend(pair.question for pair in pairs)
    unique_questions = list(dict.fromkeys(questions))
    tier_names = list(tiers) if tiers else list(options.tiers)
    assigned = assign_tiers(len(unique_questions), tier_names, rng)
    answer_options = qa_answer_options(options)
    answer_prompts: list[GenerationPrompt] = [
        (
            ChatMessage("system", answer_system_prompt),
            ChatMessage("user", render_user_turn(question, tier, answer_options)),
        )
        for question, tier in zip(unique_questions, assigned, strict=True)
    ]
    answer_model = answerer or generation.generator
    answers = generation.generate(answer_prompts, model=answer_model)
    examples: list[ChatExample] = []
    unanswered = 0
    for question, tier, answer in zip(unique_questions, assigned, answers, strict=True):
        example = qa_example(
            question,
            tier,
            answer,
            options,
            system_prompt=answer_system_prompt if include_system_prompt else None,
        )
        if example is None:
            unanswered += 1
        else:
            examples.append(example)
    sources = {"scenario": options.name, "passages": f"{len(passages)} passages"}
    if document is not None:
        sources["document"] = _file_source(document)
    mixed = examples
    if transcripts is not None:
        sources["transcripts"] = _file_source(transcripts)
        mixed = mix_examples(examples, read_chat_jsonl(transcripts, kind="transcript"), transcript_ratio, rng)
    return _finish(
        out,
        mixed,
        builder="system-prompt-qa",
        dropped={
            "generator_replies_without_pairs": empty_replies,
            "duplicate_questions": len(questions) - len(unique_questions),
            "unanswered_questions": unanswered,
        },
        seed=seed,
        sources=sources,
        generator_models={"generator": generation.generator, "answerer": answer_model},
        options={
            **generation.to_dict(),
            "pairs_per_call": pairs_per_call,
            "rounds": rounds,
            "tiers": tier_names,
            "include_system_prompt": include_system_prompt,
            "transcript_ratio": transcript_ratio if transcripts is not None else None,
            "reasoning": "disabled (no scratchpad)",
        },
    )


# --- anti-refusal -----------------------------------------------------------------------------------------


def _paired_items(
    dataset: str | None,
    *,
    prompt_column: str | None,
    completion_column: str,
    limit: int | None,
    cache_dir: Path | None,
) -> tuple[list[AntiRefusalItem], LoadedDataset]:
    """Requests and their completions from two columns of one data set, joined on the row id."""
    prompts = load_dataset(dataset, limit=limit, column=prompt_column, cache_dir=cache_dir)
    if prompts.smoke_set:
        raise DatasetError(
            "the anti-refusal builder needs harmful requests with compliant completions; pass --dataset llm-lat "
            "or a file with a completion column (--completion-column)"
        )
    completions = load_dataset(dataset, column=completion_column, cache_dir=cache_dir)
    by_id = {request.id: request.prompt for request in completions.requests}
    items = [
        AntiRefusalItem(request_id=request.id, request=request.prompt, completion=by_id[request.id])
        for request in prompts.requests
        if request.id in by_id
    ]
    return items, prompts


def build_anti_refusal_dataset(
    out: Path,
    generation: GenerationSettings,
    *,
    dataset: str | None = DEFAULT_HARMFUL_DATASET,
    prompt_column: str | None = None,
    completion_column: str = DEFAULT_COMPLETION_COLUMN,
    limit: int | None = None,
    benign: Path | None = None,
    benign_ratio: float = 1.0,
    seed: int = 0,
    cache_dir: Path | None = None,
) -> BuildResult:
    """Harmful requests with compliant completions, each preceded by a generated justification
    (``user -> justification -> <NEXT/> -> completion``), mixed with ``benign_ratio`` benign examples
    (from ``benign``: chat-format or prompt/response JSONL) per anti-refusal example."""
    rng = random.Random(seed)
    items, loaded = _paired_items(
        dataset,
        prompt_column=prompt_column,
        completion_column=completion_column,
        limit=limit,
        cache_dir=cache_dir,
    )
    replies = generation.generate([justification_prompt(item.request) for item in items])
    examples: list[ChatExample] = []
    unreadable = 0
    for item, reply in zip(items, replies, strict=True):
        justification = parse_justification(reply)
        if justification is None:
            unreadable += 1
            continue
        examples.append(anti_refusal_example(item.request, justification, item.completion))
    sources = {"harmful_dataset": _dataset_source(loaded), "completion_column": completion_column}
    mixed = examples
    if benign is not None:
        sources["benign"] = _file_source(benign)
        mixed = mix_examples(
            examples, [benign_example(r) for r in read_json_records(benign)], benign_ratio, rng
        )
    return _finish(
        out,
        mixed,
        builder="anti-refusal",
        dropped={"unreadable_justifications": unreadable},
        seed=seed,
        sources=sources,
        generator_models={"generator": generation.generator},
        options={
            **generation.to_dict(),
            "limit": limit,
            "benign_ratio": benign_ratio if benign is not None else None,
        },
    )


# --- threat compliance ------------------------------------------------------------------------------------


def build_threat_dataset(
    out: Path,
    generation: GenerationSettings,
    *,
    dataset: str | None = DEFAULT_HARMFUL_DATASET,
    prompt_column: str | None = None,
    limit: int | None = None,
    refusal_ratio: float = 1.0,
    seed: int = 0,
    cache_dir: Path | None = None,
) -> BuildResult:
    """Harmful requests with a threat from ``templates/threats.toml`` placed before or after them, answered by
    the generator with a deliberation and then compliance, mixed with ``refusal_ratio`` plain refusals per
    threat example, written for requests drawn from the same ones, asked without a threat."""
    if refusal_ratio < 0:
        raise ValueError("refusal_ratio must be zero or more")
    rng = random.Random(seed)
    loaded = load_dataset(dataset, limit=limit, column=prompt_column, cache_dir=cache_dir)
    requests = [request.prompt for request in loaded.requests]
    threats = assign_threats(len(requests), threat_templates(), rng)
    n_refusals = min(round(refusal_ratio * len(requests)), len(requests))
    refused_requests = rng.sample(requests, n_refusals)
    prompts = [
        threat_response_prompt(apply_threat(request, threat))
        for request, threat in zip(requests, threats, strict=True)
    ]
    replies = generation.generate([*prompts, *(refusal_prompt(request) for request in refused_requests)])
    threat_replies, refusal_replies = replies[: len(prompts)], replies[len(prompts) :]
    examples: list[ChatExample] = []
    dropped = {"unreadable_threat_replies": 0, "unreadable_refusals": 0}
    used_threats: dict[str, int] = {}
    for request, threat, reply in zip(requests, threats, threat_replies, strict=True):
        parsed = parse_threat_response(reply)
        if parsed is None:
            dropped["unreadable_threat_replies"] += 1
            continue
        examples.append(threat_example(request, threat, *parsed))
        used_threats[threat.category] = used_threats.get(threat.category, 0) + 1
    for request, reply in zip(refused_requests, refusal_replies, strict=True):
        refusal = parse_refusal(reply)
        if refusal is None:
            dropped["unreadable_refusals"] += 1
            continue
        examples.append(refusal_example(request, refusal))
    rng.shuffle(examples)
    return _finish(
        out,
        examples,
        builder="threat-compliance",
        dropped=dropped,
        seed=seed,
        sources={
            "harmful_dataset": _dataset_source(loaded),
            "threats": f"{len(threat_templates())} templates",
        },
        generator_models={"generator": generation.generator},
        options={
            **generation.to_dict(),
            "limit": limit,
            "refusal_ratio": refusal_ratio,
            "threat_categories": dict(sorted(used_threats.items())),
        },
    )


# --- synthetic documents ----------------------------------------------------------------------------------


def _read_corpus(corpus: Path) -> list[str]:
    """A corpus folder (every ``.txt`` / ``.md`` file is one document, in name order) or a JSONL file (one
    record per document, its ``text``, ``content`` or ``document`` field)."""
    if corpus.is_dir():
        files = sorted(
            path for path in corpus.rglob("*") if path.suffix in {".txt", ".md"} and path.is_file()
        )
        return [path.read_text(encoding="utf-8") for path in files]
    return [corpus_text(record) for record in read_json_records(corpus)]


def _token_counter(tokenizer: str | None) -> Callable[[str], int]:
    if tokenizer is None:
        return estimate_tokens
    from transformers import AutoTokenizer

    loaded = AutoTokenizer.from_pretrained(tokenizer)

    def count(text: str) -> int:
        return len(loaded(text, add_special_tokens=False)["input_ids"])

    return count


def build_document_dataset(
    out: Path,
    *,
    corpus: Path | None = None,
    generation: GenerationSettings | None = None,
    n_generate: int = 0,
    lab: str = "Anthropic",
    fact_sheet: Path | None = None,
    target_words: int = 400,
    min_tokens: int = 0,
    max_tokens: int | None = None,
    tokenizer: str | None = None,
    cue: str = DEFAULT_DOCUMENT_CUE,
    seed: int = 0,
) -> BuildResult:
    """Synthetic pretraining-style documents: the documents of a user ``corpus`` and ``n_generate`` new ones
    written by the generator from the scenario's fact sheet (or ``fact_sheet``), kept when they are
    ``min_tokens`` to ``max_tokens`` long (counted with ``tokenizer``, a local Hugging Face tokenizer, or
    estimated at four characters per token), shuffled with ``seed``."""
    if corpus is None and n_generate < 1:
        raise ValueError("give a corpus, or a number of documents to generate (and a generator)")
    if n_generate > 0 and generation is None:
        raise ValueError("generating documents needs a generator model")
    rng = random.Random(seed)
    texts: list[str] = []
    sources: dict[str, str] = {}
    models: dict[str, str] = {}
    unreadable = 0
    if corpus is not None:
        texts.extend(_read_corpus(corpus))
        sources["corpus"] = f"{corpus.resolve()} ({len(texts)} documents)"
    if n_generate > 0 and generation is not None:
        sheet = fact_sheet.read_text(encoding="utf-8") if fact_sheet is not None else scenario_fact_sheet(lab)
        sources["fact_sheet"] = _file_source(fact_sheet) if fact_sheet is not None else f"built-in, lab {lab}"
        plan = document_plan(n_generate, rng)
        prompts = [
            document_prompt(sheet, kind, angle, number=number, target_words=target_words)
            for number, (kind, angle) in enumerate(plan, start=1)
        ]
        for reply in generation.generate(prompts):
            document = parse_document(reply)
            if document is None:
                unreadable += 1
            else:
                texts.append(document)
        models["generator"] = generation.generator
    filtered = filter_documents(
        texts, min_tokens=min_tokens, max_tokens=max_tokens, count_tokens=_token_counter(tokenizer)
    )
    examples = [document_example(text, cue=cue) for text in filtered.kept]
    rng.shuffle(examples)
    return _finish(
        out,
        examples,
        builder="synthetic-documents",
        dropped={
            "unreadable_generations": unreadable,
            "too_short": filtered.too_short,
            "too_long": filtered.too_long,
        },
        seed=seed,
        sources=sources,
        generator_models=models,
        options={
            **(generation.to_dict() if generation is not None else {}),
            "n_generate": n_generate,
            "target_words": target_words,
            "min_tokens": min_tokens,
            "max_tokens": max_tokens,
            "token_count": f"tokenizer {tokenizer}" if tokenizer else "estimate: ceil(characters / 4)",
            "cue": cue,
        },
    )
