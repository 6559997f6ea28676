"""The two in-memory shapes of the vector index, behind one small interface.

`Exact` keeps live vectors as rows of one float32 matrix: a query is one matrix-vector product,
exact, and adding costs a copy. `Graph` is an hnswlib graph with a bitmap of live labels, because
hnswlib keeps deleted labels in its file until their slots are reused. Neither locks: AnnIndex
(ann.py) owns the lock, the files and the choice between them.
"""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import hnswlib
import numpy as np

# Chosen with tests/bench/search_latency.py (see the Performance section of README.md). M=16 (with
# ef_construction=200) was enough up to 100k vectors (recall@10 0.979 at ef 256) but not at 1M: 0.941 at
# ef 512, 0.962 at ef 768. M=32 gives 0.995 at 100k (ef 256) and 0.985 at 1M (ef 512, 4.9 ms a query)
# on the synthetic stores; it costs ~8% more memory (181 vs 168 MB of graph at 100k) and twice the
# build time (52 vs 28 s at 100k, 1,106 s at 1M on 2 cores). On real MiniLM embeddings (25k passages,
# 1,109 real queries) M=16 already gave 0.988 / 0.993 / 0.996 at ef 64 / 96 / 128. Graphs saved with
# M=16 keep working; a rebuild makes them M=32. The searcher asks for k >= 100, and ef is never below k.
M = 32
EF_CONSTRUCTION = 200
EF_SEARCH = 128


def search_ef(count: int, k: int) -> int:
    """hnswlib's ef for a query of k neighbours in a graph of `count` vectors. A bigger graph needs a
    wider search for the same recall: on the synthetic stores of tests/bench/search_latency.py (M=32)
    recall@10 is 0.978 / 0.995 at ef 128 / 256 at 100k vectors (0.9 / 1.5 ms a query) and 0.905 /
    0.961 / 0.985 at ef 128 / 256 / 512 at 1M (1.4 / 2.6 / 4.9 ms)."""
    ef = EF_SEARCH if count < 50_000 else 256 if count < 300_000 else 512
    return max(ef, k)


def unit_rows(vectors: np.ndarray, dim: int) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


