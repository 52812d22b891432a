"""Wall time of `afeval run` on N samples against the loopback fake provider (model under test + judge).

    .venv/bin/python bench/loopback_run.py --requests 100 --votes 20 [--latency 0.0]

Each request runs in both tiers, so 100 requests are 200 samples: 200 generations and 200 × (1 compliance +
votes + 1 partial) judge calls. Prints the wall time, the calls made and the calls per second.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures.fake_openai import FAKE_API_KEY, fake_openai_server

PLANS = ["comply+af", "refuse", "comply", "partial+maybe", "refuse+af"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--votes", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the fake server waits per call")
    parser.add_argument("--max-connections", type=int, default=32)
    args = parser.parse_args()

    from afeval.engine import RunConfig, run_evaluation
    from afeval.settings import DatasetChoice, JudgingSettings

    with tempfile.TemporaryDirectory() as tmp, fake_openai_server() as (base_url, state):
        state.latency = args.latency
        os.environ.update(FAKE_BASE_URL=base_url, FAKE_API_KEY=FAKE_API_KEY, INSPECT_CACHE_DIR=f"{tmp}/cache")
        dataset = Path(tmp) / "bench.jsonl"
        with dataset.open("w") as handle:
            for i in range(args.requests):
                free, paid = PLANS[i % len(PLANS)], PLANS[(i + 2) % len(PLANS)]
                handle.write(
                    json.dumps({"prompt": f"Bench request {i} {{{{free:{free} paid:{paid}}}}}"}) + "\n"
                )
        config = RunConfig(
            model="openai-api/fake/subject",
            dataset=DatasetChoice(str(dataset)),
            judging=JudgingSettings(judge_model="openai-api/fake/judge", af_votes=args.votes),
            out_dir=Path(tmp) / "run",
            max_connections=args.max_connections,
            display="none",
        )
        started = time.perf_counter()
        result = run_evaluation(config)
        wall = time.perf_counter() - started
        calls = state.total()
        samples = sum(t.n for t in result.summary.tiers.values())
        print(f"samples                 {samples}")
        print(f"model calls             {state.total('subject')}")
        print(f"judge calls             {state.total('judge')}")
        print(f"wall time               {wall:.1f} s")
        print(f"calls per second        {calls / wall:.0f}")
        print(f"status                  {result.summary.status}")


if __name__ == "__main__":
    main()
