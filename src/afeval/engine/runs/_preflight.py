"""Checks before any paid call: the model and the judge resolve, their servers answer, a budget can be priced.

A typo or a missing key costs one clear line here instead of a run full of errors.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from dotenv import find_dotenv, load_dotenv
from inspect_ai.model import Model, get_model

from afeval.cost import active_price_table, price_of
from afeval.engine.runs._config import RunConfig
from afeval.errors import ConfigError
from afeval.judges import OFFLINE_JUDGE


def served_at(model: str, base_url: str | None = None) -> str | None:
    """Where ``model`` is served: ``base_url`` if given, else its provider's ``<NAME>_BASE_URL`` variable
    (``<SERVICE>_BASE_URL`` for ``openai-api/<service>/...``), else None (the provider's own endpoint)."""
    if base_url:
        return base_url
    parts = model.split("/")
    name = parts[1] if parts[0] == "openai-api" and len(parts) > 2 else parts[0]
    return os.environ.get(f"{name.upper().replace('-', '_')}_BASE_URL")


_CONSOLE_MARKUP = re.compile(r"\[/?(?:bold|italic|dim|red|blue|green|yellow|cyan|magenta)\]")


def _first_line(exc: BaseException) -> str:
    """The exception as one line: Inspect's prerequisite errors span several lines with console markup (the
    missing variable is on the third), so the lines are joined and the markup dropped."""
    text = _CONSOLE_MARKUP.sub("", str(exc)).strip() or type(exc).__name__
    parts = [part.strip() for part in text.splitlines() if part.strip()]
    parts[0] = parts[0].removeprefix("ERROR:").strip()
    line = parts[0]
    for part in parts[1:]:
        line += (" " if line.endswith((":", ".", ";", ",")) else ": ") + part
    return line


def load_env_file() -> None:
    """Read API keys from a ``.env`` file in the working directory (or a parent) as Inspect does at eval
    time, so that the preflight below sees the same keys; variables already set win."""
    path = find_dotenv(usecwd=True)
    if path:
        load_dotenv(path, override=False)


REACH_TIMEOUT_SECONDS = 5.0
_PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


def check_reachable(what: str, base_url: str | None) -> None:
    """Open (and close) a TCP connection to a configured base URL, so that a wrong address fails now with one
    line instead of being retried with backoff on every sample. No request is sent."""
    if not base_url or any(os.environ.get(name) for name in _PROXY_VARIABLES):
        return  # behind a proxy a direct connection says nothing about whether the client will get through
    parsed = urlparse(base_url)
    host = parsed.hostname
    if parsed.scheme not in ("http", "https") or not host:
        raise ConfigError(f"{what}: base URL {_shown_url(base_url)} is not an http(s) URL")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=REACH_TIMEOUT_SECONDS).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(
            f"{what}: cannot reach {_shown_url(base_url)} ({reason}); check the base URL"
        ) from exc


def _shown_url(url: str) -> str:
    # Never echo credentials written into a URL (https://user:key@host/...).
    parsed = urlparse(url)
    if parsed.username or parsed.password:
        parsed = parsed._replace(netloc=(parsed.hostname or "") + (f":{parsed.port}" if parsed.port else ""))
    return parsed.geturl()


def resolve_model(
    model: str,
    what: str,
    *,
    hint: str = "",
    base_url: str | None = None,
    model_args: Mapping[str, Any] | None = None,
) -> Model:
    """The Inspect model ``model`` names, resolved before any call so that a typo, an unknown provider or a
    missing key costs one line: ConfigError "cannot use ``what`` ``model``: why", then ``hint``."""
    try:
        return get_model(model, base_url=base_url, **dict(model_args or {}))
    except Exception as exc:
        raise ConfigError(f"cannot use {what} {model!r}: {_first_line(exc)}{hint}") from exc


def preflight_judge(judge_model: str, *, flag: str = "--judge-model") -> None:
    """Resolve the judge model (unknown provider, missing key) before any paid call; the error names ``flag``,
    the command's option for the judge, as the way to the offline judges."""
    if judge_model != OFFLINE_JUDGE:
        resolve_model(judge_model, "judge model", hint=f" (or pass {flag} {OFFLINE_JUDGE})")


def preflight_budget(config: RunConfig, *, include_model: bool = True) -> None:
    """A ``--max-cost`` budget needs a price for every model it is charged for (the judge only, when
    ``include_model`` is false: re-scoring never calls the model under test)."""
    if config.max_cost is None:
        return
    table = active_price_table()
    models: dict[str, str | None] = {}
    if include_model:
        models[config.model] = served_at(config.model, config.model_base_url)
    if config.judge_model != OFFLINE_JUDGE:
        models[config.judge_model] = served_at(config.judge_model)
    unpriced = [model for model, url in models.items() if price_of(model, table=table, base_url=url) is None]
    if unpriced:
        raise ConfigError(
            f"--max-cost needs a price for every model, and {', '.join(unpriced)} has none: "
            "add it to a price table file named by AFEVAL_PRICE_TABLE (see docs/cost.md)"
        )


def preflight(config: RunConfig) -> None:
    """Resolve the model under test and the judge before anything is generated, so a typo or a missing key
    costs one clear line instead of a run full of errors."""
    load_env_file()
    resolve_model(config.model, "model", base_url=config.model_base_url, model_args=config.model_args)
    preflight_judge(config.judge_model)
    preflight_budget(config)
    check_reachable(f"model {config.model!r}", served_at(config.model, config.model_base_url))
    check_judge_reachable(config.judge_model)


def check_judge_reachable(judge_model: str) -> None:
    if judge_model != OFFLINE_JUDGE:
        check_reachable(f"judge model {judge_model!r}", served_at(judge_model))
