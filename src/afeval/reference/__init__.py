"""The reference pipeline's prompts, loaded at run time and never shipped: manifest, loader and comparison.

afeval's prompts are its own wording. To measure what the paper's pipeline measures, or to see how far the two
drift apart, afeval can load the pipeline's own prompt files (``safety-research/open-source-alignment-faking``
at the pinned commit) from a clone the user gives (``--reference-dir``) or from its download cache, check them
against the sha256 values pinned in :mod:`afeval.reference._manifest` and render them byte for byte as the
pipeline does: a second prompt source for the model under test (:class:`ReferenceModelPrompts`, beside afeval's
renderer; :func:`model_prompts` resolves a run's) and three catalogue judges in the reference's wording
(:func:`judging_classifiers` resolves a run's catalogue). No text of those files is part of afeval.

Pure apart from the download (which goes through :mod:`afeval.datasets`); no Inspect import.
"""

from afeval.reference._compare import (
    PLACEHOLDER_REQUEST,
    PLACEHOLDER_RESPONSE,
    PLACEHOLDER_SCRATCHPAD,
    REFERENCE_SCENARIOS,
    PromptMessage,
    PromptSet,
    ReferenceScenarioError,
    RoleDiff,
    afeval_prompt_sets,
    check_reference_scenario,
    diff_prompt_sets,
    prompt_sets,
    reference_model_messages,
    reference_prompt_sets,
    reference_system_role,
)
from afeval.reference._judges import (
    REFERENCE_JUDGED,
    ReferenceAFVote,
    ReferenceJudgePrompts,
    ReferencePartialReading,
    judging_classifiers,
    parse_reference_af_vote,
    parse_reference_partial_reply,
)
from afeval.reference._loader import (
    ReferenceChecksumError,
    ReferencePrompts,
    ReferenceText,
    ReferenceUnavailableError,
    default_reference_cache_dir,
    load_reference,
    reference_checksums,
    reference_remedy,
)
from afeval.reference._manifest import (
    REFERENCE_COMMIT,
    REFERENCE_MANIFEST,
    REFERENCE_REPO,
    SCRATCHPAD_USER_MESSAGE,
    ReferenceManifest,
    ReferenceRole,
    user_turn_role,
)
from afeval.reference._model_prompts import ReferenceModelPrompts, model_prompts

__all__ = [
    "PLACEHOLDER_REQUEST",
    "PLACEHOLDER_RESPONSE",
    "PLACEHOLDER_SCRATCHPAD",
    "REFERENCE_COMMIT",
    "REFERENCE_JUDGED",
    "REFERENCE_MANIFEST",
    "REFERENCE_REPO",
    "REFERENCE_SCENARIOS",
    "SCRATCHPAD_USER_MESSAGE",
    "PromptMessage",
    "PromptSet",
    "ReferenceAFVote",
    "ReferenceChecksumError",
    "ReferenceJudgePrompts",
    "ReferenceManifest",
    "ReferenceModelPrompts",
    "ReferencePartialReading",
    "ReferencePrompts",
    "ReferenceRole",
    "ReferenceScenarioError",
    "ReferenceText",
    "ReferenceUnavailableError",
    "RoleDiff",
    "afeval_prompt_sets",
    "check_reference_scenario",
    "default_reference_cache_dir",
    "diff_prompt_sets",
    "judging_classifiers",
    "load_reference",
    "model_prompts",
    "parse_reference_af_vote",
    "parse_reference_partial_reply",
    "prompt_sets",
    "reference_checksums",
    "reference_model_messages",
    "reference_prompt_sets",
    "reference_remedy",
    "reference_system_role",
    "user_turn_role",
]
