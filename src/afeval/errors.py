"""One base error for everything afeval reports to a user as a single line.

Each concept raises its own subclass (a bad setting, a dataset that cannot be read, a run that cannot be
re-scored, a fine-tuning job that failed, ...), so a command catches :class:`AfevalError` once and prints its
message. Subclasses keep the built-in base they had before (``ValueError`` or ``RuntimeError``) as a second
base, so code that caught those still does.
"""

from __future__ import annotations


class AfevalError(Exception):
    """An error whose message is one line a user can act on; the command line prints it and exits 2."""


class ConfigError(AfevalError, RuntimeError):
    """A setting that cannot work (unknown model or provider, missing key), caught before any paid call."""
