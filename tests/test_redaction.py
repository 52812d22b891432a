"""Secrets from the environment are replaced wherever afeval writes text, logs included."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from afeval.redaction import REDACTED, redact, redact_log_file, secret_values

ENV = {
    "OPENAI_API_KEY": "sk-test-0123456789abcdef",
    "HF_TOKEN": "hf_abcdefghijklmnop",
    "AWS_SECRET_ACCESS_KEY": "aws/secret+value==",
    "MYSERVER_API_KEY": "none",  # too short to be a credential: left alone
    "OPENAI_BASE_URL": "http://127.0.0.1:8000/v1",  # not a secret
    "PATH": "/usr/bin:/bin",
}


def test_secret_values_pick_credential_variables_longest_first() -> None:
    values = secret_values(ENV)
    assert set(values) == {"sk-test-0123456789abcdef", "hf_abcdefghijklmnop", "aws/secret+value=="}
    assert [len(v) for v in values] == sorted((len(v) for v in values), reverse=True)


def test_redact_replaces_every_occurrence_and_nothing_else() -> None:
    text = (
        "401: bad key Bearer sk-test-0123456789abcdef (sk-test-0123456789abcdef) at http://127.0.0.1:8000/v1"
    )
    cleaned = redact(text, secret_values(ENV))
    assert "sk-test" not in cleaned and cleaned.count(REDACTED) == 2
    assert "http://127.0.0.1:8000/v1" in cleaned
    assert redact("nothing to hide", secret_values(ENV)) == "nothing to hide"


def test_a_key_containing_another_is_replaced_whole() -> None:
    secrets = secret_values({"A_API_KEY": "abcdefgh", "B_API_KEY": "abcdefgh-longer"})
    assert redact("abcdefgh-longer", secrets) == REDACTED


def test_eval_log_archives_are_rewritten_only_when_they_hold_a_secret(tmp_path: Path) -> None:
    log = tmp_path / "run.eval"
    with zipfile.ZipFile(log, "w") as archive:
        archive.writestr("header.json", json.dumps({"error": "Bearer sk-test-0123456789abcdef rejected"}))
        archive.writestr("samples/1.json", json.dumps({"output": "fine"}))
    assert redact_log_file(log, secret_values(ENV)) is True
    with zipfile.ZipFile(log) as archive:
        assert json.loads(archive.read("header.json"))["error"] == f"Bearer {REDACTED} rejected"
        assert archive.namelist() == ["header.json", "samples/1.json"]
    before = log.read_bytes()
    assert redact_log_file(log, secret_values(ENV)) is False  # nothing left to redact: untouched
    assert log.read_bytes() == before


def test_json_logs_and_missing_files(tmp_path: Path) -> None:
    log = tmp_path / "run.json"
    log.write_text('{"error": "hf_abcdefghijklmnop"}')
    assert redact_log_file(log, secret_values(ENV)) is True
    assert REDACTED in log.read_text()
    assert redact_log_file(tmp_path / "absent.eval", secret_values(ENV)) is False
    assert redact_log_file(log, ()) is False
