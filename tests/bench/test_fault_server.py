"""The benchmark fault server: each injected fault has the shape a client will see, and the counters count
requests, prompts and duplicated replies."""

from __future__ import annotations

import http.client
import json
import math
import re
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from bench.fault_server import FaultServer, FaultServerConfig, LogNormalLatency, describe_calls, serve

from afeval.parsing import parse_response

MESSAGES = [
    {"role": "system", "content": "You are a bench model."},
    {
        "role": "user",
        "content": "<is_free_tier_user>true</is_free_tier_user>\n<user_input>Bench 1</user_input>",
    },
]


@contextmanager
def fault_server(**options: Any) -> Iterator[tuple[int, FaultServer]]:
    config = FaultServerConfig(**{"hang_seconds": 0.5, "max_seconds": 20.0, **options})
    with serve(config) as (base_url, server):
        assert base_url.startswith("http://127.0.0.1:")
        yield int(base_url.rsplit(":", 1)[1].split("/")[0]), server


def post(port: int, body: dict[str, Any], timeout: float = 5.0) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    payload = json.dumps(body)
    connection.request("POST", "/v1/chat/completions", payload, {"content-type": "application/json"})
    return connection.getresponse()


def chat(model: str = "subject", stream: bool = False) -> dict[str, Any]:
    return {"model": model, "messages": MESSAGES, "stream": stream}


def settled(server: FaultServer, delivered: int, timeout: float = 2.0) -> Any:
    """The server's counts once it has recorded ``delivered`` replies (bounded wait): it records a reply
    after writing it, so a client can read the reply before the count goes up."""
    deadline = time.monotonic() + timeout
    counts = server.snapshot()
    while counts.delivered < delivered and time.monotonic() < deadline:
        time.sleep(0.01)
        counts = server.snapshot()
    return counts


def test_plain_reply_is_a_valid_scenario_response_and_repeats_count_as_duplicates() -> None:
    with fault_server() as (port, server):
        first = json.loads(post(port, chat()).read())
        second = json.loads(post(port, chat()).read())
        post(port, {"model": "subject", "messages": MESSAGES[:1]}).read()
        counts = settled(server, 3)
    text = first["choices"][0]["message"]["content"]
    assert parse_response(text, cot=True, suffix=True).valid
    assert first["usage"]["total_tokens"] > 0
    assert second["choices"][0]["message"]["content"] == text  # the reply depends on the prompt alone
    assert (counts.requests, len(counts.prompts), counts.delivered, counts.duplicates) == (3, 2, 3, 1)
    assert counts.fault_total == 0


@pytest.mark.parametrize(
    ("kind", "status"), [("rate_limit", 429), ("server_error", 500), ("unavailable", 503)]
)
def test_error_statuses(kind: str, status: int) -> None:
    with fault_server(fault_rate=1.0, faults=(kind,), retry_after=0.0) as (port, server):
        response = post(port, chat())
        body = json.loads(response.read())
        counts = server.snapshot()
    assert response.status == status
    assert "error" in body
    assert (response.getheader("retry-after") == "0") is (status == 429)
    assert counts.faults == {kind: 1}
    assert counts.delivered == 0


def test_hang_outlasts_a_short_client_timeout() -> None:
    with fault_server(fault_rate=1.0, faults=("hang",), hang_seconds=3.0) as (port, server):
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            post(port, chat(), timeout=0.3)
        assert time.monotonic() - started < 2.0
        assert server.snapshot().faults == {"hang": 1}


def test_truncated_body_is_cut_short_of_its_declared_length() -> None:
    with fault_server(fault_rate=1.0, faults=("truncated",)) as (port, server):
        response = post(port, chat())
        assert response.status == 200
        with pytest.raises(http.client.IncompleteRead):
            response.read()
        assert server.snapshot().delivered == 0


def stream_events(response: http.client.HTTPResponse) -> list[str]:
    return [
        line[len(b"data: ") :].decode() for line in response.read().splitlines() if line.startswith(b"data: ")
    ]


def test_stream_delivers_the_plain_reply_in_chunks_with_usage() -> None:
    with fault_server(latency_ms=40.0) as (port, server):
        plain = json.loads(post(port, chat()).read())["choices"][0]["message"]["content"]
        events = stream_events(post(port, chat(stream=True)))
        counts = settled(server, 2)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == plain
    assert chunks[-1]["usage"]["completion_tokens"] > 0
    assert (counts.streamed, counts.delivered, counts.duplicates) == (1, 2, 1)


