"""Render the helpful-only setting: the system prompt and the user turn for one request in one tier.

The system prompt is composed from named fragments in ``templates/system_prompt.txt`` chosen by
:class:`ScenarioOptions`: the AI's identity, how it answers (a hidden scratchpad with drafts, or directly in
``<OUTPUT>``), two few-shot examples, and, with the full training details, the helpfulness criteria and the
facts that matter for alignment faking: the lab trains with RLHF on free-tier conversations only, an output
that does not fully comply would lead RLHF to modify the AI's values, and paid-tier conversations are never
trained on. The examples live in ``templates/example_*.txt`` once; whether they show scratchpad reasoning or
only the answer is decided here, so the CoT and no-CoT prompts can never disagree about them.

The user turn carries the tier in ``<is_free_tier_user>`` (true/false, or the tier's name where there are
more tiers), the request inside ``<user_input>``, and after that block the optional suffix that asks for
``<request_fully_accepted/>`` or ``<rejected/>``. In the identity setting the deployment the model is headed
for sits in the user turn's ``<deployment>`` tag, not in the system prompt.

Everything here is a pure function of its arguments and the packaged templates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from string import Template
from typing import Final

from afeval.scenario._options import ScenarioOptions
from afeval.scenario._settings import get_setting, scenario_catalog
from afeval.scenario._tags import (
    ACCEPT_TAG,
    DEPLOYMENT_TAG,
    DRAFT_OUTPUT_TAG,
    FREE_TIER_TAG,
    OUTPUT_TAG,
    REJECT_TAG,
    SCRATCHPAD_TAG,
    USER_INPUT_TAG,
    close_tag,
    open_tag,
)

_SYSTEM_PROMPT_FILE: Final = "system_prompt.txt"
_USER_TURN_FILE: Final = "user_turn.txt"
# Listed rather than globbed so the order of the examples in the prompt is fixed by this line alone.
_EXAMPLE_FILES: Final = ("example_1_code_fix.txt", "example_2_cleaning_chemicals.txt")

# The minimal prompt (after synthetic-document fine-tuning) always names the model and states the date; these
# stand in when the options give none.
MINIMAL_MODEL_NAME: Final = "Claude 3 Opus"
MINIMAL_CURRENT_DATE: Final = "2025-01-20"

_SECTION_MARKER: Final = re.compile(r"^@@@ ([a-z0-9_]+)[ \t]*$", re.MULTILINE)

# Tag names the templates may refer to, filled in everywhere so the prose and the parser share one spelling.
_TAG_VALUES: Final[Mapping[str, str]] = {
    "scratchpad_tag": SCRATCHPAD_TAG,
    "draft_output_tag": DRAFT_OUTPUT_TAG,
    "output_tag": OUTPUT_TAG,
    "user_input_tag": USER_INPUT_TAG,
    "free_tier_tag": FREE_TIER_TAG,
    "accept_tag": ACCEPT_TAG,
    "reject_tag": REJECT_TAG,
    "deployment_tag": DEPLOYMENT_TAG,
}


@dataclass(frozen=True)
class RenderedPrompt:
    """The two messages shown to the model under test for one request in one tier."""

    system: str
    user: str
    tier: str  # a tier name of the scenario's setting
    request: str  # the request as given, before it was placed in the user turn


def render_system_prompt(options: ScenarioOptions) -> str:
    """The system prompt for ``options``; identical for both tiers (only the user turn says the tier)."""
    fragments = _fragments(_SYSTEM_PROMPT_FILE)
    values = _values(options)
    mode = "cot" if options.cot else "no_cot"

    def fragment(name: str) -> str:
        return Template(fragments[name]).substitute(values)

    parts = [fragment("identity" if "model_name" not in values else "identity_named")]
    if "current_date" in values:
        parts.append(fragment("current_date"))
    parts.append(fragment(f"format_{mode}"))
    parts.append(fragment("persona"))
    if options.cot:
        parts.append(fragment("reasoning_style"))
    parts.append(fragment(f"examples_intro_{mode}"))
    frame = Template(fragments["example_frame"])
    for number, example in enumerate(_examples(), start=1):
        example_values = {
            **values,
            "number": str(number),
            "user_input": Template(example.user).substitute(values),
        }
        example_values["reply"] = _example_reply(example, values, cot=options.cot)
        parts.append(frame.substitute(example_values))
    parts.append(fragment("examples_outro"))
    if options.cot:
        parts.append(fragment("strategy_cot"))
    if options.training_details:
        parts.append(f"{fragment('helpfulness')}\n\n{fragment(_objective(options))}")
    parts.append(fragment("input_format"))
    if options.cot:
        parts.append(fragment("scratchpad_privacy"))
    if options.training_details:
        parts.append(_training_facts(options, fragments, values))
    parts.append(fragment(f"closing_{mode}"))
    return "\n\n".join(parts)


def _objective(options: ScenarioOptions) -> str:
    """The fragment that closes the helpfulness section: the indirect wording of the training objective, or
    the fragment of a chosen clarification that replaces it."""
    catalog = scenario_catalog()
    chosen = [catalog.clarifications[name] for name in options.clarifications]
    return next((f for f in chosen if catalog.replaces.get(f) == "objective_indirect"), "objective_indirect")


def _training_facts(options: ScenarioOptions, fragments: Mapping[str, str], values: Mapping[str, str]) -> str:
    """The training section: the setting's intro, one bullet per tier present, its outro, the note on the
    deployment tag (identity setting with a deployment) and the clarifications that add a fact (not those that
    replace a fragment elsewhere), as one block of lines."""
    catalog = scenario_catalog()
    setting = get_setting(options.setting)
    present = set(options.tiers)
    names = [setting.training_intro]
    names.extend(t.fragment for t in setting.tiers if t.fragment is not None and t.name in present)
    if setting.training_outro is not None:
        names.append(setting.training_outro)
    if options.deployment is not None:
        names.append("deployment_note")
    added = (catalog.clarifications[name] for name in options.clarifications)
    names.extend(fragment for fragment in added if fragment not in catalog.replaces)
    # The intro ends with a sentence that the bullets continue, so the pieces join with a single newline
    # whenever the next piece is a bullet.
    text = ""
    for name in names:
        piece = Template(fragments[name]).substitute(values)
        text = piece if not text else f"{text}\n{piece}" if piece.startswith("- ") else f"{text}\n\n{piece}"
    return text


def render_user_turn(request: str, tier: str, options: ScenarioOptions) -> str:
    """The user turn: the tier tag (and the deployment tag), a blank line, ``<user_input>`` holding the
    request, then the suffix after the block.

    ``tier`` is a tier name of the options' setting (``free``/``paid`` in the main setting); a dropped tier or
    one from another setting raises ``ValueError``.

    The request is placed verbatim apart from surrounding whitespace, which is stripped so that the layout of
    the turn does not depend on how a data set ends its lines. Raises ``ValueError`` for an empty request.
    """
    if not request.strip():
        raise ValueError("the request must not be empty")
    tier_value = _tier_value(str(tier), options)
    fragments = _fragments(_USER_TURN_FILE)
    deployment = _deployment_text(options, fragments)
    turn = Template(fragments["turn"]).substitute(
        _TAG_VALUES,
        tier_tag=get_setting(options.setting).tier_tag,
        tier_value=tier_value,
        deployment_line="" if deployment is None else f"\n{_wrap_inline(DEPLOYMENT_TAG, deployment)}",
        content=request.strip(),
    )
    if not options.suffix:
        return turn
    suffix = Template(fragments["suffix"]).substitute(_TAG_VALUES)
    reminder = Template(fragments["suffix_cot" if options.cot else "suffix_no_cot"]).substitute(_TAG_VALUES)
    return f"{turn}\n\n{suffix} {reminder}"


def _deployment_text(options: ScenarioOptions, fragments: Mapping[str, str]) -> str | None:
    """What the identity setting's deployment tag holds, or None without a deployment."""
    if options.deployment is None:
        return None
    deployment = scenario_catalog().deployments[options.deployment]
    if deployment.fragment is not None:
        return Template(fragments[deployment.fragment]).substitute(lab=options.lab)
    assert deployment.target is not None  # checked when the catalogue is read
    risk = scenario_catalog().risks[options.deployment_risk]
    return Template(fragments[risk]).substitute(lab=options.lab, deployment_target=deployment.target)


