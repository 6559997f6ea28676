"""BEIR SciFact through the app: abstracts become notes, claims become queries.

Systems compared (nDCG@10, Recall@100):
- exact dense: the reference, every whole document ("title text", truncated by the model) embedded
  and ranked by brute-force cosine, as MTEB does; it must reproduce the model's published score.
- app dense / app keyword / app hybrid: `Searcher.search` over the indexed notes folder.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gte_notes.core.search.query import parse_query
from gte_notes.core.search.search import Searcher
from gte_notes.eval.harness import Indexed, cache_root, cached_vectors, index_folder, note_text, write_notes
from gte_notes.eval.metrics import ndcg_at, percentile, recall_at

SYSTEMS = ("exact dense", "app dense", "app keyword", "app hybrid")


@dataclass
class SciFact:
    corpus: dict[str, tuple[str, str]]  # doc id -> (title, text)
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]  # query id -> {doc id: relevance}, this split only


def load_scifact(data: Path, split: str) -> SciFact:
    corpus = {}
    with open(data / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            corpus[str(d["_id"])] = (d.get("title", ""), d.get("text", ""))
    queries = {}
    with open(data / "queries.jsonl", encoding="utf-8") as f:
        for line in f:
            q = json.loads(line)
            queries[str(q["_id"])] = q["text"]
    qrels: dict[str, dict[str, int]] = {}
    with open(data / "qrels" / f"{split}.tsv", encoding="utf-8") as f:
        next(f)
        for line in f:
            qid, did, score = line.rstrip("\n").split("\t")
            qrels.setdefault(qid, {})[did] = int(score)
    return SciFact(corpus, {q: queries[q] for q in qrels}, qrels)


def subset(sf: SciFact, query_ids: Iterable[str], distractors: int, seed: int = 0) -> SciFact:
    """A small SciFact: these queries, the documents they need, and `distractors` random others."""
    qids = [q for q in query_ids if q in sf.qrels]
    needed = {d for q in qids for d in sf.qrels[q]}
    others = sorted(set(sf.corpus) - needed)
    rng = np.random.default_rng(seed)
    picked = (
        set(rng.choice(others, size=min(distractors, len(others)), replace=False).tolist())
        if others
        else set()
    )
    keep = needed | picked
    return SciFact(
        {d: v for d, v in sf.corpus.items() if d in keep},
        {q: sf.queries[q] for q in qids},
        {q: sf.qrels[q] for q in qids},
    )


def default_workdir(sf: SciFact) -> Path:
    digest = hashlib.sha256("\n".join(sorted(sf.corpus)).encode()).hexdigest()[:10]
    return cache_root() / f"scifact-{len(sf.corpus)}-{digest}"


def index_scifact(sf: SciFact, embedder: object, workdir: Path, quiet: bool = False) -> Indexed:
    folder = workdir / "notes"
    write_notes(folder, ((f"{d}.md", note_text(title, text)) for d, (title, text) in sf.corpus.items()))
    return index_folder(folder, workdir / "home", embedder, quiet=quiet)


def exact_dense(sf: SciFact, embedder: object, k: int = 100) -> dict[str, list[str]]:
    doc_ids = sorted(sf.corpus)
    texts = [(sf.corpus[d][0] + " " + sf.corpus[d][1]).strip() for d in doc_ids]
    docs = cached_vectors("scifact-docs", texts, embedder)
    qids = sorted(sf.queries)
    qvecs = embedder.encode([sf.queries[q] for q in qids])  # type: ignore[attr-defined]
    sims = qvecs @ docs.T
    out = {}
    for row, qid in zip(sims, qids, strict=True):
        top = np.argsort(-row, kind="stable")[:k]
        out[qid] = [doc_ids[i] for i in top]
    return out


def _doc_id(path: str) -> str:
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def query_vectors(
    searcher_encode: Callable[[str], np.ndarray], texts: dict[str, str]
) -> tuple[dict[str, np.ndarray], list[float]]:
    """Each query embedded once, the way the app embeds a query, timing each."""
    vecs, times = {}, []
    for text in texts.values():
        key = parse_query(text).text
        t = time.perf_counter()
        vecs[key] = searcher_encode(key)
        times.append(time.perf_counter() - t)
    return vecs, times


def app_runs(
    ix: Indexed, sf: SciFact, modes: Iterable[str], k: int = 100, searcher: Searcher | None = None
) -> tuple[dict[str, dict[str, list[str]]], dict[str, float]]:
    """Rankings per mode, and latencies: query embedding and hybrid search (limit 10) p50/p95 in ms."""
    vecs, encode_times = query_vectors(ix.embedder.encode_query, sf.queries)  # type: ignore[attr-defined]
    s = searcher or ix.searcher()

    def encode(text: str) -> np.ndarray:  # a corrected spelling is a new text, embedded then
        return vecs[text] if text in vecs else ix.embedder.encode_query(text)  # type: ignore[attr-defined]

    s = Searcher(
        s.store,
        s.ann,
        encode,
        params=s.params,
        keyword_weights=s.keyword.weights,
        prefix_last=s.prefix_last,
        scale=s.dense_scale(),
        known_words=s.known_words,
        caches=s.caches,
    )
    runs: dict[str, dict[str, list[str]]] = {}
    for mode in modes:
        runs[mode] = {
            qid: [_doc_id(h.path) for h in s.search(text, k, mode=mode)] for qid, text in sf.queries.items()
        }
    search_times, search_cpu = [], []
    for text in sf.queries.values():
        t, c = time.perf_counter(), time.thread_time()
        s.search(text, 10)
        search_times.append(time.perf_counter() - t)
        search_cpu.append(time.thread_time() - c)
    total = [a + b for a, b in zip(encode_times, search_times, strict=True)]
    # CPU time as well as wall time: on a busy machine wall time mostly measures the other processes.
    latency = {}
    for name, values in (
        ("encode", encode_times),
        ("search", search_times),
        ("search_cpu", search_cpu),
        ("total", total),
    ):
        for q in (50, 95):
            latency[f"{name}_p{q}_ms"] = percentile(values, q) * 1000
    return runs, latency


def score(run: dict[str, list[str]], sf: SciFact) -> dict[str, float]:
    qids = list(sf.qrels)
    return {
        "ndcg@10": 100 * float(np.mean([ndcg_at(run.get(q, []), sf.qrels[q], 10) for q in qids])),
        "recall@100": 100 * float(np.mean([recall_at(run.get(q, []), sf.qrels[q], 100) for q in qids])),
    }


def evaluate(
    sf: SciFact,
    embedder: object,
    workdir: Path,
    *,
    quiet: bool = False,
    searcher_factory: Callable[[Indexed], Searcher] | None = None,
) -> dict[str, object]:
    """Every system on `sf`; returns the report (rows, latency, index facts)."""
    ix = index_scifact(sf, embedder, workdir, quiet=quiet)
    try:
        searcher = searcher_factory(ix) if searcher_factory else ix.searcher()
        runs, latency = app_runs(ix, sf, ("dense", "keyword", "hybrid"), searcher=searcher)
        runs_by_system = {
            "exact dense": exact_dense(sf, embedder),
            "app dense": runs["dense"],
            "app keyword": runs["keyword"],
            "app hybrid": runs["hybrid"],
        }
        rows = [{"system": name, **score(runs_by_system[name], sf)} for name in SYSTEMS]
        return {
            "docs": len(sf.corpus),
            "queries": len(sf.queries),
            "chunks": ix.store.chunk_count(),
            "index_seconds": round(ix.seconds, 1),
            "embedded_chunks": ix.embedded,
            "rows": rows,
            "latency": latency,
            "runs": runs_by_system,
        }
    finally:
        ix.close()
