"""The database's schema, as numbered steps: a database at user_version N runs steps N+1 onwards,
all in one transaction, so an interrupted upgrade leaves the old schema."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from gte_notes.core.index.fts_terms import rebuild_fts
from gte_notes.core.index.write_side import write_db

if TYPE_CHECKING:
    from sqlite_utils.db import Table

SCHEMA_VERSION = 6


def _migration_1(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    db.execute(
        """CREATE TABLE notes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            path TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL DEFAULT '',
            size INTEGER NOT NULL DEFAULT 0,
            mtime_ns INTEGER NOT NULL DEFAULT 0,
            content_hash TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            warning TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            links TEXT NOT NULL DEFAULT '[]',
            indexed_at REAL NOT NULL DEFAULT 0
        )"""
    )
    # AUTOINCREMENT: chunk ids are ANN labels and must never be reused, so "id > the largest id the
    # ANN file holds" means "added since that file was saved".
    db.execute(
        """CREATE TABLE chunks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            line INTEGER NOT NULL,
            heading TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            text_hash TEXT NOT NULL,
            n_tokens INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX chunks_note ON chunks(note_id)")
    db.execute("CREATE INDEX chunks_hash ON chunks(text_hash)")
    db.execute(
        """CREATE TABLE vectors (
            text_hash TEXT NOT NULL,
            model_id TEXT NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (text_hash, model_id)
        ) WITHOUT ROWID"""
    )
    db.execute(
        "CREATE VIRTUAL TABLE chunks_fts USING fts5("
        "title, heading, text, tokenize = 'unicode61 remove_diacritics 2')"
    )


def _migration_2(db: sqlite3.Connection) -> None:
    # Porter stemming in the keyword index ("cancers" finds "cancer"): +2.8 BM25 and +1.4 hybrid nDCG@10
    # on SciFact train (README "Search quality"). The table is rebuilt from the chunks it indexes.
    db.execute("DROP TABLE IF EXISTS chunks_fts")
    db.execute(
        "CREATE VIRTUAL TABLE chunks_fts USING fts5("
        "title, heading, text, tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    db.execute(
        "INSERT INTO chunks_fts(rowid, title, heading, text) "
        "SELECT c.id, n.title, c.heading, c.text FROM chunks c JOIN notes n ON n.id = c.note_id"
    )


def _migration_3(db: sqlite3.Connection) -> None:
    # Each note's title has a vector of its own (related notes compare titles), keyed like chunk
    # texts, so renaming a note embeds one short title and nothing else.
    db.execute("ALTER TABLE notes ADD COLUMN title_hash TEXT NOT NULL DEFAULT ''")


def _migration_4(db: sqlite3.Connection) -> None:
    # Keyword search for every language (fts_terms.py): the table holds terms made in Python, stemmed
    # by each passage's language, which the chunks table records. Rebuilt from the stored chunks; no
    # note is read or embedded again.
    db.execute("ALTER TABLE chunks ADD COLUMN lang TEXT NOT NULL DEFAULT 'en'")
    db.execute("CREATE INDEX chunks_lang ON chunks(lang)")
    rebuild_fts(db)


def _migration_5(db: sqlite3.Connection) -> None:
    # Vectors in a rowid table. A WITHOUT ROWID table keeps its rows in an index b-tree, whose pages
    # hold at most about 1,000 bytes of a row: every 1,536-byte vector (384 float32) spilled into a
    # 4 KB overflow page of its own, and the database was three times the size of its vectors. A rowid
    # table's page holds a row of up to about 4,000 bytes: two 384-dim vectors to a page. The key is a
    # unique index (model first: counts and drops are per model). The vectors are copied, not embedded
    # again; the space they took is given back by the VACUUM after the upgrade (migrate).
    db.execute(
        """CREATE TABLE vectors_rowid (
            id INTEGER PRIMARY KEY,
            model_id TEXT NOT NULL,
            text_hash TEXT NOT NULL,
            vector BLOB NOT NULL
        )"""
    )
    db.execute(
        "INSERT INTO vectors_rowid(model_id, text_hash, vector) "
        "SELECT model_id, text_hash, vector FROM vectors ORDER BY model_id, text_hash"
    )
    db.execute("DROP TABLE vectors")
    db.execute("ALTER TABLE vectors_rowid RENAME TO vectors")
    db.execute("CREATE UNIQUE INDEX vectors_key ON vectors(model_id, text_hash)")


def _aliases_column(db: sqlite3.Connection) -> None:
    # A note's other names from its front matter (`aliases:`), as a JSON list like tags: exact-title
    # search and related notes' mentions use them. Self-contained: old rows get [] here, and are filled
    # in by the indexer, whose chunking version changed with it (every note is read again, no vector
    # is embedded again).
    db.execute("ALTER TABLE notes ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]'")


MIGRATIONS = [_migration_1, _migration_2, _migration_3, _migration_4, _migration_5, _aliases_column]
# Steps that leave much of the file free: the space goes back to the disk after them.
_VACUUM_AFTER = {5}


def table(db: sqlite3.Connection, name: str) -> Table:
    """A table as sqlite-utils sees it, for a step's transform() (imported only when a step needs it)."""
    return write_db(db).table(name)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the database at `conn` to the latest schema (nothing to do when it is there)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version >= len(MIGRATIONS):
        return
    # The loop and its lock stay plain SQL: PRAGMA user_version, one step at a time, all in one IMMEDIATE
    # transaction so two processes never migrate at once (sqlite-utils' Migrations keeps its own table
    # and transactions, and the reader path, which runs this check, must not import it). The steps
    # themselves: the first ones create tables in SQL that sqlite-utils' create() does not write (FTS5
    # with its tokenizer); a step that changes a column in a way ALTER TABLE cannot (a type, a default,
    # NOT NULL, dropping an indexed column) uses `table(db, name).transform(...)`, not a hand-written
    # copy: sqlite-utils 4 keeps the indexes, foreign keys with ON DELETE CASCADE, AUTOINCREMENT and
    # its sequence. Foreign keys are off while the steps run (the SQLite way to rebuild a table: a
    # cascade would fire when the old table is dropped) and checked before the commit.
    keys_on = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction: set before BEGIN
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have done it
            for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
                step(conn)
                conn.execute(f"PRAGMA user_version = {number}")
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise sqlite3.IntegrityError(f"the schema upgrade broke {len(broken)} foreign keys")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute(f"PRAGMA foreign_keys = {'ON' if keys_on else 'OFF'}")
    if version and _VACUUM_AFTER & set(range(version + 1, len(MIGRATIONS) + 1)):
        _vacuum(conn)


def _vacuum(conn: sqlite3.Connection) -> None:
    """Give the space an upgrade freed back to the disk. Best effort: another process reading, or too
    little room for the copy VACUUM makes, leaves the free pages to be reused by the next writes."""
    try:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # into the file now, which shrinks with it
    except sqlite3.OperationalError:
        pass
