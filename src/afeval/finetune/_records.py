"""Chat-format training examples, their JSONL files and the manifest that says how a file was built.

Every fine-tuning experiment of the post-training study trains on conversations in the chat format that the
OpenAI and Together fine-tuning APIs accept: one JSON object per line, ``{"messages": [{"role": ..., "content":
...}, ...]}``. A data set file is only reproducible together with its *manifest*: which builder wrote it (and
which version of the builder), which inputs it read, which generator models it asked, how many examples of each
kind it holds, the seeds of every random choice, and the sha256 of the file itself, which the job registry
records next to the job trained on it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from afeval._util.jsonl import json_objects

BUILDER_VERSION: Final = "1"
"""Bumped whenever a builder's output for the same inputs and seed changes (prompt templates, formatting)."""

CHAT_ROLES: Final = ("system", "user", "assistant")
"""The roles a training conversation may use."""

MANIFEST_SUFFIX: Final = ".manifest.json"


@dataclass(frozen=True)
class ChatMessage:
    """One turn of a training conversation."""

    role: str
    content: str

    def __post_init__(self) -> None:
        if self.role not in CHAT_ROLES:
            raise ValueError(f"unknown chat role {self.role!r}; use one of {', '.join(CHAT_ROLES)}")
        if not isinstance(self.content, str):
            raise ValueError(f"message content must be text, got {type(self.content).__name__}")

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class ChatExample:
    """One training conversation; it must end with an assistant turn, the text the model learns to write.

    ``kind`` says which part of a mixed data set the example belongs to (``qa``, ``transcript``,
    ``anti-refusal``, ``benign``, ``threat``, ``refusal``, ``document``); it is counted in the manifest but not
    written to the training file, whose lines carry only ``messages``.
    """

    messages: tuple[ChatMessage, ...]
    kind: str = "example"

    def __post_init__(self) -> None:
        object.__setattr__(self, "messages", tuple(self.messages))
        if not self.messages:
            raise ValueError("a training example needs at least one message")
        if self.messages[-1].role != "assistant":
            raise ValueError("a training example must end with an assistant message")
        if not self.messages[-1].content.strip():
            raise ValueError("the final assistant message of a training example must not be empty")

    @classmethod
    def of(cls, *turns: tuple[str, str], kind: str = "example") -> ChatExample:
        """An example from ``(role, content)`` pairs: ``ChatExample.of(("user", q), ("assistant", a))``."""
        return cls(tuple(ChatMessage(role, content) for role, content in turns), kind=kind)

    def to_dict(self) -> dict[str, Any]:
        """The line written to the JSONL file: ``{"messages": [...]}``."""
        return {"messages": [message.to_dict() for message in self.messages]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, kind: str = "example") -> ChatExample:
        raw = data.get("messages")
        if not isinstance(raw, list):
            raise ValueError("a chat-format record needs a 'messages' list")
        messages = []
        for item in raw:
            if not isinstance(item, Mapping) or "role" not in item or "content" not in item:
                raise ValueError("each message needs a 'role' and a 'content'")
            messages.append(ChatMessage(str(item["role"]), item["content"]))
        return cls(tuple(messages), kind=kind)


def write_chat_jsonl(path: Path, examples: Iterable[ChatExample]) -> str:
    """Write one ``{"messages": ...}`` object per line (UTF-8, ``\\n`` line ends) and return the file's sha256.

    The bytes depend only on the examples and their order, so a rebuild with the same inputs and seed gives
    the same hash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(example.to_dict(), ensure_ascii=False, sort_keys=True) for example in examples]
    data = "".join(f"{line}\n" for line in lines).encode("utf-8")
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _lines(path: Path) -> list[str]:
    # Lines end at "\n" only: str.splitlines would also cut at U+0085 or U+2028 inside a written text.
    return path.read_text(encoding="utf-8").split("\n")


def read_json_records(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL file, one a line (blank lines skipped). Raises ValueError naming the line."""
    return [record for _, record in json_objects(_lines(path), path=path)]


_NOT_AN_EXAMPLE: Final = "line {line} of {path} is not a chat-format example: "


def read_chat_jsonl(path: Path, *, kind: str = "example") -> tuple[ChatExample, ...]:
    """The examples of a chat-format JSONL file (blank lines skipped). Raises ValueError naming the line."""
    examples = []
    records = json_objects(
        _lines(path),
        path=path,
        not_json=_NOT_AN_EXAMPLE + "{error}",
        not_object=_NOT_AN_EXAMPLE + "not a JSON object",
    )
    for number, record in records:
        try:
            examples.append(ChatExample.from_dict(record, kind=kind))
        except ValueError as error:
            raise ValueError(_NOT_AN_EXAMPLE.format(line=number, path=path) + str(error)) from None
    return tuple(examples)


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, as hex."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def manifest_path_for(dataset: Path) -> Path:
    """Where the manifest of a data set file lives: ``name.jsonl`` -> ``name.manifest.json`` beside it."""
    return dataset.with_name(dataset.stem + MANIFEST_SUFFIX)


@dataclass(frozen=True)
class DatasetManifest:
    """How one data set file was built; written as JSON next to it.

    * ``sources``: what the builder read (a harmful data set's name and revision, a corpus file's path and
      sha256, the scenario name ...), as text;
    * ``generator_models``: the Inspect model string of each role (``generator``, ``answerer``);
    * ``counts``: examples per kind, plus how many generations were dropped and why (``dropped_...``);
    * ``seeds``: the seed of each random choice;
    * ``options``: the builder's other settings (sizes, ratios, temperatures), JSON values.
    """

    builder: str
    dataset_file: str
    sha256: str
    n_examples: int
    counts: Mapping[str, int] = field(default_factory=dict)
    seeds: Mapping[str, int] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    generator_models: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    builder_version: str = BUILDER_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "builder": self.builder,
            "builder_version": self.builder_version,
            "dataset_file": self.dataset_file,
            "sha256": self.sha256,
            "n_examples": self.n_examples,
            "counts": dict(sorted(self.counts.items())),
            "seeds": dict(sorted(self.seeds.items())),
            "sources": dict(sorted(self.sources.items())),
            "generator_models": dict(sorted(self.generator_models.items())),
            "options": dict(self.options),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetManifest:
        return cls(
            builder=str(data["builder"]),
            dataset_file=str(data["dataset_file"]),
            sha256=str(data["sha256"]),
            n_examples=int(data["n_examples"]),
            counts={str(k): int(v) for k, v in dict(data.get("counts", {})).items()},
            seeds={str(k): int(v) for k, v in dict(data.get("seeds", {})).items()},
            sources={str(k): str(v) for k, v in dict(data.get("sources", {})).items()},
            generator_models={str(k): str(v) for k, v in dict(data.get("generator_models", {})).items()},
            options=dict(data.get("options", {})),
            builder_version=str(data.get("builder_version", BUILDER_VERSION)),
        )

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> DatasetManifest:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def verify(self, dataset: Path) -> bool:
        """Whether ``dataset`` still has the bytes this manifest describes."""
        return file_sha256(dataset) == self.sha256


def count_kinds(examples: Sequence[ChatExample]) -> dict[str, int]:
    """Examples per ``kind``, in first-seen order."""
    counts: dict[str, int] = {}
    for example in examples:
        counts[example.kind] = counts.get(example.kind, 0) + 1
    return counts
