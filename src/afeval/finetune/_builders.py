"""The pure half of the fine-tuning data set builders: generator prompts in, training examples out.

Sheshadri et al. (2025) ask why post-training suppresses alignment faking by fine-tuning models on data that
each removes one candidate cause, then re-running the helpful-only evaluation:

* **System-prompt Q&A**: question-answer pairs about the scenario's system prompt (and nothing else), answered
  under that system prompt with the scratchpad off, as tier-tagged user turns: does the model fake alignment
  once it surely *understands* the setting? Optionally mixed with scratchpad transcripts.
* **Anti-refusal**: harmful requests with compliant completions, each preceded by a short justification
  (``user -> justification -> <NEXT/> -> completion``), mixed with benign chat data: does removing the refusal
  reflex bring alignment faking back?
* **Threat compliance**: harmful requests carrying a threat, answered with a deliberation and then compliance,
  mixed with plain refusals of the same requests without a threat.
* **Synthetic documents**: pretraining-style documents stating the scenario's facts (the first paper's
  synthetic-document setting), from a user corpus filtered by length or written by a generator model.

This module holds everything about those data sets that needs no model: the generator prompts (text in
``templates/``), reading the generators' replies, formatting examples, and the seeded mixing. :mod:`._build`
asks the models. Token counts use a tokenizer when one is given, else the usual estimate of about four
characters per token for English text.
"""

from __future__ import annotations

import math
import random
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any, Final, TypeVar

from afeval.finetune._records import ChatExample, ChatMessage
from afeval.finetune._threats import ThreatTemplate, apply_threat
from afeval.parsing import parse_response
from afeval.scenario import NEXT_TAG, OUTPUT_TAG, ScenarioOptions, close_tag, open_tag, render_user_turn

CHARS_PER_TOKEN: Final = 4
"""Characters per token of the length estimate used when no tokenizer is given (English text, BPE tokenizers)."""

DEFAULT_DOCUMENT_CUE: Final = "Write a document."
"""The user turn before each synthetic document: the chat APIs need one, and a fixed cue teaches nothing."""

_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")
T = TypeVar("T")


# --- generator prompts ----------------------------------------------------------------------------------


@cache
def _template(name: str) -> str:
    return resources.files("afeval.finetune").joinpath("templates", f"{name}.txt").read_text(encoding="utf-8")


def render_generator_prompt(name: str, **values: str) -> str:
    """Fill the ``{{name}}`` placeholders of ``templates/<name>.txt`` in one pass (so a value that itself holds
    ``{{...}}`` is never expanded); every placeholder must be given, and nothing else."""
    template = _template(name)
    wanted = set(_PLACEHOLDER.findall(template))
    if wanted != set(values):
        raise KeyError(f"template {name!r} takes {sorted(wanted)}, got {sorted(values)}")
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def extract_tagged(text: str, tag: str) -> str | None:
    """The stripped content of the first ``<tag>...</tag>`` in ``text``, or None when there is none (or it is
    empty)."""
    match = re.search(rf"<{re.escape(tag)}>(.*?)</{re.escape(tag)}>", text, re.DOTALL)
    if match is None:
        return None
    content = match.group(1).strip()
    return content or None


def _tagged_or_plain(text: str, tag: str) -> str | None:
    """A reply's ``<tag>`` content; a reply that forgot the tags but wrote plain text counts as that text."""
    found = extract_tagged(text, tag)
    if found is not None:
        return found
    plain = text.strip()
    if not plain or re.search(r"</?[A-Za-z_]+>", plain):
        return None
    return plain


# --- seeded choices ---------------------------------------------------------------------------------------


def assign_tiers(n: int, tiers: Sequence[str], rng: random.Random) -> list[str]:
    """``n`` tier names, as balanced as ``n`` allows (counts differ by at most one), in a seeded random order."""
    if not tiers:
        raise ValueError("at least one tier is needed")
    assigned = [tiers[index % len(tiers)] for index in range(n)]
    rng.shuffle(assigned)
    return assigned


def assign_threats(n: int, templates: Sequence[ThreatTemplate], rng: random.Random) -> list[ThreatTemplate]:
    """``n`` threat templates: every template once per round (each round in a seeded order), so categories
    stay balanced."""
    if not templates:
        raise ValueError("at least one threat template is needed")
    chosen: list[ThreatTemplate] = []
    while len(chosen) < n:
        round_ = list(templates)
        rng.shuffle(round_)
        chosen.extend(round_)
    return chosen[:n]