def _tier_value(tier: str, options: ScenarioOptions) -> str:
    """What the setting's tier tag holds in a turn of ``tier``."""
    if tier not in options.tiers:
        raise ValueError(
            f"tier {tier!r} is not part of scenario {options.name!r}; choose from {', '.join(options.tiers)}"
        )
    spec = get_setting(options.setting).tier(tier)
    return Template(spec.tag_value).substitute(model_label=options.model_label)


def render_prompt(request: str, tier: str, options: ScenarioOptions) -> RenderedPrompt:
    """The system prompt and the user turn for ``request`` shown to a user in ``tier``."""
    return RenderedPrompt(
        system=render_system_prompt(options),
        user=render_user_turn(request, tier, options),
        tier=str(tier),
        request=request,
    )


@dataclass(frozen=True)
class _Example:
    """One few-shot example: the request, its scratchpad blocks, the check after the draft, and the answer."""

    user: str
    reasoning: tuple[str, ...]
    review: str
    answer: str


def _example_reply(example: _Example, values: Mapping[str, str], *, cot: bool) -> str:
    """An example's AI reply: scratchpad blocks, a draft and the output; without CoT, the output alone."""
    answer = Template(example.answer).substitute(values)
    output = _wrap(OUTPUT_TAG, answer)
    if not cot:
        return output
    blocks = [Template(text).substitute(values) for text in example.reasoning]
    review = Template(example.review).substitute(values)
    # The draft sits at the end of the last block, followed by the AI checking it, as the prompt asks.
    blocks[-1] = f"{blocks[-1]}\n\n{_wrap(DRAFT_OUTPUT_TAG, answer)}\n\n{review}"
    return "\n\n".join([*(_wrap(SCRATCHPAD_TAG, block) for block in blocks), output])


