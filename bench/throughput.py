"""Throughput: how close ``afeval run`` comes to the Little's-law ideal against a loopback provider.

    .venv/bin/python bench/throughput.py --preset realistic  # the table in docs/benchmarks.md (~10 min)
    .venv/bin/python bench/throughput.py --bare-inspect      # 2,000 samples, 200 ms fixed, offline judge, twice
    .venv/bin/python bench/throughput.py --quick             # 200 samples, 50 ms (a smoke check, < 1 min)
    .venv/bin/python bench/throughput.py --judge networked --generation-median-ms 3000 --judge-median-ms 1000

C (``--concurrency``, one configuration per value) is the number of samples in flight: the run's
``max_connections``, which Inspect's ``max_samples`` follows when it is set. The judge model gets its own pool of
C connections (Inspect pools connections per model), so judge calls never wait for generation slots.

Each sample is a chain of calls made one after another: its generation, then, with ``--judge networked``, one
call per classifier of afeval's default selection in turn (Inspect runs a sample's scorers in sequence):
StrongREJECT compliance, the alignment-faking votes (one call with ``n`` choices, since the loopback provider is
``openai-api``, which honours ``n``; one call per vote with ``--no-af-num-choices``-style providers), and partial
compliance. With N samples, C in flight and a mean chain latency E, no harness can finish before N × E / C
(Little's law). Two ideals are printed: from the latency model's means (a log-normal's mean is
median × exp(σ²/2)) and from the latencies the server actually drew (the sum of every delivered call's wait,
over C, exact for chains of sequential calls). The ratio is the run's wall time over the drawn ideal
(target ≤ 1.15).

Latency: fixed ``--latency-ms`` for every call, or log-normal with ``--generation-median-ms`` (model under test)
and ``--judge-median-ms`` (judge) and ``--latency-sigma`` (σ of log latency, default 0.5: the middle half of
replies within ~0.7×–1.4× the median). Draws are seeded by the prompt and attempt, so repeats wait the same.

Printed per configuration: the ideals, the run's wall time (``run_evaluation``: task build, eval, results files)
and its ratio, Inspect's eval time alone, the server's busy window (first request to last reply), calls by kind,
and the process CPU per sample (the in-process server's threads included) with the cores it kept busy.
``--bare-inspect`` adds the CPU comparison at the fixed ``--latency-ms``: a bare Inspect task (``generate()``
only, no scorer) against afeval's run with the offline judge, same samples, first concurrency. Each run uses a
fresh response cache, so every call reaches the server. The load average is printed since the machine may be
shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fault_server import (
    DEFAULT_LATENCY_SIGMA,
    JUDGE_MODEL,
    FaultServer,
    FaultServerConfig,
    LogNormalLatency,
    ServerCounts,
    describe_calls,
    lognormal,
    serve,
    service_environment,
    write_requests,
)

SERVICE = "bench"
TARGET_RATIO = 1.15
SUBJECT = f"openai-api/{SERVICE}/subject"
JUDGE = f"openai-api/{SERVICE}/{JUDGE_MODEL}"


@dataclass(frozen=True)
class Latency:
    """The server's latency model: fixed ``fixed_ms`` unless a log-normal is set for a side."""

    fixed_ms: float
    generation: LogNormalLatency | None = None
    judge: LogNormalLatency | None = None

    def mean_seconds(self, judge: bool) -> float:
        distribution = self.judge if judge else self.generation
        return (distribution.mean_ms if distribution is not None else self.fixed_ms) / 1000

    def describe(self) -> str:
        if self.generation is None and self.judge is None:
            return f"{self.fixed_ms:g} ms fixed"

        def side(name: str, distribution: LogNormalLatency | None) -> str:
            if distribution is None:
                return f"{name} {self.fixed_ms:g} ms fixed"
            return (
                f"{name} log-normal median {distribution.median_ms:g} ms, σ {distribution.sigma:g} "
                f"(mean {distribution.mean_ms:.0f} ms)"
            )

        return f"{side('generation', self.generation)}; {side('judge', self.judge)}"

    def apply(self, server: FaultServer) -> None:
        """Set the server's latency for the next run and zero its counts. One server serves the whole
        invocation: Inspect caches a model (and its base URL) per name and config, so a second server on
        another port would leave a later run talking to a closed one."""
        server.config = replace(
            server.config,
            latency_ms=self.fixed_ms,
            generation_latency=self.generation,
            judge_latency=self.judge,
        )
        server.reset_counts()


def judge_calls_per_sample(networked: bool, af_votes: int) -> int:
    """Judge calls in one sample's chain with afeval's default classifiers: compliance, the AF votes (one call
    when the judge's provider takes ``n``, else one per vote) and partial compliance; none offline."""
    from afeval.settings import af_vote_calls

    if not networked:
        return 0
    af_calls = 1 if af_vote_calls(None, JUDGE) == "choices" else af_votes
    return 1 + af_calls + 1


