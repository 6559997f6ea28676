"""Choose the fusion on SciFact train queries only, then report the choice on test.

Candidates (both scores of every candidate chunk) are gathered once per BM25 column weighting
through `Searcher.candidates`, the app's own code; each fusion setting is then only numpy over them.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from gte_notes.core.fusion import DEFAULT_PARAMS, Candidates, FusionParams, fuse
from gte_notes.core.keyword import HEADING_WEIGHT, TEXT_WEIGHT, TITLE_WEIGHT
from gte_notes.core.query import parse_query
from gte_notes.core.search import Searcher
from gte_notes.eval.harness import Indexed
from gte_notes.eval.metrics import ndcg_at
from gte_notes.eval.report import table
from gte_notes.eval.scifact import SciFact, default_workdir, index_scifact, load_scifact, query_vectors

TITLE_WEIGHTS = (1.0, 2.0, 3.0, 5.0)
ALPHAS = tuple(round(a, 2) for a in np.arange(0.2, 0.95, 0.05))
LEVELS = ("note", "chunk")
RRF_KS = (5.0, 10.0, 20.0, 40.0, 60.0, 100.0)
RRF_DENSE_WEIGHTS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


def grid() -> list[FusionParams]:
    out = [FusionParams(method="convex", alpha=a, level=lv) for lv, a in itertools.product(LEVELS, ALPHAS)]
    out += [FusionParams(method="rrf", rrf_k=k, dense_weight=w) for k, w in itertools.product(RRF_KS, RRF_DENSE_WEIGHTS)]
    return out


def gather(ix: Indexed, sf: SciFact, weights: tuple[float, float, float], vecs: dict[str, np.ndarray],
           k: int = 100) -> dict[str, tuple[Candidates, dict[int, str]]]:
    s = Searcher(ix.store, ix.ann, vecs.__getitem__, keyword_weights=weights)
    out = {}
    for qid, text in sf.queries.items():
        cands = s.candidates(parse_query(text), k)
        notes = ix.store.notes_by_id(set(cands.note_ids.tolist()))
        names = {n: notes[n].path.rsplit("/", 1)[-1].rsplit(".", 1)[0] for n in notes}
        out[qid] = (cands, names)
    return out


def ndcg(gathered: dict[str, tuple[Candidates, dict[int, str]]], sf: SciFact, params: FusionParams,
         mode: str = "hybrid") -> float:
    scores = []
    for qid, (cands, names) in gathered.items():
        ranked = fuse(cands, params, mode)
        scores.append(ndcg_at([names[int(n)] for n in ranked.note_ids[:10]], sf.qrels[qid], 10))
    return 100 * float(np.mean(scores))


def tune(data: Path, embedder: object, quiet: bool = False) -> dict[str, object]:
    train, test = load_scifact(data, "train"), load_scifact(data, "test")
    ix = index_scifact(train, embedder, default_workdir(train), quiet=quiet)
    try:
        vecs = {**query_vectors(embedder.encode_query, train.queries)[0],  # type: ignore[attr-defined]
                **query_vectors(embedder.encode_query, test.queries)[0]}  # type: ignore[attr-defined]
        results = []
        gathered_train = {}
        for tw in TITLE_WEIGHTS:
            weights = (tw, HEADING_WEIGHT, TEXT_WEIGHT)
            g = gather(ix, train, weights, vecs)
            gathered_train[tw] = g
            results.append({"title_weight": tw, "method": "keyword", "params": "", "train": ndcg(g, train,
                                                                                              DEFAULT_PARAMS, "keyword")})
            for p in grid():
                label = f"{p.level} alpha={p.alpha}" if p.method == "convex" else f"k={p.rrf_k:g} wd={p.dense_weight}"
                results.append({"title_weight": tw, "method": p.method, "params": label,
                                "train": ndcg(g, train, p), "_p": p})
        best = max((r for r in results if "_p" in r), key=lambda r: r["train"])
        best_rrf = max((r for r in results if r["method"] == "rrf"), key=lambda r: r["train"])
        default_w = (TITLE_WEIGHT, HEADING_WEIGHT, TEXT_WEIGHT)
        chosen = [("chosen (best on train)", best), ("best RRF on train", best_rrf),
                  ("naive RRF k=60, title weight 1", next(r for r in results if r["method"] == "rrf"
                                                          and r["title_weight"] == 1.0 and r["_p"].rrf_k == 60
                                                          and r["_p"].dense_weight == 1.0))]
        rows = []
        for name, r in chosen:
            g = gather(ix, test, (r["title_weight"], HEADING_WEIGHT, TEXT_WEIGHT), vecs)
            rows.append({"setting": name, "title_weight": r["title_weight"], "method": r["method"],
                         "params": r["params"], "train ndcg@10": r["train"], "test ndcg@10": ndcg(g, test, r["_p"])})
        top = sorted((r for r in results if "_p" in r), key=lambda r: -r["train"])[:15]
        text = ("Top settings on SciFact train (nDCG@10):\n"
                + table([{k: v for k, v in r.items() if k != "_p"} for r in top],
                        ["title_weight", "method", "params", "train"])
                + "\n\nChosen on train, reported on test:\n"
                + table(rows, ["setting", "title_weight", "method", "params", "train ndcg@10", "test ndcg@10"])
                + f"\n\nThe app's current defaults: title weight {default_w[0]}, {asdict(DEFAULT_PARAMS)}")
        return {"text": text, "chosen": {**asdict(replace(best["_p"])), "title_weight": best["title_weight"]},
                "rows": rows, "top_train": [{k: v for k, v in r.items() if k != "_p"} for r in top]}
    finally:
        ix.close()