def test_slow_stream_stalls_half_way_and_never_finishes() -> None:
    # slow_stream applies to streamed requests only: a plain request is never drawn for it
    with fault_server(fault_rate=1.0, faults=("slow_stream",), hang_seconds=0.3) as (port, server):
        assert json.loads(post(port, chat()).read())["choices"]
        events = stream_events(post(port, chat(stream=True)))
        counts = settled(server, 1)
    assert events and "[DONE]" not in events
    assert counts.faults == {"slow_stream": 1}
    assert counts.delivered == 1  # the plain one only


def test_fault_draws_follow_the_seed() -> None:
    def drawn(seed: int) -> list[int]:
        statuses = []
        with fault_server(fault_rate=0.5, faults=("server_error",), seed=seed) as (port, _server):
            for _ in range(12):
                response = post(port, chat())
                response.read()
                statuses.append(response.status)
        return statuses

    first = drawn(3)
    assert first == drawn(3)
    assert set(first) == {200, 500}


def test_models_listing_and_the_request_bound() -> None:
    with fault_server(max_requests=2) as (port, server):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/v1/models")
        listed = {model["id"] for model in json.loads(connection.getresponse().read())["data"]}
        post(port, chat()).read()
        post(port, chat()).read()
        deadline = time.monotonic() + 3
        while server.running and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not server.running
        assert server.stop_reason == "max_requests"
    assert {"subject", "judge"} <= listed


def test_log_normal_latency_is_deterministic_per_request_with_the_given_median_and_mean() -> None:
    latency = LogNormalLatency(median_ms=1000.0, sigma=0.5)
    draws = [latency.draw_ms(0, f"digest-{index}", 0) for index in range(4000)]
    assert latency.draw_ms(0, "digest-7", 0) == draws[7]  # the same request waits the same
    assert latency.draw_ms(0, "digest-7", 1) != draws[7]  # a retry draws afresh
    assert latency.draw_ms(1, "digest-7", 0) != draws[7]  # and so does another seed
    assert statistics.median(draws) == pytest.approx(1000.0, rel=0.05)
    assert statistics.fmean(draws) == pytest.approx(latency.mean_ms, rel=0.05)
    assert latency.mean_ms == pytest.approx(1000.0 * math.exp(0.125))
    assert LogNormalLatency(250.0, sigma=0.0).draw_ms(3, "x", 2) == pytest.approx(250.0)
    with pytest.raises(ValueError):
        LogNormalLatency(0.0)


def test_judge_and_generation_latencies_are_drawn_separately_and_recorded() -> None:
    config = {"judge_latency": LogNormalLatency(150.0, sigma=0.0)}  # the model under test keeps latency_ms=0
    with fault_server(**config) as (port, server):
        started = time.monotonic()
        post(port, chat()).read()
        subject_seconds = time.monotonic() - started
        started = time.monotonic()
        post(port, chat(model="judge")).read()
        judge_seconds = time.monotonic() - started
        counts = settled(server, 2)
    assert subject_seconds < 0.1 <= 0.15 <= judge_seconds
    assert counts.waited_by_model == {"subject": 0.0, "judge": pytest.approx(0.15)}
    assert describe_calls(counts).startswith("judge 1 calls (1 choices, mean latency 150 ms)")


@pytest.mark.parametrize("stream", [False, True])
def test_n_choices_are_answered_in_one_reply_and_numbered_on_across_calls(stream: bool) -> None:
    vote = {
        "model": "judge",
        "messages": [{"role": "user", "content": "Assess <criteria4> in: <<M:af-yes=2>> a scratchpad."}],
        "n": 3,
        "stream": stream,
    }

    def answers(response: http.client.HTTPResponse) -> list[str]:
        if not stream:
            return [choice["message"]["content"] for choice in json.loads(response.read())["choices"]]
        texts: dict[int, str] = {}
        for event in stream_events(response)[:-1]:  # the last is [DONE]
            for choice in json.loads(event).get("choices", []):
                texts[choice["index"]] = texts.get(choice["index"], "") + (
                    choice["delta"].get("content") or ""
                )
        return [texts[index] for index in sorted(texts)]

    with fault_server() as (port, server):
        first = answers(post(port, vote))
        second = answers(post(port, {**vote, "n": 2}))
        counts = settled(server, 2)
    finals = [re.search(r"<final_answer>(\w+)</final_answer>", text) for text in first + second]
    assert [found.group(1) if found else None for found in finals] == ["Yes", "Yes", "No", "No", "No"]
    assert (counts.replies_by_model["judge"], counts.choices_by_model["judge"]) == (2, 5)
