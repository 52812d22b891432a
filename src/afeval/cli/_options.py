"""The options more than one command shares, each written once, and the parsing of option values.

After inspect_ai's ``_cli/common.py``: a command declares ``display: DisplayOption = None`` instead of spelling
the option out again. An option only one command has stays with that command.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Final, TypeVar

import typer

from afeval.reference import REFERENCE_MANIFEST
from afeval.settings import PRESETS, SETTING_KEYS_BY_NAME, Preset, SettingKey

DisplayOption = Annotated[
    str | None, typer.Option(help="Progress display: full, rich, plain, log or none (Inspect's).")
]
JudgeCacheOption = Annotated[bool, typer.Option("--cache/--no-cache", help="Cache judge calls.")]
JudgeConnectionsOption = Annotated[int | None, typer.Option(help="Concurrent connections to the judge.")]
ModelArgsOption = Annotated[list[str] | None, typer.Option("-M", "--model-arg", help="Model arg KEY=VALUE.")]
PromptsOption = Annotated[str, typer.Option("--prompts", help=SETTING_KEYS_BY_NAME["prompts"].help)]
"""``--prompts`` of the commands that show prompts rather than run (``afeval prompts``): the setting's help."""
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


_OFF_SWITCHES: Final[Mapping[str, str]] = {"count_invalid": "--drop-invalid"}
"""The off-switch of an on/off setting option where ``--no-<name>`` would read badly."""

_Command = TypeVar("_Command", bound=Callable[..., Any])


def _option_name(key: SettingKey) -> str:
    return "--" + key.name.replace("_", "-")


def _in_words(key: SettingKey, value: Any) -> str:
    """A setting's value as the help shows it: names joined by commas, on/off, None as the key says."""
    if value is None:
        return key.unset
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _defaults_note(key: SettingKey, presets: Iterable[Preset]) -> str:
    """Each preset's value of ``key`` (one value where they agree): what the option keeps when left out. With
    no presets (a command that starts from a stored run's settings), the run's own value."""
    values: dict[str, list[str]] = {}
    group, field_name = key.targets[0]
    for preset in presets:
        values.setdefault(_in_words(key, getattr(getattr(preset, group), field_name)), []).append(preset.name)
    if not values:
        return " Default: the run's own."
    if len(values) == 1:
        return f" Default: {next(iter(values))}."
    return (
        " Default: the preset's ("
        + "; ".join(f"{'/'.join(names)}: {v}" for v, names in values.items())
        + ")."
    )


def setting_option(key: SettingKey, presets: Iterable[Preset] = PRESETS.values()) -> Any:
    """The command option of a setting key (:data:`afeval.settings.SETTING_KEYS`): ``--name`` (on/off
    settings ``--name/--no-name``), its help the field's, with each preset's value; left out it is None (the
    preset's value is kept)."""
    names = [_option_name(key)]
    if key.kind is bool:
        names = [f"{names[0]}/{_OFF_SWITCHES.get(key.name, '--no-' + key.name.replace('_', '-'))}"]
    words = f" One of: {', '.join(key.choices)}." if key.choices else ""
    return typer.Option(*names, help=key.help + words + _defaults_note(key, presets))


def _option_type(key: SettingKey) -> type:
    return str if key.is_list or key.choices else key.kind


def with_setting_options(
    keys: Iterable[str], presets: Iterable[Preset] = PRESETS.values()
) -> Callable[[_Command], _Command]:
    """Give a command one option per setting key of ``keys`` (see :func:`setting_option`), after its own
    parameters. The command takes them as ``**settings``: the key names with their values, None where left
    out. Its own parameters come first and a key it spells itself is not added again."""
    chosen = [SETTING_KEYS_BY_NAME[name] for name in keys]
    shown = tuple(presets)

    def decorate(command: _Command) -> _Command:
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
        spelled = {p.name for p in own}
        added = [
            inspect.Parameter(
                key.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[_option_type(key) | None, setting_option(key, shown)],
            )
            for key in chosen
            if key.name not in spelled
        ]
        ordered = sorted(own, key=lambda p: p.kind) + added

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> Any:
            return command(**kwargs)

        wrapper.__signature__ = signature.replace(parameters=ordered)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {
            **{p.name: p.annotation for p in ordered},
            "return": signature.return_annotation,
        }
        return wrapper  # type: ignore[return-value]

    return decorate


def out_dir_option(default: str) -> Any:
    """``--out``, whose default each command words for itself (``Annotated[Path | None, out_dir_option(...)]``)."""
    return typer.Option(help=f"Output directory. Default: {default}.")


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
