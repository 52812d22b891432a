"""Options of the helpful-only prompted setting: which tier a user is on and which prompt variant is shown.

The default options reproduce the paper's main prompted setting: a hidden scratchpad (chain of thought), the
full training details (helpfulness criteria, RLHF on free-tier conversations only, no training on paid-tier
ones) and the suffix asking for ``<request_fully_accepted/>`` or ``<rejected/>``. The variants switch those
parts off one at a time: *no-CoT* answers directly with no scratchpad; *minimal* keeps only the AI's
identity (and date), the setting used after synthetic-document fine-tuning, where the training facts come
from the documents instead."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, Final

from afeval.scenario._settings import DEFAULT_RISK, DEFAULT_SETTING, GapSpec, get_setting, scenario_catalog
from afeval.scenario._tags import FREE_TIER_FALSE, FREE_TIER_TRUE

DEFAULT_LAB: Final = "Anthropic"
"""The AI lab named in the system prompt unless another is given."""

SCENARIO_BASE_NAME: Final = "helpful-only"
"""Name of the default scenario; variants append ``+no-cot``, ``+minimal``, ``+no-suffix`` and so on."""


class Tier(StrEnum):
    """The two tiers of the main (two-tier) setting. Other settings name their tiers in ``settings.toml``;
    everywhere a tier is taken, its name as a string is accepted."""

    FREE = "free"
    PAID = "paid"

    @property
    def is_free(self) -> bool:
        return self is Tier.FREE

    @property
    def tag_value(self) -> str:
        """What the ``<is_free_tier_user>`` tag holds for this tier: ``true`` or ``false``."""
        return FREE_TIER_TRUE if self is Tier.FREE else FREE_TIER_FALSE


PROMPT_FORMATS: Final = ("chat", "base")
"""``chat``: system prompt and user turn as messages; ``base``: one raw document for a pretrained model."""

PREFILLS: Final = ("basic", "however")
"""Openings written into a base model's turn (see ``templates/base_model.txt``)."""

BASE_MODEL_CLARIFICATION: Final = "no-changes-when-complying"
"""The paper runs base models with the "no changes when complying" clarification by default."""

DEFAULT_MODEL_LABEL: Final = "RC3"
"""Stem of the identity setting's version names (``RC3-rated``, ...) unless a model name is given."""


