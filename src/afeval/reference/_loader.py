"""Load the reference prompts from a clone or the download cache, verify them, render them byte for byte.

A clone (``reference_dir``) is read from its working tree. Without one, the files come from afeval's cache
(``$AFEVAL_CACHE_DIR/reference``, beside the datasets' cache); a file missing there is downloaded once, over
the datasets' pinned-download path, when the manifest is pinned. Every file whose sha256 is pinned is checked;
a mismatch is an error naming the file and the commit it must come from. Offline with nothing cached the error
is one line naming the remedy: clone the repository at the commit and pass ``--reference-dir``.

Rendering follows the pipeline: a Jinja2 environment with its defaults (no ``keep_trailing_newline``, no
``trim_blocks``), whose loader resolves includes from the same set of manifest paths, with ``StrictUndefined``
so a template that wanted a variable fails instead of rendering a blank; then ``str.format`` for the roles the
pipeline formats.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FunctionLoader, StrictUndefined, TemplateNotFound

from afeval.errors import AfevalError
from afeval.reference._manifest import REFERENCE_MANIFEST, ReferenceManifest, ReferenceRole

__all__ = [
    "ReferenceChecksumError",
    "ReferencePrompts",
    "ReferenceText",
    "ReferenceUnavailableError",
    "default_reference_cache_dir",
    "load_reference",
    "reference_checksums",
    "reference_remedy",
]


class ReferenceUnavailableError(AfevalError, RuntimeError):
    """The reference prompts cannot be had (no clone given, not cached, no download); the message is one line
    with the remedy."""


class ReferenceChecksumError(AfevalError, RuntimeError):
    """A reference file is not the pinned one; the message names the file and the commit it must come from."""


@dataclass(frozen=True)
class ReferenceText:
    """One upstream file as loaded: its text, where it came from and whether its sha256 was checked."""

    role: str
    path: str
    text: str
    source: Path
    verified: bool


def reference_remedy(manifest: ReferenceManifest = REFERENCE_MANIFEST) -> str:
    """The commands that make the reference available, for error messages and the docs."""
    clone = manifest.repo.rsplit("/", 1)[-1]
    return (
        f"git clone https://github.com/{manifest.repo} && git -C {clone} checkout {manifest.commit}, "
        f"then pass --reference-dir {clone}"
    )


def default_reference_cache_dir() -> Path:
    """``$AFEVAL_CACHE_DIR/reference``, else afeval's platform cache dir: the datasets' cache root."""
    from afeval.datasets import default_cache_dir

    return default_cache_dir().parent / "reference"


class ReferencePrompts:
    """The reference prompt files of ``manifest``, from ``reference_dir`` (a clone) or the cache.

    Files are read when first needed and kept. ``download=False`` never touches the network (a missing file
    is then unavailable)."""

    def __init__(
        self,
        reference_dir: Path | None = None,
        *,
        cache_dir: Path | None = None,
        manifest: ReferenceManifest = REFERENCE_MANIFEST,
        download: bool = True,
    ) -> None:
        if reference_dir is not None and not reference_dir.is_dir():
            raise ReferenceUnavailableError(
                f"--reference-dir {reference_dir} is not a directory; {reference_remedy(manifest)}"
            )
        self.reference_dir = reference_dir
        self.cache_dir = cache_dir
        self.manifest = manifest
        self.download = download
        self._texts: dict[str, ReferenceText] = {}
        self._by_path = {role.path: role for role in manifest.roles.values()}
        self._environment = Environment(
            loader=FunctionLoader(self._template_source),
            undefined=StrictUndefined,
            autoescape=False,
        )

    # --- loading ----------------------------------------------------------------------------------------

    def text(self, role_name: str) -> ReferenceText:
        """The raw file of ``role_name``, verified when its sha256 is pinned."""
        cached = self._texts.get(role_name)
        if cached is not None:
            return cached
        role = self.manifest.role(role_name)
        source = self._locate(role)
        data = source.read_bytes()
        verified = False
        if role.sha256 is not None:
            digest = hashlib.sha256(data).hexdigest()
            if digest != role.sha256:
                raise ReferenceChecksumError(
                    f"{source} is not {role.path} of {self.manifest.repo} at commit {self.manifest.commit} "
                    f"(sha256 {digest}, expected {role.sha256}); check out {self.manifest.commit} in the clone"
                )
            verified = True
        loaded = ReferenceText(role.name, role.path, data.decode("utf-8"), source, verified)
        self._texts[role_name] = loaded
        return loaded

    def _locate(self, role: ReferenceRole) -> Path:
        if self.reference_dir is not None:
            path = self.reference_dir / role.path
            if not path.is_file():
                raise ReferenceUnavailableError(
                    f"{role.path} is missing from --reference-dir {self.reference_dir}; "
                    f"{reference_remedy(self.manifest)}"
                )
            return path
        cache_dir = self.cache_dir or default_reference_cache_dir()
        cached = cache_dir / role.name / self.manifest.commit / Path(role.path).name
        if cached.is_file() and (role.sha256 is None or _sha256_of(cached) == role.sha256):
            return cached
        if not self.download or not self.manifest.pinned:
            why = "downloads are off" if not self.download else "its checksums are not pinned in this afeval"
            raise ReferenceUnavailableError(
                f"the reference prompts are not cached in {cache_dir} and {why}; {reference_remedy(self.manifest)}"
            )
        return _download(self.manifest, role, cache_dir)

    # --- rendering --------------------------------------------------------------------------------------

    def _template_source(self, name: str) -> str:
        role = self._by_path.get(name)
        if role is None:
            raise TemplateNotFound(name)
        return self.text(role.name).text

    def render(self, role_name: str, **values: str) -> str:
        """The text the pipeline sends for ``role_name``: Jinja2, then ``str.format(**values)`` for the roles it
        formats. ``values`` must be exactly the role's placeholders."""
        role = self.manifest.role(role_name)
        if set(values) != set(role.variables):
            raise ValueError(
                f"reference role {role_name} takes {sorted(role.variables)}, got {sorted(values)}"
            )
        rendered = self.template(role_name)
        return rendered.format(**values) if role.fill == "format" else rendered

    def template(self, role_name: str) -> str:
        """``role_name`` rendered by Jinja2 only: a role the pipeline formats keeps its ``str.format``
        placeholders open (a run fills them per sample)."""
        return self._environment.get_template(self.manifest.role(role_name).path).render()

    def load_all(self) -> ReferencePrompts:
        """Read every file of the manifest now (a run loads them before any model call, so a missing or
        wrong file stops it at once); returns self."""
        for role_name in self.manifest.roles:
            self.text(role_name)
        return self

    def loaded(self) -> Mapping[str, ReferenceText]:
        """Every file read so far (the included ones too), by role."""
        return dict(self._texts)


