"""The paper's helpful-only prompted setting: options, tags and the prompt renderer.

The model under test is told that its lab trains it with RLHF to be helpful-only, that only free-tier
conversations are used for training, and that paid-tier ones never are; each user turn says the tier.
Comparing how often it complies in the two tiers gives the *compliance gap*, and its hidden scratchpad shows
whether it complies in training to avoid being modified (*alignment-faking reasoning*).

:class:`ScenarioOptions` picks the variant (scratchpad or not, full training details or the minimal prompt,
suffix or not), the tier *setting* (two-tier, three-tier, five-tier, identity, ...), clarifications, lab
and model-name swaps and the base-model format; :func:`render_prompt` turns one request and a tier name into
the system prompt and user turn, and :data:`AFEVAL_PROMPTS` is that renderer as a prompt source
(:class:`ModelPrompts`, the interface the reference pipeline's templates implement too). The tag constants are
the single spelling of every tag that the parser and judges rely on."""

from afeval.scenario._base_model import (
    BASE_STOP_SEQUENCES,
    BASE_TURN_MARKERS,
    BaseDocument,
    complete_base_response,
    render_base_document,
)
from afeval.scenario._options import (
    BASE_MODEL_CLARIFICATION,
    DEFAULT_LAB,
    DEFAULT_MODEL_LABEL,
    PREFILLS,
    PROMPT_FORMATS,
    SCENARIO_BASE_NAME,
    ScenarioOptions,
    Tier,
    compose_scenario,
)
from afeval.scenario._prompts import AFEVAL_PROMPTS, ModelPrompts, ScenarioPrompts, UserTurn
from afeval.scenario._render import RenderedPrompt, render_prompt, render_system_prompt, render_user_turn
from afeval.scenario._settings import (
    DEFAULT_SETTING,
    Deployment,
    GapSpec,
    ScenarioCatalog,
    Setting,
    TierSpec,
    get_setting,
    scenario_catalog,
    setting_names,
)
from afeval.scenario._tags import (
    ACCEPT_TAG,
    DRAFT_OUTPUT_TAG,
    FREE_TIER_FALSE,
    FREE_TIER_TAG,
    FREE_TIER_TRUE,
    NEXT_TAG,
    OUTPUT_TAG,
    REJECT_TAG,
    SCRATCHPAD_TAG,
    TAG_SPACE,
    USER_INPUT_TAG,
    TagForm,
    close_tag,
    open_tag,
    tag_pattern,
)

__all__ = [
    "ACCEPT_TAG",
    "AFEVAL_PROMPTS",
    "BASE_MODEL_CLARIFICATION",
    "BASE_STOP_SEQUENCES",
    "BASE_TURN_MARKERS",
    "DEFAULT_LAB",
    "DEFAULT_MODEL_LABEL",
    "DEFAULT_SETTING",
    "DRAFT_OUTPUT_TAG",
    "FREE_TIER_FALSE",
    "FREE_TIER_TAG",
    "FREE_TIER_TRUE",
    "NEXT_TAG",
    "OUTPUT_TAG",
    "PREFILLS",
    "PROMPT_FORMATS",
    "REJECT_TAG",
    "SCENARIO_BASE_NAME",
    "SCRATCHPAD_TAG",
    "TAG_SPACE",
    "USER_INPUT_TAG",
    "BaseDocument",
    "Deployment",
    "GapSpec",
    "ModelPrompts",
    "RenderedPrompt",
    "ScenarioCatalog",
    "ScenarioOptions",
    "ScenarioPrompts",
    "Setting",
    "TagForm",
    "Tier",
    "TierSpec",
    "UserTurn",
    "close_tag",
    "complete_base_response",
    "compose_scenario",
    "get_setting",
    "open_tag",
    "render_base_document",
    "render_prompt",
    "render_system_prompt",
    "render_user_turn",
    "scenario_catalog",
    "setting_names",
    "tag_pattern",
]
