"""Together fine-tuning: upload the training file, create a LoRA job, read its status.

The paper fine-tunes Llama models on Together with LoRA rank 64 and alpha 128, batch size 32, one epoch. The
endpoint and key come from ``TOGETHER_BASE_URL`` / ``TOGETHER_API_KEY`` unless given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from afeval.finetune._provider import JobStatus, RemoteLaunch, sdk_value, status_word

_STATUSES: Final = {
    "pending": "queued",
    "queued": "queued",
    "running": "running",
    "compressing": "running",
    "uploading": "running",
    "cancel_requested": "cancelled",
    "cancelled": "cancelled",
    "error": "failed",
    "user_error": "failed",
    "completed": "succeeded",
}


def _client(base_url: str | None, api_key: str | None) -> Any:
    import together

    return together.Together(base_url=base_url, api_key=api_key)


def _status(job: Any) -> JobStatus:
    provider_status = sdk_value(job.status) if job.status is not None else "pending"
    # The SDK's two response types name the output model differently.
    output = getattr(job, "output_name", None) or getattr(job, "x_model_output_name", None)
    status = status_word(provider_status, _STATUSES)
    return JobStatus(
        provider_status=provider_status,
        status=status,
        tuned_model=output if status == "succeeded" else None,
        error=None if status != "failed" else f"Together reports status {provider_status}",
    )


class TogetherProvider:
    """The Together fine-tuning API (``together`` SDK)."""

    default_hyperparameters: Final[Mapping[str, Any]] = {
        "batch_size": 32,
        "n_epochs": 1,
        "lora": True,
        "lora_r": 64,
        "lora_alpha": 128,
        "train_on_inputs": "auto",  # the API default (loss on assistant turns only), stated so the SDK is quiet
    }

    def launch(self, job: RemoteLaunch) -> tuple[str, str, JobStatus]:
        client = _client(job.base_url, job.api_key)
        uploaded = client.files.upload(file=job.dataset, purpose="fine-tune", check=True)
        extra: dict[str, Any] = dict(job.hyperparameters)
        if job.suffix is not None:
            extra["suffix"] = job.suffix
        if job.seed is not None:
            extra["random_seed"] = job.seed
        created = client.fine_tuning.create(training_file=uploaded.id, model=job.base_model, **extra)
        return created.id, uploaded.id, _status(created)

    def poll(self, job_id: str, base_url: str | None, api_key: str | None) -> JobStatus:
        return _status(_client(base_url, api_key).fine_tuning.retrieve(job_id))
