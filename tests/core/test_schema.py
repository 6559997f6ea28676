"""The database's schema as the app relies on it, read with sqlite-utils (columns, foreign keys, indexes),
and the way the next column change is made: a migration step that transform()s a table keeps its rows,
its foreign keys with ON DELETE CASCADE, its indexes and its AUTOINCREMENT sequence (chunk ids are ANN
labels and are never reused).

Real SQLite files through Store; no model (the rows are written as the indexer writes them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlite_utils import Database

from gte_notes.core.index import migrations
from gte_notes.core.index.store import NewChunk, Store


def _chunk(seq: int, text: str) -> NewChunk:
    return NewChunk(seq, 0, len(text), 1 + seq, "", text, f"hash-{text}", 3)


def _filled(db_path: Path) -> Store:
    """Three notes of two chunks; the last note deleted, so the notes' sequence is above the largest id."""
    store = Store(db_path)
    with store.transaction():
        for n in range(3):
            note_id = store.upsert_note(f"n{n}.md", title=f"Note {n}", status="indexed", tags=["t"])
            store.replace_chunks(note_id, f"Note {n}", [_chunk(0, f"a{n}"), _chunk(1, f"b{n}")])
        store.vectors.put("m", [(f"hash-a{n}", np.ones(4, dtype=np.float32)) for n in range(3)])
        store.delete_notes(["n2.md"])
    return store


def test_the_schema_the_app_relies_on(tmp_path: Path) -> None:
    _filled(tmp_path / "index.db").close()
    db = Database(tmp_path / "index.db")
    notes, chunks = db.table("notes"), db.table("chunks")
    assert {"path", "title", "content_hash", "status", "tags", "links", "aliases", "title_hash"} <= set(
        notes.columns_dict
    )
    assert chunks.columns_dict["text_hash"] is str and chunks.columns_dict["lang"] is str
    # A note's chunks go with it: the foreign key cascades.
    [fk] = chunks.foreign_keys
    assert (fk.column, fk.other_table, fk.other_column, fk.on_delete) == ("note_id", "notes", "id", "CASCADE")
    # One vector per (model, text): the key put() replaces on.
    assert any(i.unique and i.columns == ["model_id", "text_hash"] for i in db.table("vectors").indexes)
    assert any(i.unique and i.columns == ["path"] for i in notes.indexes)
    assert "chunks_fts" in db.table_names()


def _next_column_change(db) -> None:
    # What a future step looks like: a new default, which ALTER TABLE cannot set.
    migrations.table(db, "notes").transform(defaults={"status": "new"})


def test_a_step_that_transforms_a_table_keeps_its_rows_keys_and_sequence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _filled(tmp_path / "index.db")
    before_notes = store.notes()
    before_chunks = store.chunk_count()
    last_note = store.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'notes'").fetchone()[0]
    assert last_note > max(row.id for row in before_notes.values())  # the deleted note had the last id
    store.close()

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, _next_column_change])
    store = Store(tmp_path / "index.db")  # the upgrade runs as the index is opened
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations.MIGRATIONS)
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1  # back on after the upgrade
    db = Database(store.conn)
    assert db.table("notes").columns_dict and db.table("notes").default_values["status"] == "new"
    # No cascade fired as the old notes table was dropped: every note and chunk is still there.
    assert store.notes() == before_notes and store.chunk_count() == before_chunks
    [fk] = db.table("chunks").foreign_keys
    assert (fk.other_table, fk.on_delete) == ("notes", "CASCADE")
    with store.transaction():
        new_id = store.upsert_note("n9.md", title="Note 9", status="indexed")
        store.replace_chunks(new_id, "Note 9", [_chunk(0, "c9")])
        assert store.upsert_note("n9.md", title="Again", status="indexed") == new_id  # path still UNIQUE
        assert new_id > last_note  # the deleted note's id is not given again
        store.delete_notes(["n0.md"])
    assert store.chunk_ids_of([before_notes["n0.md"].id]) == {}  # its chunks went with it
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()
