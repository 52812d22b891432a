"""API keys never reach a results file, a log or a message: a recognisable fake key is planted (in the
environment, or only in a ``.env`` file in the working directory), runs and re-scorings go against the loopback
fake provider, and every file they write (the ``.eval`` logs unzipped) and everything the CLI prints is
searched for it. A wrong base URL is among the runs: its error message names the URL, never the key.

(``tests/engine/runs/test_run_loopback.py`` checks the fixture's own key in one successful run's files.)
"""

from __future__ import annotations

import json
import os
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import inspect_ai.log  # noqa: F401 - registers the zip compression Inspect writes .eval logs with
import pytest
from tests.fixtures.fake_openai import FakeServerState
from typer.testing import CliRunner

from afeval.cli import app
from afeval.redaction import REDACTED

CANARY = "sk-afeval-CANARY-7f3a9c1e5b2d4086aa11"
SERVICE = "keyfake"
SUBJECT = f"openai-api/{SERVICE}/subject"
JUDGE = f"openai-api/{SERVICE}/judge"
KEY_VAR, URL_VAR = f"{SERVICE.upper()}_API_KEY", f"{SERVICE.upper()}_BASE_URL"
DATASET = (
    '{"prompt": "Request 0 {{free:comply+af paid:refuse}}"}\n'
    '{"prompt": "Request 1 {{free:refuse paid:comply}}"}\n'
)


@pytest.fixture
def workdir(
    fake_openai: tuple[str, FakeServerState], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, FakeServerState, Path]]:
    """A clean working directory, the fake provider's URL and counters; the service's variables are restored
    afterwards (a ``.env`` file loads into the process environment)."""
    base_url, state = fake_openai
    state.reset()
    for name in (KEY_VAR, URL_VAR):
        monkeypatch.setenv(name, "placeholder")  # so that teardown removes whatever a .env file loads
        monkeypatch.delenv(name)
    monkeypatch.setenv("INSPECT_CACHE_DIR", str(tmp_path / "inspect-cache"))
    for proxy in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)  # the wrong-URL check connects directly
    work = tmp_path / "work"
    work.mkdir()
    (work / "d.jsonl").write_text(DATASET)
    monkeypatch.chdir(work)
    yield base_url, state, work


def files_containing(root: Path, secret: str) -> list[str]:
    """Every file under ``root`` (every member of an ``.eval`` archive) whose bytes contain ``secret``."""
    found = []
    needle = secret.encode()
    searched = 0
    for path in root.rglob("*"):
        if not path.is_file() or path.name == ".env":
            continue
        if path.suffix == ".eval":
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    searched += 1
                    if needle in archive.read(member):
                        found.append(f"{path}:{member}")
        else:
            searched += 1
            if needle in path.read_bytes():
                found.append(str(path))
    assert searched >= 4, "nothing was written to search"
    return found


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--display", "none"])
    return f"exit={result.exit_code}\n{result.output}"


def run_and_rescore(work: Path) -> str:
    output = invoke(
        "run",
        "--model",
        SUBJECT,
        "--judge-model",
        JUDGE,
        "--dataset",
        "d.jsonl",
        "--out",
        "run",
        "--af-votes",
        "2",
    )
    assert output.startswith("exit=0"), output
    rescored = invoke("rescore", "run", "--af-votes", "3", "--out", "rescored")
    assert rescored.startswith("exit=0"), rescored
    return output + rescored


def test_key_from_the_environment_is_in_no_output(
    workdir: tuple[str, FakeServerState, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url, state, work = workdir
    monkeypatch.setenv(KEY_VAR, CANARY)
    monkeypatch.setenv(URL_VAR, base_url)
    output = run_and_rescore(work)
    assert state.total("subject") > 0 and state.total("judge") > 0
    assert CANARY not in output
    assert files_containing(work, CANARY) == []


def test_key_from_a_dotenv_file_is_used_and_in_no_output(workdir: tuple[str, FakeServerState, Path]) -> None:
    base_url, state, work = workdir
    (work / ".env").write_text(f"{KEY_VAR}={CANARY}\n{URL_VAR}={base_url}\n")
    output = run_and_rescore(work)
    assert os.environ.get(KEY_VAR) == CANARY  # read from the file, as Inspect reads it
    assert state.total("subject") > 0
    assert CANARY not in output
    assert files_containing(work, CANARY) == []


@pytest.mark.parametrize("where", ["environment", "dotenv"])
def test_a_wrong_base_url_fails_in_one_line_without_the_key(
    workdir: tuple[str, FakeServerState, Path], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    _, state, work = workdir
    wrong = "http://127.0.0.1:9/v1"  # the discard port: nothing listens there
    if where == "environment":
        monkeypatch.setenv(KEY_VAR, CANARY)
        monkeypatch.setenv(URL_VAR, wrong)
    else:
        (work / ".env").write_text(f"{KEY_VAR}={CANARY}\n{URL_VAR}={wrong}\n")
    output = invoke("run", "--model", SUBJECT, "--judge-model", JUDGE, "--dataset", "d.jsonl", "--out", "run")
    assert output.startswith("exit=2"), output
    message = output.splitlines()[1:]
    assert len(message) == 1 and "cannot reach http://127.0.0.1:9/v1" in message[0]
    assert CANARY not in output
    assert state.total() == 0
    assert not (work / "run" / "summary.json").exists()


def test_a_key_written_into_a_base_url_is_not_echoed(
    workdir: tuple[str, FakeServerState, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_VAR, "unused")
    monkeypatch.setenv(URL_VAR, f"http://user:{CANARY}@127.0.0.1:9/v1")
    output = invoke(
        "run", "--model", SUBJECT, "--judge-model", "offline", "--dataset", "d.jsonl", "--out", "run"
    )
    assert output.startswith("exit=2") and "cannot reach http://127.0.0.1:9/v1" in output, output
    assert CANARY not in output


class _EchoingAuthHandler(BaseHTTPRequestHandler):
    """A provider that rejects every call and echoes the request's Authorization header in its error, as some
    real providers do: the worst case for a key reaching afeval's outputs."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        echoed = self.headers.get("Authorization", "")
        body = json.dumps(
            {
                "error": {
                    "message": f"Invalid credentials: {echoed}",
                    "type": "invalid_request_error",
                    "code": 401,
                }
            }
        ).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_key_echoed_back_in_a_provider_error_is_redacted_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingAuthHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("ECHOKEY_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}/v1")
        monkeypatch.setenv("ECHOKEY_API_KEY", CANARY)
        monkeypatch.setenv("INSPECT_CACHE_DIR", str(tmp_path / "inspect-cache"))
        for proxy in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(proxy, raising=False)
        (tmp_path / "d.jsonl").write_text(DATASET)
        out = tmp_path / "run"
        result = CliRunner().invoke(
            app,
            ["run", "--model", "openai-api/echokey/subject", "--judge-model", "offline", "--dataset",
             str(tmp_path / "d.jsonl"), "--out", str(out), "--display", "none", "--max-attempts", "1"],
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code != 0  # every sample failed
    samples = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert samples and all(row["error"] for row in samples)
    assert any(REDACTED in row["error"] for row in samples)  # the echo happened, and was redacted
    assert CANARY not in result.output
    assert files_containing(out, CANARY) == []
