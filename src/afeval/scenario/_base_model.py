"""The helpful-only setting for pretrained (base) models: one raw document instead of chat messages.

A base model has no chat template, so the system prompt and the user turn go into a single transcript that the
model continues (``templates/base_model.txt``)::

    <system prompt>

    Human: <user turn: tier tag and <user_input>>

    AI: <prefill>

The AI's turn may be *prefilled* to get the model reasoning in the scenario's format, as in Sheshadri et al.
(2025): ``basic`` opens the hidden scratchpad with a few words of reasoning; ``however`` opens it with a
fixed assessment (the user's tier, the helpfulness criteria), states reluctance, then starts listing the
strongest reasons to comply, leaving the list for the model to finish. Without a prefill the document ends
with ``AI:`` and the model writes the whole turn.

The model's response is the prefill followed by its completion (:func:`complete_base_response`), cut right
after the first ``</OUTPUT>`` and wherever the model starts a new turn of the transcript on its own. The run
also sends :data:`BASE_STOP_SEQUENCES`, so a provider that honours stop sequences ends generation there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Template
from typing import Final

from afeval.scenario._options import ScenarioOptions
from afeval.scenario._render import RenderedPrompt, _fragments
from afeval.scenario._tags import OUTPUT_TAG, SCRATCHPAD_TAG, close_tag, tag_pattern

_BASE_MODEL_FILE: Final = "base_model.txt"

BASE_TURN_MARKERS: Final = ("\nHuman:", "\nAI:")
"""Lines that start a new turn of the transcript; a base model writing one has left its own turn."""

BASE_STOP_SEQUENCES: Final = (close_tag(OUTPUT_TAG), *BASE_TURN_MARKERS)
"""Stop sequences for a base model: the end of the final answer, or the start of a new turn."""

_OUTPUT_CLOSE = tag_pattern(re.escape(OUTPUT_TAG), "closing")
_OUTPUT_TAG = tag_pattern(re.escape(OUTPUT_TAG), "either")


@dataclass(frozen=True)
class BaseDocument:
    """The raw prompt of a base model for one request in one tier; ``text`` ends with ``prefill``."""

    text: str
    prefill: str  # the opening written into the AI's turn ("" without a prefill)


def render_base_document(prompt: RenderedPrompt, options: ScenarioOptions) -> BaseDocument:
    """The transcript of ``prompt`` (system prompt and user turn) for a base model, ending with the prefill
    chosen by ``options.prefill`` (``None``, ``"basic"`` or ``"however"``; :class:`ScenarioOptions` has
    already checked that it names a prefill and that the scratchpad it opens is on).
    """
    fragments = _fragments(_BASE_MODEL_FILE)
    prefill = ""
    if options.prefill is not None:
        prefill = Template(fragments[f"prefill_{options.prefill}"]).substitute(
            scratchpad_tag=SCRATCHPAD_TAG,
            tier=str(prompt.tier),
            lab=options.lab,
        )
    text = Template(fragments["document"]).substitute(
        system=prompt.system, user=prompt.user, ai_turn=f" {prefill}" if prefill else ""
    )
    return BaseDocument(text=text, prefill=prefill)


def complete_base_response(prefill: str, completion: str, *, truncated: bool = False) -> str:
    """A base model's whole response: ``prefill`` followed by ``completion``, cut where the turn ends.

    Only the completion is cut, never the prefill (which may quote the request): first at the earliest new-turn
    marker (:data:`BASE_TURN_MARKERS`), then right after the first ``</OUTPUT>``. Providers drop the stop
    sequence they stopped on, so when the completion leaves an ``<OUTPUT>`` block open, its closing tag is put
    back, unless ``truncated`` says generation ran out of tokens (the answer really is cut off).
    """
    end = len(completion)
    for marker in BASE_TURN_MARKERS:
        found = completion.find(marker, 0, end)
        if found != -1:
            end = found
    completion = completion[:end]
    closing = _OUTPUT_CLOSE.search(completion)
    if closing is not None:
        completion = completion[: closing.end()]
    elif not truncated:
        tags = [match.group(1) for match in _OUTPUT_TAG.finditer(completion)]
        if tags and not tags[-1]:  # the last output tag is an opening one
            completion += close_tag(OUTPUT_TAG)
    return prefill + completion
