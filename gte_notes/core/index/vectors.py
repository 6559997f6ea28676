"""The vectors table: one float32 vector per (embedded text's hash, model id).

Vectors are keyed by the hash of the text embedded, so a renamed note or an unchanged paragraph reuses
its vector, and vectors of different models or precisions never mix. Reads go straight into numpy
arrays: no per-vector Python objects are kept. Reached as `Store.vectors`, on the store's connection.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from gte_notes.core.index.batches import rows_in

if TYPE_CHECKING:
    from sqlite_utils import Database

_CHUNK_JOIN = "FROM chunks c JOIN vectors v ON v.text_hash = c.text_hash AND v.model_id = ?"


class Vectors:
    def __init__(self, conn: sqlite3.Connection, writes: Callable[[], Database]) -> None:
        self.conn = conn
        self._writes = writes  # the store's sqlite-utils view of `conn`, made on its first write

    def missing(self, hashes: Iterable[str], model_id: str) -> set[str]:
        """Which of these text hashes have no vector of this model yet."""
        wanted = set(hashes)
        have = {
            r[0]
            for r in rows_in(
                self.conn,
                "SELECT text_hash FROM vectors WHERE model_id = ? AND text_hash IN ({marks})",
                wanted,
                [model_id],
            )
        }
        return wanted - have

    def put(self, model_id: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        """Store these vectors; one that exists for the same (hash, model) is replaced (vectors_key)."""
        rows = ((h, model_id, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items)
        # Rows as lists after a header row (sqlite-utils' list mode): no dict per vector.
        self._writes().table("vectors").insert_all(
            itertools.chain([("text_hash", "model_id", "vector")], rows), replace=True
        )

    def by_hash(self, model_id: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """The vectors of these text hashes that exist for this model."""
        rows = rows_in(
            self.conn,
            "SELECT text_hash, vector FROM vectors WHERE model_id = ? AND text_hash IN ({marks})",
            hashes,
            [model_id],
        )
        return {h: np.frombuffer(blob, dtype=np.float32) for h, blob in rows}

    def of_chunks(
        self, model_id: str, dim: int, *, after_id: int = 0, chunk_ids: Sequence[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(chunk ids, float32 matrix) for chunks that have a vector of this model: those in
        `chunk_ids`, else every chunk after `after_id`, in id order."""
        if chunk_ids is not None:
            return self._read_in(
                f"SELECT c.id, v.vector {_CHUNK_JOIN} WHERE c.id IN ({{marks}}) ORDER BY c.id",
                model_id,
                chunk_ids,
                dim,
            )
        return self._read(
            self.conn.execute(
                f"SELECT c.id, v.vector {_CHUNK_JOIN} WHERE c.id > ? ORDER BY c.id", [model_id, after_id]
            ),
            dim,
        )

    def of_titles(self, model_id: str, dim: int, note_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """Each of these notes' title vector, for those that have one of this model."""
        found, mat = self._read_in(
            "SELECT n.id, v.vector FROM notes n JOIN vectors v ON v.text_hash = n.title_hash "
            "AND v.model_id = ? WHERE n.id IN ({marks})",
            model_id,
            note_ids,
            dim,
        )
        return dict(zip(found.tolist(), mat, strict=True))

    def all_titles(self, model_id: str, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """(note ids, their title vectors) of every note with a title vector of this model."""
        return self._read(
            self.conn.execute(
                "SELECT n.id, v.vector FROM notes n JOIN vectors v ON v.text_hash = n.title_hash "
                "AND v.model_id = ? ORDER BY n.id",
                [model_id],
            ),
            dim,
        )

    def chunk_ids(self, model_id: str) -> np.ndarray:
        """The ids of every chunk with a vector of this model, ascending."""
        rows = self.conn.execute(f"SELECT c.id {_CHUNK_JOIN} ORDER BY c.id", (model_id,))
        return np.fromiter((r[0] for r in rows), dtype=np.int64)

    def chunk_count(self, model_id: str) -> int:
        return self.conn.execute(f"SELECT COUNT(*) {_CHUNK_JOIN}", (model_id,)).fetchone()[0]

    def chunk_slice(self, model_id: str, after_id: int, limit: int) -> list[sqlite3.Row]:
        """Up to `limit` (chunk id, vector blob) rows after `after_id`, in id order (rebuilds read
        in slices)."""
        return self.conn.execute(
            f"SELECT c.id, v.vector {_CHUNK_JOIN} WHERE c.id > ? ORDER BY c.id LIMIT ?",
            (model_id, after_id, limit),
        ).fetchall()

    def count(self, model_id: str) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM vectors WHERE model_id = ?", (model_id,)).fetchone()[0]

    def gc(self, model_id: str) -> int:
        """Drop this model's vectors that no chunk or title uses any more. Other models' vectors are
        kept, so switching back to a previous model does not re-embed everything."""
        cur = self.conn.execute(
            "DELETE FROM vectors WHERE model_id = ? AND text_hash NOT IN (SELECT text_hash FROM chunks) "
            "AND text_hash NOT IN (SELECT title_hash FROM notes)",
            (model_id,),
        )
        return cur.rowcount

    def notes_lacking(self, model_id: str) -> list[int]:
        """Ids of the notes with a chunk or a title that has no vector of this model."""
        rows = self.conn.execute(
            "SELECT c.note_id FROM chunks c LEFT JOIN vectors v "
            "ON v.text_hash = c.text_hash AND v.model_id = ? "
            "WHERE v.text_hash IS NULL UNION SELECT n.id FROM notes n LEFT JOIN vectors v "
            "ON v.text_hash = n.title_hash AND v.model_id = ? "
            "WHERE n.title_hash != '' AND v.text_hash IS NULL",
            (model_id, model_id),
        )
        return sorted(r[0] for r in rows)

    def drop_model(self, model_id: str) -> int:
        """Every vector of this model: a model change that was cancelled leaves nothing behind."""
        return self.conn.execute("DELETE FROM vectors WHERE model_id = ?", (model_id,)).rowcount

    def drop_other_models(self, model_id: str) -> int:
        """Every vector not of this model: after a model change, the old model's vectors go."""
        return self.conn.execute("DELETE FROM vectors WHERE model_id != ?", (model_id,)).rowcount

    @staticmethod
    def _read(rows: Iterable[sqlite3.Row], dim: int) -> tuple[np.ndarray, np.ndarray]:
        ids: list[int] = []
        buf = bytearray()
        for row_id, blob in rows:
            if len(blob) != dim * 4:
                continue  # a vector of another shape can only come from a bug; never feed it to the ANN
            ids.append(row_id)
            buf += blob
        mat = np.frombuffer(bytes(buf), dtype=np.float32).reshape(len(ids), dim)
        return np.asarray(ids, dtype=np.int64), mat

    def _read_in(
        self, sql: str, model_id: str, ids: Sequence[int], dim: int
    ) -> tuple[np.ndarray, np.ndarray]:
        return self._read(rows_in(self.conn, sql, ids, [model_id]), dim)
