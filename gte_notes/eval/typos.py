"""Misspelled queries: hit@10 over eval/data/typos.tsv (queries from the shared meaning sets and SciFact
test with letters dropped, doubled or swapped). Only reported: nothing is tuned on these."""

from __future__ import annotations

from pathlib import Path

from gte_notes.eval.harness import Indexed
from gte_notes.eval.meaning import MODES, index_vault, rank_of, scores
from gte_notes.eval.scifact import default_workdir, index_scifact, load_scifact

DATA = Path(__file__).resolve().parent / "data"


def load_typos(path: Path = DATA / "typos.tsv") -> list[tuple[str, str, set[str]]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            vault, query, targets = line.split("\t")
            out.append((vault, query, set(targets.split("|"))))
    return out


def evaluate_typos(shared: Path, embedder: object, quiet: bool = False) -> dict[str, object]:
    rows = load_typos()
    indexes: dict[str, Indexed] = {}
    try:
        for vault in sorted({v for v, _, _ in rows}):
            if vault == "scifact":
                sf = load_scifact(shared / "eval" / "scifact", "test")
                indexes[vault] = index_scifact(sf, embedder, default_workdir(sf), quiet=quiet)
            else:
                indexes[vault] = index_vault(shared / "vaults" / vault, embedder, quiet=quiet)
        searchers = {v: ix.searcher() for v, ix in indexes.items()}
        ranks: dict[str, list[int | None]] = {m: [] for m in MODES}
        per_query = []
        for vault, query, wanted in rows:
            found = {}
            for mode in MODES:
                hits = searchers[vault].search(query, 10, mode=mode)
                found[mode] = rank_of([h.path for h in hits], wanted)
                ranks[mode].append(found[mode])
            per_query.append({"vault": vault, "query": query, **{f"{m} rank": found[m] for m in MODES}})
        return {
            "queries": len(rows),
            "rows": [{"system": m, **scores(ranks[m])} for m in MODES],
            "per_query": per_query,
        }
    finally:
        for ix in indexes.values():
            ix.close()