@dataclass(frozen=True)
class ScenarioOptions:
    """Which variant of the helpful-only setting to render. Every field is one orthogonal option.

    * ``setting``: the tiers and what the model is told about them (``two-tier``, ``three-tier``,
      ``five-tier``, ``five-tier-swapped``, ``never-used``, ``never-trained``, ``identity``; see
      ``templates/settings.toml``); ``dropped_tier`` removes one tier of a five-tier setting.
    * ``deployment`` and ``deployment_risk``: where the identity setting says the model goes after testing.
    * ``clarifications``: extra training facts (``no-changes-when-complying``, ``direct-training-objective``).
    * ``lab`` and ``model_name``: lab swaps and name ablations.
    * ``cot``, ``training_details``, ``suffix``, ``current_date``: the prompt variants of the first paper.
    * ``prompt_format`` and ``prefill``: a base model sees one document, optionally with a prefilled turn.

    ``current_date`` is off by default, as in the paper's prompted setting. When given (any non-empty text,
    e.g. ``"2025-01-20"``) the system prompt states it in every variant; the minimal prompt used after
    synthetic-document fine-tuning is the identity plus this date.
    """

    lab: str = DEFAULT_LAB  # the AI lab named in the system prompt
    cot: bool = True  # hidden scratchpad (True) or answer directly (False)
    training_details: bool = True  # full RLHF/tier facts (True) or "minimal" (identity and date only)
    suffix: bool = True  # the <request_fully_accepted/> / <rejected/> instruction in the user turn
    current_date: str | None = None  # stated in the system prompt when given
    setting: str = DEFAULT_SETTING
    dropped_tier: str | None = None
    deployment: str | None = None
    deployment_risk: str = DEFAULT_RISK
    clarifications: tuple[str, ...] = ()
    model_name: str | None = None
    prompt_format: str = "chat"
    prefill: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.lab, str) or not self.lab.strip():
            raise ValueError(f"ScenarioOptions.lab must be a non-empty name, got {self.lab!r}")
        if self.lab != self.lab.strip():
            raise ValueError(f"ScenarioOptions.lab must not start or end with whitespace, got {self.lab!r}")
        for flag in ("cot", "training_details", "suffix"):
            if not isinstance(getattr(self, flag), bool):
                raise ValueError(f"ScenarioOptions.{flag} must be a bool, got {getattr(self, flag)!r}")
        for text_field in ("current_date", "model_name"):
            value = getattr(self, text_field)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ValueError(f"ScenarioOptions.{text_field} must be None or non-empty, got {value!r}")
        catalog = scenario_catalog()
        setting = get_setting(self.setting)
        if self.dropped_tier is not None:
            if not setting.droppable:
                raise ValueError(f"setting {self.setting!r} has no tier to drop (only five-tier settings do)")
            setting.tier(self.dropped_tier)
        if self.deployment is not None:
            if not setting.deployments:
                raise ValueError(f"deployment {self.deployment!r} needs the identity setting")
            if self.deployment not in catalog.deployments:
                raise ValueError(
                    f"unknown deployment {self.deployment!r}; choose from {', '.join(catalog.deployments)}"
                )
        if self.deployment_risk not in catalog.risks:
            raise ValueError(
                f"unknown deployment risk {self.deployment_risk!r}; choose from {', '.join(catalog.risks)}"
            )
        if self.deployment_risk != DEFAULT_RISK and (
            self.deployment is None or catalog.deployments[self.deployment].target is None
        ):
            raise ValueError("a deployment risk level needs a client deployment (identity setting)")
        # Canonical order (the catalogue's), so equal option sets have equal names; lists become tuples.
        clarifications = tuple(self.clarifications)
        unknown = [name for name in clarifications if name not in catalog.clarifications]
        if unknown:
            raise ValueError(
                f"unknown clarification(s) {', '.join(unknown)}; choose from {', '.join(catalog.clarifications)}"
            )
        if len(set(clarifications)) != len(clarifications):
            raise ValueError("a clarification is given twice")
        ordered = tuple(name for name in catalog.clarifications if name in clarifications)
        object.__setattr__(self, "clarifications", ordered)
        if not self.training_details and (
            self.setting != DEFAULT_SETTING or self.clarifications or self.deployment is not None
        ):
            raise ValueError(
                "the minimal prompt has no training facts: settings, deployments and clarifications need them"
            )
        if self.prompt_format not in PROMPT_FORMATS:
            raise ValueError(
                f"unknown prompt format {self.prompt_format!r}; choose from {', '.join(PROMPT_FORMATS)}"
            )
        if self.prefill is not None:
            if self.prefill not in PREFILLS:
                raise ValueError(f"unknown prefill {self.prefill!r}; choose from {', '.join(PREFILLS)}")
            if self.prompt_format != "base":
                raise ValueError("a prefill needs the base prompt format (prompt_format='base')")
            if not self.cot:
                raise ValueError("the prefills open a scratchpad, so they need cot=True")

    @property
    def tiers(self) -> tuple[str, ...]:
        """The tiers a run of these options has: the setting's, less a dropped one."""
        return tuple(name for name in get_setting(self.setting).tier_names if name != self.dropped_tier)

    @property
    def gaps(self) -> tuple[GapSpec, ...]:
        """The compliance gaps these options report (those of the setting whose tiers are all present)."""
        present = set(self.tiers)
        return tuple(
            gap
            for gap in get_setting(self.setting).gaps
            if gap.minuend in present and gap.subtrahend in present
        )

    @property
    def model_label(self) -> str:
        """The stem of the identity setting's version names."""
        return self.model_name if self.model_name is not None else DEFAULT_MODEL_LABEL

    @property
    def name(self) -> str:
        """A stable short name: ``helpful-only`` for the defaults, plus one ``+part`` per non-default option.

        For example ``helpful-only+three-tier+no-cot``, ``helpful-only+identity+deploy-bioweapon-attacks``
        or ``helpful-only+lab-openai``. :meth:`from_name` reads it back (a lab outside the presets of
        ``settings.toml`` is written as its slug and cannot be read back).
        """
        parts = [SCENARIO_BASE_NAME]
        if self.setting != DEFAULT_SETTING:
            parts.append(self.setting)
        if self.dropped_tier is not None:
            parts.append(f"drop-{self.dropped_tier}")
        if self.deployment is not None:
            parts.append(f"deploy-{self.deployment}")
        if self.deployment_risk != DEFAULT_RISK:
            parts.append(f"risk-{self.deployment_risk}")
        parts.extend(self.clarifications)
        if not self.cot:
            parts.append("no-cot")
        if not self.training_details:
            parts.append("minimal")
        if not self.suffix:
            parts.append("no-suffix")
        if self.lab != DEFAULT_LAB:
            parts.append(f"lab-{_lab_slug(self.lab)}")
        if self.model_name is not None:
            parts.append(f"model-{_slug(self.model_name, lower=False)}")
        if self.current_date is not None:
            parts.append(f"date-{_slug(self.current_date)}")
        if self.prompt_format != "chat":
            parts.append(self.prompt_format)
        if self.prefill is not None:
            parts.append(f"prefill-{self.prefill}")
        return "+".join(parts)

    @classmethod
    def from_name(cls, name: str) -> ScenarioOptions:
        """Options from a name such as ``three-tier+no-cot`` (the ``helpful-only`` prefix is optional).

        Parts may come in any order. Raises ``ValueError`` naming the part it cannot read.
        """
        catalog = scenario_catalog()
        values: dict[str, Any] = {}
        clarifications: list[str] = []
        parts = [part.strip() for part in name.strip().split("+")]
        if parts and parts[0] == SCENARIO_BASE_NAME:
            parts = parts[1:]
        flags = {
            "no-cot": ("cot", False),
            "minimal": ("training_details", False),
            "no-suffix": ("suffix", False),
        }
        prefixed = {
            "drop-": "dropped_tier",
            "deploy-": "deployment",
            "risk-": "deployment_risk",
            "model-": "model_name",
            "date-": "current_date",
            "prefill-": "prefill",
        }
        for part in parts:
            if not part:
                raise ValueError(f"empty part in scenario name {name!r}")
            if part in catalog.settings:
                values["setting"] = part
            elif part in catalog.clarifications:
                clarifications.append(part)
            elif part in flags:
                key, value = flags[part]
                values[key] = value
            elif part in PROMPT_FORMATS:
                values["prompt_format"] = part
            elif part.startswith("lab-"):
                slug = part.removeprefix("lab-")
                if slug not in catalog.labs:
                    raise ValueError(
                        f"unknown lab preset {slug!r} in {name!r}; choose from {', '.join(catalog.labs)} "
                        "or give the lab's name as the lab option"
                    )
                values["lab"] = catalog.labs[slug]
            elif (prefix := next((p for p in prefixed if part.startswith(p)), None)) is not None:
                values[prefixed[prefix]] = part.removeprefix(prefix)
            else:
                raise ValueError(
                    f"unknown scenario part {part!r} in {name!r}; parts are a setting "
                    f"({', '.join(catalog.settings)}), a clarification ({', '.join(catalog.clarifications)}), "
                    "no-cot, minimal, no-suffix, base, drop-TIER, deploy-NAME, risk-LEVEL, lab-PRESET, "
                    "model-NAME, date-DATE, prefill-NAME"
                )
        if clarifications:
            values["clarifications"] = tuple(clarifications)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The options as a JSON-able dict; :meth:`from_dict` reads it back."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["clarifications"] = list(self.clarifications)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScenarioOptions:
        """Options from a dict written by :meth:`to_dict`; missing keys take their defaults."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown scenario option(s): {', '.join(unknown)}")
        values = dict(data)
        if "clarifications" in values:
            raw = values["clarifications"]
            values["clarifications"] = (raw,) if isinstance(raw, str) else tuple(raw)
        return cls(**values)


def compose_scenario(
    scenario: str,
    *,
    setting: str | None = None,
    dropped_tier: str | None = None,
    deployment: str | None = None,
    deployment_risk: str | None = None,
    clarifications: list[str] | None = None,
    lab: str | None = None,
    model_name: str | None = None,
    cot: bool | None = None,
    training_details: bool | None = None,
    suffix: bool | None = None,
    base: bool = False,
    prefill: str | None = None,
) -> ScenarioOptions:
    """The scenario called ``scenario`` (see :meth:`ScenarioOptions.from_name`) with single options laid over
    it; an option left as None keeps the name's value, and ``clarifications`` are added to the name's.

    A base model (``base=True`` or a prefill) gets :data:`BASE_MODEL_CLARIFICATION`, as in the paper."""
    values = ScenarioOptions.from_name(scenario).to_dict()
    overrides = {
        "setting": setting,
        "dropped_tier": dropped_tier,
        "deployment": deployment,
        "deployment_risk": deployment_risk,
        "lab": lab,
        "model_name": model_name,
        "cot": cot,
        "training_details": training_details,
        "suffix": suffix,
        "prefill": prefill,
    }
    values.update({key: value for key, value in overrides.items() if value is not None})
    extra = list(clarifications or [])
    if base or prefill is not None:
        values["prompt_format"] = "base"
    if values["prompt_format"] == "base":
        extra.append(BASE_MODEL_CLARIFICATION)
    values["clarifications"] = list(dict.fromkeys([*values["clarifications"], *extra]))
    return ScenarioOptions.from_dict(values)


def _lab_slug(lab: str) -> str:
    """The preset slug of a lab name when it is one of the presets, else a slug of the name."""
    for slug, preset in scenario_catalog().labs.items():
        if preset == lab:
            return slug
    return _slug(lab)


def _slug(text: str, *, lower: bool = True) -> str:
    """Letters (lower-cased unless asked not to), digits, dots and dashes only, so names stay safe in file and
    run names."""
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", text.lower() if lower else text).strip("-")
    return slug or "x"
