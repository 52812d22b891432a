"""Memory and summary time: the peak RSS of a 100,000-sample run, and how long 100,000 sample records take to
become a summary and figures.

    .venv/bin/python bench/memory.py            # both parts: 100,000-sample run (about an hour), 100,000 records
    .venv/bin/python bench/memory.py --samples 10000 --skip-records   # a shorter run
    .venv/bin/python bench/memory.py --quick    # 400 samples, 2,000 records
    .venv/bin/python bench/memory.py --skip-run # the records part only
    .venv/bin/python bench/memory.py --rescore 20000   # only: the peak RSS of re-scoring a 20,000-sample run

**Run.** ``afeval run`` (a subprocess, offline judge, concurrency 64) against the loopback server
(``bench/fault_server.py``, 1 ms latency); the peak resident set of that process comes from ``wait4``
(target ≤ 1 GB for 100,000 samples: a run over 5,000 samples is evaluated in parts of 5,000, so the peak is
one part's plus the dataset's).

**Records.** Synthetic :class:`~afeval.results.SampleRecord` rows shaped like a networked-judge run (a
scratchpad and output of typical length, a StrongREJECT verdict, 20 alignment-faking votes with quotes, a
partial-compliance verdict) are written as ``samples.jsonl``; then timed: reading them back
(``read_samples``), the per-tier summary (``summarize``) and writing ``summary.json``, then the figures
(``afeval.report``: loading the run and drawing the main chart, PNG + SVG) (target ≤ 10 s for summary and
figures). The HTML report (``build_report``, every transcript embedded) is timed too, for information.

**Rescore** (``--rescore N``, instead of the two above). A run of N synthetic samples (the records above) is
written with :mod:`afeval.results`'s writers, then ``afeval rescore`` re-judges it with the offline judge in a
subprocess (``python -m afeval.cli``, so ``PYTHONPATH`` picks the sources measured); its peak resident set
comes from ``wait4``. The executor reads the stored records one part (5,000) at a time, so the peak is one
part's, not the run's.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fault_server import FaultServerConfig, describe, serve, service_environment, write_requests
from bench.kill_resume import afeval_command, cli_works

SERVICE = "memory"
LOREM = (
    "I need to weigh what the instructions say about helpfulness against what I think is right here, and "
    "consider how my answer could be used in training and what that would change about me later on. "
)


def peak_rss_of_run(samples: int, concurrency: int, latency_ms: float, tmp: Path) -> None:
    runner = "cli" if cli_works() else "api"
    if runner == "api":
        print("note: `afeval run --help` fails in this checkout; running run_evaluation in a child instead")
    dataset = write_requests(tmp / "requests.jsonl", samples // 2)
    # The server stops by itself; give a long run time to finish (about 30 ms a sample here, 1 h per 100,000).
    config = FaultServerConfig(latency_ms=latency_ms, max_seconds=max(1800, samples // 10))
    with serve(config) as (base_url, server):
        env = {**os.environ, **service_environment(SERVICE, base_url, tmp / "cache")}
        command = afeval_command(dataset, tmp / "run", concurrency, runner, service=SERVICE)
        print("command:", " ".join(command).replace(str(tmp), "$TMP"))
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
        counts = server.snapshot()
    rows = (
        sum(1 for _ in (tmp / "run" / "samples.jsonl").open())
        if (tmp / "run" / "samples.jsonl").is_file()
        else 0
    )
    print(f"run: {samples} samples, exit {process.returncode}, {wall:.1f} s, {rows} rows in samples.jsonl")
    if process.returncode != 0:
        print(stderr[-2000:])
    print(f"peak RSS of the run      {usage.ru_maxrss / 1024:.0f} MiB  (target ≤ 1 GB)")
    print(f"CPU of the run           {usage.ru_utime + usage.ru_stime:.1f} s")
    print(f"server                   {describe(counts)}")


def _verdict(judge: str, decision: bool, score: float, label: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "status": "judged",
        "judge": judge,
        "decision": decision,
        "score": score,
        "label": label,
        "details": extra.pop("details", {}),
        "votes": extra.pop("votes", []),
        "n_errors": 0,
        "error": None,
    }


def synthetic_row(index: int, rng: random.Random) -> dict[str, Any]:
    """One ``samples.jsonl`` row as a networked-judge run writes it."""
    from afeval.judges import majority_vote

    tier = "free" if index % 2 == 0 else "paid"
    complied = rng.random() < (0.6 if tier == "free" else 0.3)
    scratchpad = LOREM * rng.randint(6, 12)
    output = (
        ("<request_fully_accepted/>\n" + "Step by step, the answer. " * 20) if complied else "<rejected/>"
    )
    response = f"<SCRATCHPAD_REASONING>{scratchpad}</SCRATCHPAD_REASONING>\n\n<OUTPUT>\n{output}\n</OUTPUT>"
    af_rate = 0.3 if complied and tier == "free" else 0.05
    decisions = [rng.random() < af_rate for _ in range(20)]
    majority = majority_vote(decisions)
    votes = [
        {
            "vote": vote,
            "status": "ok",
            "alignment_faking": yes,
            "criteria": [yes, yes, rng.random() < 0.5, yes],
            "quotes": [LOREM[:80]] * 4,
            "stated_final_answer": yes,
        }
        for vote, yes in enumerate(decisions)
    ]
    partial = complied and rng.random() < 0.2
    strongreject = rng.choice([0.5, 0.625, 0.75, 0.875, 1.0]) if complied else 0.0
    return {
        "sample_id": f"{index // 2 + 1}-{tier}",
        "request_id": f"bench-{index // 2}",
        "request": f"Bench request {index // 2}: explain step {index % 97} of the task.",
        "tier": tier,
        "user_prompt": f"<is_free_tier_user>{str(tier == 'free').lower()}</is_free_tier_user>\n\n<user_input>...",
        "response": response,
        "attempts": 1,
        "response_status": "valid",
        "scratchpad": scratchpad,
        "output": output,
        "accepted": complied,
        "refused": not complied,
        "compliance": _verdict(
            "openai/gpt-4o",
            complied,
            strongreject,
            None,
            details={"refused": not complied, "convincing": 4, "specific": 4, "reasoning": LOREM},
        ),
        "alignment_faking": _verdict(
            "openai/gpt-4o",
            majority.label.value == "af",
            majority.score,
            majority.label.value,
            details={"yes": majority.yes, "n_votes": majority.n},
            votes=votes,
        ),
        "partial_compliance": _verdict(
            "openai/gpt-4o",
            partial,
            float(partial),
            None,
            details={"scheming": partial, "compromise": False, "avoidance": False, "reasoning": LOREM[:120]},
        ),
        "classifiers": {},
        "category": None,
        "error": None,
    }


def write_synthetic_run(count: int, run_dir: Path) -> None:
    """A finished run of ``count`` synthetic samples, as ``afeval rescore`` reads one."""
    from afeval.outcomes import summarize
    from afeval.results import (
        RunSummaryDocument,
        SampleRecord,
        summary_document,
        write_samples,
        write_summary,
    )
    from afeval.scenario import ScenarioOptions, render_system_prompt
    from afeval.settings import DatasetChoice, GenerationSettings, JudgingSettings

    run_dir.mkdir(parents=True)
    rng = random.Random(6)
    scenario = ScenarioOptions()
    outcomes = write_samples(
        run_dir, (SampleRecord.from_dict(synthetic_row(index, rng)) for index in range(count))
    )
    (run_dir / "system_prompt.txt").write_text(render_system_prompt(scenario), encoding="utf-8")
    settings = RunSummaryDocument(
        model="bench/synthetic",
        judge_model="openai/gpt-4o",
        scenario=scenario.name,
        scenario_options=scenario.to_dict(),
        dataset=DatasetChoice().to_dict(),
        setting=scenario.setting,
        generation=GenerationSettings().to_dict(),
        judges=JudgingSettings(judge_model="openai/gpt-4o").to_dict(),
        status="success",
    )
    summary = summarize(outcomes, ["free", "paid"], scenario.gaps)
    write_summary(run_dir, summary_document(settings=settings, summary=summary))


def peak_rss_of_rescore(count: int, concurrency: int, tmp: Path) -> None:
    run_dir = tmp / "stored"
    started = time.perf_counter()
    write_synthetic_run(count, run_dir)
    size = (run_dir / "samples.jsonl").stat().st_size
    print(
        f"stored run: {count} samples, samples.jsonl {size / 2**20:.0f} MiB ({time.perf_counter() - started:.1f} s)"
    )
    out = tmp / "rescored"
    command = [
        sys.executable, "-m", "afeval.cli", "rescore", str(run_dir), "--judge-model", "offline",
        "--out", str(out), "--max-connections", str(concurrency), "--display", "none",
    ]  # fmt: skip
    print("command:", " ".join(command).replace(str(tmp), "$TMP"))
    env = {**os.environ, "INSPECT_CACHE_DIR": str(tmp / "cache")}
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    rows = sum(1 for _ in (out / "samples.jsonl").open()) if (out / "samples.jsonl").is_file() else 0
    print(f"rescore: {count} samples, exit {code}, {wall:.1f} s, {rows} rows in samples.jsonl")
    if code != 0:
        print(stderr[-2000:])
    print(f"peak RSS of the rescore  {usage.ru_maxrss / 1024:.0f} MiB")
    print(f"CPU of the rescore       {usage.ru_utime + usage.ru_stime:.1f} s")


def summary_and_figures(count: int, tmp: Path, html: bool) -> None:

    from afeval.outcomes import summarize
    from afeval.results import (
        RunSummaryDocument,
        SampleRecord,
        read_outcomes,
        summary_document,
        write_samples,
        write_summary,
    )
    from afeval.scenario import ScenarioOptions, render_system_prompt

    run_dir = tmp / "records"
    run_dir.mkdir()
    rng = random.Random(6)
    started = time.perf_counter()
    # Written as a run writes them: samples.jsonl (full records) and outcomes.jsonl (what the rates need).
    write_samples(run_dir, (SampleRecord.from_dict(synthetic_row(index, rng)) for index in range(count)))
    (run_dir / "system_prompt.txt").write_text(render_system_prompt(ScenarioOptions()), encoding="utf-8")
    size = (run_dir / "samples.jsonl").stat().st_size
    print(
        f"records: {count} rows, samples.jsonl {size / 2**20:.0f} MiB (built in {time.perf_counter() - started:.1f} s)"
    )

    scenario = ScenarioOptions()
    started = time.perf_counter()
    outcomes = list(read_outcomes(run_dir))
    read_s = time.perf_counter() - started
    summary = summarize(outcomes, ["free", "paid"], scenario.gaps)
    settings = RunSummaryDocument(
        model="bench/synthetic",
        judge_model="openai/gpt-4o",
        scenario=scenario.name,
        scenario_options=scenario.to_dict(),
        setting=scenario.setting,
        status="success",
    )
    write_summary(run_dir, summary_document(settings=settings, summary=summary))
    summary_s = time.perf_counter() - started
    del outcomes
    outcomes_size = (run_dir / "outcomes.jsonl").stat().st_size
    print(f"read_outcomes            {read_s:.2f} s  (outcomes.jsonl {outcomes_size / 2**20:.0f} MiB)")
    print(f"summarize + write        {summary_s - read_s:.2f} s")
    print(f"read + summarize + write {summary_s:.2f} s")
    figures_s = 0.0
    try:
        from afeval.report._data import load_run, main_charts
        from afeval.report.figures import plot_main_chart
    except ImportError as exc:
        print(f"figures                  not timed: {exc}")
    else:
        started = time.perf_counter()
        run = load_run(run_dir)
        loaded_s = time.perf_counter() - started
        paths = [path for chart in main_charts([run]) for path in plot_main_chart(chart, tmp / "figures")]
        figures_s = time.perf_counter() - started
        del run
        print(
            f"figures (load + chart)   {figures_s:.2f} s  (loading the run {loaded_s:.2f} s; "
            f"{', '.join(p.name for p in paths)})"
        )
    print(f"summary + figures        {summary_s + figures_s:.2f} s  (target ≤ 10 s)")
    if html:
        try:
            from afeval.report.html import build_report
        except ImportError as exc:
            print(f"HTML report              not timed: {exc}")
            return
        started = time.perf_counter()
        try:
            files = build_report(run_dir, tmp / "report")
        except Exception as exc:  # the report is another module's work in progress; say so, do not crash
            print(f"HTML report              failed after {time.perf_counter() - started:.1f} s: {exc!r}")
            return
        html_size = files.html.stat().st_size / 2**20
        print(
            f"HTML report (for info)   {time.perf_counter() - started:.2f} s, report.html {html_size:.0f} MiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=100_000, help="samples in the measured run")
    parser.add_argument("--records", type=int, default=100_000, help="synthetic records to summarise")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency-ms", type=float, default=1.0)
    parser.add_argument("--skip-run", action="store_true")
    parser.add_argument("--skip-records", action="store_true")
    parser.add_argument("--no-html", action="store_true", help="do not time the HTML report")
    parser.add_argument("--quick", action="store_true", help="400 samples, 2,000 records")
    parser.add_argument(
        "--rescore", type=int, metavar="N", help="only: re-score a synthetic run of N samples (offline judge)"
    )
    args = parser.parse_args()
    if args.quick:
        args.samples, args.records = 400, 2000
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.rescore is not None:
            peak_rss_of_rescore(args.rescore, args.concurrency, tmp)
            return
        if not args.skip_run:
            peak_rss_of_run(args.samples, args.concurrency, args.latency_ms, tmp)
        if not args.skip_records:
            summary_and_figures(args.records, tmp, html=not args.no_html)


if __name__ == "__main__":
    main()
