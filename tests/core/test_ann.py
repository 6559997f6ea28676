"""The vector index: exact while small, an HNSW graph past EXACT_BELOW, and a file that survives restarts.

Real SQLite and real hnswlib; vectors are synthetic, since the model is not the point here.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from gte_notes.core.index import ann as ann_module
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.store import NewChunk, Store

DIM = 384
MODEL = "test-model:0:fp32:384"


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.standard_normal((n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def embedding_like(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unit vectors shaped like text embeddings rather than uniform noise.

    Uniform random vectors in 384 dimensions have no near neighbours at all (every pair is nearly
    orthogonal), which no text collection looks like and on which no graph index works (HNSW recall@10
    ~0.3). Text embeddings come in topics. Here: one topic centre per 10 vectors, centres and the spread
    around them Gaussian with power-law spectra, constants fitted to real MiniLM embeddings of SciFact
    and the vaults (k-means with 10 passages per cluster). Against those real vectors and real queries
    HNSW at M=16 / ef_construction=200 (the app's M before it became 32) finds recall@10
    0.988 / 0.993 / 0.996 at ef 64 / 96 / 128; on
    these, 0.982 / 0.991 / 0.997: the same difficulty.
    """
    i = np.arange(1, DIM + 1, dtype=np.float64)
    centre_sd = np.sqrt(0.50 * i**-1.1 / np.sum(i**-1.1)).astype(np.float32)
    within_sd = np.sqrt(0.44 * i**-0.64 / np.sum(i**-0.64)).astype(np.float32)
    mean = rng.standard_normal(DIM).astype(np.float32)
    mean *= 0.22 / np.linalg.norm(mean)
    topics = max(1, n // 10)
    centres = mean + rng.standard_normal((topics, DIM), dtype=np.float32) * centre_sd
    x = centres[rng.integers(0, topics, n)] + rng.standard_normal((n, DIM), dtype=np.float32) * within_sd
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def brute_force(vecs: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    sims = vecs @ (query / np.linalg.norm(query))
    return ids[np.argsort(-sims, kind="stable")[:k]]


def fill(store: Store, vecs: np.ndarray, note: str = "n.md", tag: str = "") -> np.ndarray:
    """Write one chunk per vector (one note), the way the indexer does; returns the chunk ids."""
    hashes = [f"{tag}{note}-{i}" for i in range(len(vecs))]
    chunks = [NewChunk(i, 0, 1, 1, "", f"chunk {i}", h, 3) for i, h in enumerate(hashes)]
    with store.transaction():
        store.vectors.put(MODEL, zip(hashes, vecs, strict=True))
        note_id = store.upsert_note(note, title=note, status="indexed")
        _, added = store.replace_chunks(note_id, note, chunks)
    return np.asarray(added, dtype=np.int64)


def drop(store: Store, note: str) -> list[int]:
    with store.transaction():
        return store.delete_notes([note])


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "index.db")
    yield s
    s.close()


@pytest.fixture
def small_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the graph kick in at 300 vectors, so round trips of the HNSW shape stay fast."""
    monkeypatch.setattr(ann_module, "EXACT_BELOW", 300)


def test_small_index_is_exact_and_equals_brute_force(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    vecs, ids = unit(rng, 3000), np.arange(10, 3010, dtype=np.int64)
    index = AnnIndex(tmp_path, DIM, MODEL)
    index.add(ids, vecs)
    assert index.kind == "exact"
    for query in unit(rng, 25):
        got, sims = index.query(query, 10)
        assert got.tolist() == brute_force(vecs, ids, query, 10).tolist()
        np.testing.assert_allclose(sims, vecs[got - 10] @ query, rtol=1e-5, atol=1e-6)
        assert np.all(np.diff(sims) <= 0)


def test_k_is_clamped_to_what_is_left(tmp_path: Path, small_graph: None) -> None:
    rng = np.random.default_rng(2)
    index = AnnIndex(tmp_path, DIM, MODEL)
    assert index.query(unit(rng, 1)[0], 10)[0].size == 0  # empty index: no results, no error
    vecs = unit(rng, 500)
    index.add(np.arange(1, 501), vecs)
    assert index.kind == "hnsw"
    index.remove(np.arange(1, 496))
    got, _ = index.query(vecs[499], 50)
    assert sorted(got.tolist()) == [496, 497, 498, 499, 500]
    assert got[0] == 500


def test_graph_recall_at_our_parameters_is_at_least_098(tmp_path: Path) -> None:
    """A quality bar, not a timing one: the HNSW parameters must find ≥ 98% of the true top 10."""
    rng = np.random.default_rng(3)
    n = 30_000
    vecs, ids = embedding_like(rng, n + 200), np.arange(1, n + 1, dtype=np.int64)
    data, queries = vecs[:n], vecs[n:]
    index = AnnIndex(tmp_path, DIM, MODEL)
    index.add(ids, data)
    assert index.kind == "hnsw"
    truth = np.argsort(-(queries @ data.T), axis=1)[:, :10] + 1
    found = [index.query(q, 10)[0] for q in queries]
    recall = np.mean([np.intersect1d(f, t).size / 10 for f, t in zip(found, truth, strict=True)])
    assert recall >= 0.98, f"recall@10 {recall:.3f}"


@pytest.mark.parametrize("shape", ["exact", "hnsw"])
def test_remove_add_save_load_round_trip(
    tmp_path: Path, store: Store, shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shape == "hnsw":
        monkeypatch.setattr(ann_module, "EXACT_BELOW", 300)
    rng = np.random.default_rng(4)
    first, second = unit(rng, 400), unit(rng, 100)
    index = AnnIndex(tmp_path / "ann", DIM, MODEL)
    index.load(store)
    index.add(fill(store, first, "a.md"), first)
    index.remove(drop(store, "a.md"))  # as the indexer does: the database first, then the index
    kept = fill(store, first[150:], "b.md", "again-")  # part of it again under new ids, as after a move
    index.add(kept, first[150:])
    index.add(fill(store, second, "c.md"), second)
    assert index.kind == shape
    index.save(store)

    loaded = AnnIndex(tmp_path / "ann", DIM, MODEL)
    loaded.load(store)
    assert loaded.last_event == "loaded"
    assert loaded.kind == shape and loaded.count == index.count
    for query in unit(rng, 10):
        assert loaded.query(query, 10)[0].tolist() == index.query(query, 10)[0].tolist()
    some = kept[:3]
    held, vecs = loaded.vectors_of(some)
    assert held.tolist() == some.tolist()
    np.testing.assert_allclose(vecs, first[150:153], atol=1e-6)


def test_deleted_chunks_stay_deleted_after_a_restart(tmp_path: Path, store: Store, small_graph: None) -> None:
    rng = np.random.default_rng(5)
    vecs = unit(rng, 600)
    index = AnnIndex(tmp_path, DIM, MODEL)
    index.load(store)
    ids = fill(store, vecs[:300], "a.md")
    index.add(ids, vecs[:300])
    index.add(fill(store, vecs[300:], "b.md"), vecs[300:])
    index.remove(drop(store, "a.md"))
    index.save(store)
    loaded = AnnIndex(tmp_path, DIM, MODEL)
    loaded.load(store)
    assert loaded.last_event == "loaded" and loaded.count == 300
    for query in vecs[:20]:  # each is a deleted vector's exact copy: it must not come back
        assert not set(loaded.query(query, 20)[0].tolist()) & set(ids.tolist())


def test_a_stale_file_catches_up_with_the_database(tmp_path: Path, store: Store) -> None:
    rng = np.random.default_rng(6)
    a, b = unit(rng, 200), unit(rng, 50)
    index = AnnIndex(tmp_path, DIM, MODEL)
    index.load(store)
    index.add(fill(store, a, "a.md"), a)
    index.save(store)
    drop(store, "a.md")  # written to SQLite after the save: the file does not know
    b_ids = fill(store, b, "b.md")
    loaded = AnnIndex(tmp_path, DIM, MODEL)
    loaded.load(store)
    assert loaded.last_event == "loaded, caught up (+50 -200)"
    assert loaded.count == 50
    assert loaded.query(b[7], 1)[0].tolist() == [b_ids[7]]


@pytest.mark.parametrize("change", ["model", "dim", "format", "count", "size", "other database"])
def test_a_manifest_that_does_not_match_means_a_rebuild(tmp_path: Path, store: Store, change: str) -> None:
    rng = np.random.default_rng(7)
    vecs = unit(rng, 120)
    index = AnnIndex(tmp_path / "ann", DIM, MODEL)
    index.load(store)
    ids = fill(store, vecs, "a.md")
    index.add(ids, vecs)
    index.save(store)
    manifest_file = tmp_path / "ann" / "ann.json"
    manifest = json.loads(manifest_file.read_text())
    model, dim = MODEL, DIM
    if change == "model":
        model = "another-model:1:fp32:384"
        fill(store, vecs, "a-other.md", "m-")
        with store.transaction():
            store.vectors.put(model, ((f"m-a-other.md-{i}", v) for i, v in enumerate(vecs)))
    elif change == "dim":
        manifest["dim"] = 768
    elif change == "format":
        manifest["format"] = 1
    elif change == "count":
        manifest["count"] += 1
    elif change == "size":
        manifest["size"] += 8
    else:
        # The database was made again from scratch: the same chunk ids now name other texts.
        store.close()
        (tmp_path / "index.db").unlink()
        store = Store(tmp_path / "index.db")
        vecs = unit(rng, 120)
        ids = fill(store, vecs, "z.md", "new-")
    manifest_file.write_text(json.dumps(manifest))
    again = AnnIndex(tmp_path / "ann", dim, model)
    again.load(store)
    assert again.last_event.startswith("rebuilt"), again.last_event
    if change in ("count", "other database"):
        assert again.count == len(vecs)
        assert again.query(vecs[5], 1)[0].tolist() == [ids[5]]
    store.close()


def test_an_index_loaded_at_under_half_the_threshold_turns_exact(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ann_module, "EXACT_BELOW", 300)
    rng = np.random.default_rng(8)
    vecs = unit(rng, 400)
    index = AnnIndex(tmp_path, DIM, MODEL)
    index.load(store)
    index.add(fill(store, vecs[:100], "a.md"), vecs[:100])
    index.add(fill(store, vecs[100:], "b.md"), vecs[100:])
    assert index.kind == "hnsw"
    index.remove(drop(store, "b.md"))
    index.save(store)
    loaded = AnnIndex(tmp_path, DIM, MODEL)
    loaded.load(store)
    assert loaded.kind == "exact" and loaded.count == 100


def test_queries_while_the_writer_adds_see_consistent_results(tmp_path: Path, small_graph: None) -> None:
    rng = np.random.default_rng(9)
    vecs = unit(rng, 3000)
    index = AnnIndex(tmp_path, DIM, MODEL)
    index.add(np.arange(1, 501), vecs[:500])
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for start in range(500, 3000, 250):
                index.add(np.arange(start + 1, start + 251), vecs[start : start + 250])
        except BaseException as err:  # noqa: BLE001 - reported by the main thread
            errors.append(err)

    thread = threading.Thread(target=writer)
    thread.start()
    while thread.is_alive():
        got, _ = index.query(vecs[0], 5)
        assert got[0] == 1
    thread.join()
    assert not errors
    assert index.count == 3000


def test_bigger_graphs_search_wider_and_never_below_k() -> None:
    from gte_notes.core.index.ann_backends import search_ef

    efs = [search_ef(n, 10) for n in (1_000, 100_000, 1_000_000)]
    assert efs == sorted(efs) and efs[0] < efs[-1]
    assert search_ef(1_000, 1_000) == 1_000