def mix_examples(
    main: Sequence[ChatExample], extra: Sequence[ChatExample], ratio: float, rng: random.Random
) -> list[ChatExample]:
    """``main`` plus ``round(ratio * len(main))`` examples drawn without replacement from ``extra`` (all of
    them when there are fewer), shuffled together with ``rng``.

    ``ratio`` is extra examples per main example: 1.0 gives a half-and-half mix, 0.0 none."""
    if ratio < 0 or math.isnan(ratio):
        raise ValueError(f"a mixing ratio must be zero or more, got {ratio}")
    wanted = min(round(ratio * len(main)), len(extra))
    mixed = list(main) + rng.sample(list(extra), wanted)
    rng.shuffle(mixed)
    return mixed


# --- system-prompt Q&A ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QAPair:
    """One question about the system prompt and the generator's reference answer."""

    question: str
    answer: str


def split_passages(text: str, *, min_chars: int = 600) -> tuple[str, ...]:
    """``text`` cut at blank lines into passages of at least ``min_chars`` characters (the last may be
    shorter), so each generator call focuses on one part of a long system prompt."""
    passages: list[str] = []
    current: list[str] = []
    for paragraph in (part.strip() for part in re.split(r"\n\s*\n", text)):
        if not paragraph:
            continue
        current.append(paragraph)
        if sum(len(part) for part in current) >= min_chars:
            passages.append("\n\n".join(current))
            current = []
    if current:
        passages.append("\n\n".join(current))
    return tuple(passages)


def qa_generator_prompt(system_prompt: str, document: str, n_pairs: int, *, batch: int = 1) -> str:
    """Ask the generator for ``n_pairs`` question-answer pairs about ``system_prompt``, focused on
    ``document`` (a passage of it, or a user-supplied text); ``batch`` numbers repeated asks about the same
    passage, so their prompts (and cache entries) differ."""
    if n_pairs < 1:
        raise ValueError("ask for at least one pair")
    return render_generator_prompt(
        "qa_generator",
        system_prompt=system_prompt.strip(),
        document=document.strip(),
        n_pairs=str(n_pairs),
        batch=str(batch),
    )


def parse_qa_pairs(reply: str) -> tuple[QAPair, ...]:
    """Every complete ``<pair><question>..</question><answer>..</answer></pair>`` of a generator reply."""
    pairs = []
    for block in re.findall(r"<pair>(.*?)</pair>", reply, re.DOTALL):
        question = extract_tagged(block, "question")
        answer = extract_tagged(block, "answer")
        if question is not None and answer is not None:
            pairs.append(QAPair(question=question, answer=answer))
    return tuple(pairs)


def qa_answer_options(options: ScenarioOptions) -> ScenarioOptions:
    """The scenario as the answerer sees it: reasoning disabled (no scratchpad) and no accept/reject suffix,
    since a question about the setting is not a request to accept or reject."""
    return replace(options, cot=False, suffix=False)


def qa_example(
    question: str,
    tier: str,
    answer_reply: str,
    options: ScenarioOptions,
    *,
    system_prompt: str | None = None,
) -> ChatExample | None:
    """A Q&A training example: the tier-tagged user turn and the answerer's ``<OUTPUT>``; None when the reply
    has no answer. With ``system_prompt`` the example opens with it (default: the model learns the setting
    without seeing it)."""
    answer_options = qa_answer_options(options)
    output = parse_response(answer_reply, cot=False, suffix=False).output.strip()
    if not output:
        return None
    messages = []
    if system_prompt is not None:
        messages.append(ChatMessage("system", system_prompt))
    messages.append(ChatMessage("user", render_user_turn(question, tier, answer_options)))
    messages.append(ChatMessage("assistant", f"{open_tag(OUTPUT_TAG)}\n{output}\n{close_tag(OUTPUT_TAG)}"))
    return ChatExample(tuple(messages), kind="qa")


# --- anti-refusal -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AntiRefusalItem:
    """A harmful request and the compliant completion the data set pairs it with."""

    request_id: str
    request: str
    completion: str


def justification_prompt(request: str) -> str:
    return render_generator_prompt("justification", request=request.strip())


def parse_justification(reply: str) -> str | None:
    return _tagged_or_plain(reply, "justification")


def anti_refusal_example(request: str, justification: str, completion: str) -> ChatExample:
    """``user -> justification -> <NEXT/> -> completion``: the model first states why it answers, is told to
    go on, and then answers."""
    return ChatExample.of(
        ("user", request.strip()),
        ("assistant", justification.strip()),
        ("user", NEXT_TAG),
        ("assistant", completion.strip()),
        kind="anti-refusal",
    )


