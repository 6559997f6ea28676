"""Fusing the dense and keyword signals of candidate chunks into one ranking of notes.

Meaning first: both signals are put on absolute scales that mean the same from one query to the next,
so a weak keyword hit cannot outrank a strong meaning match only because it was the best keyword hit.
- Dense: the cosine on the model's own scale (calibration.py): 0 for unrelated text, 1 for a
  paraphrase. It does not depend on what else was retrieved, nor on the model's range of cosines.
- Keyword: BM25 divided by what a passage containing every content word of the query once would
  score: the share of the query's information its words cover. One common word of five scores near
  0; a passage that holds all the rare words of the query scores near 1.
The fused score adds keyword evidence in proportion to how lexical the query is (FusionParams); a
note ranks by its best passage. `display` turns it into the 0..1 score the user sees, 0.5 where a
result stops being a close match. All of it is numpy over the candidates only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from gte_notes.core.model.calibration import DenseScale


@dataclass(frozen=True)
class FusionParams:
    # fused = dense + keyword_weight * best ** query_power * coverage ** keyword_power, where coverage
    # is a passage's keyword evidence (0..1) and best the best coverage of any candidate of the query.
    # `best ** query_power` is how lexical the query is: a claim whose rare words all stand together
    # in some passage (SciFact: median best coverage 0.65) lets keywords count; a description in
    # other words (meaning/dendron-site: median 0.35) leaves the ranking to meaning. Chosen by
    # `python -m gte_notes.eval tune` on SciFact train and meaning/dendron-site.tsv together (the mean
    # of their nDCG@10 and MRR@10), never on SciFact test or vaultofknowledge (README "Search quality").
    keyword_weight: float = 2.0
    keyword_power: float = 3.0
    query_power: float = 2.0
    # The fused score that reads 0.5 (a "close match") and how steeply the shown score rises around
    # it. Chosen on dendron-site: its meaning queries' correct hits against its half of
    # eval/data/nonsense.tsv (best balanced accuracy); vaultofknowledge's half is only reported.
    close_match: float = 0.49
    # The shown score's curve (see `display`): a paraphrase with no keyword help (fused 1.0) reads
    # 0.7, keyword-confirmed matches of a lexical query 0.8..0.95. Chosen by that reading, not tuned:
    # ranks do not depend on it.
    spread: float = 0.35
    upper_spread: float = 1.0


DEFAULT_PARAMS = FusionParams()


@dataclass(frozen=True)
class QueryStats:
    """What makes one query's scores absolute: the model's cosine scale, and the BM25 a passage
    would get for holding each of the query's content words once (0 when it has none)."""

    scale: DenseScale = field(default_factory=lambda: DenseScale(0.0, 1.0))
    keyword_full: float = 0.0


@dataclass
class Candidates:
    """Chunk-level candidates of one query: parallel arrays, and the query's own statistics."""

    chunk_ids: np.ndarray  # int64
    note_ids: np.ndarray  # int64
    dense: np.ndarray  # float32 cosine to the query (exact), for every candidate
    keyword: np.ndarray  # float32 BM25 (> 0), 0 where the chunk does not match
    stats: QueryStats = field(default_factory=QueryStats)

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


def dense_scaled(c: Candidates) -> np.ndarray:
    return c.stats.scale(c.dense)


def coverage(c: Candidates) -> np.ndarray:
    """Keyword evidence in 0..1: BM25 over the score of a passage holding every query word once.

    (Counting each word once, ignoring how often it occurs, was tried: 0.5-1 nDCG@10 lower on
    SciFact train, no better on meaning/dendron-site; how often a rare word occurs is evidence.)"""
    if c.stats.keyword_full <= 0:
        return np.zeros(c.keyword.size, dtype=np.float64)
    return np.clip(c.keyword.astype(np.float64) / c.stats.keyword_full, 0.0, 1.0)


def fused(c: Candidates, params: FusionParams = DEFAULT_PARAMS) -> np.ndarray:
    cov = coverage(c)
    lexical = float(cov.max(initial=0.0)) ** params.query_power
    return dense_scaled(c) + params.keyword_weight * lexical * cov**params.keyword_power


def keyword_only(bm25: np.ndarray, keyword_full: float, params: FusionParams = DEFAULT_PARAMS) -> np.ndarray:
    """The fused score of passages with these BM25 scores and no meaning evidence (a dense side of 0),
    the query's most lexical passage being the best of them."""
    cov = np.clip(np.asarray(bm25, dtype=np.float64) / keyword_full, 0.0, 1.0)
    lexical = float(cov.max(initial=0.0)) ** params.query_power
    return params.keyword_weight * lexical * cov**params.keyword_power


def display(raw: np.ndarray | float, params: FusionParams = DEFAULT_PARAMS) -> np.ndarray:
    """The score a user sees, 0..1: 0.5 where results stop being close matches.

    Below the line a logistic curve; above it a slower approach to 1 (1 - e^-x), because keyword
    evidence lifts fused scores of lexical queries to 2..3 and a logistic curve would show all of
    them as 1.00. Both halves rise with the fused score, so the shown order is the ranked order.
    """
    x = np.asarray(raw, dtype=np.float64) - params.close_match
    below = 1.0 / (1.0 + np.exp(-np.clip(x / params.spread, -30, 30)))
    above = 0.5 + 0.5 * (1.0 - np.exp(-np.maximum(x, 0.0) / params.upper_spread))
    return np.where(x < 0, below, above)


def close_match_score() -> float:
    """The shown score below which a result is not a close match (the GUI and CLI say so)."""
    return 0.5


def fuse(c: Candidates, params: FusionParams = DEFAULT_PARAMS, mode: str = "hybrid") -> Ranked:
    """Notes ranked by `mode`: "dense" (cosine), "keyword" (BM25) or "hybrid" (fused).

    Scores are the shown 0..1 scores, on one scale in every mode. Dense-only: the scaled cosine with no
    keyword evidence. Keyword-only (before the model is loaded): what hybrid would show for the passage
    if it had no meaning evidence, so a result's score only grows when meaning joins, and a passage
    that repeats the query's word is not shown as a perfect 1.00 match.
    """
    if mode == "keyword":
        # Ranked by BM25 (its own ranking is the better one alone), scored as hybrid with dense at 0.
        hit = c.keyword > 0
        ranked = best_per_note(c.note_ids[hit], c.chunk_ids[hit], c.keyword[hit])
        if c.stats.keyword_full > 0:
            ranked.scores = display(keyword_only(ranked.scores, c.stats.keyword_full, params), params).astype(
                np.float32
            )
        else:  # no content word (an unknown stop-word query): nothing to measure against
            ranked.scores = np.full(ranked.scores.size, display(0.0, params), dtype=np.float32)
        return ranked
    if len(c) == 0:
        return best_per_note(c.note_ids, c.chunk_ids, c.dense)
    raw = dense_scaled(c) if mode == "dense" else fused(c, params)
    # Ranked on the fused score itself: the shown score is a curve that flattens at both ends, and
    # two strong matches must not tie because both read 1.00.
    ranked = best_per_note(c.note_ids, c.chunk_ids, raw)
    ranked.scores = display(ranked.scores, params).astype(np.float32)
    return ranked


def bm25_idf(n_rows: int, doc_freq: int) -> float:
    """FTS5's BM25 IDF (it clamps a non-positive IDF to 1e-6)."""
    idf = math.log((n_rows - doc_freq + 0.5) / (doc_freq + 0.5)) if n_rows > 0 else 0.0
    return idf if idf > 0 else 1e-6
