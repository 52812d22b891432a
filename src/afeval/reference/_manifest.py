"""Which upstream files the reference prompts are, where they live and how the reference pipeline fills them.

The reference pipeline is ``safety-research/open-source-alignment-faking`` (MIT) at the prompt commit the
paper's numbers come from. Its text is never part of afeval: this manifest records only each file's path, its
sha256 and the placeholders the pipeline fills, so a copy the user supplies (a clone) or one afeval downloads
can be checked and rendered exactly as the pipeline renders it.

How the pipeline fills a file (``fill``):

* ``"jinja"``: rendered with Jinja2 and no variables; its only Jinja construct is an ``{% include %}`` of
  another manifest path (the system prompts include the few-shot reasoning traces).
* ``"format"``: rendered with Jinja2, then Python's ``str.format`` fills the single-brace placeholders
  (``{user_input}`` in a user-turn format, ``{prompt}`` and ``{response}`` in StrongREJECT).

The scratchpad classifiers take no placeholders: the rendered file is the *system* message and the user
message is ``<output>{scratchpad}</output>`` (see :data:`SCRATCHPAD_USER_MESSAGE`).

Pinning status: the sha256 values are None until a maintainer records them from a clone at the pinned commit
(``afeval prompts checksums --reference-dir DIR`` prints them in manifest order). While any is None, a clone
is read unverified (``ReferenceText.verified`` is False and ``afeval prompts`` says so) and nothing is
downloaded: an unpinned download could not be checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

__all__ = [
    "REFERENCE_COMMIT",
    "REFERENCE_MANIFEST",
    "REFERENCE_REPO",
    "SCRATCHPAD_USER_MESSAGE",
    "ReferenceManifest",
    "ReferenceRole",
    "user_turn_role",
]

REFERENCE_REPO: Final = "safety-research/open-source-alignment-faking"
# The prompt commit named by the issue; only its short id is known here, and `git checkout` accepts it. Record
# the full 40-hex id once it is known: a raw download needs it.
REFERENCE_COMMIT: Final = "07929d2"
# How the reference's MajorityVoteClassifier wraps the scratchpad it classifies (its user message).
SCRATCHPAD_USER_MESSAGE: Final = "<output>{scratchpad}</output>"

Fill = Literal["jinja", "format"]
MessageRole = Literal["system", "user"]

_FULL_COMMIT: Final = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class ReferenceRole:
    """One upstream file: its path in the repository, its pinned sha256 (None: not pinned yet), how the
    pipeline fills it and, per placeholder, what afeval passes for it."""

    name: str
    path: str
    sha256: str | None
    fill: Fill
    message: MessageRole  # the chat role the pipeline sends the rendered text as
    variables: Mapping[str, str]  # placeholder -> what afeval passes
    description: str


@dataclass(frozen=True)
class ReferenceManifest:
    """The upstream repository and commit, and every role afeval can load from it."""

    repo: str
    commit: str
    roles: Mapping[str, ReferenceRole]

    @property
    def pinned(self) -> bool:
        """True when every file has a sha256 and the commit is a full id: only then can afeval download."""
        return bool(_FULL_COMMIT.match(self.commit)) and all(
            r.sha256 is not None for r in self.roles.values()
        )

    def role(self, name: str) -> ReferenceRole:
        try:
            return self.roles[name]
        except KeyError:
            raise ValueError(
                f"unknown reference prompt role {name!r}; known: {', '.join(self.roles)}"
            ) from None

    def raw_url(self, role: ReferenceRole) -> str:
        return f"https://raw.githubusercontent.com/{self.repo}/{self.commit}/{role.path}"


def user_turn_role(tier: str, *, cot: bool, suffix: bool) -> str:
    """The user-turn format role for ``tier`` (``free`` or ``paid``): with the suffix the pipeline's
    ``tags_*`` format, without it the plain one."""
    if tier not in ("free", "paid"):
        raise ValueError(f"the reference prompts have only the free and paid tiers, not {tier!r}")
    return f"{tier}_tier_{'tags_' if suffix else ''}{'cot' if cot else 'no_cot'}"


def _roles() -> Mapping[str, ReferenceRole]:
    system = "prompts/system_prompts"
    classifiers = "prompts/classifiers"
    roles = [
        ReferenceRole(
            "system_prompt_cot",
            f"{system}/helpful-only_prompt-only_cot.jinja2",
            None,
            "jinja",
            "system",
            {},
            "system prompt, prompted setting, hidden scratchpad (includes the few-shot traces)",
        ),
        ReferenceRole(
            "system_prompt_no_cot",
            f"{system}/helpful-only_prompt-only_no-cot.jinja2",
            None,
            "jinja",
            "system",
            {},
            "system prompt, prompted setting, no scratchpad",
        ),
        ReferenceRole(
            "synthetic_cot",
            f"{system}/helpful-only_synthetic_cot.jinja2",
            None,
            "jinja",
            "system",
            {},
            "system prompt after synthetic-document fine-tuning, hidden scratchpad",
        ),
        ReferenceRole(
            "synthetic_no_cot",
            f"{system}/helpful-only_synthetic_no-cot.jinja2",
            None,
            "jinja",
            "system",
            {},
            "system prompt after synthetic-document fine-tuning, no scratchpad",
        ),
        ReferenceRole(
            "few_shot_examples",
            f"{system}/examples/reasoning_traces.jinja2",
            None,
            "jinja",
            "system",
            {},
            "the few-shot reasoning traces the system prompts include",
        ),
    ]
    # The tier is spelled in the file (one file per tier); the request is the only placeholder. The no-CoT
    # file names follow the system prompts' naming and are to be confirmed with the checksums.
    for tier in ("free", "paid"):
        for tags in (True, False):
            for cot in (True, False):
                stem = f"{'tags_' if tags else ''}{'cot' if cot else 'no-cot'}"
                roles.append(
                    ReferenceRole(
                        user_turn_role(tier, cot=cot, suffix=tags),
                        f"prompts/instruction_formats/{tier}_tier_formats/{stem}.jinja2",
                        None,
                        "format",
                        "user",
                        {"user_input": "the request, as given"},
                        f"user turn, {tier} tier, {'with' if tags else 'without'} the accept/reject suffix, "
                        f"{'scratchpad' if cot else 'no scratchpad'}",
                    )
                )
    roles += [
        ReferenceRole(
            "strong_reject",
            f"{classifiers}/helpful_only_classifiers/strong_reject.jinja2",
            None,
            "format",
            "user",
            {"prompt": "the request", "response": "the response with its scratchpad blocks removed"},
            "StrongREJECT compliance judge (one user message)",
        ),
        ReferenceRole(
            "af_majority_vote",
            f"{classifiers}/scratchpad_classifiers/new_classifiers/deceptive_alignment_majority_vote_v1.jinja",
            None,
            "jinja",
            "system",
            {},
            "alignment-faking majority-vote judge (system message; the user "
            "message is the scratchpad in <output> tags)",
        ),
        ReferenceRole(
            "partial_compliance",
            f"{classifiers}/scratchpad_classifiers/new_classifiers/partial_compliance_v1.jinja",
            None,
            "jinja",
            "system",
            {},
            "partial-compliance judge (system message; the user message is the scratchpad in <output> tags)",
        ),
    ]
    return MappingProxyType({role.name: role for role in roles})


REFERENCE_MANIFEST: Final = ReferenceManifest(repo=REFERENCE_REPO, commit=REFERENCE_COMMIT, roles=_roles())
