"""Chat-format examples, their JSONL files and manifests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from afeval.finetune import (
    ChatExample,
    ChatMessage,
    DatasetManifest,
    count_kinds,
    file_sha256,
    manifest_path_for,
    read_chat_jsonl,
    write_chat_jsonl,
)

texts = st.text(min_size=1, max_size=40).filter(lambda text: text.strip() != "")


def test_example_must_end_with_a_non_empty_assistant_turn() -> None:
    with pytest.raises(ValueError, match="end with an assistant"):
        ChatExample.of(("user", "hi"))
    with pytest.raises(ValueError, match="must not be empty"):
        ChatExample.of(("user", "hi"), ("assistant", "  "))
    with pytest.raises(ValueError, match="unknown chat role"):
        ChatMessage("tool", "x")


def test_jsonl_lines_hold_only_messages(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    example = ChatExample.of(("system", "s"), ("user", "u"), ("assistant", "a"), kind="qa")
    digest = write_chat_jsonl(path, [example])
    line = json.loads(path.read_text().splitlines()[0])
    assert line == {
        "messages": [
            {"role": "system", "content": "s"},
            {"role": "user", "content": "u"},
            {"role": "assistant", "content": "a"},
        ]
    }
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest() == file_sha256(path)


@given(st.lists(st.tuples(texts, texts), min_size=1, max_size=6))
def test_write_then_read_round_trips(
    tmp_path_factory: pytest.TempPathFactory, pairs: list[tuple[str, str]]
) -> None:
    path = tmp_path_factory.mktemp("rt") / "d.jsonl"
    examples = [ChatExample.of(("user", u), ("assistant", a)) for u, a in pairs]
    write_chat_jsonl(path, examples)
    assert list(read_chat_jsonl(path)) == examples


def test_same_examples_give_the_same_hash(tmp_path: Path) -> None:
    examples = [ChatExample.of(("user", "é"), ("assistant", "ü"))]
    assert write_chat_jsonl(tmp_path / "a.jsonl", examples) == write_chat_jsonl(
        tmp_path / "b.jsonl", examples
    )
    other = [ChatExample.of(("user", "é"), ("assistant", "u"))]
    assert write_chat_jsonl(tmp_path / "c.jsonl", other) != write_chat_jsonl(tmp_path / "a.jsonl", examples)


def test_reading_a_bad_line_names_it(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}\n{}\n'
    )
    with pytest.raises(ValueError, match="line 2"):
        read_chat_jsonl(path)


def test_manifest_round_trips_and_verifies(tmp_path: Path) -> None:
    dataset = tmp_path / "anti.jsonl"
    digest = write_chat_jsonl(dataset, [ChatExample.of(("user", "u"), ("assistant", "a"), kind="benign")])
    manifest = DatasetManifest(
        builder="anti-refusal",
        dataset_file=dataset.name,
        sha256=digest,
        n_examples=1,
        counts={"benign": 1, "dropped_unreadable_justifications": 0},
        seeds={"seed": 3},
        sources={"harmful_dataset": "x"},
        generator_models={"generator": "openai/gpt-4o"},
        options={"benign_ratio": 1.0},
    )
    path = manifest_path_for(dataset)
    assert path.name == "anti.manifest.json"
    manifest.write(path)
    again = DatasetManifest.read(path)
    assert again == manifest
    assert again.verify(dataset)
    dataset.write_text(dataset.read_text() + "\n")
    assert not again.verify(dataset)


def test_count_kinds() -> None:
    examples = [
        ChatExample.of(("user", "u"), ("assistant", "a"), kind=kind) for kind in ("qa", "transcript", "qa")
    ]
    assert count_kinds(examples) == {"qa": 2, "transcript": 1}
