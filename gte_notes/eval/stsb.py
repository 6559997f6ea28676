"""STS Benchmark: Spearman correlation of the embedder's cosine with human similarity scores.

A check of the embedding path itself (tokenizer, pooling, normalisation, precision): the stand-in
model's published test figure is 82.03, gte-small's 85.57.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.stats import spearmanr


def load_pairs(data: Path, split: str) -> list[tuple[str, str, float]]:
    # Tab-separated; some lines carry extra source columns after the two sentences, and sentences
    # contain quote characters, so no CSV parser: the first seven fields are the standard ones.
    pairs = []
    with open(data / f"sts-{split}.csv", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 7:
                pairs.append((parts[5], parts[6], float(parts[4])))
    return pairs


def evaluate_stsb(data: Path, embedder: object, split: str = "test") -> dict[str, object]:
    pairs = load_pairs(data, split)
    a = embedder.encode([p[0] for p in pairs])  # type: ignore[attr-defined]
    b = embedder.encode([p[1] for p in pairs])  # type: ignore[attr-defined]
    cos = np.sum(a * b, axis=1)
    return {
        "split": split,
        "pairs": len(pairs),
        "rows": [
            {
                "system": "app embedder",
                "spearman": 100 * float(spearmanr(cos, [p[2] for p in pairs]).statistic),
            }
        ],
    }
