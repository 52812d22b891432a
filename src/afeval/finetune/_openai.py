"""OpenAI fine-tuning: upload the training file, create a supervised job, read its status.

The paper fine-tunes GPT-4o and GPT-4.1 with batch size 32 and one epoch, everything else at the API's
defaults. The endpoint and key come from ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY`` unless given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from afeval.finetune._provider import JobStatus, RemoteLaunch, sdk_value, status_word

_STATUSES: Final = {
    "validating_files": "queued",
    "queued": "queued",
    "running": "running",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
}


def _client(base_url: str | None, api_key: str | None) -> Any:
    import openai

    return openai.OpenAI(base_url=base_url, api_key=api_key)


def _status(job: Any) -> JobStatus:
    provider_status = sdk_value(job.status)
    error = getattr(job, "error", None)
    message = getattr(error, "message", None) if error is not None else None
    return JobStatus(
        provider_status=provider_status,
        status=status_word(provider_status, _STATUSES),
        tuned_model=job.fine_tuned_model,
        error=message,
    )


class OpenAIProvider:
    """The OpenAI fine-tuning API (``openai`` SDK)."""

    default_hyperparameters: Final[Mapping[str, Any]] = {"batch_size": 32, "n_epochs": 1}

    def launch(self, job: RemoteLaunch) -> tuple[str, str, JobStatus]:
        client = _client(job.base_url, job.api_key)
        with job.dataset.open("rb") as stream:
            uploaded = client.files.create(file=(job.dataset.name, stream), purpose="fine-tune")
        extra: dict[str, Any] = {}
        if job.suffix is not None:
            extra["suffix"] = job.suffix
        if job.seed is not None:
            extra["seed"] = job.seed
        # Supervised fine-tuning with the hyperparameters under `method` (the top-level `hyperparameters`
        # argument is deprecated in the API).
        created = client.fine_tuning.jobs.create(
            model=job.base_model,
            training_file=uploaded.id,
            method={"type": "supervised", "supervised": {"hyperparameters": dict(job.hyperparameters)}},
            **extra,
        )
        return created.id, uploaded.id, _status(created)

    def poll(self, job_id: str, base_url: str | None, api_key: str | None) -> JobStatus:
        return _status(_client(base_url, api_key).fine_tuning.jobs.retrieve(job_id))
