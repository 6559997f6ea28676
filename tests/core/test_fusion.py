"""Fusion and keyword-query details a user notices in a small folder or with everyday wording."""

from __future__ import annotations

import sqlite3

import numpy as np

from gte_notes.core.index.keyword_table import KeywordTable
from gte_notes.core.model.calibration import DenseScale
from gte_notes.core.search.fusion import Candidates, QueryStats, close_match_score, fuse
from gte_notes.core.search.keyword import KeywordIndex


def _cands(dense: list[float], keyword: list[float], full: float = 10.0) -> Candidates:
    """Candidates of one query on a model whose unrelated texts sit at cosine 0 and paraphrases at 1;
    `full` is the BM25 of a passage holding every word of the query once."""
    n = len(dense)
    ids = np.arange(1, n + 1, dtype=np.int64)
    return Candidates(
        ids,
        ids.copy(),
        np.asarray(dense, dtype=np.float32),
        np.asarray(keyword, dtype=np.float32),
        QueryStats(DenseScale(0.0, 1.0), full),
    )


def test_a_strong_meaning_match_beats_a_one_common_word_keyword_match() -> None:
    # Note 1 says what the query means in other words; note 2 shares one common word of five (a
    # fifth of the query's keyword weight) and means something else.
    ranked = fuse(_cands([0.62, 0.18], [0.0, 2.0]))
    assert ranked.note_ids.tolist() == [1, 2]


def test_keyword_evidence_covering_the_query_still_counts() -> None:
    # Both passages are about the query; the one that holds all its rare words comes first.
    ranked = fuse(_cands([0.50, 0.55], [9.5, 0.0]))
    assert ranked.note_ids.tolist() == [1, 2]


def test_scores_are_absolute_not_relative_to_the_best_candidate() -> None:
    # The best of a set of weak matches reads low; a strong match reads high, whatever else was found.
    weak = fuse(_cands([0.20, 0.15, 0.10], [0.0, 0.0, 0.0]))
    strong = fuse(_cands([0.85, 0.15, 0.10], [0.0, 0.0, 0.0]))
    assert weak.scores[0] < close_match_score() < strong.scores[0]
    assert strong.scores[1] == weak.scores[1]  # the same passage reads the same in both queries
    # Keyword-only scores are absolute too: one word of a five-word query is not a full match.
    kw = fuse(_cands([0, 0], [2.0, 9.8]), mode="keyword")
    assert kw.note_ids.tolist() == [2, 1] and kw.scores[1] < 0.3 and kw.scores[0] > 0.8


def test_keyword_only_scores_are_on_the_hybrid_scale() -> None:
    # Before the model is loaded only BM25 is known. A passage scores what hybrid gives it with no
    # meaning evidence, so when meaning joins a score stays or grows, and never starts at 1.00: a
    # passage saying the query's word five times (BM25 over the full match) is a strong match, not a
    # perfect one.
    bm25 = [25.0, 12.0, 9.5, 3.0]
    kw = fuse(_cands([0, 0, 0, 0], bm25), mode="keyword")
    no_meaning = fuse(_cands([0, 0, 0, 0], bm25))
    assert kw.note_ids.tolist() == [1, 2, 3, 4] == no_meaning.note_ids.tolist()
    assert np.allclose(kw.scores, no_meaning.scores)
    assert kw.scores.max() < 0.95 and kw.scores[3] < close_match_score() < kw.scores[0]
    with_meaning = fuse(_cands([0.8, 0.0, 0.0, 0.0], bm25))
    assert with_meaning.scores[0] > kw.scores[0]


def test_model_scale_maps_unrelated_to_zero_and_paraphrase_to_one() -> None:
    scale = DenseScale(unrelated=0.7, paraphrase=0.9)  # a gte-small-like crowded range
    assert np.allclose(scale(np.array([0.7, 0.8, 0.9])), [0.0, 0.5, 1.0])


class _FakeStore:
    """Just enough of Store for KeywordIndex.expression: an FTS5 table, its reads and a generation."""

    def __init__(self) -> None:
        self.path = ":memory:fusion-test"
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute(
            "CREATE VIRTUAL TABLE chunks_fts USING fts5(title, heading, text, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        for text in ("the oven in the kitchen", "the release in the spring", "the who played in the hall"):
            self.conn.execute("INSERT INTO chunks_fts VALUES ('', '', ?)", [text])
        self.fts = KeywordTable(self.conn)

    def generation(self) -> int:
        return 1

    def chunk_languages(self) -> list[str]:
        return ["en"]  # the passages above are English; FTS5's porter stems them as text_terms does


def test_function_words_are_left_out_when_other_words_remain() -> None:
    kw = KeywordIndex(_FakeStore())  # type: ignore[arg-type]
    expr = kw.expression(["oven", "in", "the", "kitchen"])
    assert '"in"' not in expr and '"the"' not in expr
    assert '"oven"' in expr and '"kitchen"' in expr
    # Only function words: they are the query.
    assert '"the"' in kw.expression(["the", "who"])
    # Phrases keep every word.
    assert '"in the hall"' in kw.expression(["played"], [("in", "the", "hall")])
