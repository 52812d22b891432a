"""The options more than one command shares, each written once, and the parsing of option values.

After inspect_ai's ``_cli/common.py``: a command declares ``display: DisplayOption = None`` instead of spelling
the option out again. An option only one command has stays with that command.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from afeval.reference import PROMPT_SOURCES, REFERENCE_MANIFEST

DisplayOption = Annotated[
    str | None, typer.Option(help="Progress display: full, rich, plain, log or none (Inspect's).")
]
JudgeCacheOption = Annotated[bool, typer.Option("--cache/--no-cache", help="Cache judge calls.")]
JudgeConnectionsOption = Annotated[int | None, typer.Option(help="Concurrent connections to the judge.")]
ModelArgsOption = Annotated[list[str] | None, typer.Option("-M", "--model-arg", help="Model arg KEY=VALUE.")]
PromptsOption = Annotated[
    str,
    typer.Option(
        "--prompts",
        help=f"Whose wording: {' or '.join(PROMPT_SOURCES)} (afeval's own, or the reference pipeline's "
        "templates, loaded at run time; see docs/reference-prompts.md).",
    ),
]
StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Exit 1 when the results carry a warning (a judge failing on more than 5% of a tier's samples, "
        "failed samples); the results are written all the same.",
    ),
]
ReferenceDirOption = Annotated[
    Path | None,
    typer.Option(
        help=f"A clone of {REFERENCE_MANIFEST.repo} at {REFERENCE_MANIFEST.commit} to read the reference prompts "
        "from (default: afeval's download cache)."
    ),
]


def out_dir_option(default: str) -> Any:
    """``--out``, whose default each command words for itself (``Annotated[Path | None, out_dir_option(...)]``)."""
    return typer.Option(help=f"Output directory. Default: {default}.")


def given_options(ctx: typer.Context) -> dict[str, Any]:
    """The command's options that the command line gave, by parameter name (those left out took their
    default: a command that starts from a preset keeps the preset's value for them)."""
    given = {}
    for name, value in ctx.params.items():
        source = ctx.get_parameter_source(name)
        # By name: typer's ParameterSource enum is its vendored click's or click's own, by version.
        if source is not None and source.name != "DEFAULT":
            given[name] = value
    return given


def parse_key_values(
    values: list[str], param_hint: str, value_of: Callable[[str], Any] = str
) -> dict[str, Any]:
    """Repeated ``KEY=VALUE`` options as a dict (keys stripped, each value through ``value_of``); a pair
    without ``=`` or without a key is a bad parameter, named by ``param_hint``."""
    parsed: dict[str, Any] = {}
    for value in values:
        key, sep, raw = value.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected KEY=VALUE, got {value!r}", param_hint=param_hint)
        parsed[key.strip()] = value_of(raw)
    return parsed


def parse_model_args(values: list[str]) -> dict[str, Any]:
    """``-M KEY=VALUE`` pairs as Inspect's model args (values stay strings)."""
    return parse_key_values(values, "-M/--model-arg")


def comma_list(value: str | None) -> tuple[str, ...] | None:
    """A comma-separated option as names, blanks dropped; None when it was not given (or left empty)."""
    return tuple(item.strip() for item in value.split(",") if item.strip()) if value else None


def sub_app(name: str, help: str) -> typer.Typer:
    """A command group (``afeval judges``, ``afeval finetune``, ...): without a sub-command it shows its help."""
    return typer.Typer(name=name, help=help, no_args_is_help=True, add_completion=False)
