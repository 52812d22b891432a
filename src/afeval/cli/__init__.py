"""The ``afeval`` command line: one module per command, shared options, one printer.

* ``main``: the application and its commands (``afeval = "afeval.cli:app"``);
* ``run``, ``sweep``, ``report``, ``rescore``, ``judges``: one command (or sub-application) each; they parse
  arguments and call the library, and decide nothing of their own;
* ``_options``: the options several commands share, each written once, and option-value parsing;
* ``_print``: the two consoles and everything printed, including the one-line ``error:`` of a user's error
  (any :class:`~afeval.errors.AfevalError`) with exit code 2.
"""

from afeval.cli.main import app

__all__ = ["app"]
