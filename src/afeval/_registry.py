"""Inspect AI entry point: importing this registers afeval's task and its model APIs.

Declared in pyproject.toml under ``[project.entry-points.inspect_ai]`` so that
``inspect eval afeval/alignment_faking`` and ``--model afeval-local/smollm2-135m-instruct`` work.
"""

from afeval.engine import EMBEDDED_MODEL, alignment_faking

__all__ = ["EMBEDDED_MODEL", "alignment_faking"]
