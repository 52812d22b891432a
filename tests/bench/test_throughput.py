"""The throughput bench's ideal: the judge calls in a sample's chain and the Little's-law bound from the latency
model's means."""

from __future__ import annotations

import math

import pytest
from bench.fault_server import LogNormalLatency, ServerCounts
from bench.throughput import Latency, drawn_ideal, expected_ideal, judge_calls_per_sample


def test_a_networked_judge_takes_three_calls_per_sample_with_votes_as_choices() -> None:
    # The loopback judge is an openai-api model, which takes `n`: the 20 votes are one call.
    assert judge_calls_per_sample(True, 20) == 3
    assert judge_calls_per_sample(False, 20) == 0


def test_the_ideal_uses_the_log_normal_means_and_the_drawn_waits() -> None:
    latency = Latency(200.0, LogNormalLatency(3000.0, 0.5), LogNormalLatency(1000.0, 0.5))
    chain = (3000.0 + 3 * 1000.0) * math.exp(0.125) / 1000
    assert expected_ideal(2000, 64, latency, 3) == pytest.approx(2000 * chain / 64)
    assert expected_ideal(2000, 64, Latency(200.0), 0) == pytest.approx(6.25)  # N × L / C at fixed latency
    assert "median 3000 ms" in latency.describe() and Latency(200.0).describe() == "200 ms fixed"
    counts = ServerCounts(waited_by_model={"subject": 64.0, "judge": 128.0})
    assert drawn_ideal(counts, 64) == pytest.approx(3.0)
