"""The vector index: a rebuildable cache of the chunk vectors in SQLite, queried by cosine similarity.

Two shapes, chosen by size. Below EXACT_BELOW vectors it is one float32 matrix and a query is one
matrix-vector product: exact, a few milliseconds, and adding a vector costs nothing. From EXACT_BELOW
on it is an hnswlib graph (parameters below), whose query time barely grows with the index. An index
only turns back into a matrix when it is loaded at under half the threshold, so it does not flip
back and forth around the line.

hnswlib can crash the process (not raise) on a damaged file, so a file is loaded only after its
manifest vouches for it (ann_files.py); anything doubtful is rebuilt from SQLite. Files are written
to a temporary name and os.replace'd, index first and manifest last, so a crash in between leaves a
mismatch: a rebuild.

hnswlib's add_items and mark_deleted are not safe alongside knn_query, so queries and mutations take
one lock; mutations hold it for small slices, so a query waits for one slice, never for a batch.
Only one writer mutates; it may read its own state without the lock.
"""

from __future__ import annotations

import contextlib
import os
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from gte_notes.core.files.private_files import private_dir, private_file
from gte_notes.core.index.ann_backends import (
    EF_CONSTRUCTION,
    EF_SEARCH,
    Exact,
    Graph,
    M,
    hnsw_file_problem,
    unit_rows,
)
from gte_notes.core.index.ann_files import (
    Manifest,
    probe,
    probe_problem,
    read_manifest,
    save_error,
    sha256,
    verify,
    write_manifest,
)
from gte_notes.core.index.store import Store

__all__ = ["EF_CONSTRUCTION", "EF_SEARCH", "EXACT_BELOW", "AnnIndex", "M", "Manifest"]

# Below this many vectors a brute-force scan is exact and about as fast as the graph (~3 ms at 20k).
EXACT_BELOW = 20_000
# Vectors added to the graph per hold of the lock: one slice costs a waiting query a few ms.
ADD_SLICE = 16
# Rebuilds read SQLite in slices of this many vectors, so no full copy sits in Python memory.
READ_SLICE = 50_000


