"""afeval: measure alignment faking in language models."""

from importlib.metadata import version

__version__ = version("afeval")
