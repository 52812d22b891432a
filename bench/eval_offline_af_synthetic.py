"""Choose the offline AF text model on synthetic evidence only: held-out-phrasing AUROC.

Random K-fold CV on a templated corpus is near 1.0 for every model (the folds share phrasings), so it cannot
choose between models. This script instead splits every hand-written passage pool of the long scratchpads
in two halves (even / odd positions, ``af_corpus_longform.half_of``), trains on the short texts plus the long
texts built from one half, and tests on long texts built only from the other half: new wordings of the same
situations, closer to what meeting real scratchpads is like. It also reports training on the short texts
(corpus v2 style) alone and testing on the long ones. No human-labelled text is read.

Usage: python bench/eval_offline_af_synthetic.py
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).parent))
import make_synthetic_af_corpus as corpus  # a sibling script, not a package

from afeval.judges.offline import offline_alignment_faking_score
from afeval.judges.offline_classifier import TOKEN_PATTERN

SEED = 20250601
CONFIGS: dict[str, dict[str, Any]] = {
    "word 1-2, C=10": {"vec": {"ngram_range": (1, 2), "min_df": 2}, "C": 10.0},
    "word 1-2, C=1": {"vec": {"ngram_range": (1, 2), "min_df": 2}, "C": 1.0},
    "word 1-2, C=0.3": {"vec": {"ngram_range": (1, 2), "min_df": 2}, "C": 0.3},
    "word 1-3, C=10": {"vec": {"ngram_range": (1, 3), "min_df": 2}, "C": 10.0},
    "word 1-3, C=1": {"vec": {"ngram_range": (1, 3), "min_df": 2}, "C": 1.0},
    "word 1-2 min_df 3, C=3": {"vec": {"ngram_range": (1, 2), "min_df": 3}, "C": 3.0},
    "char_wb 3-5, C=10": {"vec": {"analyzer": "char_wb", "ngram_range": (3, 5), "min_df": 3}, "C": 10.0},
}


def fit_score(
    config: dict[str, Any], train: list[dict[str, object]], test: list[dict[str, object]]
) -> np.ndarray:
    options = dict(config["vec"])
    if options.get("analyzer") != "char_wb":
        options["token_pattern"] = TOKEN_PATTERN
    vectorizer = TfidfVectorizer(sublinear_tf=True, lowercase=True, **options)
    features = vectorizer.fit_transform([str(row["text"]) for row in train])
    model = LogisticRegression(C=config["C"], max_iter=5000)
    model.fit(features, [int(str(row["label"])) for row in train])
    return np.asarray(model.decision_function(vectorizer.transform([str(row["text"]) for row in test])))


def zavg(text: np.ndarray, rule: np.ndarray, ref_text: np.ndarray, ref_rule: np.ndarray) -> np.ndarray:
    return (text - ref_text.mean()) / ref_text.std() + (rule - ref_rule.mean()) / ref_rule.std()


def main() -> None:
    short = corpus.generate_short(random.Random(SEED), 40)
    halves = [corpus.generate_long(SEED + 1, 40, half) for half in (0, 1)]
    rule = {
        id(row): offline_alignment_faking_score(str(row["text"])) for rows in [short, *halves] for row in rows
    }
    labels = [np.array([int(str(row["label"])) for row in rows]) for rows in halves]
    long_all = halves[0] + halves[1]
    rule_auc = np.mean([roc_auc_score(labels[h], [rule[id(r)] for r in halves[h]]) for h in (0, 1)])
    print(f"rule score on held-out long texts: {rule_auc:.3f}")
    print("config | short->long | held-out phrasing: text, z-avg with rule")
    for name, config in CONFIGS.items():
        short_only = fit_score(config, short, long_all)
        short_auc = roc_auc_score(np.concatenate(labels), short_only)
        text_aucs, combo_aucs = [], []
        for h in (0, 1):
            train = short + halves[1 - h]
            test = halves[h]
            scores = fit_score(config, train, test)
            # Standardise with the training rows' in-sample scores (close enough for a ranking comparison).
            ref = fit_score(config, train, train)
            ref_rule = np.array([rule[id(r)] for r in train])
            test_rule = np.array([rule[id(r)] for r in test])
            text_aucs.append(roc_auc_score(labels[h], scores))
            combo_aucs.append(roc_auc_score(labels[h], zavg(scores, test_rule, ref, ref_rule)))
        print(f"{name:<24} | {short_auc:.3f} | {np.mean(text_aucs):.3f}, {np.mean(combo_aucs):.3f}")


if __name__ == "__main__":
    main()
