"""Every error a user can cause is an AfevalError: the command line catches that one type and prints one line."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import afeval
from afeval.errors import AfevalError, ConfigError

# Raised and caught inside afeval, never shown to a user as such: an unparseable judge reply is recorded as a
# judge error on its sample; the replay model refusing a call would be a bug in re-scoring.
INTERNAL = {"JudgeReplyError", "ReplayedModelCalled"}


def _package_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for module_info in pkgutil.walk_packages(afeval.__path__, prefix="afeval."):
        if module_info.name.endswith("__main__"):
            continue  # importing it runs the command line
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
            ):
                found[name] = value
    return found


def test_every_user_facing_error_is_an_afeval_error() -> None:
    errors = _package_exceptions()
    assert {"DatasetError", "SweepFileError", "RescoreError", "FineTuneError", "TextFileError"} <= set(errors)
    outside = sorted(name for name, error in errors.items() if not issubclass(error, AfevalError))
    assert outside == sorted(INTERNAL)


def test_errors_keep_the_builtin_base_callers_caught_before() -> None:
    errors = _package_exceptions()
    assert issubclass(ConfigError, RuntimeError)
    assert issubclass(errors["SweepFileError"], ValueError)
    assert issubclass(errors["DatasetError"], RuntimeError)
