"""Choose the fusion on the tuning splits only, then report the choice on the held-out ones.

Tuning splits: SciFact **train** (lexical claims) and `meaning/dendron-site.tsv` (a person describing a
note in other words). Reported: SciFact **test** and `meaning/vaultofknowledge.tsv`. The objective is
the mean of SciFact nDCG@10 and meaning MRR@10, so neither kind of query can be traded away for the
other. Candidates (both scores of every candidate chunk, and the query's statistics) are gathered once
through `Searcher.candidates`, the app's own code; each setting is then only numpy over them.

The "close match" threshold is chosen after, on dendron-site: the fused top scores of its meaning
queries' correct hits against those of its half of eval/data/nonsense.tsv.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from gte_notes.core.search.fusion import DEFAULT_PARAMS, Candidates, FusionParams, best_per_note, fuse, fused
from gte_notes.core.search.query import parse_query
from gte_notes.eval.harness import Indexed
from gte_notes.eval.meaning import index_vault, load_queries, rank_of, scores
from gte_notes.eval.metrics import ndcg_at
from gte_notes.eval.report import table
from gte_notes.eval.scifact import SciFact, default_workdir, index_scifact, load_scifact
from gte_notes.eval.separation import auc, load_nonsense

KEYWORD_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0)
KEYWORD_POWERS = (1.0, 2.0, 3.0)
QUERY_POWERS = (0.0, 1.0, 2.0, 4.0, 6.0, 8.0)

Gathered = list[tuple[Candidates, dict[int, str]]]


def grid() -> list[FusionParams]:
    return [
        replace(DEFAULT_PARAMS, keyword_weight=w, keyword_power=p, query_power=q)
        for w, p, q in itertools.product(KEYWORD_WEIGHTS, KEYWORD_POWERS, QUERY_POWERS)
    ]


def gather(ix: Indexed, queries: list[str], k: int = 100) -> Gathered:
    s = ix.searcher()
    out = []
    for text in queries:
        cands = s.candidates(parse_query(text), k)
        notes = ix.store.notes_by_id(set(cands.note_ids.tolist()))
        out.append((cands, {n: notes[n].path for n in notes}))
    return out


def _doc(path: str) -> str:
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def scifact_ndcg(g: Gathered, sf: SciFact, params: FusionParams, mode: str = "hybrid") -> float:
    out = []
    for (cands, names), qid in zip(g, sf.queries, strict=True):
        ranked = fuse(cands, params, mode)
        out.append(ndcg_at([_doc(names[int(n)]) for n in ranked.note_ids[:10]], sf.qrels[qid], 10))
    return 100 * float(np.mean(out))


def meaning_scores(g: Gathered, wanted: list[set[str]], params: FusionParams, mode: str = "hybrid") -> dict:
    ranks = []
    for (cands, names), w in zip(g, wanted, strict=True):
        ranked = fuse(cands, params, mode)
        ranks.append(rank_of([names[int(n)] for n in ranked.note_ids[:10]], w))
    return scores(ranks)


def top_scores(g: Gathered, params: FusionParams, wanted: list[set[str]] | None = None) -> list[float]:
    """The fused score of each query's correct hit when it is in the top 10 (or of the top hit)."""
    out = []
    for i, (cands, names) in enumerate(g):
        if not len(cands):
            out.append(-10.0)
            continue
        ranked = best_per_note(cands.note_ids, cands.chunk_ids, fused(cands, params))
        top = list(zip(ranked.note_ids[:10].tolist(), ranked.scores[:10].tolist(), strict=True))
        if wanted is None:
            out.append(top[0][1])
        else:
            out.extend(r for n, r in top if names.get(n) in wanted[i])
    return out


def _close_match(real: list[float], noise: list[float]) -> float:
    """The threshold with the best balanced accuracy between real hits and nonsense top scores."""
    best, best_t = -1.0, 0.0
    for t in sorted(set(real) | set(noise)):
        acc = np.mean([r >= t for r in real]) + np.mean([n < t for n in noise])
        if acc > best:
            best, best_t = acc, t
    return round(float(best_t), 2)


