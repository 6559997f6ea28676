"""The database is not three times the size of its vectors (issue 23 item 8), and an index written by an
older version (vectors in a WITHOUT ROWID table, one overflow page each) is upgraded in place: same
vectors, same results, the space given back, nothing embedded again.

Real SQLite; the fake embedder (tests/fakes.py), 384-dim like the real model: what is tested is how
the vectors are stored, not what they mean.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from gte_notes.core.index.store import SCHEMA_VERSION, Store
from tests.core.live_helpers import check_consistent, live_factory, note_text, write
from tests.fakes import FakeEmbedder

make_live = pytest.fixture(live_factory)
N_NOTES = 600


def _bytes_used(db: Path) -> tuple[int, int]:
    """(pages in use x page size, bytes of vectors stored)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        page, pages, free = (
            conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_size", "page_count", "freelist_count")
        )
        vectors = conn.execute("SELECT COALESCE(SUM(LENGTH(vector)), 0) FROM vectors").fetchone()[0]
    return (pages - free) * page, vectors


def _indexed(tmp_path: Path, make_live) -> Path:
    for i in range(N_NOTES):
        write(tmp_path / "notes", f"n/{i:04d}.md", note_text(i) + f"\nA second line of words for note {i}.\n")
    live = make_live().start()
    live.stop()
    return live.engine.ws.db_path


def _as_an_older_version_left_it(db: Path) -> None:
    """The vectors table as schema 4 made it (WITHOUT ROWID, keyed by hash and model), same rows."""
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("BEGIN")
        conn.execute(
            "CREATE TABLE old_vectors (text_hash TEXT NOT NULL, model_id TEXT NOT NULL, "
            "vector BLOB NOT NULL, PRIMARY KEY (text_hash, model_id)) WITHOUT ROWID"
        )
        conn.execute("INSERT INTO old_vectors SELECT text_hash, model_id, vector FROM vectors")
        conn.execute("DROP TABLE vectors")
        conn.execute("ALTER TABLE old_vectors RENAME TO vectors")
        conn.execute("ALTER TABLE notes DROP COLUMN aliases")  # added by a later step
        conn.execute("PRAGMA user_version = 4")
        conn.execute("COMMIT")
        conn.execute("VACUUM")


def _vectors(db: Path) -> dict[tuple[str, str], bytes]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return {(h, m): v for h, m, v in conn.execute("SELECT text_hash, model_id, vector FROM vectors")}


def test_a_new_index_takes_little_more_room_than_its_vectors(tmp_path: Path, make_live) -> None:
    db = _indexed(tmp_path, make_live)
    used, vectors = _bytes_used(db)
    assert vectors >= N_NOTES * 384 * 4
    # Text, keyword index and keys come on top; one overflow page per vector made this 3.3.
    assert used / vectors < 1.8, (used, vectors)


def test_an_older_index_is_upgraded_in_place_and_shrinks(tmp_path: Path, make_live) -> None:
    db = _indexed(tmp_path, make_live)
    before_vectors = _vectors(db)
    live = make_live().start()
    queries = ["word17", "topic3 plain words", "second line of words for note 420"]
    results = [[h.path for h in live.engine.search(q, 5)] for q in queries]
    live.stop()

    _as_an_older_version_left_it(db)
    old_used, vectors = _bytes_used(db)
    assert old_used / vectors > 2.5  # what the issue measured: an overflow page per vector

    store = Store(db)  # the upgrade runs as the index is opened
    store.close()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _vectors(db) == before_vectors  # every vector kept, bit for bit
    assert db.stat().st_size < 0.6 * old_used  # and the file gave the space back
    again = make_live().start()
    assert again.rec.embedded() == 0  # nothing embedded again
    assert [[h.path for h in again.engine.search(q, 5)] for q in queries] == results
    counts = check_consistent(db, FakeEmbedder().model_id)
    assert again.engine.writer.ann.count == counts["chunks"]


def test_vectors_round_trip_and_replace_in_the_new_table(tmp_path: Path) -> None:
    store = Store(tmp_path / "index.db")
    v1, v2 = np.arange(384, dtype=np.float32), np.ones(384, dtype=np.float32)
    with store.transaction():
        store.vectors.put("m", [("h1", v1), ("h2", v1)])
        store.vectors.put("m", [("h1", v2)])  # the same key again: replaced, not doubled
        store.vectors.put("other", [("h1", v1)])
    assert store.vectors.count("m") == 2 and store.vectors.count("other") == 1
    got = store.vectors.by_hash("m", ["h1", "h2", "h3"])
    assert set(got) == {"h1", "h2"} and np.array_equal(got["h1"], v2) and np.array_equal(got["h2"], v1)
    assert store.vectors.missing(["h1", "h3"], "m") == {"h3"}
    with store.transaction():
        assert store.vectors.drop_other_models("m") == 1
    store.close()