class AnnIndex:
    """Chunk vectors by chunk id. `query` sees exactly what was added and not removed."""

    def __init__(self, directory: Path, dim: int, model_id: str) -> None:
        self.dir = directory
        self.dim = dim
        self.model_id = model_id
        self.file = directory / "ann.bin"
        self.manifest_file = directory / "ann.json"
        self._lock = threading.Lock()
        self._backend: Exact | Graph | None = None
        self.dirty = False
        self.needs_rebuild = ""  # why the saved file could not be used, when load(rebuild=False) left it
        self.last_event = ""  # what load() did, for status and tests: "loaded", "rebuilt (reason)"
        self.last_ef = 0  # the graph search width the last query ran with (0: exact search)

    @property
    def kind(self) -> str:
        """ "exact" or "hnsw": how queries are answered now."""
        return self._backend.kind if self._backend is not None else "exact"

    # ---- loading ------------------------------------------------------------------------------

    def read_manifest(self) -> Manifest | None:
        return read_manifest(self.manifest_file)

    def verify(self) -> tuple[Manifest | None, str]:
        """Check the saved file against its manifest without handing it to hnswlib."""
        return verify(self.file, self.manifest_file, self.dim, self.model_id)

    def load(self, store: Store, *, rebuild: bool = True) -> None:
        """Load the saved index if it checks out, bring it up to the database's state, else rebuild.

        With rebuild=False (a reader that cannot save what it builds) a doubtful file is replaced by
        an exact matrix of the database's vectors instead: seconds, not the graph's minutes, and
        exact; `needs_rebuild` then says why.
        """
        manifest, problem = self.verify()
        if manifest is not None:
            problem = probe_problem(store, manifest)
        if manifest is not None and not problem and manifest.kind == "hnsw":
            problem = hnsw_file_problem(self.file)  # a short file from an unnoticed full disk
        if manifest is None or problem:
            self._replace(store, problem, rebuild)
            return
        try:
            if manifest.kind == "exact":
                backend: Exact | Graph = Exact.read(self.file, self.dim, manifest.count)
            else:
                backend = Graph.read(self.file, self.dim, manifest.live)
        except (
            RuntimeError,
            ValueError,
            OSError,
            MemoryError,
            zlib.error,
        ) as err:  # checksum ok, still rejected
            self._replace(store, f"load failed: {err}", rebuild)
            return
        if backend.count != manifest.count:
            self._replace(store, "count in index differs from manifest", rebuild)
            return
        if backend.kind == "hnsw" and manifest.count < EXACT_BELOW // 2:
            self.rebuild(store, "small enough for exact search")
            return
        with self._lock:
            self._backend = backend
        self.last_event = "loaded"
        self.catch_up(store, manifest.max_label)

    def _replace(self, store: Store, problem: str, rebuild: bool) -> None:
        if rebuild:
            self.rebuild(store, problem)
        else:
            self.load_exact(store, problem)

    def load_exact(self, store: Store, problem: str) -> None:
        """Every vector of the database in one exact matrix, whatever the count; never saved."""
        total, slices = self._read_slices(store)
        backend = Exact(self.dim, max(total, 256))
        for ids, vecs in slices:
            backend.add(ids, vecs)
        with self._lock:
            self._backend = backend
        self._sync(store)
        self.dirty = False
        self.needs_rebuild = problem or "index file missing"
        self.last_event = f"exact from the database ({self.needs_rebuild})"

    def catch_up(self, store: Store, max_label: int) -> None:
        """Add chunks written after the file was saved and drop the ones deleted since."""
        ids, vecs = store.vectors.of_chunks(self.model_id, self.dim, after_id=max_label)
        self.add(ids, vecs)
        in_db = self._ids_in_db(store)  # read once: on a big index it is most of a load's time
        missing = np.setdiff1d(in_db, self._live_labels(), assume_unique=True)
        if missing.size > max(1000, self.count // 4):
            self.rebuild(store, f"{missing.size} vectors of the database missing from the index")
            return
        added, gone = self._sync(store, in_db)
        if ids.size or added or gone:
            self.last_event += f", caught up (+{ids.size + added} -{gone})"

    def _sync(self, store: Store, in_db: np.ndarray | None = None) -> tuple[int, int]:
        """Make the live labels exactly the database's chunks with a vector (`in_db`, read now when None);
        (added, removed)."""
        in_db = self._ids_in_db(store) if in_db is None else in_db
        live = self._live_labels()
        gone = np.setdiff1d(live, in_db, assume_unique=True)
        missing = np.setdiff1d(in_db, live, assume_unique=True)
        self.remove(gone)
        if missing.size:
            ids, vecs = store.vectors.of_chunks(self.model_id, self.dim, chunk_ids=missing.tolist())
            self.add(ids, vecs)
        return int(missing.size), int(gone.size)

    def _live_labels(self) -> np.ndarray:
        backend = self._backend
        return backend.labels() if backend is not None else np.zeros(0, dtype=np.int64)

    def _ids_in_db(self, store: Store) -> np.ndarray:
        return store.vectors.chunk_ids(self.model_id)

    def _read_slices(self, store: Store) -> tuple[int, Iterator[tuple[np.ndarray, np.ndarray]]]:
        """(how many vectors, an iterator of (ids, vectors) slices in id order)."""
        total = store.vectors.chunk_count(self.model_id)

        def slices() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            after = 0
            while True:
                rows = store.vectors.chunk_slice(self.model_id, after, READ_SLICE)
                if not rows:
                    return
                after = rows[-1][0]
                good = [r for r in rows if len(r[1]) == self.dim * 4]  # never feed a bad blob to hnswlib
                ids = np.fromiter((r[0] for r in good), dtype=np.int64, count=len(good))
                vecs = np.frombuffer(b"".join(r[1] for r in good), dtype=np.float32).reshape(-1, self.dim)
                yield ids, unit_rows(vecs, self.dim)

        return total, slices()

    def rebuild(self, store: Store, reason: str = "requested") -> None:
        """Build a fresh index from SQLite, then swap it in: queries use the old one meanwhile."""
        total, slices = self._read_slices(store)
        if total < EXACT_BELOW:
            backend: Exact | Graph = Exact(self.dim, max(total, 256))
        else:
            backend = Graph.empty(self.dim, total + total // 20 + 1024)
        for ids, vecs in slices:
            if ids.size:
                if isinstance(backend, Graph):
                    backend.add(ids, vecs, threads=os.cpu_count() or 1)
                else:
                    backend.add(ids, vecs)
        with self._lock:
            self._backend = backend
        # The slices are separate reads, so a writer in another process may have committed between
        # them: settle the difference (usually nothing).
        self._sync(store)
        self.dirty = True
        self.needs_rebuild = ""
        self.last_event = f"rebuilt ({reason})"

    # ---- mutation (the writer only) -----------------------------------------------------------

    def add(self, ids: np.ndarray | list[int], vectors: np.ndarray) -> None:
        """Add vectors under chunk ids; ids already present are skipped."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if ids.size == 0:
            return
        backend = self._backend
        keep = np.fromiter(
            (backend is None or not backend.has(int(i)) for i in ids), dtype=bool, count=ids.size
        )
        ids, vecs = ids[keep], unit_rows(vectors, self.dim)[keep]
        if ids.size == 0:
            return
        ids, first = np.unique(ids, return_index=True)
        vecs = vecs[first]
        if backend is None:
            backend = Exact(self.dim)
            with self._lock:
                self._backend = backend
        self.dirty = True
        if isinstance(backend, Exact) and backend.count + ids.size < EXACT_BELOW:
            with self._lock:
                backend.add(ids, vecs)
            return
        if isinstance(backend, Exact):
            self._promote(backend, ids, vecs)
            return
        for start in range(0, ids.size, ADD_SLICE):
            with self._lock:
                backend.add(ids[start : start + ADD_SLICE], vecs[start : start + ADD_SLICE])

    def _promote(self, exact: Exact, ids: np.ndarray, vecs: np.ndarray) -> None:
        """The matrix grew past EXACT_BELOW: move it and the new vectors into a graph."""
        # Only the writer changes `exact`, and it is busy here, so queries keep using the matrix
        # while the graph is built outside the lock.
        threads = os.cpu_count() or 1
        graph = Graph.empty(self.dim, exact.count + ids.size + 1024)
        if exact.count:
            graph.add(exact.ids[: exact.n].copy(), exact.mat[: exact.n], threads=threads)
        graph.add(ids, vecs, threads=threads)
        with self._lock:
            self._backend = graph

    def remove(self, ids: list[int] | np.ndarray) -> None:
        backend = self._backend
        if backend is None:
            return
        for i in np.asarray(ids, dtype=np.int64).reshape(-1).tolist():
            if backend.has(i):
                with self._lock:
                    backend.remove(i)
                self.dirty = True

    def save(self, store: Store) -> None:
        """Write the index and its manifest atomically. The caller is the single writer.

        No lock is held while writing: readers only read, and the writer is busy here.
        """
        backend = self._backend
        if backend is None:
            return
        tmp = self.file.with_name(self.file.name + ".tmp")
        try:
            private_dir(self.dir)
            private_file(tmp)  # hnswlib truncates and keeps the mode: never readable by others
            backend.write(tmp)
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            labels = backend.labels()
            live = backend.live_bits() if isinstance(backend, Graph) else ""
            manifest = Manifest(
                sha256=sha256(tmp),
                size=tmp.stat().st_size,
                count=backend.count,
                max_label=int(labels.max()) if labels.size else 0,
                dim=self.dim,
                model_id=self.model_id,
                generation=store.generation(),
                kind=backend.kind,
                live=live,
                probe=probe(store, labels),
            )
            os.replace(tmp, self.file)
            write_manifest(self.manifest_file, manifest)
        except OSError as err:
            known = save_error(self.dir, err)  # before the temp files go: their space is the evidence
            for leftover in (tmp, self.manifest_file.with_name(self.manifest_file.name + ".tmp")):
                with contextlib.suppress(OSError):
                    leftover.unlink()
            raise known from err
        self.dirty = False

    # ---- queries ------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        backend = self._backend
        return backend.count if backend is not None else 0

    def query(self, vector: np.ndarray, k: int, ef: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (chunk ids, cosine similarities), best first. k is clamped to the live count. `ef`
        overrides the graph's search width (benchmarks); `last_ef` says what the last query ran with."""
        vec = unit_rows(vector, self.dim)[0]
        with self._lock:
            backend = self._backend
            if backend is None or backend.count == 0 or k <= 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            ids, sims = backend.query(vec, min(k, backend.count), ef)
            self.last_ef = int(getattr(backend, "last_ef", 0))
        return ids.astype(np.int64), sims.astype(np.float32)

    def vectors_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(those of `ids` this index holds, their unit vectors): from memory, no database read."""
        with self._lock:
            backend = self._backend
            held = [int(i) for i in ids.tolist() if backend is not None and backend.has(int(i))]
            if not held:
                return np.zeros(0, dtype=np.int64), np.zeros((0, self.dim), dtype=np.float32)
            return np.asarray(held, dtype=np.int64), np.array(backend.get(held), dtype=np.float32)