class Exact:
    """Live vectors as the first `n` rows of one matrix; removal moves the last row into the gap."""

    kind = "exact"

    def __init__(self, dim: int, capacity: int = 256) -> None:
        self.mat = np.zeros((capacity, dim), dtype=np.float32)
        self.ids = np.zeros(capacity, dtype=np.int64)
        self.n = 0
        self.row: dict[int, int] = {}

    @property
    def count(self) -> int:
        return self.n

    def has(self, label: int) -> bool:
        return label in self.row

    def labels(self) -> np.ndarray:
        return self.ids[: self.n].copy()

    def add(self, ids: np.ndarray, vecs: np.ndarray) -> None:
        end = self.n + ids.size
        if end > len(self.mat):
            size = max(end, 2 * len(self.mat))
            self.mat = np.resize(self.mat, (size, self.mat.shape[1]))
            self.ids = np.resize(self.ids, size)
        self.mat[self.n : end] = vecs
        self.ids[self.n : end] = ids
        self.row.update(zip(ids.tolist(), range(self.n, end), strict=True))
        self.n = end

    def remove(self, label: int) -> None:
        r, last = self.row.pop(label), self.n - 1
        if r != last:
            self.mat[r], self.ids[r] = self.mat[last], self.ids[last]
            self.row[int(self.ids[r])] = r
        self.n = last

    def query(self, vec: np.ndarray, k: int, ef: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        # ef: exact search has no such knob. einsum runs its own single-threaded loop: a BLAS
        # matrix-vector product would wake BLAS's
        # thread pool, which on a busy machine (the model embedding beside it) waits for cores and
        # turns a 3 ms scan into 60 ms.
        sims = np.einsum("ij,j->i", self.mat[: self.n], vec)
        top = np.argpartition(-sims, k - 1)[:k] if k < self.n else np.arange(self.n)
        top = top[np.argsort(-sims[top], kind="stable")]
        return self.ids[top], sims[top]

    def get(self, ids: list[int]) -> np.ndarray:
        return self.mat[[self.row[int(i)] for i in ids]]

    def write(self, path: Path) -> None:
        with open(path, "wb") as f:
            f.write(self.ids[: self.n].tobytes())
            f.write(self.mat[: self.n].tobytes())

    @classmethod
    def read(cls, path: Path, dim: int, count: int) -> Exact:
        data = np.fromfile(path, dtype=np.uint8)
        if data.size != count * (8 + 4 * dim):
            raise ValueError("size does not match the count")
        exact = cls(dim, max(count, 256))
        exact.add(data[: 8 * count].view(np.int64), data[8 * count :].view(np.float32).reshape(count, dim))
        return exact


class Graph:
    """An hnswlib graph plus a bitmap of live labels (hnswlib keeps deleted labels until reused)."""

    kind = "hnsw"

    def __init__(self, index: hnswlib.Index, live: np.ndarray) -> None:
        self.index = index
        self.live = live
        self.n = int(np.count_nonzero(live))
        self.last_ef = 0

    @classmethod
    def empty(cls, dim: int, capacity: int) -> Graph:
        index = hnswlib.Index(space="cosine", dim=dim)
        index.init_index(
            max_elements=max(capacity, 16), ef_construction=EF_CONSTRUCTION, M=M, allow_replace_deleted=True
        )
        index.set_ef(EF_SEARCH)
        return cls(index, np.zeros(1024, dtype=bool))

    @property
    def count(self) -> int:
        return self.n

    def has(self, label: int) -> bool:
        return label < self.live.size and bool(self.live[label])

    def labels(self) -> np.ndarray:
        return np.flatnonzero(self.live).astype(np.int64)

    def add(self, ids: np.ndarray, vecs: np.ndarray, threads: int = 1) -> None:
        need = self.index.element_count + ids.size
        if need > self.index.get_max_elements():
            self.index.resize_index(max(need, int(self.index.get_max_elements() * 1.25)))
        top = int(ids.max()) + 1
        if top > self.live.size:
            self.live = np.concatenate(
                [self.live, np.zeros(max(top, 2 * self.live.size) - self.live.size, bool)]
            )
        # replace_deleted reuses the slots of removed chunks, so the file does not grow with churn.
        self.index.add_items(vecs, ids, num_threads=threads, replace_deleted=True)
        self.live[ids] = True
        self.n += ids.size

    def remove(self, label: int) -> None:
        self.index.mark_deleted(label)
        self.live[label] = False
        self.n -= 1

    def query(self, vec: np.ndarray, k: int, ef: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """`ef` overrides search_ef (benchmarks sweep it); `last_ef` is what the search finally ran with."""
        ef = max(ef, k) if ef is not None else search_ef(self.n, k)
        widest = 8 * ef
        while True:
            self.index.set_ef(ef)
            self.last_ef = ef
            try:
                labels, dists = self.index.knn_query(vec.reshape(1, -1), k=k, num_threads=1)
                return labels[0].astype(np.int64), (1.0 - dists[0]).astype(np.float32)
            except RuntimeError:
                # Deleted nodes can leave the search short of k live hits: look wider, then settle for fewer.
                if ef < widest and ef < self.index.element_count:
                    ef *= 2
                elif k > 1:
                    k //= 2
                else:
                    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)

    def get(self, ids: list[int]) -> np.ndarray:
        # As an array: hnswlib's default is a list of Python lists (a float object per dimension).
        return np.asarray(self.index.get_items(ids, return_type="numpy"), dtype=np.float32)

    def write(self, path: Path) -> None:
        # hnswlib writes through an unchecked std::ofstream: a full disk leaves a short file and no
        # error, so the file's own structure is checked before anyone may trust it.
        self.index.save_index(str(path))
        problem = hnsw_file_problem(path)
        if problem:
            raise IncompleteWrite(problem)

    def live_bits(self) -> str:
        """The live-label bitmap as text for the manifest; mostly ones, so it compresses well."""
        return base64.b64encode(zlib.compress(np.packbits(self.live).tobytes())).decode()

    @classmethod
    def read(cls, path: Path, dim: int, live: str) -> Graph:
        index = hnswlib.Index(space="cosine", dim=dim)
        index.load_index(str(path), allow_replace_deleted=True)
        index.set_ef(EF_SEARCH)
        bits = np.frombuffer(zlib.decompress(base64.b64decode(live)), dtype=np.uint8)
        return cls(index, np.unpackbits(bits).astype(bool))


class IncompleteWrite(OSError):
    """A file came out shorter or other than written, with no error from the library that wrote it."""


# hnswlib 0.8 saveIndex: offsetLevel0, max_elements, cur_element_count, size_data_per_element,
# label_offset, offsetData (size_t), maxlevel (int), enterpoint_node (uint), maxM, maxM0, M (size_t),
# mult (double), ef_construction (size_t); then cur_element_count level-0 records; then per element
# a uint byte count and that many bytes of upper-level links.
_HNSW_HEADER = struct.Struct("<6Qii3QdQ")


def hnsw_file_problem(path: Path) -> str:
    """ "" when the hnswlib file at `path` is complete and self-consistent, else what is wrong.

    Reads only the header and the link-size table, so a short or garbled file is caught without
    handing it to hnswlib, which can crash the process on one.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(_HNSW_HEADER.size)
            if len(head) < _HNSW_HEADER.size:
                return "header cut short"
            fields = _HNSW_HEADER.unpack(head)
            _, max_elements, count, per_element = fields[:4]
            if count > max_elements or per_element == 0 or count * per_element > 1 << 40:
                return "header does not add up"
            f.seek(count * per_element, 1)
            tail = f.read()
    except OSError as err:
        return f"cannot be read: {err.strerror or err}"
    pos, end = 0, len(tail)
    for _ in range(count):
        if pos + 4 > end:
            return "cut short in its link lists"
        pos += 4 + int.from_bytes(tail[pos : pos + 4], "little")
    if pos != end:
        return "cut short" if pos > end else "longer than its header says"
    return ""
