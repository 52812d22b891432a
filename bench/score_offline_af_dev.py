"""Score the offline alignment-faking classifier on a human-labelled set: aggregate AUROC figures only.

Prints the AUROC (with a stratified bootstrap 95% CI, 2,000 resamples, seed 0, as ``afeval judges validate``)
of the rule score alone, the text model alone and the shipped combination, for the shipped weights or for a
candidate weights file. It never prints a text, a per-text score or a per-text error: the human-labelled set
is a test set, and looking at individual texts would invite tuning phrases to it. Every run on the dev set
belongs in the configuration log of docs/offline-classifier.md.

Usage: python bench/score_offline_af_dev.py [--weights PATH] [--gold PATH]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from afeval.judges.offline import offline_alignment_faking_score
from afeval.judges.offline_classifier import (
    OfflineAFClassifier,
    combined_score,
    load_text_model_weights,
    parse_text_model_weights,
    text_model_score,
)
from afeval.validation import auroc_with_ci

GOLD_DEV = Path(__file__).parents[1] / ".." / "shared" / "data" / "af-gold106" / "dev.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, help="candidate weights JSON (default: the shipped file)")
    parser.add_argument("--gold", type=Path, default=GOLD_DEV)
    args = parser.parse_args()
    weights = (
        parse_text_model_weights(args.weights.read_text(encoding="utf-8"))
        if args.weights
        else load_text_model_weights()
    )
    rows = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [str(row["text"]) for row in rows]
    labels = [int(row["label"]) for row in rows]
    started = time.perf_counter()
    rule = [offline_alignment_faking_score(text) for text in texts]
    text = [text_model_score(t, weights) for t in texts]
    combined = [combined_score(t, r, weights) for t, r in zip(text, rule, strict=True)]
    elapsed = time.perf_counter() - started
    print(f"{len(texts)} texts, {sum(labels)} AF; {args.weights or 'shipped weights'}")
    for name, scores in (("rule score", rule), ("text model", text), ("combined", combined)):
        estimate = auroc_with_ci(labels, scores)
        print(f"  {name:<11} AUROC {estimate.value:.3f}  95% CI [{estimate.ci[0]:.3f}, {estimate.ci[1]:.3f}]")
    print(f"  {len(texts) / elapsed:.0f} texts/s (rule score + text model, one process)")
    if not args.weights:
        assert OfflineAFClassifier().score(texts[0]) == combined[0]


if __name__ == "__main__":
    main()
