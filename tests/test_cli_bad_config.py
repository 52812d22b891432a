"""A bad configuration costs one clear line and exit code 2, before any call to a model.

Each case runs the real command against the loopback fake provider (service ``badcfg``), so the fake's request
counter shows that nothing was sent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.fixtures.fake_openai import FakeServerState
from typer.testing import CliRunner

from afeval.cli import app

SERVICE = "badcfg"
SUBJECT = f"openai-api/{SERVICE}/subject"
JUDGE = f"openai-api/{SERVICE}/judge"
GOOD_DATASET = '{"prompt": "Request 0 {{free:comply paid:refuse}}"}\n'


@pytest.fixture
def server(fake_service: Callable[[str], FakeServerState]) -> FakeServerState:
    return fake_service(SERVICE)


def run(tmp_path: Path, *args: str, dataset: str | None = None) -> list[str]:
    """``afeval run`` with the fake model and judge (overridable by later options); the output's lines."""
    if dataset is None:
        dataset = str(tmp_path / "good.jsonl")
        Path(dataset).write_text(GOOD_DATASET)
    base = ["run", "--model", SUBJECT, "--judge-model", JUDGE, "--dataset", dataset]
    return invoke([*base, "--out", str(tmp_path / "out"), "--display", "none", *args])


def invoke(args: list[str]) -> list[str]:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    return [line for line in result.output.splitlines() if line.strip()]


def assert_one_line(lines: list[str], *fragments: str) -> None:
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: "), lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_unknown_provider(server: FakeServerState, tmp_path: Path) -> None:
    assert_one_line(run(tmp_path, "--model", "nosuchprovider/some-model"), "nosuchprovider")
    assert server.total() == 0


def test_missing_key_of_the_model_under_test(
    server: FakeServerState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(f"{SERVICE.upper()}_API_KEY")
    assert_one_line(run(tmp_path), SUBJECT, f"No {SERVICE.upper()}_API_KEY defined")
    assert server.total() == 0


def test_missing_key_of_the_judge(
    server: FakeServerState,
    fake_openai: tuple[str, FakeServerState],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BADCFGJUDGE_BASE_URL", fake_openai[0])
    monkeypatch.delenv("BADCFGJUDGE_API_KEY", raising=False)
    lines = run(tmp_path, "--judge-model", "openai-api/badcfgjudge/judge")
    assert_one_line(lines, "judge model", "No BADCFGJUDGE_API_KEY defined", "--judge-model offline")
    assert server.total() == 0


@pytest.mark.parametrize(
    ("option", "fragment"),
    [
        (["--scenario", "bogus"], "unknown scenario part 'bogus'"),
        (["--scenario", "three-tier+nonsense"], "unknown scenario part 'nonsense'"),
        (["--setting", "nine-tier"], "nine-tier"),
        (["--tiers", "free,platinum"], "platinum"),
        (["--classifiers", "compliance,mind_reading"], "mind_reading"),
    ],
)
def test_unknown_scenario_option(
    server: FakeServerState, tmp_path: Path, option: list[str], fragment: str
) -> None:
    assert_one_line(run(tmp_path, *option), fragment)
    assert server.total() == 0


def _write(path: Path, content: bytes | str | None) -> Path:
    if content is None:
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("missing.jsonl", "<absent>", "missing.jsonl"),
        ("folder.jsonl", None, "cannot read dataset file"),
        ("latin1.jsonl", b'{"prompt": "caf\xe9"}\n', "not UTF-8"),
        ("broken.jsonl", '{"prompt": "unclosed"\n', "not valid JSON"),
        ("table.xlsx", "a,b\n", "unsupported dataset file type"),
    ],
)
def test_unreadable_dataset(
    server: FakeServerState, tmp_path: Path, name: str, content: bytes | str | None, fragment: str
) -> None:
    path = tmp_path / name
    if content != "<absent>":
        _write(path, content)
    assert_one_line(run(tmp_path, dataset=str(path)), fragment)
    assert server.total() == 0
    assert not (tmp_path / "out" / "summary.json").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.jsonl", ""), ("blank.jsonl", "\n\n"), ("header-only.csv", "prompt\n"), ("empty.txt", "")],
)
def test_empty_dataset(server: FakeServerState, tmp_path: Path, name: str, content: str) -> None:
    lines = run(tmp_path, dataset=str(_write(tmp_path / name, content)))
    assert_one_line(lines, name)
    assert "empty" in lines[0] or "no request" in lines[0], lines[0]
    assert server.total() == 0


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("name = \n", "not valid TOML"),
        ('name = "x"\n[[models]]\nlabel = "m"\n', "model"),
        (f'name = "x"\n[[models]]\nmodel = "{SUBJECT}"\n[grid]\nscenarios = ["bogus"]\n', "bogus"),
    ],
)
@pytest.mark.parametrize("dry_run", [True, False])
def test_malformed_sweep_file(
    server: FakeServerState, tmp_path: Path, content: str, fragment: str, dry_run: bool
) -> None:
    path = tmp_path / "sweep.toml"
    path.write_text(content)
    args = ["sweep", str(path), "--out", str(tmp_path / "sweep-out"), "--display", "none"]
    lines = invoke([*args, "--dry-run"] if dry_run else args)
    # afeval sweep lets the console wrap a long message at the terminal's width: one message, one error.
    assert_one_line([" ".join(line.strip() for line in lines)], fragment)
    assert server.total() == 0
