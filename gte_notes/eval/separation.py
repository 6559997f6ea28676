"""Do scores mean something? A real match must read higher than the best answer to a nonsense query.

Real: each meaning query's correct hit, when it is in the top 10, with the score the user sees on its
row. Nonsense: the top score of queries no note answers (eval/data/nonsense.tsv, written per vault).
Reported as ROC AUC (1.0: every real hit reads above every nonsense top score), and how many of each
fall under the "no close match" line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gte_notes.core.search.fusion import close_match_score
from gte_notes.eval.meaning import index_vault, load_queries

DATA = Path(__file__).resolve().parent / "data"


def load_nonsense(path: Path = DATA / "nonsense.tsv") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            vault, _, query = line.partition("\t")
            out.setdefault(vault, []).append(query)
    return out


def auc(real: list[float], noise: list[float]) -> float:
    """P(a real score > a nonsense score), ties counting half (the Mann-Whitney statistic)."""
    if not real or not noise:
        return float("nan")
    r, n = np.asarray(real)[:, None], np.asarray(noise)[None, :]
    return float(np.mean((r > n) + 0.5 * (r == n)))


def evaluate_separation(
    vault: Path, queries_file: Path, nonsense: list[str], embedder: object, quiet: bool = False
) -> dict[str, object]:
    ix = index_vault(vault, embedder, quiet=quiet)
    try:
        s = ix.searcher()
        real = []
        for query, wanted in load_queries(queries_file):
            real += [h.score for h in s.search(query, 10) if h.path in wanted][:1]
        noise = [hits[0].score if (hits := s.search(q, 10)) else 0.0 for q in nonsense]
        line = close_match_score()
        return {
            "name": queries_file.stem,
            "real": len(real),
            "nonsense": len(noise),
            "auc": auc(real, noise),
            "real_close": 100 * float(np.mean([r >= line for r in real])) if real else 0.0,
            "nonsense_close": 100 * float(np.mean([n >= line for n in noise])) if noise else 0.0,
            "real_median": float(np.median(real)) if real else 0.0,
            "nonsense_median": float(np.median(noise)) if noise else 0.0,
        }
    finally:
        ix.close()