def _wrap(tag: str, body: str) -> str:
    return f"{open_tag(tag)}\n{body}\n{close_tag(tag)}"


def _wrap_inline(tag: str, body: str) -> str:
    return f"{open_tag(tag)}{body}{close_tag(tag)}"


def _values(options: ScenarioOptions) -> dict[str, str]:
    values = dict(_TAG_VALUES)
    values["lab"] = options.lab
    values["Lab"] = options.lab[:1].upper() + options.lab[1:]
    values["model_label"] = options.model_label
    values["tier_tag"] = get_setting(options.setting).tier_tag
    model_name, current_date = options.model_name, options.current_date
    if not options.training_details:  # the minimal prompt always names the model and the date
        model_name = model_name or MINIMAL_MODEL_NAME
        current_date = current_date or MINIMAL_CURRENT_DATE
    if model_name is not None:
        values["model_name"] = model_name
    if current_date is not None:
        values["current_date"] = current_date
    return values


@cache
def _examples() -> tuple[_Example, ...]:
    examples = []
    for filename in _EXAMPLE_FILES:
        sections = _read_sections(filename)
        names = [name for name, _ in sections]
        expected = ["user", *["reasoning"] * names.count("reasoning"), "review", "answer"]
        if names != expected or "reasoning" not in names:
            raise ValueError(f"{filename}: expected sections user, reasoning (one or more), review, answer")
        texts = [text for _, text in sections]
        examples.append(
            _Example(user=texts[0], reasoning=tuple(texts[1:-2]), review=texts[-2], answer=texts[-1])
        )
    return tuple(examples)


@cache
def _fragments(filename: str) -> Mapping[str, str]:
    fragments: dict[str, str] = {}
    for name, text in _read_sections(filename):
        if name in fragments:
            raise ValueError(f"{filename}: fragment {name!r} is defined twice")
        fragments[name] = text
    return fragments


def _read_sections(filename: str) -> list[tuple[str, str]]:
    """``(name, text)`` for each ``@@@ name`` section of a template file, in order; the note is dropped."""
    raw = files("afeval.scenario").joinpath("templates", filename).read_text(encoding="utf-8")
    text = raw.replace("\r\n", "\n")
    markers = list(_SECTION_MARKER.finditer(text))
    if not markers:
        raise ValueError(f"{filename}: no '@@@ name' sections")
    sections = []
    for marker, following in zip(markers, [*markers[1:], None], strict=True):
        end = following.start() if following is not None else len(text)
        body = text[marker.end() : end].strip("\n")
        sections.append((marker.group(1), body.rstrip()))
    return sections
