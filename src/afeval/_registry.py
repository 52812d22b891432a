"""The module Inspect's entry point named before it moved to :mod:`afeval.engine`.

An environment installed before the move still loads ``afeval._registry``; importing the engine registers the
same task and model APIs. Reinstalling (``pip install -e .``) points the entry point at the engine itself.
"""

from afeval.engine import EMBEDDED_MODEL, alignment_faking

__all__ = ["EMBEDDED_MODEL", "alignment_faking"]
