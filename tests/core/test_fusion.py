"""Fusion and keyword-query details a user notices in a small folder or with everyday wording."""

from __future__ import annotations

import sqlite3

import numpy as np

from gte_notes.core.fusion import Candidates, FusionParams, fuse
from gte_notes.core.keyword import KeywordIndex


def _cands(dense: list[float], keyword: list[float]) -> Candidates:
    n = len(dense)
    ids = np.arange(1, n + 1, dtype=np.int64)
    return Candidates(ids, ids.copy(), np.asarray(dense, dtype=np.float32), np.asarray(keyword, dtype=np.float32))


def test_last_result_of_a_small_folder_keeps_a_dense_score() -> None:
    # Five notes: the least similar one is still somewhat similar, not "unrelated" (score 0).
    ranked = fuse(_cands([0.62, 0.55, 0.50, 0.47, 0.45], [0, 0, 0, 0, 0]), FusionParams(alpha=1.0))
    assert ranked.note_ids.tolist() == [1, 2, 3, 4, 5]
    assert ranked.scores.min() > 0.3 and ranked.scores.max() == 1.0


def test_in_a_large_candidate_set_the_hundredth_is_the_floor() -> None:
    dense = np.linspace(0.9, 0.1, 150).tolist()
    ranked = fuse(_cands(dense, [0.0] * 150), FusionParams(alpha=1.0))
    assert ranked.scores[99] == 0.0 and ranked.scores[0] == 1.0


class _FakeStore:
    """Just enough of Store for KeywordIndex.expression: an FTS5 table and a generation."""

    def __init__(self) -> None:
        self.path = ":memory:fusion-test"
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute("CREATE VIRTUAL TABLE chunks_fts USING fts5(title, heading, text, "
                          "tokenize = 'porter unicode61 remove_diacritics 2')")
        for text in ("the oven in the kitchen", "the release in the spring", "the who played in the hall"):
            self.conn.execute("INSERT INTO chunks_fts VALUES ('', '', ?)", [text])

    def generation(self) -> int:
        return 1


def test_function_words_are_left_out_when_other_words_remain() -> None:
    kw = KeywordIndex(_FakeStore())  # type: ignore[arg-type]
    expr = kw.expression(["oven", "in", "the", "kitchen"])
    assert '"in"' not in expr and '"the"' not in expr
    assert '"oven"' in expr and '"kitchen"' in expr
    # Only function words: they are the query.
    assert '"the"' in kw.expression(["the", "who"])
    # Phrases keep every word.
    assert '"in the hall"' in kw.expression(["played"], [("in", "the", "hall")])
