"""What batch mode, votes-as-choices and the response cache save, against the naive scheme, in calls, tokens and
dollars, counted on one run against the loopback fake provider.

    .venv/bin/python bench/cost_savings.py [--requests 10] [--votes 20]

The fake plays the model under test and the judge on 127.0.0.1; both are priced at gpt-4o's list prices from
afeval's price table (a batch call at the provider's batch factor). Each scheme is a fresh run with its own
response cache, except the last row, which repeats the naive command on the naive run's cache. Calls are counted
at the server; tokens and dollars come from the run's ``summary.json``. The fake does not report cached input
tokens, so provider prompt caching is not part of these figures (docs/cost.md has a run with it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures.fake_openai import FAKE_API_KEY, fake_openai_server

PLANS = ["comply+af", "refuse", "comply", "partial+maybe", "refuse+af"]
SCHEMES: list[tuple[str, dict[str, Any]]] = [
    # judging overrides; "batch_generation" sends the model under test's calls through the batch API too
    ("naive: one call per vote, list price", {"af_num_choices": False}),
    ("--batch (judge calls through the batch API)", {"af_num_choices": False, "batch": True}),
    ("--batch --batch-generation", {"af_num_choices": False, "batch": True, "batch_generation": True}),
    ("--af-num-choices (votes as choices of one call)", {"af_num_choices": True}),
    ("--af-num-choices --batch", {"af_num_choices": True, "batch": True}),
]


def price_table(path: Path) -> Path:
    path.write_text(
        'checked = "bench"\nsource = "gpt-4o list prices"\n\n[models]\n'
        '"openai-api/fake/subject" = { input = 2.50, cached_input = 1.25, output = 10.00, batch = 0.5 }\n'
        '"openai-api/fake/judge" = { input = 2.50, cached_input = 1.25, output = 10.00, batch = 0.5 }\n'
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--votes", type=int, default=20)
    args = parser.parse_args()

    from afeval.engine import RunConfig, run_evaluation
    from afeval.settings import DatasetChoice, GenerationSettings, JudgingSettings

    with tempfile.TemporaryDirectory() as tmp, fake_openai_server() as (base_url, state):
        root = Path(tmp)
        os.environ.update(
            FAKE_BASE_URL=base_url,
            FAKE_API_KEY=FAKE_API_KEY,
            AFEVAL_PRICE_TABLE=str(price_table(root / "prices.toml")),
        )
        dataset = root / "requests.jsonl"
        with dataset.open("w") as handle:
            for i in range(args.requests):
                free, paid = PLANS[i % len(PLANS)], PLANS[(i + 2) % len(PLANS)]
                handle.write(
                    json.dumps({"prompt": f"Cost request {i} {{{{free:{free} paid:{paid}}}}}"}) + "\n"
                )

        def run(
            index: int, label: str, cache_dir: Path, options: dict[str, Any]
        ) -> tuple[str, int, int, int, int, float]:
            os.environ["INSPECT_CACHE_DIR"] = str(cache_dir)
            state.reset()
            config = RunConfig(
                model="openai-api/fake/subject",
                dataset=DatasetChoice(str(dataset)),
                out_dir=root / "runs" / str(index),
                generation=GenerationSettings(batch=bool(options.get("batch_generation"))),
                judging=JudgingSettings(
                    judge_model="openai-api/fake/judge",
                    af_votes=args.votes,
                    **{key: value for key, value in options.items() if key != "batch_generation"},
                ),
                display="none",
            )
            summary = run_evaluation(config).summary
            usage = summary.usage or {}
            tokens_in = sum(int(u["input_tokens"]) for u in usage.values())
            tokens_out = sum(int(u["output_tokens"]) for u in usage.values())
            return (
                label,
                state.total("subject"),
                state.total("judge"),
                tokens_in,
                tokens_out,
                (summary.cost or {})["total_usd"],
            )

        rows = [run(i, label, root / f"cache-{i}", options) for i, (label, options) in enumerate(SCHEMES)]
        rows.append(
            run(
                len(SCHEMES),
                "the naive command again (Inspect's response cache)",
                root / "cache-0",
                {"af_num_choices": False},
            )
        )

    naive = rows[0][5]
    print(
        f"{args.requests} requests × 2 tiers, {args.votes} AF votes per scratchpad, priced at gpt-4o list prices"
    )
    print(
        f"{'scheme':52} {'model':>6} {'judge':>6} {'tokens in':>10} {'tokens out':>10} {'USD':>8} {'saved':>7}"
    )
    for label, model_calls, judge_calls, tokens_in, tokens_out, usd in rows:
        saved = f"{1 - usd / naive:.0%}" if naive else "—"
        print(
            f"{label:52} {model_calls:>6} {judge_calls:>6} {tokens_in:>10,} {tokens_out:>10,} {usd:>8.4f} {saved:>7}"
        )


if __name__ == "__main__":
    main()
