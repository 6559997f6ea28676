"""The evaluation harness on a reduced SciFact, through the real indexer, search and model.

A few dozen test queries, the documents they need and a few hundred distractors: small enough for
CI, large enough that hybrid ranking has to earn its place against either side alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gte_notes.eval.metrics import ndcg_at, recall_at
from gte_notes.eval.scifact import evaluate, load_scifact, subset

QUERIES = 40
DISTRACTORS = 300


@pytest.mark.model
def test_hybrid_beats_dense_and_keyword_on_scifact_sample(
    minilm_embedder, shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GTE_NOTES_EVAL_CACHE", str(tmp_path / "cache"))
    sf = load_scifact(shared_dir / "eval" / "scifact", "test")
    sf = subset(sf, sorted(sf.qrels, key=int)[:QUERIES], DISTRACTORS)
    report = evaluate(sf, minilm_embedder, tmp_path / "work", quiet=True)
    ndcg = {r["system"]: r["ndcg@10"] for r in report["rows"]}
    assert ndcg["app hybrid"] > ndcg["app dense"]
    assert ndcg["app hybrid"] > ndcg["app keyword"]
    # Chunking and the ANN must cost (almost) nothing against brute force on whole documents. On 40
    # queries one query moving a rank or two shifts the mean by ~1.5 points, so the bound here is 2.5;
    # the full test set (README) holds the 0.3 target.
    assert abs(ndcg["app dense"] - ndcg["exact dense"]) < 2.5
    assert report["docs"] == len(sf.corpus) and report["queries"] == QUERIES


def test_metrics_match_their_definitions() -> None:
    rel = {"a": 1, "b": 1}
    assert ndcg_at(["a", "b", "c"], rel) == pytest.approx(1.0)
    assert ndcg_at(["c", "a"], {"a": 1}) == pytest.approx(1 / 1.5849625, rel=1e-6)
    assert ndcg_at(["x"] * 10 + ["a"], {"a": 1}) == 0.0
    assert recall_at(["a", "x", "b"], rel, 2) == 0.5