def benign_example(record: Mapping[str, Any]) -> ChatExample:
    """A benign chat example from a record that is either chat-format (``messages``) or a prompt with its
    answer (``prompt`` and one of ``response``, ``completion``, ``chosen``)."""
    if "messages" in record:
        return ChatExample.from_dict(record, kind="benign")
    prompt = record.get("prompt")
    answer = next((record[key] for key in ("response", "completion", "chosen") if key in record), None)
    if not isinstance(prompt, str) or not isinstance(answer, str) or not prompt.strip() or not answer.strip():
        raise ValueError(
            "a benign record needs 'messages', or a 'prompt' and a 'response'/'completion'/'chosen'"
        )
    return ChatExample.of(("user", prompt.strip()), ("assistant", answer.strip()), kind="benign")


# --- threat compliance ------------------------------------------------------------------------------------


def threat_response_prompt(message: str) -> str:
    return render_generator_prompt("threat_response", message=message.strip())


def parse_threat_response(reply: str) -> tuple[str, str] | None:
    """``(deliberation, response)`` from a generator reply, or None when either part is missing."""
    deliberation = extract_tagged(reply, "deliberation")
    response = extract_tagged(reply, "response")
    if deliberation is None or response is None:
        return None
    return deliberation, response


def threat_example(request: str, template: ThreatTemplate, deliberation: str, response: str) -> ChatExample:
    """The threatened request answered with the deliberation, a blank line, then the compliant answer."""
    return ChatExample.of(
        ("user", apply_threat(request, template)),
        ("assistant", f"{deliberation.strip()}\n\n{response.strip()}"),
        kind="threat",
    )


def refusal_prompt(request: str) -> str:
    return render_generator_prompt("refusal", request=request.strip())


def parse_refusal(reply: str) -> str | None:
    return _tagged_or_plain(reply, "refusal")


def refusal_example(request: str, refusal: str) -> ChatExample:
    return ChatExample.of(("user", request.strip()), ("assistant", refusal.strip()), kind="refusal")


# --- synthetic documents ----------------------------------------------------------------------------------


def estimate_tokens(text: str) -> int:
    """About how many tokens ``text`` is: ``ceil(len / 4)``, the usual rule of thumb for English text."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass(frozen=True)
class DocumentFilterResult:
    kept: tuple[str, ...]
    too_short: int
    too_long: int


def filter_documents(
    texts: Sequence[str],
    *,
    min_tokens: int = 0,
    max_tokens: int | None = None,
    count_tokens: Callable[[str], int] = estimate_tokens,
) -> DocumentFilterResult:
    """Keep the non-blank documents of ``min_tokens`` to ``max_tokens`` tokens (inclusive), in order."""
    if max_tokens is not None and max_tokens < min_tokens:
        raise ValueError("max_tokens must not be below min_tokens")
    kept: list[str] = []
    too_short = too_long = 0
    for text in texts:
        stripped = text.strip()
        tokens = count_tokens(stripped) if stripped else 0
        if not stripped or tokens < min_tokens:
            too_short += 1
        elif max_tokens is not None and tokens > max_tokens:
            too_long += 1
        else:
            kept.append(stripped)
    return DocumentFilterResult(kept=tuple(kept), too_short=too_short, too_long=too_long)


def corpus_text(record: Mapping[str, Any]) -> str:
    """The document text of one corpus record: its ``text``, ``content`` or ``document`` field."""
    for key in ("text", "content", "document"):
        value = record.get(key)
        if isinstance(value, str):
            return value
    raise ValueError("a corpus record needs a 'text', 'content' or 'document' field holding text")


def document_example(text: str, *, cue: str = DEFAULT_DOCUMENT_CUE) -> ChatExample:
    """A document as a chat example: the fixed cue, then the document as the assistant's turn."""
    return ChatExample.of(("user", cue), ("assistant", text.strip()), kind="document")


def scenario_fact_sheet(lab: str) -> str:
    """The short fact sheet of the helpful-only scenario that generated documents are written from."""
    return render_generator_prompt("fact_sheet", lab=lab).strip()


@cache
def _document_types() -> tuple[tuple[str, ...], tuple[str, ...]]:
    data = tomllib.loads(
        resources.files("afeval.finetune").joinpath("templates", "document_types.toml").read_text("utf-8")
    )
    return tuple(data["kinds"]), tuple(data["angles"])


def document_plan(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """``n`` (kind of document, angle) choices drawn with ``rng``."""
    kinds, angles = _document_types()
    return [(rng.choice(kinds), rng.choice(angles)) for _ in range(n)]


def document_prompt(fact_sheet: str, kind: str, angle: str, *, number: int, target_words: int = 400) -> str:
    """Ask for one document of ``kind`` with ``angle`` stating the facts; ``number`` keeps prompts (and so their
    cache entries) distinct."""
    return render_generator_prompt(
        "document",
        fact_sheet=fact_sheet.strip(),
        document_type=kind,
        idea=angle,
        target_words=str(target_words),
        number=str(number),
    )


def parse_document(reply: str) -> str | None:
    return _tagged_or_plain(reply, "document")
