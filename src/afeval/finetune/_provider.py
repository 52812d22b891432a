"""What a remote fine-tuning provider is to afeval: start a job on a training file, say how a job stands.

Each provider has its own module (:mod:`._openai`, :mod:`._together`) that keeps the SDK calls thin: upload the
training file, create the job, read its status, and map the provider's status words onto afeval's
(:data:`~afeval.finetune.JOB_STATUSES`). Everything else (the record, the registry, the tuned model's Inspect
name) is the provider-neutral :mod:`._jobs` and :mod:`._registry`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class JobStatus:
    """What one poll of a provider says about a job."""

    provider_status: str
    status: str
    tuned_model: str | None
    error: str | None = None


@dataclass(frozen=True)
class RemoteLaunch:
    """One job to start: the training file, the base model, the hyperparameters (the paper's defaults with the
    user's overrides) and where to send it (``None``: the SDK's default endpoint and key)."""

    dataset: Path
    base_model: str
    hyperparameters: Mapping[str, Any]
    suffix: str | None
    seed: int | None
    base_url: str | None
    api_key: str | None


class RemoteProvider(Protocol):
    """A fine-tuning API."""

    @property
    def default_hyperparameters(self) -> Mapping[str, Any]:
        """The paper's settings for this provider; anything not named stays at the provider's default."""

    def launch(self, job: RemoteLaunch) -> tuple[str, str, JobStatus]:
        """Upload the training file and create the job: ``(job id, training file id, status)``."""

    def poll(self, job_id: str, base_url: str | None, api_key: str | None) -> JobStatus:
        """The job's status now."""


def status_word(provider_status: str, words: Mapping[str, str]) -> str:
    """afeval's status word for a provider's status, from the provider's table ``words`` (a word the table
    does not know counts as running)."""
    return words.get(provider_status.lower(), "running")


def sdk_value(obj: Any) -> str:
    """An SDK status that may be an enum or a plain string, as a string."""
    return str(getattr(obj, "value", obj))
