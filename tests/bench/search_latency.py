"""Search at scale: query latency, ANN recall and memory on synthetic 100k and 1M chunk stores.

Run: python tests/bench/search_latency.py [--sizes 100000,1000000] [--queries 200]

Stores are written once through core.store.Store (see synthetic_store.py for how vectors and text are
made) and cached under ~/.cache/gte-notes-bench with their ANN files, so reruns only measure. Queries
go through the app's Searcher (dense, keyword, hybrid); query vectors are drawn from the same
distribution as the chunks, and query texts are SciFact's natural-language questions, whole and cut
off mid-word as while typing. Query embedding is not in those numbers: it is measured separately with
the gte-small-shaped model, in a fresh process that also reports RSS with the model and the 100k
index loaded. Recall@10 of the ANN is against an exact scan, on the synthetic vectors and on real
MiniLM embeddings with real queries. No assertions: it prints tables for README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

import numpy as np

from gte_notes.core.index import ann as ann_module
from gte_notes.core.index import ann_backends
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.store import Store
from gte_notes.core.model.calibration import DenseScale
from gte_notes.core.search.search import Searcher
from tests.bench import synthetic_store as synth
from tests.bench.bench_env import CACHE, children_rss_mb, header, load, peak_rss_mb, private_mb, rss_mb, table

# all-MiniLM-L6-v2's cosine scale (calibration.py: unrelated pairs ~0.05, paraphrases ~0.75).
MINILM_SCALE = DenseScale(0.05, 0.75)
PARAMS = {"M": ann_module.M, "ef_construction": ann_module.EF_CONSTRUCTION}


def store_dir(size: int) -> Path:
    return CACHE / f"search-{size}-{synth.RECIPE}"


def ensure_store(size: int, model: synth.VectorModel) -> dict:
    """The cached store of `size` chunks, written now if missing; returns how it was written."""
    folder = store_dir(size)
    done = folder / "store.json"
    if done.exists():
        return json.loads(done.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"writing the {size:,}-chunk store (once, cached) ...", flush=True)
    info = synth.build_store(folder / "index.db", size, model, seed=size)
    done.write_text(json.dumps(info))
    return info


def open_ann(size: int, store: Store) -> tuple[AnnIndex, dict]:
    """The store's ANN: loaded from its file, or built (and timed, and the time kept) when missing."""
    folder = store_dir(size)
    built = folder / "ann-build.json"
    info = json.loads(built.read_text()) if built.exists() else {}
    if info.get("params") != PARAMS:  # built with other HNSW parameters: build again
        for name in ("ann.bin", "ann.json", "ann-build.json"):
            (folder / name).unlink(missing_ok=True)
        info = {}
    ann = AnnIndex(folder, synth.DIM, synth.MODEL_ID)
    started = time.perf_counter()
    ann.load(store)
    seconds = time.perf_counter() - started
    if ann.last_event.startswith("rebuilt"):
        ann.save(store)
        info = {"params": PARAMS, "build_s": seconds, "load": load(), "date": time.strftime("%Y-%m-%d %H:%M")}
        built.write_text(json.dumps(info))
    else:
        info["load_s"] = seconds
    return ann, info


def exact_top(store: Store, queries: np.ndarray, k: int) -> np.ndarray:
    """The true top-k chunk ids of each query, by a scan over every vector in the store."""
    best_ids = np.zeros((len(queries), 0), dtype=np.int64)
    best_sims = np.zeros((len(queries), 0), dtype=np.float32)
    for ids, vecs in synth.iter_vectors(store):
        sims = np.concatenate([best_sims, queries @ vecs.T], axis=1)
        cand = np.concatenate([best_ids, np.broadcast_to(ids, (len(queries), ids.size))], axis=1)
        top = np.argsort(-sims, axis=1)[:, :k]
        best_ids, best_sims = np.take_along_axis(cand, top, 1), np.take_along_axis(sims, top, 1)
    return best_ids


def recall(
    ann: AnnIndex, queries: np.ndarray, truth: np.ndarray, k: int = 10, ask: int = 10, ef: int | None = None
) -> tuple[float, str]:
    """(recall@k, the ef the graph searches really ran with: "exact", one value or a range)."""
    hits, efs = [], set()
    for q, t in zip(queries, truth, strict=True):
        hits.append(np.intersect1d(ann.query(q, ask, ef)[0][:k], t[:k]).size)
        efs.add(ann.last_ef)
    ran = "exact" if efs == {0} else "–".join(str(e) for e in sorted({min(efs), max(efs)}))
    return float(np.mean(hits)) / k, ran


