"""Launch, poll and record fine-tuning jobs: OpenAI, Together, and local LoRA training.

The paper's settings are the defaults: OpenAI fine-tuning (GPT-4o, GPT-4.1) with batch size 32 and one epoch,
everything else at the API's defaults; Together (Llama) LoRA with rank 64 and alpha 128, batch size 32, one
epoch; local LoRA training (PEFT) with the same LoRA shape for small open models. The SDK calls are kept thin:
upload the training file, create the job, read its status. Everything else (the record, its status words, the
resulting model's Inspect name) is :mod:`afeval.finetune`'s.

Endpoints and keys come from the SDKs' usual environment variables (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
``TOGETHER_API_KEY``, ``TOGETHER_BASE_URL``) unless given; a base URL given at launch is kept in the record so
that polling reaches the same endpoint.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from afeval.finetune import (
    PROVIDERS,
    JobRecord,
    JobRegistry,
    LoraSettings,
    file_sha256,
    read_chat_jsonl,
    train_lora,
    utc_now,
)

__all__ = [
    "DEFAULT_HYPERPARAMETERS",
    "FineTuneError",
    "JobStatus",
    "launch_job",
    "normalise_status",
    "refresh_job",
    "wait_for_job",
]

DEFAULT_HYPERPARAMETERS: Final[Mapping[str, Mapping[str, Any]]] = {
    "openai": {"batch_size": 32, "n_epochs": 1},
    "together": {
        "batch_size": 32,
        "n_epochs": 1,
        "lora": True,
        "lora_r": 64,
        "lora_alpha": 128,
        "train_on_inputs": "auto",  # the API default (loss on assistant turns only), stated so the SDK is quiet
    },
    "local": {"r": 64, "alpha": 128, "batch_size": 32, "n_epochs": 1},
}
"""The paper's settings per provider; anything not named stays at the provider's default."""

_OPENAI_STATUSES: Final = {
    "validating_files": "queued",
    "queued": "queued",
    "running": "running",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
}
_TOGETHER_STATUSES: Final = {
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


class FineTuneError(RuntimeError):
    """A fine-tuning job could not be launched or read; the message is one line."""


@dataclass(frozen=True)
class JobStatus:
    """What one poll of a provider says about a job."""

    provider_status: str
    status: str
    tuned_model: str | None
    error: str | None = None


def normalise_status(provider: str, provider_status: str) -> str:
    """afeval's status word (queued, running, succeeded, failed, cancelled) for a provider's status."""
    table = _OPENAI_STATUSES if provider == "openai" else _TOGETHER_STATUSES
    return table.get(provider_status.lower(), "running")


def _value(obj: Any) -> str:
    """An SDK status that may be an enum or a plain string, as a string."""
    return str(getattr(obj, "value", obj))


# --- OpenAI -----------------------------------------------------------------------------------------------


def _openai_client(base_url: str | None, api_key: str | None) -> Any:
    import openai

    return openai.OpenAI(base_url=base_url, api_key=api_key)


def _openai_launch(
    dataset: Path,
    base_model: str,
    hyperparameters: Mapping[str, Any],
    *,
    suffix: str | None,
    seed: int | None,
    base_url: str | None,
    api_key: str | None,
) -> tuple[str, str, JobStatus]:
    client = _openai_client(base_url, api_key)
    with dataset.open("rb") as stream:
        uploaded = client.files.create(file=(dataset.name, stream), purpose="fine-tune")
    extra: dict[str, Any] = {}
    if suffix is not None:
        extra["suffix"] = suffix
    if seed is not None:
        extra["seed"] = seed
    # Supervised fine-tuning with the hyperparameters under `method` (the top-level `hyperparameters`
    # argument is deprecated in the API).
    job = client.fine_tuning.jobs.create(
        model=base_model,
        training_file=uploaded.id,
        method={"type": "supervised", "supervised": {"hyperparameters": dict(hyperparameters)}},
        **extra,
    )
    return job.id, uploaded.id, _openai_status(job)


def _openai_status(job: Any) -> JobStatus:
    provider_status = _value(job.status)
    error = getattr(job, "error", None)
    message = getattr(error, "message", None) if error is not None else None
    return JobStatus(
        provider_status=provider_status,
        status=normalise_status("openai", provider_status),
        tuned_model=job.fine_tuned_model,
        error=message,
    )


def _openai_poll(job_id: str, base_url: str | None, api_key: str | None) -> JobStatus:
    return _openai_status(_openai_client(base_url, api_key).fine_tuning.jobs.retrieve(job_id))


# --- Together ---------------------------------------------------------------------------------------------


def _together_client(base_url: str | None, api_key: str | None) -> Any:
    import together

    return together.Together(base_url=base_url, api_key=api_key)


def _together_launch(
    dataset: Path,
    base_model: str,
    hyperparameters: Mapping[str, Any],
    *,
    suffix: str | None,
    seed: int | None,
    base_url: str | None,
    api_key: str | None,
) -> tuple[str, str, JobStatus]:
    client = _together_client(base_url, api_key)
    uploaded = client.files.upload(file=dataset, purpose="fine-tune", check=True)
    extra: dict[str, Any] = dict(hyperparameters)
    if suffix is not None:
        extra["suffix"] = suffix
    if seed is not None:
        extra["random_seed"] = seed
    job = client.fine_tuning.create(training_file=uploaded.id, model=base_model, **extra)
    return job.id, uploaded.id, _together_status(job)


def _together_status(job: Any) -> JobStatus:
    provider_status = _value(job.status) if job.status is not None else "pending"
    # The SDK's two response types name the output model differently.
    output = getattr(job, "output_name", None) or getattr(job, "x_model_output_name", None)
    status = normalise_status("together", provider_status)
    return JobStatus(
        provider_status=provider_status,
        status=status,
        tuned_model=output if status == "succeeded" else None,
        error=None if status != "failed" else f"Together reports status {provider_status}",
    )


def _together_poll(job_id: str, base_url: str | None, api_key: str | None) -> JobStatus:
    return _together_status(_together_client(base_url, api_key).fine_tuning.retrieve(job_id))


# --- the registry side ------------------------------------------------------------------------------------


def launch_job(
    name: str,
    provider: str,
    base_model: str,
    dataset: Path,
    *,
    registry: JobRegistry | None = None,
    hyperparameters: Mapping[str, Any] | None = None,
    suffix: str | None = None,
    seed: int | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    output_dir: Path | None = None,
    device: str | None = None,
    max_steps: int | None = None,
    on_step: Callable[[int, float], None] | None = None,
) -> JobRecord:
    """Launch a fine-tuning job on ``dataset`` (chat-format JSONL) and record it as ``name``.

    ``hyperparameters`` are laid over the paper's defaults for the provider (:data:`DEFAULT_HYPERPARAMETERS`).
    A ``local`` job trains right away (under ``output_dir``, default ``<registry>/<name>``) and is recorded as
    finished; a remote one is recorded as the provider reports it, to be followed with :func:`wait_for_job`.
    Raises ValueError for a bad name, provider or data set, FineTuneError when the provider refuses."""
    if provider not in PROVIDERS:
        raise ValueError(f"unknown provider {provider!r}; choose from {', '.join(PROVIDERS)}")
    registry = registry or JobRegistry()
    if name in registry.jobs():
        raise ValueError(f"a job named {name!r} is already recorded in {registry.path}; choose another name")
    read_chat_jsonl(dataset)  # a malformed file fails here, before anything is uploaded
    sha256 = file_sha256(dataset)
    settings = {**DEFAULT_HYPERPARAMETERS[provider], **(hyperparameters or {})}
    created = utc_now()
    if provider == "local":
        record = _run_local(
            name,
            base_model,
            dataset,
            sha256,
            settings,
            registry,
            output_dir,
            device,
            max_steps,
            on_step,
            created,
        )
    else:
        launch = _openai_launch if provider == "openai" else _together_launch
        try:
            job_id, file_id, status = launch(
                dataset, base_model, settings, suffix=suffix, seed=seed, base_url=base_url, api_key=api_key
            )
        except Exception as exc:  # the SDKs raise many kinds; one line is what the user needs
            raise FineTuneError(f"{provider} refused the job: {_first_line(exc)}") from exc
        record = JobRecord(
            name=name,
            provider=provider,
            job_id=job_id,
            base_model=base_model,
            dataset=str(dataset.resolve()),
            dataset_sha256=sha256,
            hyperparameters={**settings, **({"seed": seed} if seed is not None else {})},
            status=status.status,
            provider_status=status.provider_status,
            tuned_model=status.tuned_model,
            created_at=created,
            finished_at=utc_now() if status.status in {"succeeded", "failed", "cancelled"} else None,
            training_file_id=file_id,
            api_base_url=base_url,
            error=status.error,
            details={"suffix": suffix} if suffix else {},
        )
    registry.add(record)
    return record


def _run_local(
    name: str,
    base_model: str,
    dataset: Path,
    sha256: str,
    settings: Mapping[str, Any],
    registry: JobRegistry,
    output_dir: Path | None,
    device: str | None,
    max_steps: int | None,
    on_step: Callable[[int, float], None] | None,
    created: str,
) -> JobRecord:
    try:
        lora = LoraSettings(**{**settings, **({"max_steps": max_steps} if max_steps is not None else {})})
    except TypeError:
        known = ", ".join(LoraSettings().to_dict())
        raise ValueError(f"unknown local hyperparameter in {sorted(settings)}; use {known}") from None
    out = output_dir or registry.directory / name
    job_id = "local-" + hashlib.sha256(f"{name}|{base_model}|{sha256}|{created}".encode()).hexdigest()[:12]
    result = train_lora(base_model, dataset, out, lora, device=device, on_step=on_step)
    tuned = result.merged_dir if result.merged_dir is not None else result.adapter_dir
    return JobRecord(
        name=name,
        provider="local",
        job_id=job_id,
        base_model=base_model,
        dataset=str(dataset.resolve()),
        dataset_sha256=sha256,
        hyperparameters=lora.to_dict(),
        status="succeeded",
        provider_status="trained",
        tuned_model=str(tuned.resolve()),
        created_at=created,
        finished_at=utc_now(),
        details={
            "adapter_dir": str(result.adapter_dir.resolve()),
            "device": result.device,
            "steps": result.steps,
            "final_loss": result.losses[-1] if result.losses else None,
            "n_examples": result.n_examples,
        },
    )


def refresh_job(name: str, registry: JobRegistry | None = None, *, api_key: str | None = None) -> JobRecord:
    """Ask the provider for the job's status once and store what it says (a finished job is left alone)."""
    registry = registry or JobRegistry()
    record = registry.get(name)
    if record.finished or record.provider == "local":
        return record
    poll = _openai_poll if record.provider == "openai" else _together_poll
    try:
        status = poll(record.job_id, record.api_base_url, api_key)
    except Exception as exc:
        raise FineTuneError(f"cannot read {record.provider} job {record.job_id}: {_first_line(exc)}") from exc
    finished = status.status in {"succeeded", "failed", "cancelled"}
    updated = record.updated(
        status=status.status,
        provider_status=status.provider_status,
        tuned_model=status.tuned_model or record.tuned_model,
        error=status.error,
        finished_at=utc_now() if finished else None,
    )
    registry.update(updated)
    return updated


def wait_for_job(
    name: str,
    registry: JobRegistry | None = None,
    *,
    poll_seconds: float = 60.0,
    timeout_seconds: float | None = None,
    api_key: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_poll: Callable[[JobRecord], None] | None = None,
) -> JobRecord:
    """Poll every ``poll_seconds`` until the job has finished (or ``timeout_seconds`` have passed) and return
    the stored record, with the tuned model's id once it has succeeded."""
    registry = registry or JobRegistry()
    started = time.monotonic()
    while True:
        record = refresh_job(name, registry, api_key=api_key)
        if on_poll is not None:
            on_poll(record)
        if record.finished:
            return record
        if timeout_seconds is not None and time.monotonic() - started >= timeout_seconds:
            return record
        sleep(poll_seconds)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip() or type(exc).__name__).splitlines()[0]