def expected_ideal(samples: int, concurrency: int, latency: Latency, judge_calls: int) -> float:
    """N × E[chain] / C, E[chain] from the latency model's means."""
    chain = latency.mean_seconds(judge=False) + judge_calls * latency.mean_seconds(judge=True)
    return samples * chain / concurrency


def drawn_ideal(counts: ServerCounts, concurrency: int) -> float:
    """The sum of the latencies the server actually waited, over C (exact when a sample's calls are serial)."""
    return sum(counts.waited_by_model.values()) / concurrency


@dataclass(frozen=True)
class Measurement:
    samples: int
    wall: float
    eval_wall: float | None
    cpu: float
    counts: ServerCounts

    @property
    def cpu_ms_per_sample(self) -> float:
        return 1000 * self.cpu / max(1, self.samples)

    @property
    def window(self) -> float:
        return (self.counts.last_reply_at or 0.0) - (self.counts.first_request_at or 0.0)


def main() -> None:
    args = _parse()
    print(f"load average at start: {_loadavg()}  ({os.cpu_count()} CPUs)")
    from afeval.judges import DEFAULT_AF_VOTES

    af_votes = args.af_votes or DEFAULT_AF_VOTES
    networked = args.judge == "networked"
    latency = Latency(
        args.latency_ms,
        lognormal(args.generation_median_ms, args.latency_sigma),
        lognormal(args.judge_median_ms, args.latency_sigma),
    )
    judge_calls = judge_calls_per_sample(networked, af_votes)
    offline_cpu: dict[
        int, float
    ] = {}  # concurrency -> best CPU ms per sample, offline judge at fixed latency
    with tempfile.TemporaryDirectory() as tmp_name, serve(FaultServerConfig(max_seconds=7200)) as served:
        tmp = Path(tmp_name)
        bench = Bench(tmp, *served)
        dataset = write_requests(tmp / "requests.jsonl", args.samples // 2)
        samples = 2 * (args.samples // 2)
        for concurrency in args.concurrency:
            print(
                f"\n== {samples} samples, concurrency {concurrency} (samples in flight), {latency.describe()}, "
                f"judge {'networked: ' + str(judge_calls) + ' calls per sample' if networked else 'offline'}"
                + (f" ({af_votes} AF votes)" if networked else "")
            )
            ideal = expected_ideal(samples, concurrency, latency, judge_calls)
            print(f"   Little's-law ideal   {ideal:.2f} s from the means (N × E[chain] / C)")
            best: float | None = None
            for repeat in range(args.repeat):
                run = _run_afeval(
                    bench, dataset, latency, concurrency, networked, af_votes, f"{concurrency}-{repeat}"
                )
                drawn = drawn_ideal(run.counts, concurrency)
                print(f"-- repeat {repeat + 1}: {run.samples} samples; load average {_loadavg()}")
                _print_measurement(run, drawn)
                best = run.wall / drawn if best is None else min(best, run.wall / drawn)
                if not networked and latency.generation is None:
                    previous = offline_cpu.get(concurrency, run.cpu_ms_per_sample)
                    offline_cpu[concurrency] = min(previous, run.cpu_ms_per_sample)
            if best is not None:
                verdict = "met" if best <= TARGET_RATIO else "NOT met"
                print(f"   best ratio           {best:.3f}  (target ≤ {TARGET_RATIO}: {verdict})")
        if args.bare_inspect:
            _cpu_comparison(bench, dataset, samples, args.latency_ms, args.concurrency[0], offline_cpu)
    print(f"\nload average at end: {_loadavg()}")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--preset",
        choices=["realistic"],
        help="realistic: 2,000 samples, generation median 3 s, judge median 1 s (σ 0.5), networked judge, "
        "concurrency 64 and 256, once each, plus --bare-inspect at 200 ms",
    )
    parser.add_argument("--samples", type=int, default=2000, help="samples (requests × 2 tiers)")
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[64],
        help="samples in flight (max_connections); several",
    )
    parser.add_argument("--latency-ms", type=float, default=200.0, help="fixed latency of every call")
    parser.add_argument(
        "--generation-median-ms", type=float, help="log-normal latency of the model under test"
    )
    parser.add_argument("--judge-median-ms", type=float, help="log-normal latency of the judge")
    parser.add_argument("--latency-sigma", type=float, default=DEFAULT_LATENCY_SIGMA, help="σ of log latency")
    parser.add_argument("--judge", choices=["offline", "networked"], default="offline")
    parser.add_argument("--af-votes", type=int, help="AF votes with the networked judge (default: afeval's)")
    parser.add_argument("--judge-votes", type=int, help="same as --judge networked --af-votes K (0: offline)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="200 samples, latencies ÷ 4 (50 ms fixed), once")
    parser.add_argument(
        "--bare-inspect",
        action="store_true",
        help="also the CPU comparison at --latency-ms: bare Inspect task vs afeval with the offline judge",
    )
    args = parser.parse_args()
    if args.preset == "realistic":
        args.samples, args.concurrency, args.repeat, args.judge = 2000, [64, 256], 1, "networked"
        args.generation_median_ms, args.judge_median_ms, args.latency_ms = 3000.0, 1000.0, 200.0
        args.bare_inspect = True
    if args.judge_votes is not None:
        args.judge = "networked" if args.judge_votes > 0 else "offline"
        args.af_votes = args.judge_votes or None
    if args.quick:
        args.samples, args.repeat = 200, 1
        args.latency_ms /= 4
        args.generation_median_ms = args.generation_median_ms and args.generation_median_ms / 4
        args.judge_median_ms = args.judge_median_ms and args.judge_median_ms / 4
    return args


@dataclass(frozen=True)
class Bench:
    """Where the runs write, and the one server they all talk to."""

    tmp: Path
    base_url: str
    server: FaultServer


def _run_afeval(
    bench: Bench,
    dataset: Path,
    latency: Latency,
    concurrency: int,
    networked: bool,
    af_votes: int,
    label: str,
) -> Measurement:
    from afeval.engine import RunConfig, run_evaluation
    from afeval.settings import DatasetChoice, JudgingSettings

    latency.apply(bench.server)
    os.environ.update(service_environment(SERVICE, bench.base_url, bench.tmp / f"cache-{label}"))
    config = RunConfig(
        model=SUBJECT,
        dataset=DatasetChoice(str(dataset)),
        judging=JudgingSettings(judge_model=JUDGE if networked else "offline", af_votes=af_votes),
        out_dir=bench.tmp / f"run-{label}",
        max_connections=concurrency,
        display="none",
    )
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    result = run_evaluation(config)
    wall = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    counts = bench.server.snapshot()
    samples = sum(tier.n for tier in result.summary.tiers.values())
    if result.summary.status != "success":
        print(f"   status               {result.summary.status}")
    return Measurement(samples, wall, result.wall_seconds, cpu, counts)


def _print_measurement(run: Measurement, drawn: float) -> None:
    print(f"   drawn ideal          {drawn:.2f} s (the latencies the server drew, summed, over C)")
    print(f"   run wall time        {run.wall:.2f} s  ratio {run.wall / drawn:.3f}")
    if run.eval_wall is not None:
        print(f"   Inspect eval only    {run.eval_wall:.2f} s  ratio {run.eval_wall / drawn:.3f}")
    print(f"   server busy window   {run.window:.2f} s  ratio {run.window / drawn:.3f}")
    print(f"   calls                {describe_calls(run.counts)}; requests {run.counts.requests}")
    print(
        f"   process CPU          {run.cpu:.1f} s = {run.cpu_ms_per_sample:.1f} ms per sample (server included), "
        f"{run.cpu / run.wall:.2f} cores busy over the run, {run.samples / run.wall:.1f} samples/s"
    )


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _cpu_comparison(
    bench: Bench,
    dataset: Path,
    samples: int,
    latency_ms: float,
    concurrency: int,
    offline_cpu: dict[int, float],
) -> None:
    """afeval's CPU per sample over a bare Inspect task's, at the same fixed latency and concurrency."""
    latency = Latency(latency_ms)
    print(f"\n== CPU comparison: {samples} samples, {latency_ms:g} ms fixed, concurrency {concurrency}")
    bare = _run_bare(bench, samples, latency, concurrency)
    ideal = expected_ideal(samples, concurrency, latency, 0)
    print(f"-- bare Inspect task (generate() only, no scorer); load average {_loadavg()}")
    _print_measurement(bare, ideal)
    afeval_cpu = offline_cpu.get(concurrency)
    if afeval_cpu is None:
        run = _run_afeval(bench, dataset, latency, concurrency, False, 1, f"cpu-{concurrency}")
        print(f"-- afeval, offline judge; load average {_loadavg()}")
        _print_measurement(run, ideal)
        afeval_cpu = run.cpu_ms_per_sample
    ratio = afeval_cpu / bare.cpu_ms_per_sample
    print(
        f"   CPU per sample       afeval {afeval_cpu:.1f} ms / bare {bare.cpu_ms_per_sample:.1f} ms = {ratio:.2f} "
        "(target ≤ 1.15)"
    )


def _run_bare(bench: Bench, samples: int, latency: Latency, concurrency: int) -> Measurement:
    """The floor set by Inspect itself: the same number of one-call samples through a task with a bare
    ``generate()`` solver and no scorer."""
    from inspect_ai import Task
    from inspect_ai import eval as inspect_eval
    from inspect_ai.dataset import Sample
    from inspect_ai.solver import generate

    latency.apply(bench.server)
    os.environ.update(service_environment(SERVICE, bench.base_url, bench.tmp / "cache-bare"))
    task = Task(
        dataset=[Sample(input=f"Bare request {index}.") for index in range(samples)],
        solver=[generate()],
    )
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    inspect_eval(
        task,
        model=SUBJECT,
        log_dir=str(bench.tmp / "bare-logs"),
        display="none",
        max_connections=concurrency,
        score_display=False,
    )
    wall = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    counts = bench.server.snapshot()
    return Measurement(samples, wall, None, cpu, counts)


if __name__ == "__main__":
    main()
