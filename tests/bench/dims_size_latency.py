"""Index size and search latency per vector size (--dims), on a vault's cached evaluation index.

Run after `python -m gte_notes.eval --dims N meaning` (same GTE_NOTES_EVAL_CACHE), which built the
index: python tests/bench/dims_size_latency.py --dims N [--vault dendron-site] [--rounds 3]

Reports the ANN file (ann.bin) and the stored vectors (bytes of the vectors table rows of this model id),
and the app's search latency (hybrid, the default mode) over the vault's meaning queries, each typed
whole, after one warm-up round. No assertions: it prints one JSON line for the README's table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

import numpy as np

from gte_notes.eval.harness import load_model
from gte_notes.eval.meaning import index_vault, load_queries
from tests.bench.bench_env import cpu_model

SHARED = REPO_ROOT.parent / "shared"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dims", type=int, default=0)
    p.add_argument("--vault", default="dendron-site")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    embedder = load_model(None, "fp32", args.dims)
    ix = index_vault(SHARED / "vaults" / args.vault, embedder, quiet=True)
    queries = [q for q, _ in load_queries(SHARED / "eval" / "meaning" / f"{args.vault}.tsv")]
    searcher = ix.searcher()
    for q in queries:  # warm-up: caches, the traced query graph, the ANN pages
        searcher.search(q, 10)
    times = []
    for _ in range(args.rounds):
        for q in queries:
            t = time.perf_counter()
            searcher.search(q, 10)
            times.append(time.perf_counter() - t)
    ann_bytes = sum(f.stat().st_size for f in ix.ws.dir.glob("ann*.bin"))
    vec_bytes, count = ix.store.conn.execute(
        "SELECT COALESCE(SUM(LENGTH(vector)), 0), COUNT(*) FROM vectors WHERE model_id = ?",
        [embedder.model_id],
    ).fetchone()
    print(
        json.dumps(
            {
                "dims": embedder.dim,
                "vault": args.vault,
                "vectors": count,
                "ann_mb": round(ann_bytes / 1e6, 2),
                "vectors_mb": round(vec_bytes / 1e6, 2),
                "search_p50_ms": round(float(np.percentile(times, 50)) * 1e3, 1),
                "search_p95_ms": round(float(np.percentile(times, 95)) * 1e3, 1),
                "queries": len(times),
                "load_avg": round(os.getloadavg()[0], 1),
                "cpu": cpu_model(),
                "date": time.strftime("%Y-%m-%d %H:%M"),
            }
        )
    )
    ix.close()


if __name__ == "__main__":
    main()
