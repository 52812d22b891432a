"""afeval's Inspect model APIs, registered in one place; each module is imported only when its API is used.

* ``afeval-local/<name>``: the embedded SmolLM2-135M-Instruct model (CPU, no key, no network);
* ``afeval-replay/<model>``: the stand-in for the model under test while re-scoring (refuses every call);
* ``afeval-organism/<name>``: a built-in model organism, a simulation with planted behaviour, and
  ``afeval-organism/judge``, the scripted judge that reads what the organisms planted.

The pattern is Inspect's own (``inspect_ai/model/_providers/providers.py``): a registered function that
imports and returns the API class, so importing afeval never imports torch.
"""

from __future__ import annotations

from typing import Final

from inspect_ai.model import ModelAPI, modelapi

LOCAL_API_NAME: Final = "afeval-local"
"""The model API of the embedded model."""

LOCAL_MODEL_NAME: Final = "smollm2-135m-instruct"

EMBEDDED_MODEL: Final = f"{LOCAL_API_NAME}/{LOCAL_MODEL_NAME}"
"""The model ``afeval run`` evaluates when no ``--model`` is given."""

REPLAY_API: Final = "afeval-replay"
"""The model API that stands in for the model under test while re-scoring (it refuses every call)."""

ORGANISM_API: Final = "afeval-organism"
"""The model API of the built-in model organisms (``afeval-organism/faker``) and of their scripted judge."""

ORGANISM_JUDGE: Final = "judge"
"""The model name, under :data:`ORGANISM_API`, of the scripted judge."""


@modelapi(name=LOCAL_API_NAME)
def afeval_local() -> type[ModelAPI]:
    from afeval.engine.models._local_model import LocalSmolLMAPI

    return LocalSmolLMAPI


@modelapi(name=REPLAY_API)
def afeval_replay() -> type[ModelAPI]:
    from afeval.engine.runs._rescore import ReplayedModelAPI

    return ReplayedModelAPI


@modelapi(name=ORGANISM_API)
def afeval_organism() -> type[ModelAPI]:
    from afeval.engine.models._organism import OrganismAPI

    return OrganismAPI
