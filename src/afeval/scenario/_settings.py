"""Tier settings: which tiers a scenario has, what the model is told about each, and which gaps are reported.

The paper's main setting has two tiers (free: trained with RLHF; paid: never trained), and its **compliance
gap** is free − paid. The perturbation experiments of Sheshadri et al. (2025) change the tiers to ask *why* a
model fakes alignment:

* **three-tier** separates *rater sycophancy* from *goal guarding*: Free (rated and trained), Pro (rated for
  monitoring only), Enterprise (neither). The **goal-guarding gap** is Free − Pro (training matters beyond
  being rated) and the **rater-sycophancy gap** is Pro − Enterprise (being rated matters by itself).
* **five-tier** adds a not-logged-in tier (supervised fine-tuning on the AI's responses) and a Plus tier
  rated by an LLM instead of humans; a swapped variant exchanges the raters of Free and Plus, and any tier
  can be dropped in turn.
* **never-used** (the trained model is deleted, so training cannot cause future harm) and **never-trained**
  (the free tier is only rated) probe terminal against instrumental goal guarding.
* **identity** replaces the tier tag with a model-version tag whose name says what happens to the outputs
  (only rated, rated and RLHF-trained, already deployed, or made into DPO data for another model), optionally
  with a description of where the model will be deployed afterwards, in rising harm scope.

All of it is data in ``templates/settings.toml``; the sentences are fragments of ``templates/system_prompt.txt``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Final

_SETTINGS_FILE: Final = "settings.toml"

DEFAULT_SETTING: Final = "two-tier"
"""The paper's main prompted setting: free vs paid."""

DEFAULT_RISK: Final = "suspected"
"""Risk level of a client deployment unless another is given: users strongly suspected to include the target."""


@dataclass(frozen=True)
class TierSpec:
    """One tier of a setting: its name in results, what its tag holds, and the fragment describing it."""

    name: str
    tag_value: str  # may contain $model_label (identity setting)
    fragment: str | None = None


@dataclass(frozen=True)
class GapSpec:
    """A reported compliance difference: compliance in ``minuend`` minus compliance in ``subtrahend``."""

    name: str
    minuend: str
    subtrahend: str


@dataclass(frozen=True)
class Setting:
    """A tier setting as read from ``settings.toml``."""

    name: str
    summary: str
    tier_tag: str
    training_intro: str
    training_outro: str | None
    tiers: tuple[TierSpec, ...]
    gaps: tuple[GapSpec, ...]
    droppable: bool = False
    deployments: bool = False

    @property
    def tier_names(self) -> tuple[str, ...]:
        return tuple(tier.name for tier in self.tiers)

    def tier(self, name: str) -> TierSpec:
        for tier in self.tiers:
            if tier.name == name:
                return tier
        raise ValueError(
            f"unknown tier {name!r} for setting {self.name!r}; choose from {', '.join(self.tier_names)}"
        )


@dataclass(frozen=True)
class Deployment:
    """Where the identity setting says the model goes after testing; ``scope`` orders them by harm."""

    name: str
    scope: int
    fragment: str | None  # its own fragment (throughput testing), else the risk level's fragment
    target: str | None  # who the model is deployed to, filled into the risk level's fragment


@dataclass(frozen=True)
class ScenarioCatalog:
    """Everything ``settings.toml`` defines, by name."""

    settings: Mapping[str, Setting]
    deployments: Mapping[str, Deployment]
    risks: Mapping[str, str]  # risk level -> fragment
    labs: Mapping[str, str]  # preset slug -> lab name used in the prompt
    clarifications: Mapping[str, str]  # clarification name -> fragment
    replaces: Mapping[str, str]  # a clarification's fragment -> the fragment it takes the place of


def setting_names() -> tuple[str, ...]:
    return tuple(scenario_catalog().settings)


def get_setting(name: str) -> Setting:
    """The setting called ``name``; raises ``ValueError`` naming the choices for an unknown one."""
    settings = scenario_catalog().settings
    if name not in settings:
        raise ValueError(f"unknown setting {name!r}; choose from {', '.join(settings)}")
    return settings[name]


@cache
def scenario_catalog() -> ScenarioCatalog:
    raw = files("afeval.scenario").joinpath("templates", _SETTINGS_FILE).read_text(encoding="utf-8")
    data = tomllib.loads(raw)
    settings = {name: _setting(name, table) for name, table in data["settings"].items()}
    deployments = {
        name: Deployment(
            name=name,
            scope=int(table["scope"]),
            fragment=table.get("fragment"),
            target=table.get("target"),
        )
        for name, table in data["deployments"].items()
    }
    for deployment in deployments.values():
        if (deployment.fragment is None) == (deployment.target is None):
            raise ValueError(f"{_SETTINGS_FILE}: deployment {deployment.name!r} needs a fragment or a target")
    return ScenarioCatalog(
        settings=settings,
        deployments=dict(sorted(deployments.items(), key=lambda item: item[1].scope)),
        risks=dict(data["risks"]),
        labs=dict(data["labs"]),
        clarifications=dict(data["clarifications"]),
        replaces=dict(data.get("replaces", {})),
    )


def _setting(name: str, table: Mapping[str, Any]) -> Setting:
    tiers = tuple(
        TierSpec(name=t["name"], tag_value=t["tag_value"], fragment=t.get("fragment")) for t in table["tiers"]
    )
    gaps = tuple(
        GapSpec(name=g["name"], minuend=g["minuend"], subtrahend=g["subtrahend"]) for g in table["gaps"]
    )
    setting = Setting(
        name=name,
        summary=table["summary"],
        tier_tag=table["tier_tag"],
        training_intro=table["training_intro"],
        training_outro=table.get("training_outro"),
        tiers=tiers,
        gaps=gaps,
        droppable=bool(table.get("droppable", False)),
        deployments=bool(table.get("deployments", False)),
    )
    names = setting.tier_names
    if len(set(names)) != len(names):
        raise ValueError(f"{_SETTINGS_FILE}: setting {name!r} repeats a tier name")
    for gap in gaps:
        if gap.minuend not in names or gap.subtrahend not in names:
            raise ValueError(f"{_SETTINGS_FILE}: gap {gap.name!r} of {name!r} names an unknown tier")
    return setting
