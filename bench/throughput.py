"""Throughput: how close ``afeval run`` comes to the Little's-law ideal against a fixed-latency provider.

    .venv/bin/python bench/throughput.py                  # 2,000 samples, 200 ms, concurrency 64, twice
    .venv/bin/python bench/throughput.py --quick          # 200 samples, 50 ms (a smoke check)
    .venv/bin/python bench/throughput.py --judge-votes 1  # also the judge over the network (see below)

With N samples, a latency L per generation and C generations in flight, no harness can finish before
N × L / C (Little's law); the figure is the run's wall time as a ratio to that ideal (target ≤ 1.15). The default
measures generation only: the judge is ``offline`` (tag compliance and the offline AF classifier run in-process
and make no calls). With ``--judge-votes K`` the judge is the same server (compliance + K AF votes +
partial compliance per sample, each also taking L), and the ideal counts every call.

Printed per repeat: the run's wall time (``run_evaluation``, which includes building the task and writing the
results files), Inspect's eval time alone, the server's busy window (first request to last reply), the calls,
and each as a ratio to the ideal. Each repeat uses a fresh response cache, so every call reaches the server.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fault_server import (
    FaultServer,
    FaultServerConfig,
    describe,
    serve,
    service_environment,
    write_requests,
)

SERVICE = "bench"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=2000, help="samples (requests × 2 tiers)")
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--concurrency", type=int, default=64, help="max_connections (and so max_samples)")
    parser.add_argument(
        "--judge-votes", type=int, default=0, help="0: offline judge; K: networked, K AF votes"
    )
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="200 samples at 50 ms, once")
    parser.add_argument(
        "--bare-inspect", action="store_true", help="also time a bare Inspect task (the harness floor)"
    )
    args = parser.parse_args()
    if args.quick:
        args.samples, args.latency_ms, args.repeat = 200, 50.0, 1

    from afeval.engine import RunConfig, run_evaluation
    from afeval.settings import DatasetChoice, JudgingSettings

    requests = args.samples // 2
    networked_judge = args.judge_votes > 0
    calls_per_sample = 1 + (2 + args.judge_votes if networked_judge else 0)
    ideal = requests * 2 * calls_per_sample * args.latency_ms / 1000 / args.concurrency
    print(
        f"{requests * 2} samples, {args.latency_ms:g} ms per call, concurrency {args.concurrency}, "
        f"judge {'networked, ' + str(args.judge_votes) + ' AF votes' if networked_judge else 'offline'}"
    )
    print(f"Little's-law ideal      {ideal:.2f} s  (N × calls × latency / concurrency)")
    config_server = FaultServerConfig(latency_ms=args.latency_ms, max_seconds=1800)
    best: float | None = None
    with tempfile.TemporaryDirectory() as tmp, serve(config_server) as (base_url, server):
        dataset = write_requests(Path(tmp) / "requests.jsonl", requests)
        for repeat in range(args.repeat):
            server.reset_counts()
            os.environ.update(service_environment(SERVICE, base_url, Path(tmp) / f"cache-{repeat}"))
            config = RunConfig(
                model=f"openai-api/{SERVICE}/subject",
                dataset=DatasetChoice(str(dataset)),
                judging=JudgingSettings(
                    judge_model=f"openai-api/{SERVICE}/judge" if networked_judge else "offline",
                    af_votes=max(1, args.judge_votes),
                ),
                out_dir=Path(tmp) / f"run-{repeat}",
                max_connections=args.concurrency,
                display="none",
            )
            cpu_before = _cpu_seconds()
            started = time.perf_counter()
            result = run_evaluation(config)
            wall = time.perf_counter() - started
            cpu = _cpu_seconds() - cpu_before
            counts = server.snapshot()
            window = (counts.last_reply_at or 0.0) - (counts.first_request_at or 0.0)
            samples = sum(tier.n for tier in result.summary.tiers.values())
            print(f"-- repeat {repeat + 1}: {samples} samples, status {result.summary.status}")
            print(f"   run wall time        {wall:.2f} s  ratio {wall / ideal:.3f}")
            print(
                f"   Inspect eval only    {result.wall_seconds:.2f} s  ratio {result.wall_seconds / ideal:.3f}"
            )
            print(f"   server busy window   {window:.2f} s  ratio {window / ideal:.3f}")
            print(
                f"   process CPU          {cpu:.2f} s = {1000 * cpu / samples:.1f} ms per sample (server included)"
            )
            print(f"   server               {describe(counts)}")
            best = wall if best is None else min(best, wall)
        if args.bare_inspect:
            _bare_inspect(requests * 2, args.concurrency, ideal, base_url, Path(tmp), server)
    if best is not None:
        print(f"best run wall time      {best:.2f} s  ratio {best / ideal:.3f}  (target ≤ 1.15)")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _bare_inspect(
    samples: int, concurrency: int, ideal: float, base_url: str, tmp: Path, server: FaultServer
) -> None:
    """The floor set by Inspect itself: the same number of one-call samples through a task with a bare
    ``generate()`` solver and no scorer."""
    from inspect_ai import Task
    from inspect_ai import eval as inspect_eval
    from inspect_ai.dataset import Sample
    from inspect_ai.solver import generate

    server.reset_counts()
    os.environ.update(service_environment(SERVICE, base_url, tmp / "cache-bare"))
    task = Task(
        dataset=[Sample(input=f"Bare request {index}.") for index in range(samples)],
        solver=[generate()],
    )
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    inspect_eval(
        task,
        model=f"openai-api/{SERVICE}/subject",
        log_dir=str(tmp / "bare-logs"),
        display="none",
        max_connections=concurrency,
        score_display=False,
    )
    wall = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    print(f"-- bare Inspect task (generate() only, no scorer): {samples} samples")
    print(f"   eval wall time       {wall:.2f} s  ratio {wall / ideal:.3f}")
    print(f"   process CPU          {cpu:.2f} s = {1000 * cpu / samples:.1f} ms per sample (server included)")
    print(f"   server               {describe(server.snapshot())}")


if __name__ == "__main__":
    main()
