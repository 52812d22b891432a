"""Launch, poll and record fine-tuning jobs, whichever provider trains them.

A remote provider (OpenAI, Together: :class:`~afeval.finetune._provider.RemoteProvider`, one module each) is
asked to start the job and, later, how it stands; a ``local`` job is trained right away by
:func:`~afeval.finetune._local_lora.launch_local`. Either way the job is recorded in the registry under the
name given at launch, with the sha256 of its training file and the hyperparameters: the paper's settings for
the provider (:data:`DEFAULT_HYPERPARAMETERS`) with the user's overrides.

Endpoints and keys come from the SDKs' usual environment variables (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
``TOGETHER_API_KEY``, ``TOGETHER_BASE_URL``) unless given; a base URL given at launch is kept in the record so
that polling reaches the same endpoint.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from afeval._util.text import error_line
from afeval.errors import AfevalError
from afeval.finetune._local_lora import LOCAL_HYPERPARAMETERS, launch_local
from afeval.finetune._openai import OpenAIProvider
from afeval.finetune._provider import RemoteLaunch, RemoteProvider
from afeval.finetune._records import file_sha256, read_chat_jsonl
from afeval.finetune._together import TogetherProvider
from afeval.tuned_models import FINISHED_STATUSES, PROVIDERS, JobRecord, JobRegistry, utc_now

_REMOTE: Final[Mapping[str, RemoteProvider]] = {"openai": OpenAIProvider(), "together": TogetherProvider()}

DEFAULT_HYPERPARAMETERS: Final[Mapping[str, Mapping[str, Any]]] = {
    **{name: provider.default_hyperparameters for name, provider in _REMOTE.items()},
    "local": LOCAL_HYPERPARAMETERS,
}
"""The paper's settings per provider; anything not named stays at the provider's default."""

DEFAULT_POLL_SECONDS: Final = 60.0
"""Seconds between two polls of a remote job (fine-tuning takes minutes to hours)."""


class FineTuneError(AfevalError, RuntimeError):
    """A fine-tuning job could not be launched or read; the message is one line."""


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
    registry.check_new_name(name)
    read_chat_jsonl(dataset)  # a malformed file fails here, before anything is uploaded
    sha256 = file_sha256(dataset)
    settings = {**DEFAULT_HYPERPARAMETERS[provider], **(hyperparameters or {})}
    created = utc_now()
    if provider == "local":
        record = launch_local(
            name,
            base_model,
            dataset,
            sha256,
            settings,
            output_dir or registry.directory / name,
            created=created,
            device=device,
            max_steps=max_steps,
            on_step=on_step,
        )
    else:
        job = RemoteLaunch(dataset, base_model, settings, suffix, seed, base_url, api_key)
        try:
            job_id, file_id, status = _REMOTE[provider].launch(job)
        except Exception as exc:  # the SDKs raise many kinds; one line is what the user needs
            raise FineTuneError(f"{provider} refused the job: {error_line(exc)}") from exc
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
            finished_at=utc_now() if status.status in FINISHED_STATUSES else None,
            training_file_id=file_id,
            api_base_url=base_url,
            error=status.error,
            details={"suffix": suffix} if suffix else {},
        )
    registry.add(record)
    return record


def refresh_job(name: str, registry: JobRegistry | None = None, *, api_key: str | None = None) -> JobRecord:
    """Ask the provider for the job's status once and store what it says (a finished job is left alone)."""
    registry = registry or JobRegistry()
    record = registry.get(name)
    if record.finished or record.provider == "local":
        return record
    try:
        status = _REMOTE[record.provider].poll(record.job_id, record.api_base_url, api_key)
    except Exception as exc:
        raise FineTuneError(f"cannot read {record.provider} job {record.job_id}: {error_line(exc)}") from exc
    updated = record.updated(
        status=status.status,
        provider_status=status.provider_status,
        tuned_model=status.tuned_model or record.tuned_model,
        error=status.error,
        finished_at=utc_now() if status.status in FINISHED_STATUSES else None,
    )
    registry.update(updated)
    return updated


def wait_for_job(
    name: str,
    registry: JobRegistry | None = None,
    *,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
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