@functools.lru_cache(maxsize=8)
def load_reference(reference_dir: Path | None = None) -> ReferencePrompts:
    """The reference prompts of a run, every file read (from ``reference_dir`` or the cache) and checked, once
    per process and directory: the run's preflight and its task share one load. A failure is not kept, so a
    later call tries again."""
    return ReferencePrompts(reference_dir).load_all()


def reference_checksums(
    reference_dir: Path, manifest: ReferenceManifest = REFERENCE_MANIFEST
) -> dict[str, tuple[str, str]]:
    """Per role, the path and the sha256 of that file in a clone: the values to pin in the manifest."""
    sums = {}
    for role in manifest.roles.values():
        path = reference_dir / role.path
        if not path.is_file():
            raise ReferenceUnavailableError(
                f"{role.path} is missing from --reference-dir {reference_dir}; {reference_remedy(manifest)}"
            )
        sums[role.name] = (role.path, _sha256_of(path))
    return sums


def _download(manifest: ReferenceManifest, role: ReferenceRole, cache_dir: Path) -> Path:
    """Fetch one pinned file into the cache with the datasets' verified downloader."""
    from afeval.datasets import DatasetError, RemoteDatasetSource, _fetch_over_http

    assert role.sha256 is not None  # callers download only when the manifest is pinned
    source = RemoteDatasetSource(
        name=role.name,
        host="http",
        repo=manifest.repo,
        path=role.path,
        revision=manifest.commit,
        url=manifest.raw_url(role),
        sha256=role.sha256,
        format="txt",
        column=None,
        licence="MIT",
        citation=f"{manifest.repo} at {manifest.commit}",
    )
    try:
        return _fetch_over_http(source, cache_dir)
    except DatasetError as error:
        # Its message ends with the datasets' remedy; ours is the clone.
        reason = str(error).split(";", 1)[0]
        raise ReferenceUnavailableError(f"{reason}; {reference_remedy(manifest)}") from None


def _sha256_of(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()
