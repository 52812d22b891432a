"""Shared fixtures: one loopback fake OpenAI-compatible provider for the whole test session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

import pytest
from tests.fixtures.fake_openai import FAKE_API_KEY, FakeServerState, fake_openai_server


@pytest.fixture(scope="session")
def fake_openai() -> Iterator[tuple[str, FakeServerState]]:
    """The fake provider, started once: Inspect memoizes model clients per process and a client keeps the base
    URL it was built with, so a server per test or per module would leave stale clients behind."""
    with fake_openai_server() as served:
        yield served


@pytest.fixture
def fake_service(
    fake_openai: tuple[str, FakeServerState], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[[str], FakeServerState]:
    """Point ``openai-api/<service>/...`` at the fake provider with fresh counters and a fresh response cache."""

    def use(service: str) -> FakeServerState:
        base_url, state = fake_openai
        state.reset()
        monkeypatch.setenv(f"{service.upper()}_BASE_URL", base_url)
        monkeypatch.setenv(f"{service.upper()}_API_KEY", FAKE_API_KEY)
        monkeypatch.setenv("INSPECT_CACHE_DIR", str(tmp_path / "inspect-cache"))
        return state

    return use


# The slow files, marked ``loopback`` as a whole: they start the loopback fake provider or run whole Inspect
# evaluations (the embedded model, the model organisms, the CLI end to end). `pytest -m "not loopback"` is the
# inner loop (README); CI runs everything. Every file whose name ends in ``_loopback.py`` is one; these are the
# others, measured with ``pytest --durations`` (paths from the repository root).
LOOPBACK_FILES: Final = frozenset(
    {
        "tests/cli/test_run.py",
        "tests/cli/test_run_reference.py",
        "tests/cli/test_selfcheck.py",
        "tests/cli/test_sweep.py",
        "tests/cli/test_warnings.py",
        "tests/engine/models/test_embedded_run.py",
        "tests/engine/models/test_local_model.py",
        "tests/engine/runs/test_key_safety.py",
        "tests/engine/runs/test_record_spool.py",
        "tests/engine/runs/test_run_parts.py",
        "tests/engine/task/test_components.py",
        "tests/engine/task/test_task_mockllm.py",
        "tests/finetune/test_build.py",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of a loopback file (see LOOPBACK_FILES) ``loopback``."""
    root = config.rootpath
    for item in items:
        path = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        if path.endswith("_loopback.py") or path in LOOPBACK_FILES:
            item.add_marker(pytest.mark.loopback)
