"""Kill and resume: SIGKILL ``afeval run`` at random points, run the same command again each time, and check
that finished generations are never paid for twice and that the results match an uninterrupted run.

    .venv/bin/python bench/kill_resume.py             # 600 samples, 5 kills, 100 ms latency
    .venv/bin/python bench/kill_resume.py --quick     # 100 samples, 2 kills

The loopback server (``bench/fault_server.py``) lives in this process and outlives every run; the run is a
subprocess (``afeval run ... --out DIR``, the same command every time, the same ``INSPECT_CACHE_DIR``). Each
kill lands when the server has delivered a random number of new replies in that run, so some requests are
always in flight. Resuming relies on Inspect's response cache (afeval caches every generation with no expiry):
a re-run replays finished generations from the cache and asks the server only for the rest.

After each kill the cache directory is read back: every entry holds a generation the run had *finished*
(received and stored). The server counts, per prompt, the replies it delivered in full, so a prompt answered
twice is one of:

    repeated call for a finished sample   cached before the kill, yet asked again (the target is 0)
    reply lost in flight                  delivered by the server, but the process died before the cache write

Finally the same command runs once, uninterrupted, on a fresh cache and out dir, and the two ``samples.jsonl``
are compared row by row.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import pickle
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fault_server import (
    FaultServer,
    FaultServerConfig,
    describe,
    serve,
    service_environment,
    write_requests,
)

from afeval.results import read_summary

SERVICE = "resume"
AFEVAL = Path(sys.executable).with_name("afeval")
REPLY_DIGEST = re.compile(r"Bench reasoning ([0-9a-f]{12})")


def afeval_command(
    dataset: Path, out_dir: Path, concurrency: int, runner: str, service: str = SERVICE
) -> list[str]:
    """``afeval run`` with the bench's options; the ``api`` runner calls ``run_evaluation`` with the same
    settings from a child of this script (for a checkout whose CLI does not start)."""
    options = [
        "--model",
        f"openai-api/{service}/subject",
        "--judge-model",
        "offline",
        "--dataset",
        str(dataset),
        "--out",
        str(out_dir),
        "--max-connections",
        str(concurrency),
        "--display",
        "none",
    ]
    if runner == "cli":
        return [str(AFEVAL), "run", *options]
    return [sys.executable, __file__, "--child", *options]


def cli_works() -> bool:
    probe = subprocess.run([str(AFEVAL), "run", "--help"], capture_output=True, check=False)
    return probe.returncode == 0


def child(argv: list[str]) -> None:
    """The ``api`` runner: the options of :func:`afeval_command` through ``run_evaluation``."""
    from afeval.engine import RunConfig, run_evaluation
    from afeval.settings import DatasetChoice, JudgingSettings

    options = dict(zip(argv[::2], argv[1::2], strict=True))
    run_evaluation(
        RunConfig(
            model=options["--model"],
            judging=JudgingSettings(judge_model=options["--judge-model"]),
            dataset=DatasetChoice(options["--dataset"]),
            out_dir=Path(options["--out"]),
            max_connections=int(options["--max-connections"]),
            display=options["--display"],
        )
    )


def cached_digests(cache_dir: Path) -> tuple[set[str], int]:
    """Digest prefixes of the generations stored in the cache, and the number of entries that do not load."""
    found: set[str] = set()
    unreadable = 0
    for path in cache_dir.rglob("*"):
        if not path.is_file():
            continue
        try:
            with path.open("rb") as handle:
                _expiry, output = pickle.load(handle)
        except Exception:
            unreadable += 1
            continue
        match = REPLY_DIGEST.search(str(getattr(output, "completion", "")))
        if match:
            found.add(match.group(1))
    return found, unreadable


def run_once(
    command: list[str], env: dict[str, str], server: FaultServer, kill_after: int | None, log: Path
) -> tuple[int, float | None, int]:
    """Run the command; SIGKILL it once the server has delivered ``kill_after`` more replies.
    Returns (exit code, kill time or None, replies delivered during this run)."""
    start = server.replies_delivered()
    with log.open("ab") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        killed_at = None
        while process.poll() is None:
            if kill_after is not None and server.replies_delivered() - start >= kill_after:
                process.send_signal(signal.SIGKILL)
                killed_at = time.monotonic()
                break
            time.sleep(0.002)
        code = process.wait(timeout=300)
    return code, killed_at, server.replies_delivered() - start


def comparable_rows(out_dir: Path) -> dict[str, dict[str, Any]]:
    rows = {}
    for line in (out_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows[row["sample_id"]] = row
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=600, help="samples (requests × 2 tiers)")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--quick", action="store_true", help="100 samples, 2 kills")
    parser.add_argument(
        "--runner", choices=("cli", "api"), default="cli", help="afeval run, or run_evaluation"
    )
    args = parser.parse_args()
    if args.runner == "cli" and not cli_works():
        print("note: `afeval run --help` fails in this checkout; running run_evaluation in a child instead")
        args.runner = "api"
    if args.quick:
        args.samples, args.kills = 100, 2

    rng = random.Random(args.seed)
    samples = args.samples // 2 * 2
    print(
        f"{samples} samples, {args.kills} kills, {args.latency_ms:g} ms latency, concurrency {args.concurrency}, "
        f"seed {args.seed}"
    )
    config = FaultServerConfig(latency_ms=args.latency_ms, max_seconds=1800)
    with tempfile.TemporaryDirectory() as tmp_name, serve(config) as (base_url, server):
        tmp = Path(tmp_name)
        dataset = write_requests(tmp / "requests.jsonl", samples // 2)
        cache = tmp / "cache"
        env = {**os.environ, **service_environment(SERVICE, base_url, cache)}
        command = afeval_command(dataset, tmp / "run", args.concurrency, args.runner)
        print("command:", " ".join(command).replace(str(tmp), "$TMP"))
        kills: list[tuple[float, set[str]]] = []  # per killed run: kill time, digests cached when it landed
        unreadable_entries = 0
        started = time.perf_counter()
        run_starts: list[float] = []
        for index in range(args.kills + 1):
            run_starts.append(time.monotonic())
            remaining = samples - len(server.snapshot().successes)
            final = index == args.kills
            kill_after = None if final else rng.randint(1, max(1, remaining - 1))
            code, killed_at, delivered = run_once(command, env, server, kill_after, tmp / "runs.log")
            if killed_at is not None:
                cached, unreadable = cached_digests(cache)
                unreadable_entries += unreadable
                kills.append((killed_at, cached))
                print(
                    f"run {index + 1}: killed after {delivered} new replies (exit {code}); "
                    f"{len(cached)} generations cached, {unreadable} unreadable cache entries"
                )
            else:
                print(f"run {index + 1}: finished (exit {code}), {delivered} new replies")
        resumed_wall = time.perf_counter() - started
        counts = server.snapshot()

        # Classify every prompt answered in full more than once, by the runs its replies were delivered in.
        # A run's window starts when it is launched: a reply written while a killed run was dying belongs
        # to that run, not to the next one.
        repeated_finished = 0
        lost_in_flight = 0
        same_run = 0
        first_run: dict[str, int] = {}
        for at, digest in counts.success_log:
            run = bisect.bisect_right(run_starts, at) - 1
            if digest not in first_run:
                first_run[digest] = run
            elif first_run[digest] == run:
                same_run += 1  # asked twice within one run (a client retry), not a resume
            elif digest[:12] in kills[first_run[digest]][1]:
                repeated_finished += 1
            else:
                lost_in_flight += 1
        never_answered = sorted(
            counts.previews[digest] for digest in counts.prompts if digest not in counts.successes
        )

        # The same command, uninterrupted, on a fresh cache.
        server.reset_counts()
        clean_env = {**os.environ, **service_environment(SERVICE, base_url, tmp / "cache-clean")}
        clean_started = time.perf_counter()
        code = subprocess.run(
            afeval_command(dataset, tmp / "clean", args.concurrency, args.runner),
            env=clean_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        ).returncode
        clean_wall = time.perf_counter() - clean_started
        resumed, clean = comparable_rows(tmp / "run"), comparable_rows(tmp / "clean")
        differing = sorted(sid for sid in clean if resumed.get(sid) != clean[sid])
        summary = read_summary(tmp / "run")
        clean_summary = read_summary(tmp / "clean")

        print(f"server over all resumed runs: {describe(counts)}")
        print(f"final run status             {summary.status}, {len(resumed)}/{samples} samples")
        print(
            f"repeated calls, finished     {repeated_finished}  (cached before a kill, asked again; target 0)"
        )
        print(
            f"replies lost in flight       {lost_in_flight}  (delivered, process killed before the cache write)"
        )
        print(f"answered twice in one run    {same_run}")
        print(
            f"prompts never answered       {len(never_answered)}"
            + (f" e.g. {never_answered[0]!r}" if never_answered else "")
        )
        print(f"unreadable cache entries     {unreadable_entries}")
        print(f"model calls, resumed runs    {counts.requests} for {samples} samples")
        print(
            f"uninterrupted run            exit {code}, {clean_wall:.1f} s, {server.snapshot().requests} calls"
        )
        print(f"resumed runs, all together   {resumed_wall:.1f} s")
        print(
            f"rows differing from clean    {len(differing)} of {len(clean)}"
            + (f" e.g. {differing[:3]}" if differing else "")
        )
        print(f"summary tiers identical      {summary.tiers == clean_summary.tiers}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
    else:
        main()