def tune(data: Path, embedder: object, shared: Path, quiet: bool = False) -> dict[str, object]:
    train, test = load_scifact(data, "train"), load_scifact(data, "test")
    six = index_scifact(train, embedder, default_workdir(train), quiet=quiet)
    sets = {}
    for name in ("dendron-site", "vaultofknowledge"):
        sets[name] = (
            index_vault(shared / "vaults" / name, embedder, quiet=quiet),
            load_queries(shared / "eval" / "meaning" / f"{name}.tsv"),
        )
    nonsense = load_nonsense()
    try:
        g_train = gather(six, list(train.queries.values()))
        g_d = gather(sets["dendron-site"][0], [q for q, _ in sets["dendron-site"][1]], 30)
        want_d = [w for _, w in sets["dendron-site"][1]]
        results = []
        for p in grid():
            sf, m = scifact_ndcg(g_train, train, p), meaning_scores(g_d, want_d, p)
            results.append(
                {
                    "keyword_weight": p.keyword_weight,
                    "keyword_power": p.keyword_power,
                    "query_power": p.query_power,
                    "scifact train ndcg@10": sf,
                    "dendron mrr@10": m["mrr@10"],
                    "dendron hit@10": m["hit@10"],
                    "objective": (sf + m["mrr@10"]) / 2,
                    "_p": p,
                }
            )
        best = max(results, key=lambda r: r["objective"])
        chosen: FusionParams = best["_p"]
        noise_d = gather(sets["dendron-site"][0], nonsense["dendron-site"], 30)
        real_d = top_scores(g_d, chosen, want_d)
        threshold = _close_match(real_d, top_scores(noise_d, chosen))
        chosen = replace(chosen, close_match=threshold)
        # Reported on the held-out side only from here on.
        g_test = gather(six, list(test.queries.values()))
        g_v = gather(sets["vaultofknowledge"][0], [q for q, _ in sets["vaultofknowledge"][1]], 30)
        want_v = [w for _, w in sets["vaultofknowledge"][1]]
        noise_v = gather(sets["vaultofknowledge"][0], nonsense["vaultofknowledge"], 30)
        rows = []
        for mode in ("hybrid", "dense", "keyword"):
            rows.append(
                {
                    "system": mode,
                    "scifact test ndcg@10": scifact_ndcg(g_test, test, chosen, mode),
                    **{f"vok {k}": v for k, v in meaning_scores(g_v, want_v, chosen, mode).items()},
                }
            )
        sep = {
            "dendron-site (tuning)": auc(real_d, top_scores(noise_d, chosen)),
            "vaultofknowledge (held out)": auc(top_scores(g_v, chosen, want_v), top_scores(noise_v, chosen)),
        }
        top = sorted(results, key=lambda r: -r["objective"])[:12]
        cols = [
            "keyword_weight",
            "keyword_power",
            "query_power",
            "scifact train ndcg@10",
            "dendron mrr@10",
            "dendron hit@10",
            "objective",
        ]
        text = (
            "Top settings on the tuning splits (SciFact train, meaning/dendron-site):\n"
            + table(top, cols)
            + f"\n\nChosen: {asdict(chosen)}\n\nReported on the held-out splits:\n"
            + table(rows, ["system", "scifact test ndcg@10", "vok hit@1", "vok hit@10", "vok mrr@10"])
            + "\n\nReal-vs-nonsense top score ROC AUC: "
            + ", ".join(f"{k} {v:.3f}" for k, v in sep.items())
        )
        return {
            "text": text,
            "chosen": asdict(chosen),
            "rows": rows,
            "separation_auc": sep,
            "top_train": [{k: v for k, v in r.items() if k != "_p"} for r in top],
        }
    finally:
        six.close()
        for ix, _ in sets.values():
            ix.close()
