"""The SQLite database of one notes folder: the source of truth for notes, chunks and vectors.

The hnswlib file is only a cache of what is here. One process writes (see lock.py); any number read.
Vectors are keyed by (hash of the embedded text, model id), so a renamed note or an unchanged
paragraph reuses its vector, and vectors of different models or precisions never mix.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlite_utils

from gte_notes.core.errors import StoreError
from gte_notes.core.files.path_text import display, from_db, to_db
from gte_notes.core.files.private_files import private_dir, private_file

SCHEMA_VERSION = 3


def _migration_1(db: sqlite_utils.Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")
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


def _migration_2(db: sqlite_utils.Database) -> None:
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


def _migration_3(db: sqlite_utils.Database) -> None:
    # Each note's title has a vector of its own (related notes compare titles), keyed like chunk
    # texts, so renaming a note embeds one short title and nothing else.
    db.execute("ALTER TABLE notes ADD COLUMN title_hash TEXT NOT NULL DEFAULT ''")


MIGRATIONS = [_migration_1, _migration_2, _migration_3]


@dataclass(frozen=True)
class NoteRow:
    id: int
    path: str
    title: str
    size: int
    mtime_ns: int
    content_hash: str
    status: str
    reason: str
    warning: str
    tags: tuple[str, ...]
    links: tuple[str, ...]


@dataclass(frozen=True)
class NewChunk:
    """A chunk ready to be written: its vector is already in the vectors table or in `vector`."""

    seq: int
    start: int
    end: int
    line: int
    heading: str
    text: str
    text_hash: str
    n_tokens: int


def _note_row(row: sqlite3.Row) -> NoteRow:
    return NoteRow(
        id=row["id"], path=from_db(row["path"]), title=row["title"], size=row["size"], mtime_ns=row["mtime_ns"],
        content_hash=row["content_hash"], status=row["status"], reason=row["reason"],
        warning=row["warning"], tags=tuple(json.loads(row["tags"])), links=tuple(json.loads(row["links"])),
    )


def _is_corruption(err: sqlite3.DatabaseError) -> bool:
    text = str(err).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


def read_error(db_path: Path, err: sqlite3.DatabaseError) -> StoreError:
    """What a reader (search, related, status) tells the user when the database fails it."""
    if _is_corruption(err):
        return StoreError(
            f"The index database {db_path} is damaged ({err}). Run \"gte-notes index FOLDER\" to repair it: "
            "the damaged file is moved aside and the index rebuilt from your notes, which are never changed."
        )
    return StoreError(f"Cannot open the index database {db_path}: {err}")


class Store:
    """One connection to the database. Create one per thread; only the writer calls the mutators."""

    def __init__(self, db_path: Path, *, create: bool = True, check: bool = True) -> None:
        """`check=False` skips the integrity check: for the engine's extra read connections, opened after
        its writer checked the same file (on a large index the check reads it all, per connection)."""
        self.path = db_path
        self._check = check
        self.notice = ""  # something the user should be told about opening, e.g. a database moved aside
        if not create and not db_path.exists():
            raise StoreError(f"No index for this folder yet ({db_path}). Run \"gte-notes index FOLDER\" first.")
        try:
            self.conn = self._connect()
        except sqlite3.DatabaseError as err:
            if not create or not _is_corruption(err):
                raise read_error(db_path, err) from err
            self._move_aside(err)
            self.conn = self._connect()

    def _connect(self) -> sqlite3.Connection:
        private_dir(self.path.parent)
        private_file(self.path)  # SQLite gives -wal and -shm this file's mode
        conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 30000")
            check = conn.execute("PRAGMA quick_check").fetchone()[0] if self._check else "ok"
            if check != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed: {check}")
            self._migrate(conn)
        except Exception:
            conn.close()
            raise
        return conn

    def _move_aside(self, err: Exception) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for suffix in ("", "-wal", "-shm"):
            part = Path(str(self.path) + suffix)
            if part.exists():
                part.rename(part.with_name(f"{part.name}.corrupt-{stamp}"))
        self.notice = (
            f"The index database was damaged ({err}); it was moved aside as "
            f"{self.path.name}.corrupt-{stamp} and the index is being rebuilt from your notes."
        )

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version >= len(MIGRATIONS):
            return
        db = sqlite_utils.Database(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
                step(db)
                conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.conn.close()

    # ---- transactions -------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT; any failure rolls back, so a note is never half written."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            raise StoreError(f"Cannot write the index database {self.path}: {err}") from err
        try:
            yield self.conn
            self.conn.execute(
                "INSERT INTO meta(key, value) VALUES('generation', '1') ON CONFLICT(key) "
                "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
            )
            self.conn.execute("COMMIT")
        except BaseException as err:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(err, sqlite3.OperationalError) and "full" in str(err).lower():
                raise StoreError(
                    f"The disk is full: could not write the index at {self.path.parent}. "
                    "Nothing was lost — the previous index is kept. Free some space and it will catch up."
                ) from err
            raise

    # ---- meta ---------------------------------------------------------------------------------

    def get_meta(self, key: str, default: str = "") -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, display(value)),
        )

    def generation(self) -> int:
        return int(self.get_meta("generation", "0"))

    # ---- notes --------------------------------------------------------------------------------

    def notes(self) -> dict[str, NoteRow]:
        rows = (_note_row(r) for r in self.conn.execute("SELECT * FROM notes"))
        return {row.path: row for row in rows}

    def note(self, path: str) -> NoteRow | None:
        row = self.conn.execute("SELECT * FROM notes WHERE path = ?", (to_db(path),)).fetchone()
        return _note_row(row) if row else None

    def notes_by_id(self, ids: Iterable[int]) -> dict[int, NoteRow]:
        ids = list(set(ids))
        out: dict[int, NoteRow] = {}
        for start in range(0, len(ids), 900):
            part = ids[start:start + 900]
            marks = ",".join("?" * len(part))
            for r in self.conn.execute(f"SELECT * FROM notes WHERE id IN ({marks})", part):
                out[r["id"]] = _note_row(r)
        return out

    def upsert_note(self, path: str, **fields: object) -> int:
        """Insert or update the note row; returns its id. Must run inside a transaction."""
        for key, value in fields.items():
            if key in ("tags", "links"):
                fields[key] = json.dumps(list(value))  # type: ignore[call-overload]
            elif isinstance(value, str):
                fields[key] = display(value)  # a title from an undecodable file name
        fields["indexed_at"] = time.time()
        path = to_db(path)
        cols = ["path", *fields]
        values = [path, *fields.values()]
        updates = ", ".join(f"{c} = excluded.{c}" for c in fields)
        self.conn.execute(
            f"INSERT INTO notes({', '.join(cols)}) VALUES({', '.join('?' * len(cols))}) "
            f"ON CONFLICT(path) DO UPDATE SET {updates}",
            values,
        )
        return self.conn.execute("SELECT id FROM notes WHERE path = ?", (path,)).fetchone()[0]

    def touch_note(self, path: str, size: int, mtime_ns: int) -> None:
        """Record a new size/mtime for a note whose content did not change."""
        self.conn.execute("UPDATE notes SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, to_db(path)))

    def delete_notes(self, paths: Iterable[str]) -> list[int]:
        """Delete notes and their chunks; returns the removed chunk ids (for the ANN)."""
        removed: list[int] = []
        for path in paths:
            row = self.conn.execute("SELECT id FROM notes WHERE path = ?", (to_db(path),)).fetchone()
            if row is None:
                continue
            removed += self._delete_chunks(row[0])
            self.conn.execute("DELETE FROM notes WHERE id = ?", (row[0],))
        return removed

    def paths_under(self, prefix: str) -> list[str]:
        """Notes at `prefix` or inside the folder `prefix/` (for folder deletes and moves)."""
        prefix = to_db(prefix)
        like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
        rows = self.conn.execute(
            "SELECT path FROM notes WHERE path = ? OR path LIKE ? ESCAPE '\\'", (prefix, like)
        )
        return [from_db(r[0]) for r in rows]

    def note_count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0]

    def all_paths(self) -> list[str]:
        return [from_db(r[0]) for r in self.conn.execute("SELECT path FROM notes")]

    # ---- chunks -------------------------------------------------------------------------------

    def _delete_chunks(self, note_id: int) -> list[int]:
        ids = [r[0] for r in self.conn.execute("SELECT id FROM chunks WHERE note_id = ?", (note_id,))]
        if ids:
            self.conn.executemany("DELETE FROM chunks_fts WHERE rowid = ?", [(i,) for i in ids])
            self.conn.execute("DELETE FROM chunks WHERE note_id = ?", (note_id,))
        return ids

    def replace_chunks(self, note_id: int, title: str, chunks: Sequence[NewChunk]) -> tuple[list[int], list[int]]:
        """Swap a note's chunks for new ones. Returns (removed ids, added ids). Inside a transaction."""
        removed = self._delete_chunks(note_id)
        added: list[int] = []
        for c in chunks:
            cur = self.conn.execute(
                'INSERT INTO chunks(note_id, seq, start, "end", line, heading, text, text_hash, n_tokens) '
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (note_id, c.seq, c.start, c.end, c.line, c.heading, c.text, c.text_hash, c.n_tokens),
            )
            chunk_id = int(cur.lastrowid)
            self.conn.execute(
                "INSERT INTO chunks_fts(rowid, title, heading, text) VALUES(?, ?, ?, ?)",
                (chunk_id, display(title), c.heading, c.text),
            )
            added.append(chunk_id)
        return removed, added

    def chunks_of(self, note_id: int) -> list[sqlite3.Row]:
        return self.conn.execute('SELECT * FROM chunks WHERE note_id = ? ORDER BY seq', (note_id,)).fetchall()

    def chunks_by_id(self, ids: Sequence[int]) -> dict[int, sqlite3.Row]:
        out: dict[int, sqlite3.Row] = {}
        ids = list(ids)
        for start in range(0, len(ids), 900):
            part = ids[start:start + 900]
            marks = ",".join("?" * len(part))
            for r in self.conn.execute(f"SELECT * FROM chunks WHERE id IN ({marks})", part):
                out[r["id"]] = r
        return out

    def max_chunk_id(self) -> int:
        return self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM chunks").fetchone()[0]

    def chunk_count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    # ---- vectors ------------------------------------------------------------------------------

    def missing_vectors(self, hashes: Iterable[str], model_id: str) -> set[str]:
        wanted = list(set(hashes))
        have: set[str] = set()
        for start in range(0, len(wanted), 900):
            part = wanted[start:start + 900]
            marks = ",".join("?" * len(part))
            have.update(
                r[0] for r in self.conn.execute(
                    f"SELECT text_hash FROM vectors WHERE model_id = ? AND text_hash IN ({marks})",
                    [model_id, *part],
                )
            )
        return set(wanted) - have

    def put_vectors(self, model_id: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO vectors(text_hash, model_id, vector) VALUES(?, ?, ?)",
            ((h, model_id, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items),
        )

    def chunk_vectors(
        self, model_id: str, dim: int, *, after_id: int = 0, chunk_ids: Sequence[int] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(chunk ids, float32 matrix) for chunks that have a vector of this model.

        Reads straight into one numpy array: no per-vector Python objects are kept.
        """
        if chunk_ids is not None:
            return self._vectors_in(
                "SELECT c.id, v.vector FROM chunks c JOIN vectors v ON v.text_hash = c.text_hash "
                "AND v.model_id = ? WHERE c.id IN ({marks}) ORDER BY c.id", model_id, chunk_ids, dim)
        return self._read_vectors(
            "SELECT c.id, v.vector FROM chunks c JOIN vectors v ON v.text_hash = c.text_hash "
            "AND v.model_id = ? WHERE c.id > ? ORDER BY c.id", [model_id, after_id], dim,
        )

    def _read_vectors(self, sql: str, params: list[object], dim: int) -> tuple[np.ndarray, np.ndarray]:
        ids: list[int] = []
        buf = bytearray()
        for chunk_id, blob in self.conn.execute(sql, params):
            if len(blob) != dim * 4:
                continue  # a vector of another shape can only come from a bug; never feed it to the ANN
            ids.append(chunk_id)
            buf += blob
        mat = np.frombuffer(bytes(buf), dtype=np.float32).reshape(len(ids), dim)
        return np.asarray(ids, dtype=np.int64), mat

    def title_vectors(self, model_id: str, dim: int, note_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """Each of these notes' title vector, for those that have one of this model."""
        found, mat = self._vectors_in(
            "SELECT n.id, v.vector FROM notes n JOIN vectors v ON v.text_hash = n.title_hash "
            "AND v.model_id = ? WHERE n.id IN ({marks})", model_id, note_ids, dim)
        return dict(zip(found.tolist(), mat))

    def _vectors_in(self, sql: str, model_id: str, ids: Sequence[int], dim: int) -> tuple[np.ndarray, np.ndarray]:
        """`_read_vectors` for rows whose id is one of `ids`, in batches SQLite's parameter limit allows."""
        ids = list(ids)
        got, mats = [np.zeros(0, dtype=np.int64)], [np.zeros((0, dim), dtype=np.float32)]
        for start in range(0, len(ids), 900):
            part = ids[start:start + 900]
            i, m = self._read_vectors(sql.format(marks=",".join("?" * len(part))), [model_id, *part], dim)
            got.append(i)
            mats.append(m)
        return np.concatenate(got), np.concatenate(mats)

    def vector_count(self, model_id: str) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM vectors WHERE model_id = ?", (model_id,)).fetchone()[0]

    def gc_vectors(self, model_id: str) -> int:
        """Drop this model's vectors that no chunk uses any more. Other models' vectors are kept,
        so switching back to a previous model does not re-embed everything."""
        cur = self.conn.execute(
            "DELETE FROM vectors WHERE model_id = ? AND text_hash NOT IN (SELECT text_hash FROM chunks) "
            "AND text_hash NOT IN (SELECT title_hash FROM notes)",
            (model_id,),
        )
        return cur.rowcount

    # ---- status -------------------------------------------------------------------------------

    def status_counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.conn.execute("SELECT status, COUNT(*) FROM notes GROUP BY status")}

    def integrity_ok(self) -> bool:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
