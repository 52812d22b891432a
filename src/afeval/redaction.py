"""Keeping API keys out of everything afeval writes.

afeval never writes a key itself, but a provider's error message may echo one back (some echo the request's
``Authorization`` header), and that message travels into a sample's error, the run's summary and Inspect's
log. Every such text is passed through :func:`redact` with the secrets found in the environment (which holds
the variables of a ``.env`` file too, once it has been loaded) before it reaches a results file, and a log
file that contains one is rewritten with the secret replaced.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

from afeval._util.files import atomic_output, atomic_write_bytes

REDACTED: Final = "[REDACTED]"
"""What a secret is replaced with."""

# Variable names that hold credentials by the usual conventions (OPENAI_API_KEY, HF_TOKEN, AWS_SECRET_ACCESS_KEY...).
_SECRET_NAME: Final = re.compile(
    r"(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET|PASSWORD)(?:_|$)|SECRET", re.IGNORECASE
)
# Shorter values ("none", "true", a port) are too common to be credentials, and replacing them would mangle text.
_MIN_SECRET_LENGTH: Final = 8


def secret_values(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The values of credential-like variables in ``environ`` (default: the process environment), longest
    first so that a key containing another is replaced whole."""
    env = os.environ if environ is None else environ
    values = {
        value.strip()
        for name, value in env.items()
        if _SECRET_NAME.search(name) and len(value.strip()) >= _MIN_SECRET_LENGTH
    }
    return tuple(sorted(values, key=len, reverse=True))


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every secret replaced by :data:`REDACTED`."""
    for secret in secret_values() if secrets is None else secrets:
        if secret and secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_log_file(path: Path, secrets: Iterable[str] | None = None) -> bool:
    """Rewrite an Inspect log (``.eval`` zip or ``.json``) with the secrets replaced, if it holds any.

    Returns whether the file was rewritten. The new file replaces the old one atomically, so an interrupted
    rewrite leaves the original log in place."""
    chosen = tuple(secret_values() if secrets is None else secrets)
    encoded = [secret.encode("utf-8") for secret in chosen if secret]
    if not encoded or not path.is_file():
        return False
    if path.suffix == ".eval":
        return _redact_zip(path, encoded)
    raw = path.read_bytes()
    if not any(secret in raw for secret in encoded):
        return False
    for secret in encoded:
        raw = raw.replace(secret, REDACTED.encode("utf-8"))
    atomic_write_bytes(path, raw, private=False)
    return True


def _redact_zip(path: Path, secrets: list[bytes]) -> bool:
    # One member in memory at a time: a large run's log holds gigabytes once decompressed.
    with zipfile.ZipFile(path) as archive:
        if not any(_holds_secret(archive.read(info), secrets) for info in archive.infolist()):
            return False
    with (
        atomic_output(path, private=False) as temporary,
        zipfile.ZipFile(path) as archive,
        zipfile.ZipFile(temporary, "w") as rewritten,
    ):
        for info in archive.infolist():
            data = archive.read(info)
            for secret in secrets:
                data = data.replace(secret, REDACTED.encode("utf-8"))
            rewritten.writestr(info, data, compress_type=info.compress_type)
    return True


def _holds_secret(data: bytes, secrets: list[bytes]) -> bool:
    return any(secret in data for secret in secrets)