def ef_sweep(size: int, ann: AnnIndex, queries: np.ndarray, truth: np.ndarray) -> list[list[object]]:
    """Recall@10 and dense query time against hnswlib's ef, the knob that trades one for the other,
    for k=10 and for k=100 (what the Searcher asks: its top 10 is the best 10 of those 100, re-ranked
    by exact cosine). The ef is passed to each query; the table shows the ef that really ran."""
    if ann.kind != "hnsw":
        return []
    rows = []
    for ef in (32, 64, 96, 128, 192, 256, 384, 512, 768):
        row: list[object] = [f"{size:,}", ef]
        for ask in (10, 100):
            started = time.perf_counter()
            r, ran = recall(ann, queries, truth, ask=ask, ef=ef)
            ms = (time.perf_counter() - started) * 1000 / len(queries)
            row += [ran, f"{r:.3f}", f"{ms:.2f}"]
        rows.append([*row, load()])
    return rows


def typed(text: str, rng: np.random.Generator) -> str:
    """The query as it looks while still being typed: a few words, the last one cut short."""
    words = text.split()
    cut = words[: int(rng.integers(1, min(len(words), 4) + 1))]
    last = cut[-1]
    cut[-1] = last[: max(2, int(rng.integers(2, len(last) + 1)))] if len(last) > 2 else last
    return " ".join(cut)


def latencies(searcher: Searcher, texts: list[str], mode: str) -> np.ndarray:
    """Each text searched once: callers pass texts no earlier pass searched (cold caches per query)."""
    out = []
    for text in texts:
        started = time.perf_counter()
        searcher.search(text, 10, mode=mode)
        out.append(time.perf_counter() - started)
    return np.asarray(out) * 1000


