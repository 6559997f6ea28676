"""Reads of the keyword table (chunks_fts): FTS5 MATCH expressions in, rows out.

The expressions are built in search/ from quoted terms (term_query.py) and never from user input as
written. An expression FTS5 rejects raises sqlite3.OperationalError like any other failure (a locked
or damaged database, a missing table); the caller tells them apart. Reached as `Store.fts`, on the
store's connection. What the table holds is written by fts_terms.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

_MATCH = "FROM chunks_fts WHERE chunks_fts MATCH ?"
_NOTES = (
    "FROM chunks_fts f JOIN chunks c ON c.id = f.rowid JOIN notes n ON n.id = c.note_id "
    "WHERE chunks_fts MATCH ?"
)


class KeywordTable:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def count(self, expr: str, limit: int) -> int:
        """How many passages match `expr`, counted up to `limit`."""
        sql = f"SELECT count(*) FROM (SELECT rowid {_MATCH} LIMIT ?)"
        return self.conn.execute(sql, [expr, limit]).fetchone()[0]

    def ranked(self, expr: str, weights: Sequence[float], limit: int | None) -> list[tuple[int, float]]:
        """(chunk id, bm25) of the passages matching `expr`, best (lowest bm25) first; every one when
        `limit` is None. `weights`: bm25's column weights for (title, heading, text)."""
        sql = f"SELECT rowid, bm25(chunks_fts, ?, ?, ?) AS s {_MATCH} ORDER BY s"
        params: list[object] = [*weights, expr]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [(r[0], r[1]) for r in self.conn.execute(sql, params).fetchall()]

    def matching(self, expr: str) -> list[int]:
        """The ids of every passage matching `expr`, unranked."""
        return [r[0] for r in self.conn.execute(f"SELECT rowid {_MATCH}", [expr]).fetchall()]

    def note_titles(self, expr: str, limit: int) -> list[tuple[int, str]]:
        """(note id, title) of up to `limit` notes with a passage matching `expr`."""
        rows = self.conn.execute(f"SELECT DISTINCT c.note_id, n.title {_NOTES} LIMIT ?", [expr, limit])
        return [(r[0], r[1]) for r in rows.fetchall()]

    def passage_texts(self, expr: str, limit: int) -> list[tuple[str, str]]:
        """(note title, passage text) of up to `limit` passages matching `expr`."""
        rows = self.conn.execute(f"SELECT n.title, c.text {_NOTES} LIMIT ?", [expr, limit])
        return [(r[0], r[1]) for r in rows.fetchall()]

    def vocabulary(self) -> Iterator[tuple[str, int]]:
        """(term, passages holding it) of every term in the table. Its fts5vocab view lives in the temp
        schema of this connection: reading it writes nothing to the index."""
        self.conn.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.gte_vocab USING fts5vocab(main, chunks_fts, row)"
        )
        return ((r[0], r[1]) for r in self.conn.execute("SELECT term, doc FROM temp.gte_vocab"))
