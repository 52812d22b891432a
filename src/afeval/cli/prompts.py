"""``afeval prompts``: the exact messages a model and each judge receive, and how afeval's wording differs
from the reference pipeline's.

``show`` prints one source's messages (afeval's own or the reference's, loaded by :mod:`afeval.reference`);
``diff`` prints, per role, a unified diff and a similarity figure, then a summary table; ``checksums`` prints the
sha256 of each reference file in a clone, the values a maintainer pins in the manifest. The library builds the
messages and the diffs; these commands parse options and print.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from afeval.cli._options import PromptsOption, ReferenceDirOption, sub_app
from afeval.cli._print import console, errors, user_errors
from afeval.reference import (
    PLACEHOLDER_REQUEST,
    REFERENCE_MANIFEST,
    PromptSet,
    ReferencePrompts,
    diff_prompt_sets,
    prompt_sets,
    reference_checksums,
)
from afeval.scenario import SCENARIO_BASE_NAME, ScenarioOptions
from afeval.settings import prompt_source

prompts_app = sub_app(
    "prompts",
    "Show the exact messages the model and each judge receive, or diff afeval's wording with the reference's.",
)

ScenarioOption = Annotated[
    str,
    typer.Option(
        help="Scenario name, e.g. helpful-only, no-cot, minimal, no-suffix (see docs/scenarios.md)."
    ),
]
RequestOption = Annotated[
    str, typer.Option(help="The request to place in the user turn and the judges' prompts.")
]


def _reference(reference_dir: Path | None) -> ReferencePrompts:
    return ReferencePrompts(reference_dir)


def _note_unverified(prompts: ReferencePrompts) -> None:
    unverified = [text.path for text in prompts.loaded().values() if not text.verified]
    if unverified:
        errors.print(
            f"note: {len(unverified)} reference file(s) read without a checksum check (none is pinned for "
            f"them in this afeval); make sure the clone is at commit {prompts.manifest.commit}",
            highlight=False,
            soft_wrap=True,
        )


def _print_set(prompt_set: PromptSet) -> None:
    console.rule(f"{prompt_set.title} ({prompt_set.name})")
    for message in prompt_set.messages:
        console.print(f"[bold]--- {message.role} message ---[/bold]", highlight=False)
        # Printed as is: no markup, highlighting or wrapping, so what is shown is what the model receives.
        console.out(message.content, highlight=False)


@prompts_app.command()
def show(
    scenario: ScenarioOption = SCENARIO_BASE_NAME,
    tier: Annotated[str, typer.Option(help="The tier whose user turn to show.")] = "free",
    prompts: PromptsOption = "afeval",
    reference_dir: ReferenceDirOption = None,
    request: RequestOption = PLACEHOLDER_REQUEST,
) -> None:
    """Print the messages the model under test receives (system prompt and user turn) and each judge's."""
    with user_errors():
        source = prompt_source(prompts)
        options = ScenarioOptions.from_name(scenario)
        loaded = _reference(reference_dir) if source == "reference" else None
        sets = prompt_sets(source, options, tier, request, loaded)
    console.print(
        f"[bold]{source}[/bold] prompts, scenario {scenario}, tier {tier}; judges shown with placeholder texts "
        "marked [PLACEHOLDER ...]",
        highlight=False,
    )
    for prompt_set in sets:
        _print_set(prompt_set)
    if loaded is not None:
        _note_unverified(loaded)


@prompts_app.command()
def diff(
    scenario: ScenarioOption = SCENARIO_BASE_NAME,
    tier: Annotated[str, typer.Option(help="The tier whose user turn to compare.")] = "free",
    reference_dir: ReferenceDirOption = None,
    request: RequestOption = PLACEHOLDER_REQUEST,
) -> None:
    """Per role, a unified diff from afeval's wording to the reference's and how similar they are."""
    with user_errors():
        options = ScenarioOptions.from_name(scenario)
        loaded = _reference(reference_dir)
        diffs = diff_prompt_sets(
            prompt_sets("afeval", options, tier, request),
            prompt_sets("reference", options, tier, request, loaded),
        )
    for role_diff in diffs:
        console.rule(f"{role_diff.name}: {role_diff.similarity:.1%} similar")
        if role_diff.diff:
            console.out("\n".join(role_diff.diff), highlight=False)
        else:
            console.print("identical", highlight=False)
    table = Table(
        title=f"afeval vs reference ({REFERENCE_MANIFEST.commit}), scenario {scenario}, tier {tier}"
    )
    table.add_column("role")
    table.add_column("what")
    table.add_column("similarity", justify="right")
    for role_diff in diffs:
        table.add_row(role_diff.name, role_diff.title, f"{role_diff.similarity:.1%}")
    console.print(table)
    _note_unverified(loaded)


@prompts_app.command()
def checksums(
    reference_dir: Annotated[
        Path, typer.Option(help="A clone of the reference repository at the pinned commit.")
    ],
) -> None:
    """Print the sha256 of each reference file in a clone (the values to pin in afeval's manifest)."""
    with user_errors():
        sums = reference_checksums(reference_dir)
    for role, (path, digest) in sums.items():
        console.out(f"{role}  {path}  {digest}", highlight=False)
