"""Keyword search: SQLite FTS5 BM25 over chunks_fts (columns title, heading, text), title weighted.

User input never reaches FTS5's query language as written: it is cut into words and every word is
sent as a quoted string, so quotes, hyphens, colons, stars, parentheses or words such as OR and NEAR
in a query can never raise or change the meaning. The only operators are the ones built here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import numpy as np

from gte_notes.core.store import Store

# bm25() column weights for (title, heading, text): a word in a note's title says more about the note
# than one in its body. Tuned on SciFact train (see gte_notes/eval/tune.py).
TITLE_WEIGHT = 2.0
HEADING_WEIGHT = 1.0
TEXT_WEIGHT = 1.0


def quote(text: str) -> str:
    """`text` as an FTS5 string: FTS5 tokenizes it itself, so any characters are safe inside."""
    return '"' + text.replace('"', '""') + '"'


def match_expression(terms: Sequence[str], phrases: Sequence[Sequence[str]] = (),
                     prefix_last: bool = False) -> str:
    """An FTS5 MATCH expression: every phrase must occur, and at least one term (any of them).

    Terms are OR'ed because BM25 already rewards rows that contain more of them, and a natural-language
    query whose every word must appear finds almost nothing. `prefix_last` lets the word being typed
    match as a prefix ("embed" finds "embedding").
    """
    parts = []
    for n, term in enumerate(terms):
        q = quote(term)
        if prefix_last and n == len(terms) - 1 and len(term) >= 2:
            q += "*"
        parts.append(q)
    required = [quote(" ".join(p)) for p in phrases if p]
    if not parts and not required:
        return ""
    if not required:
        return " OR ".join(parts)
    if not parts:
        return " AND ".join(required)
    return " AND ".join(required) + " AND (" + " OR ".join(parts) + ")"


def title_expression(words: Sequence[str]) -> str:
    """Rows whose title column starts with these words: candidates for an exact title match."""
    return "title : ^ " + quote(" ".join(words)) if words else ""


class KeywordIndex:
    """BM25 queries on one Store connection. Scores are -bm25(), so larger is better and > 0."""

    def __init__(self, store: Store, weights: tuple[float, float, float] | None = None) -> None:
        self.store = store
        self.weights = weights or (TITLE_WEIGHT, HEADING_WEIGHT, TEXT_WEIGHT)

    def _run(self, sql: str, params: list[object]) -> tuple[np.ndarray, np.ndarray]:
        try:
            rows = self.store.conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError:
            # The expression is built from quoted strings only, so this is not expected; a search
            # box must still never show a traceback for what the user typed.
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        scores = np.fromiter((-r[1] for r in rows), dtype=np.float32, count=len(rows))
        return ids, scores

    def search(self, expr: str, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
        """(chunk ids, scores), best first; every matching chunk when `limit` is None."""
        if not expr:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        sql = "SELECT rowid, bm25(chunks_fts, ?, ?, ?) AS s FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY s"
        params: list[object] = [*self.weights, expr]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return self._run(sql, params)

    def scores_for(self, expr: str, chunk_ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """BM25 of the given chunks (those that match at all), to score the dense side's candidates."""
        ids = [int(i) for i in chunk_ids]
        if not expr or not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        out_ids, out_scores = [], []
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            marks = ",".join("?" * len(part))
            i, s = self._run(
                f"SELECT rowid, bm25(chunks_fts, ?, ?, ?) FROM chunks_fts WHERE chunks_fts MATCH ? "
                f"AND rowid IN ({marks})", [*self.weights, expr, *part],
            )
            out_ids.append(i)
            out_scores.append(s)
        return np.concatenate(out_ids), np.concatenate(out_scores)

    def matching_ids(self, expr: str) -> np.ndarray:
        """Every chunk matching `expr`, unranked (for phrase filters)."""
        if not expr:
            return np.zeros(0, dtype=np.int64)
        try:
            rows = self.store.conn.execute("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?",
                                           [expr]).fetchall()
        except sqlite3.OperationalError:
            return np.zeros(0, dtype=np.int64)
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def title_candidates(self, words: Sequence[str], limit: int = 200) -> list[tuple[int, str]]:
        """(note id, title) of notes whose title starts with `words`; the caller checks equality."""
        expr = title_expression(words)
        if not expr:
            return []
        try:
            rows = self.store.conn.execute(
                "SELECT DISTINCT c.note_id, n.title FROM chunks_fts f JOIN chunks c ON c.id = f.rowid "
                "JOIN notes n ON n.id = c.note_id WHERE chunks_fts MATCH ? LIMIT ?", [expr, limit],
            ).fetchall()
        except sqlite3.OperationalError:
            return []
        return [(r[0], r[1]) for r in rows]
