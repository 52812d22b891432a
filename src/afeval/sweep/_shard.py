"""Splitting a sweep across machines: ``--shard i/n``.

Each run of a sweep goes to exactly one of ``n`` shards, chosen from a hash of its run id alone. The choice
does not depend on the other runs, so adding a model or a scenario to the sweep file never moves an existing
run to another shard: every machine keeps resuming the runs it already started. Shards write into the same
output directory (a shared file system, or an S3 log directory for Inspect's logs) and ``afeval report`` reads
the merged result.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


class _HasRunId(Protocol):
    @property
    def run_id(self) -> str: ...


RunT = TypeVar("RunT", bound=_HasRunId)


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 1 <= self.index <= self.count:
            raise ValueError(f"shard must be i/n with 1 <= i <= n, got {self.index}/{self.count}")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/4"`` -> ``Shard(2, 4)``; raises ``ValueError`` with the expected form otherwise."""
        match = _SHARD.match(text)
        if match is None:
            raise ValueError(f"shard must look like i/n (e.g. 2/4), got {text!r}")
        return cls(index=int(match.group(1)), count=int(match.group(2)))

    def owns(self, run_id: str) -> bool:
        """Whether the run with this id belongs to this shard."""
        digest = hashlib.sha256(run_id.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def select(self, runs: Sequence[RunT]) -> tuple[RunT, ...]:
        """The runs of this shard, in their original order."""
        return tuple(run for run in runs if self.owns(run.run_id))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"