def measure(size: int, model: synth.VectorModel, n_queries: int) -> tuple[list, list, list]:
    info = ensure_store(size, model)
    db = store_dir(size) / "index.db"
    store = Store(db, create=False)
    rss_before = rss_mb()
    ann, built = open_ann(size, store)
    rss_ann = rss_mb() - rss_before
    rng = np.random.default_rng(12345)
    qvecs = synth.queries(model, size, n_queries)
    truth = exact_top(store, qvecs, 10)
    r10, ef_ran = recall(ann, qvecs, truth)
    r10_wide, ef_wide = recall(ann, qvecs, truth, ask=100)
    sweep = ef_sweep(size, ann, qvecs, truth)

    # Fresh queries for every (kind, mode) pass: a keyword pass over the same questions would fill the
    # document-frequency cache and SQLite's pages for the hybrid pass after it. A last pass repeats the
    # hybrid questions on purpose and is labelled warm.
    _, real_queries = synth.real_texts()
    warmup, pool = real_queries[:10], real_queries[10:]
    per_pass = min(n_queries, len(pool) // 6)
    passes = [
        (label, mode)
        for label in ("whole question", "typing prefix")
        for mode in ("dense", "keyword", "hybrid")
    ]
    texts_of = {}
    for n, (label, mode) in enumerate(passes):
        chunk = pool[n * per_pass : (n + 1) * per_pass]
        texts_of[label, mode] = chunk if label == "whole question" else [typed(t, rng) for t in chunk]
    every = warmup + [t for texts in texts_of.values() for t in texts]
    all_vecs = synth.queries(model, size, len(every), seed=54321)
    vec_of = {t: all_vecs[i] for i, t in enumerate(every)}

    # The synthetic vectors have no text to measure a cosine scale on (calibration.py embeds sentence
    # pairs), so the scale of the model they were fitted to is given: it moves scores, not the work done.
    def vector(text: str) -> np.ndarray:  # a corrected spelling is a text of its own: any fixed draw
        return vec_of[text] if text in vec_of else all_vecs[zlib.crc32(text.encode()) % len(all_vecs)]

    searcher = Searcher(store, ann, vector, scale=MINILM_SCALE)
    for text in warmup:  # code paths and the first pages, with questions no pass times
        searcher.search(text, 10, mode="hybrid")
    lat_rows = []
    for (label, mode), texts in [
        *texts_of.items(),
        (("whole question, again (warm)", "hybrid"), texts_of["whole question", "hybrid"]),
    ]:
        ms = latencies(searcher, texts, mode)
        ef_now = "exact" if ann.kind != "hnsw" else str(ann_backends.search_ef(ann.count, 100))
        lat_rows.append(
            [
                f"{size:,}",
                label,
                mode,
                len(texts),
                ef_now if mode != "keyword" else "—",
                f"{np.percentile(ms, 50):.1f}",
                f"{np.percentile(ms, 95):.1f}",
                f"{ms.max():.1f}",
                load(),
            ]
        )
    ann_file = store_dir(size) / "ann.bin"
    build = f"{built['build_s']:.0f} s (load {built['load']}, {built['date']})" if "build_s" in built else "?"
    row = [
        f"{size:,}",
        f"{info['notes']:,}",
        ann.kind,
        f"{r10:.3f} (ef {ef_ran})",
        f"{r10_wide:.3f} (ef {ef_wide})",
        build,
        f"{built.get('load_s', built.get('build_s', 0)):.1f}",
        f"{ann_file.stat().st_size / 1e6:.0f}",
        f"{db.stat().st_size / 1e6:.0f}",
        f"{rss_ann:.0f}",
        f"{peak_rss_mb():.0f}",
    ]
    store.close()
    return [row], lat_rows, sweep


def real_recall() -> list[list[object]]:
    """HNSW recall@10 on real embeddings (MiniLM over SciFact + vault paragraphs) and real queries."""
    passages, queries = synth.real_vectors()
    rows = []
    for n in (passages.shape[0],):
        ann = AnnIndex(CACHE / "unused", synth.DIM, synth.MODEL_ID)
        started = time.perf_counter()
        ann.add(np.arange(1, n + 1), passages[:n])
        build = time.perf_counter() - started
        truth = np.argsort(-(queries @ passages[:n].T), axis=1)[:, :10] + 1
        (r10, ef10), (r100, ef100) = recall(ann, queries, truth), recall(ann, queries, truth, ask=100)
        rows.append(
            [
                f"{n:,} real passages, {len(queries):,} real queries",
                ann.kind,
                f"{r10:.3f} (ef {ef10})",
                f"{r100:.3f} (ef {ef100})",
                f"{build:.0f}",
                load(),
            ]
        )
    return rows


def exact_vs_graph(model: synth.VectorModel) -> list[list[object]]:
    """Why EXACT_BELOW is where it is: query time of the matrix scan and of the graph at that size."""
    n = ann_module.EXACT_BELOW
    rng = np.random.default_rng(7)
    vecs = model.around(rng, model.centres(np.random.default_rng(n), n // 10)[rng.integers(0, n // 10, n)])
    queries = synth.queries(model, n, 200)
    rows = []
    for _kind, threshold in (("exact", n + 1), ("hnsw", 1)):
        original = ann_module.EXACT_BELOW
        ann_module.EXACT_BELOW = threshold
        try:
            ann = AnnIndex(CACHE / "unused", synth.DIM, synth.MODEL_ID)
            ann.add(np.arange(1, n + 1), vecs)
        finally:
            ann_module.EXACT_BELOW = original
        for q in queries[:10]:
            ann.query(q, 100)
        ms = []
        for q in queries:
            started = time.perf_counter()
            ann.query(q, 100)
            ms.append((time.perf_counter() - started) * 1000)
        rows.append(
            [f"{n:,}", ann.kind, f"{np.percentile(ms, 50):.2f}", f"{np.percentile(ms, 95):.2f}", load()]
        )
    return rows


def rss_probe(size: int, n_queries: int) -> dict:
    """In a fresh process: the app's model + the cached store and ANN, as the app holds them. The model
    comes the way the app's engine gets it (serving.open_embedder, notes apart): on a first start
    the full model loads in a process of its own, which saves the query encoder and stays to embed the
    notes; every later start loads only that encoder."""
    from gte_notes.core.model.serving import open_embedder
    from tests.bench.gte_small_shaped import gte_small_shaped_path

    base = rss_mb()
    embedder = open_embedder(str(gte_small_shaped_path()), "auto", CACHE / "probe-data", notes_apart=True)
    embedder.prepare_queries()  # as the app's engine does after loading
    with_model = rss_mb()
    store = Store(store_dir(size) / "index.db", create=False)
    ann = AnnIndex(store_dir(size), synth.DIM, synth.MODEL_ID)
    before = rss_mb()
    ann.load(store)
    ann_mb = rss_mb() - before
    searcher = Searcher(store, ann, embedder.encode_query)
    _, queries = synth.real_texts()
    texts = queries[5 : 5 + n_queries]
    for text in queries[:5]:  # warm-up on questions that are not timed
        searcher.search(text, 10)
    encode_ms, total_ms = [], []
    for text in texts:
        started = time.perf_counter()
        embedder.encode_query(text)
        encode_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        searcher.search(text, 10)
        total_ms.append((time.perf_counter() - started) * 1000)
    # Labelled by what the process holds, not by the class: a first start returns the saved encoder
    # too, with the full model loaded beside it (here in `_full`, or in its own process).
    model_process = children_rss_mb()
    if getattr(embedder, "_full", None) is not None:
        path = "first start: full model here, encoder saved"
    elif model_process:
        path = f"first start: encoder saved; full model in its own process ({model_process:.0f} MB)"
    else:
        path = "restart: saved query encoder" if type(embedder).__name__ == "QuickEmbedder" else "full model"
    return {
        "base": base,
        "model": with_model - base,
        "precision": embedder.precision,
        "rss": rss_mb(),
        "path": path,
        "private": private_mb(),
        "ann_mb": ann_mb,
        "peak": peak_rss_mb(),
        "ann_event": ann.last_event,
        "encode_p50": float(np.percentile(encode_ms, 50)),
        "encode_p95": float(np.percentile(encode_ms, 95)),
        "total_p50": float(np.percentile(total_ms, 50)),
        "total_p95": float(np.percentile(total_ms, 95)),
        "load": load(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--skip-real", action="store_true", help="skip the recall check on real embeddings")
    parser.add_argument("--probe", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(rss_probe(args.probe, args.queries)))
        return

    print(header("search_latency"))
    print(
        f"ANN: M={ann_module.M}, ef_construction={ann_module.EF_CONSTRUCTION}, search ef by size "
        f"(search_ef): {ann_module.EF_SEARCH} below 50k vectors, 256 below 300k, 512 above, never below k; "
        f"exact below {ann_module.EXACT_BELOW:,} vectors; 384-dim float32. "
        "Every table shows the ef that ran.\n",
        flush=True,
    )
    model = synth.VectorModel(synth.real_vectors()[0])
    sizes = [int(s) for s in args.sizes.split(",") if s]
    index_rows, lat_rows, sweep_rows = [], [], []
    for size in sizes:
        rows, lats, sweep = measure(size, model, args.queries)
        index_rows += rows
        lat_rows += lats
        sweep_rows += sweep
        print(f"  measured {size:,} (load {load()})", flush=True)
    print(
        "\nIndex (recall@10 against an exact scan over all vectors, 200 queries; 'k=100' is how the "
        "Searcher asks):\n"
    )
    print(
        table(
            [
                "chunks",
                "notes",
                "ANN",
                "recall@10",
                "recall@10 (k=100)",
                "ANN build",
                "ANN load s",
                "ann.bin MB",
                "index.db MB",
                "ANN RSS MB",
                "peak RSS MB",
            ],
            index_rows,
        )
    )
    print(
        "\nef sweep (recall@10 and hnswlib query time asking k=10 and k=100, same queries; ef passed to "
        "each query, never below k):\n"
    )
    print(
        table(
            [
                "chunks",
                "ef asked",
                "ef ran (k=10)",
                "recall@10 (k=10)",
                "ms/query (k=10)",
                "ef ran (k=100)",
                "recall@10 (k=100)",
                "ms/query (k=100)",
                "load 1/5/15m",
            ],
            sweep_rows,
        )
    )
    print(
        "\nQuery latency through Searcher.search(limit=10), ms, query embedding excluded; each pass its own "
        "questions, none searched before except the row marked warm (dense candidates: k=100):\n"
    )
    print(table(["chunks", "queries", "mode", "n", "ef", "p50", "p95", "max", "load 1/5/15m"], lat_rows))
    if not args.skip_real:
        print("\nRecall on real embeddings (MiniLM stand-in, exact ground truth):\n")
        print(
            table(
                ["vectors", "ANN", "recall@10", "recall@10 (k=100)", "build s", "load 1/5/15m"], real_recall()
            )
        )
    print("\nExact scan vs graph at the threshold (dense query for 100 neighbours, ms):\n")
    print(table(["vectors", "shape", "p50", "p95", "load 1/5/15m"], exact_vs_graph(model)))
    if sizes and min(sizes) <= 100_000:
        size = min(sizes)
        probes = []
        shutil.rmtree(CACHE / "probe-data", ignore_errors=True)  # so the first probe is a first start
        for _ in range(2):  # a first start (full model, saves the query encoder), then a restart
            out = subprocess.run(
                [sys.executable, __file__, "--probe", str(size), "--queries", "50"],
                check=True,
                capture_output=True,
                text=True,
            )
            probes.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(
            f"\nThe app as a user runs it: gte-small-shaped model ({probes[0]['precision']}) "
            f"+ {size:,}-chunk "
            "index, fresh process, 50 hybrid searches with real query embedding:\n"
        )
        print(
            table(
                [
                    "model path",
                    "RSS MB",
                    "private MB",
                    "Python+libs MB",
                    "model+torch MB",
                    "index MB",
                    "peak RSS MB",
                    "query embed p50/p95 ms",
                    "embed + hybrid search p50/p95 ms",
                    "load 1/5/15m",
                ],
                [
                    [
                        p["path"],
                        f"{p['rss']:.0f}",
                        f"{p['private']:.0f}",
                        f"{p['base']:.0f}",
                        f"{p['model']:.0f}",
                        f"{p['ann_mb']:.0f}",
                        f"{p['peak']:.0f}",
                        f"{p['encode_p50']:.1f} / {p['encode_p95']:.1f}",
                        f"{p['total_p50']:.1f} / {p['total_p95']:.1f}",
                        p["load"],
                    ]
                    for p in probes
                ],
            )
        )


if __name__ == "__main__":
    main()
