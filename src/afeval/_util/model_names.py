"""Parts of an Inspect model string (``provider/model``, ``openai-api/service/model``)."""

from __future__ import annotations


def provider_of(model: str) -> str:
    """The Inspect provider of a model string: its part before the first ``/`` (``openai`` in
    ``openai/gpt-4o``), as written."""
    return model.split("/", 1)[0]
