"""Fusing the dense and keyword signals of candidate chunks into one ranking of notes.

Both signals are known for every candidate (the search fills in the side that did not find it), so the
fusion can compare scores, not only ranks. All of it is numpy over the candidate set, never over
every chunk. The parameters are tuned on SciFact train queries only (gte_notes/eval/tune.py) and
reported on its test queries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FusionParams:
    # "convex": alpha * dense + (1 - alpha) * keyword, each scaled to [0, 1] over the candidates;
    # "rrf": reciprocal rank fusion of the two note rankings, weighted.
    method: str = "convex"
    alpha: float = 0.4  # dense share in "convex" (SciFact train: 0.4 of 0.2..0.9)
    # "note": each note's best dense and best keyword score are fused (they may come from different
    # passages); "chunk": each passage's scores are fused and a note counts by its best passage.
    # "chunk" on SciFact train (74.08 vs 74.04), and the passage shown is then the one that scored.
    level: str = "chunk"
    # Dense scores are scaled from the cosine of the n-th best candidate up to the best one. A rank,
    # not the worst candidate, so the scale (and the top of the ranking) does not depend on how many
    # results were asked for.
    dense_floor_rank: int = 100
    rrf_k: float = 60.0
    dense_weight: float = 1.0  # "rrf" weights
    keyword_weight: float = 1.0


DEFAULT_PARAMS = FusionParams()


@dataclass
class Candidates:
    """Chunk-level candidates of one query: parallel arrays."""

    chunk_ids: np.ndarray  # int64
    note_ids: np.ndarray  # int64
    dense: np.ndarray  # float32 cosine to the query (exact), for every candidate
    keyword: np.ndarray  # float32 BM25 (> 0), 0 where the chunk does not match

    @classmethod
    def empty(cls) -> Candidates:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z.copy(), np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32))

    def __len__(self) -> int:
        return int(self.chunk_ids.size)


@dataclass
class Ranked:
    """One row per note, best first: the note, its score and the chunk that stands for it."""

    note_ids: np.ndarray
    scores: np.ndarray
    chunk_ids: np.ndarray


def best_per_note(note_ids: np.ndarray, chunk_ids: np.ndarray, scores: np.ndarray) -> Ranked:
    """Each note's best chunk, notes sorted by that chunk's score (ties: lower chunk id first)."""
    if note_ids.size == 0:
        return Ranked(note_ids, scores, chunk_ids)
    order = np.lexsort((chunk_ids, -scores, note_ids))
    first = np.ones(order.size, dtype=bool)
    first[1:] = note_ids[order][1:] != note_ids[order][:-1]
    keep = order[first]
    keep = keep[np.lexsort((chunk_ids[keep], -scores[keep]))]
    return Ranked(note_ids[keep], scores[keep], chunk_ids[keep])


def _scaled(values: np.ndarray, floor: float) -> np.ndarray:
    """`floor`..max to 0..1, clipped; constant values become 1."""
    if values.size == 0:
        return values
    lo = floor
    hi = float(values.max())
    if hi - lo <= 1e-9:
        return np.ones_like(values)
    return np.clip((values - lo) / (hi - lo), 0.0, 1.0)


def dense_floor(dense: np.ndarray, rank: int) -> float:
    """The cosine that scales to 0: the `rank`-th best candidate's.

    A folder with fewer candidates than that (every chunk is one) has no such cosine. Its worst
    candidate is not it: that would give the last results a dense score of 0, as if they were
    unrelated, only because the folder is small. The floor is extended below the worst cosine by
    the share of ranks missing, so few candidates keep scores near what they would get among more.
    """
    if dense.size >= rank:
        return float(np.partition(dense, dense.size - rank)[dense.size - rank])
    lo, hi = float(dense.min()), float(dense.max())
    return lo - (hi - lo) * (rank - dense.size) / rank


def _rank_of_notes(ranked: Ranked, notes: np.ndarray, present: np.ndarray) -> np.ndarray:
    """1-based rank in `ranked` of each of `notes` (inf where absent or not `present`)."""
    pos = {int(n): r for r, n in enumerate(ranked.note_ids.tolist(), start=1)}
    ranks = np.array([pos.get(int(n), np.inf) for n in notes.tolist()], dtype=np.float64)
    ranks[~present] = np.inf
    return ranks


def fuse(c: Candidates, params: FusionParams = DEFAULT_PARAMS, mode: str = "hybrid") -> Ranked:
    """Notes ranked by `mode`: "dense" (cosine), "keyword" (BM25) or "hybrid" (fused)."""
    if len(c) == 0:
        return best_per_note(c.note_ids, c.chunk_ids, c.dense)
    if mode == "dense":
        return best_per_note(c.note_ids, c.chunk_ids, c.dense)
    if mode == "keyword":
        hit = c.keyword > 0
        return best_per_note(c.note_ids[hit], c.chunk_ids[hit], c.keyword[hit])
    if params.method == "rrf":
        return _rrf(c, params)
    dense, keyword = _scaled(c.dense, dense_floor(c.dense, params.dense_floor_rank)), _scaled(c.keyword, 0.0)
    per_chunk = best_per_note(c.note_ids, c.chunk_ids,
                              (params.alpha * dense + (1.0 - params.alpha) * keyword).astype(np.float32))
    if params.level == "chunk":
        return per_chunk
    # Per note: the best of each signal. The passage shown stays the best fused passage.
    best_dense = best_per_note(c.note_ids, c.chunk_ids, dense.astype(np.float32))
    best_kw = best_per_note(c.note_ids, c.chunk_ids, keyword.astype(np.float32))
    notes = per_chunk.note_ids
    d = best_dense.scores[_positions(best_dense.note_ids, notes)]
    k = best_kw.scores[_positions(best_kw.note_ids, notes)]
    score = (params.alpha * d + (1.0 - params.alpha) * k).astype(np.float32)
    order = np.lexsort((notes, -score))
    return Ranked(notes[order], score[order], per_chunk.chunk_ids[order])


def _positions(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Index in `keys` (distinct) of each of `wanted` (all present)."""
    order = np.argsort(keys, kind="stable")
    return order[np.searchsorted(keys, wanted, sorter=order)]


def _rrf(c: Candidates, params: FusionParams) -> Ranked:
    dense = best_per_note(c.note_ids, c.chunk_ids, c.dense)
    hit = c.keyword > 0
    keyword = best_per_note(c.note_ids[hit], c.chunk_ids[hit], c.keyword[hit])
    notes = dense.note_ids
    rd = _rank_of_notes(dense, notes, np.ones(notes.size, dtype=bool))
    rk = _rank_of_notes(keyword, notes, np.ones(notes.size, dtype=bool))
    score = params.dense_weight / (params.rrf_k + rd) + params.keyword_weight / (params.rrf_k + rk)
    # The passage shown is the chunk that is best on the fused signal: keyword-best when it matched.
    kw_chunk = {int(n): int(ch) for n, ch in zip(keyword.note_ids.tolist(), keyword.chunk_ids.tolist())}
    chunks = np.array([kw_chunk.get(int(n), int(ch)) for n, ch in zip(notes.tolist(), dense.chunk_ids.tolist())],
                      dtype=np.int64)
    order = np.argsort(-score, kind="stable")
    return Ranked(notes[order], score[order].astype(np.float32), chunks[order])
