"""Faults: does every sample of a run finish, once, when a fifth of the provider's answers are failures?

    .venv/bin/python bench/faults.py            # 1,000 samples, 20% faults, plain then streamed requests
    .venv/bin/python bench/faults.py --quick    # 100 samples, plain requests only

The loopback server (``bench/fault_server.py``) draws a fault for each request with probability
``--fault-rate``: 429 with ``Retry-After: 0``, 500, 503, a hang past the client's timeout, a body cut half-way
(plain requests) or a stream that stalls half-way (streamed requests). The client timeout is made short
(``client_timeout`` model arg, ``--client-timeout``) so hangs cost seconds, not minutes. Retries are left to
the stack ``afeval run`` uses: the OpenAI SDK's own retries, then Inspect's.

Printed per pass: samples completed (a valid response, no error), samples with an error, duplicates (prompts
the server answered in full more than once: a wasted paid call), requests spent beyond one per sample
(retries), the faults drawn by kind, and the wall time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fault_server import FaultServerConfig, describe, serve, service_environment, write_requests

SERVICE = "faults"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=1000, help="samples (requests × 2 tiers)")
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--client-timeout", type=float, default=3.0, help="seconds before a hung call is dropped"
    )
    parser.add_argument("--hang-seconds", type=float, default=8.0, help="how long a hang fault keeps silent")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--passes", default="plain,stream", help="plain and/or stream (comma-separated)")
    parser.add_argument("--quick", action="store_true", help="100 samples, plain requests only")
    args = parser.parse_args()
    if args.quick:
        args.samples, args.passes = 100, "plain"

    from afeval.engine import RunConfig, run_evaluation
    from afeval.settings import DatasetChoice

    requests = args.samples // 2
    server_config = FaultServerConfig(
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        retry_after=0.0,
        hang_seconds=args.hang_seconds,
        seed=args.seed,
        max_seconds=1800,
    )
    print(
        f"{requests * 2} samples, {args.fault_rate:.0%} of requests faulted, {args.latency_ms:g} ms latency, "
        f"concurrency {args.concurrency}, client timeout {args.client_timeout:g} s, seed {args.seed}"
    )
    with tempfile.TemporaryDirectory() as tmp, serve(server_config) as (base_url, server):
        dataset = write_requests(Path(tmp) / "requests.jsonl", requests)
        for name in [p for p in args.passes.split(",") if p]:
            server.reset_counts()
            os.environ.update(service_environment(SERVICE, base_url, Path(tmp) / f"cache-{name}"))
            model_args: dict[str, object] = {"client_timeout": args.client_timeout}
            if name == "stream":
                model_args["stream"] = True
            config = RunConfig(
                # a model name per pass: Inspect keeps one client per model, built with its first model args
                model=f"openai-api/{SERVICE}/subject-{name}",
                dataset=DatasetChoice(str(dataset)),
                out_dir=Path(tmp) / f"run-{name}",
                max_connections=args.concurrency,
                model_args=model_args,
                display="none",
            )
            started = time.perf_counter()
            result = run_evaluation(config)
            wall = time.perf_counter() - started
            counts = server.snapshot()
            records = list(result.read_records())
            completed = sum(1 for r in records if r.valid and r.error is None)
            errors = [r.error for r in records if r.error is not None]
            subject = len(counts.prompts)
            print(f"-- {name} requests: status {result.summary.status}, wall {wall:.1f} s")
            print(f"   completed            {completed}/{requests * 2}")
            print(
                f"   samples with error   {len(errors)}" + (f" (first: {errors[0][:120]})" if errors else "")
            )
            print(f"   duplicates           {counts.duplicates}  (prompts answered in full more than once)")
            print(
                f"   retries spent        {counts.requests - subject}  ({counts.requests} requests, {subject} prompts)"
            )
            print(f"   re-queries (invalid) {sum(max(0, r.attempts - 1) for r in records)}")
            print(f"   server               {describe(counts)}")


if __name__ == "__main__":
    main()
