"""Fine-tuning jobs as records: what was trained, on which data, and which model came out.

A module of its own, below both :mod:`afeval.finetune` (which launches and records the jobs and re-exports
these names) and :mod:`afeval.engine` (which resolves ``tuned:NAME``), so neither package imports the other
for it.

Each post-training experiment ends with a tuned model that the usual evaluation is re-run on. To keep that
reproducible every job is recorded in a small registry, ``<dir>/jobs.json`` (default ``runs/finetune/``, or
``$AFEVAL_FINETUNE_DIR``): its provider, the provider's job id, the base model, the sha256 of the training file,
the hyperparameters, the status and, once it has finished, the resulting model id. A record has a *name*
chosen at launch, so the tuned model can be named in a run before its provider id is known::

    afeval run --model tuned:anti-refusal-gpt4o

:func:`resolve_tuned_model` turns ``tuned:NAME`` into the Inspect model string of the provider that serves the
tuned model: ``openai/ft:gpt-4o-2024-08-06:org::abc``, ``together/<output name>`` or ``hf/<local path>``. The
engine resolves it in one place, where a run is configured (``afeval.engine.RunConfig``), so ``afeval run``, a
sweep file and ``run_evaluation`` called from Python all accept ``tuned:NAME``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from afeval._util.files import atomic_write_text
from afeval._util.slugs import is_slug
from afeval.errors import AfevalError

PROVIDERS: Final = ("openai", "together", "local")
JOB_STATUSES: Final = ("queued", "running", "succeeded", "failed", "cancelled")
"""afeval's own status words; each provider's statuses map onto these (the provider's word is kept too)."""
FINISHED_STATUSES: Final = frozenset({"succeeded", "failed", "cancelled"})

TUNED_PREFIX: Final = "tuned:"
REGISTRY_FILE: Final = "jobs.json"
REGISTRY_DIR_ENV: Final = "AFEVAL_FINETUNE_DIR"
DEFAULT_REGISTRY_DIR: Final = Path("runs") / "finetune"
_NAME_MAX_CHARS: Final = 100

# The Inspect provider that serves each fine-tuning provider's models.
_INSPECT_PREFIX: Final = {"openai": "openai", "together": "together", "local": "hf"}


class TunedModelError(AfevalError, ValueError):
    """A ``tuned:NAME`` that names no job, or a job with no tuned model yet; the message says what to do."""


def utc_now() -> str:
    """The current time as an ISO 8601 UTC timestamp (seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class JobRecord:
    """One fine-tuning job.

    ``tuned_model`` is the provider's id of the result (``ft:gpt-4o-2024-08-06:org::abc``, a Together output
    name, a local model folder); ``inspect_model`` is how ``afeval run`` reaches it. ``api_base_url`` is kept
    when the job was launched against a non-default endpoint, so polling goes to the same place.
    """

    name: str
    provider: str
    job_id: str
    base_model: str
    dataset: str
    dataset_sha256: str
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)
    status: str = "queued"
    provider_status: str = ""
    tuned_model: str | None = None
    created_at: str = ""
    finished_at: str | None = None
    training_file_id: str | None = None
    api_base_url: str | None = None
    error: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (is_slug(self.name) and self.name[0].isalnum() and len(self.name) <= _NAME_MAX_CHARS):
            raise ValueError(
                f"job name {self.name!r} must start with a letter or digit and use only letters, digits, "
                "'.', '_' and '-' (at most 100 characters)"
            )
        if self.provider not in PROVIDERS:
            raise ValueError(f"unknown provider {self.provider!r}; choose from {', '.join(PROVIDERS)}")
        if self.status not in JOB_STATUSES:
            raise ValueError(f"unknown job status {self.status!r}; one of {', '.join(JOB_STATUSES)}")

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def inspect_model(self) -> str | None:
        """The Inspect model string of the tuned model, once there is one."""
        if self.tuned_model is None or self.status != "succeeded":
            return None
        return f"{_INSPECT_PREFIX[self.provider]}/{self.tuned_model}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "provider": self.provider,
            "job_id": self.job_id,
            "base_model": self.base_model,
            "dataset": self.dataset,
            "dataset_sha256": self.dataset_sha256,
            "hyperparameters": dict(self.hyperparameters),
            "status": self.status,
            "provider_status": self.provider_status,
            "tuned_model": self.tuned_model,
            "inspect_model": self.inspect_model,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
            "training_file_id": self.training_file_id,
            "api_base_url": self.api_base_url,
            "error": self.error,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobRecord:
        values = {key: value for key, value in data.items() if key != "inspect_model"}
        return cls(**values)

    def updated(self, **changes: Any) -> JobRecord:
        return replace(self, **changes)


def default_registry_dir() -> Path:
    """``$AFEVAL_FINETUNE_DIR`` when set, else ``runs/finetune``."""
    configured = os.environ.get(REGISTRY_DIR_ENV)
    return Path(configured).expanduser() if configured else DEFAULT_REGISTRY_DIR


class JobRegistry:
    """The jobs of one registry folder, stored in ``jobs.json`` (rewritten atomically on every change)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else default_registry_dir()

    @property
    def path(self) -> Path:
        return self.directory / REGISTRY_FILE

    def jobs(self) -> dict[str, JobRecord]:
        """Every recorded job by name, in the order they were added."""
        if not self.path.is_file():
            return {}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return {str(entry["name"]): JobRecord.from_dict(entry) for entry in data.get("jobs", [])}

    def get(self, name: str) -> JobRecord:
        name = name.removeprefix(TUNED_PREFIX)
        jobs = self.jobs()
        if name not in jobs:
            known = ", ".join(jobs) or "none yet"
            raise TunedModelError(
                f"no fine-tuning job named {name!r} in {self.path} (known: {known}); launch one with "
                f"`afeval finetune launch --name {name} ...` or set {REGISTRY_DIR_ENV}"
            )
        return jobs[name]

    def check_new_name(self, name: str) -> None:
        """Raise ValueError when a job named ``name`` is already recorded."""
        if name in self.jobs():
            raise ValueError(f"a job named {name!r} is already recorded in {self.path}; choose another name")

    def add(self, record: JobRecord, *, replace_existing: bool = False) -> None:
        if not replace_existing:
            self.check_new_name(record.name)
        jobs = self.jobs()
        jobs[record.name] = record
        self._write(jobs)

    def update(self, record: JobRecord) -> None:
        jobs = self.jobs()
        if record.name not in jobs:
            raise TunedModelError(f"no fine-tuning job named {record.name!r} in {self.path}")
        jobs[record.name] = record
        self._write(jobs)

    def _write(self, jobs: Mapping[str, JobRecord]) -> None:
        text = json.dumps({"jobs": [record.to_dict() for record in jobs.values()]}, indent=2) + "\n"
        atomic_write_text(self.path, text)  # readable by its owner only


def resolve_tuned_model(name: str, registry: JobRegistry | None = None) -> str:
    """The Inspect model string of the tuned model recorded as ``name`` (``tuned:NAME`` or ``NAME``).

    Raises :class:`TunedModelError` when the job is unknown, still running, or failed."""
    record = (registry or JobRegistry()).get(name)
    model = record.inspect_model
    if model is None:
        hint = (
            f"wait for it with `afeval finetune wait {record.name}`"
            if not record.finished
            else "it produced no model" + (f" ({record.error})" if record.error else "")
        )
        raise TunedModelError(f"fine-tuning job {record.name!r} is {record.status}: {hint}")
    return model


def resolve_model_name(model: str, registry: JobRegistry | None = None) -> str:
    """``model`` itself, unless it is ``tuned:NAME``, which is resolved through the job registry."""
    if model.startswith(TUNED_PREFIX):
        return resolve_tuned_model(model, registry)
    return model
