"""The SQLite database of one notes folder: the source of truth for notes, chunks and vectors.

The hnswlib file is only a cache of what is here. One process writes (see lock.py); any number read.
The notes and chunks tables are read and written here, each query a named method; the vectors table
is `Store.vectors` (vectors.py), the keyword table's reads `Store.fts` (keyword_table.py), the schema
migrations.py's, and every `IN (…)` list goes through batches.py. Writes of whole records (notes,
meta) go through sqlite-utils (write_side.py), imported on the first write; reads stay raw SQL.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gte_notes.core.errors import StoreError
from gte_notes.core.files.path_text import display, from_db, to_db
from gte_notes.core.files.private_files import private_dir, private_file
from gte_notes.core.index.batches import rows_in
from gte_notes.core.index.fts_terms import fts_rows
from gte_notes.core.index.keyword_table import KeywordTable
from gte_notes.core.index.migrations import SCHEMA_VERSION, migrate
from gte_notes.core.index.vectors import Vectors
from gte_notes.core.index.write_side import write_db

if TYPE_CHECKING:
    from sqlite_utils import Database

# How many excluded paths index health lists (a folder left out counts once, whatever it holds).
EXCLUDED_KEPT = 5000

__all__ = ["SCHEMA_VERSION", "NewChunk", "NoteRow", "Store", "read_error"]


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
    aliases: tuple[str, ...] = ()  # other names from front matter (markdown_meta.NoteMeta.aliases)


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
        id=row["id"],
        path=from_db(row["path"]),
        title=row["title"],
        size=row["size"],
        mtime_ns=row["mtime_ns"],
        content_hash=row["content_hash"],
        status=row["status"],
        reason=row["reason"],
        warning=row["warning"],
        tags=tuple(json.loads(row["tags"])),
        links=tuple(json.loads(row["links"])),
        aliases=tuple(json.loads(row["aliases"])),
    )


def like_escape(text: str) -> str:
    """`text` matched literally by LIKE … ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _is_corruption(err: sqlite3.DatabaseError) -> bool:
    text = str(err).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


def _not_empty(db_path: Path) -> None:
    """A database file of 0 bytes was emptied (a failed copy, a truncating tool): SQLite would take it
    for a new database, and a read-only search would write a schema into it. gte-notes never leaves
    one (the file gets its header as it is created, journal_mode = WAL), so it is damage."""
    try:
        empty = db_path.stat().st_size == 0
    except OSError:
        return  # missing: a new index (the writer), or the reader's own "no index yet"
    if empty:
        raise sqlite3.DatabaseError("file is not a database: it is empty (0 bytes)")


def read_error(db_path: Path, err: sqlite3.DatabaseError) -> StoreError:
    """What a reader (search, related, status) tells the user when the database fails it."""
    if "disk i/o error" in str(err).lower():
        return StoreError(
            f"The index database {db_path} could not be read ({err}). Its -wal file may have been deleted "
            'while gte-notes was writing it. Close the gte-notes app or stop "gte-notes watch" (it writes '
            'what it holds back as it stops), then search again; if this persists, run "gte-notes index '
            'FOLDER" to repair the index. Your notes are never changed.'
        )
    if _is_corruption(err):
        return StoreError(
            f'The index database {db_path} is damaged ({err}). Run "gte-notes index FOLDER" to repair it: '
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
            raise StoreError(f'No index for this folder yet ({db_path}). Run "gte-notes index FOLDER" first.')
        try:
            _not_empty(db_path)
            self.conn = self._connect()
        except sqlite3.DatabaseError as err:
            if not create or not _is_corruption(err):
                raise read_error(db_path, err) from err
            self._move_aside(err)
            self.conn = self._connect()
        self._writes: Database | None = None  # made by the first write (write_side.py)
        self.vectors = Vectors(self.conn, self._db)
        self.fts = KeywordTable(self.conn)

    def _db(self) -> Database:
        if self._writes is None:
            self._writes = write_db(self.conn)
        return self._writes

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
            migrate(conn)
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

    def close(self) -> None:
        self.conn.close()

    # ---- transactions -------------------------------------------------------------------------

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every query inside sees the same committed state (WAL), so a search
        never joins the keyword index before a writer's commit with the chunks after it."""
        if self.conn.in_transaction:  # already inside one (a read that calls another)
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")

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
        value = display(value)
        # Each full reconcile writes its pipeline, model and exclusions again; unchanged (a restart),
        # they are not written, and the writer thread does not import sqlite-utils beside the first search.
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None or row[0] != value:
            self._db().table("meta").upsert({"key": key, "value": value}, pk="key")

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
        return {
            r["id"]: _note_row(r)
            for r in rows_in(self.conn, "SELECT * FROM notes WHERE id IN ({marks})", set(ids))
        }

    def upsert_note(self, path: str, **fields: object) -> int:
        """Insert or update the note row; returns its id. Must run inside a transaction."""
        record: dict[str, object] = {"path": to_db(path)}
        for key, value in fields.items():
            if key in ("tags", "links", "aliases"):
                record[key] = list(value)  # type: ignore[call-overload]  # stored as JSON by sqlite-utils
            elif isinstance(value, str):
                record[key] = display(value)  # a title from an undecodable file name
            else:
                record[key] = value
        record["indexed_at"] = time.time()
        self._db().table("notes").upsert(record, pk="path")  # path is UNIQUE: ON CONFLICT(path) DO UPDATE
        return self.conn.execute("SELECT id FROM notes WHERE path = ?", (record["path"],)).fetchone()[0]

    def touch_note(self, path: str, size: int, mtime_ns: int) -> None:
        """Record a new size/mtime for a note whose content did not change."""
        self.conn.execute(
            "UPDATE notes SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, to_db(path))
        )

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
        like = like_escape(prefix) + "/%"
        rows = self.conn.execute(
            "SELECT path FROM notes WHERE path = ? OR path LIKE ? ESCAPE '\\'", (prefix, like)
        )
        return [from_db(r[0]) for r in rows]

    def aliases(self) -> list[tuple[int, tuple[str, ...]]]:
        """(note id, its aliases) of every indexed note that has any."""
        rows = self.conn.execute("SELECT id, aliases FROM notes WHERE aliases != '[]' AND status = 'indexed'")
        return [(r[0], tuple(json.loads(r[1]))) for r in rows]

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

    def replace_chunks(
        self, note_id: int, title: str, chunks: Sequence[NewChunk]
    ) -> tuple[list[int], list[int]]:
        """Swap a note's chunks for new ones. Returns (removed ids, added ids). Inside a transaction."""
        removed = self._delete_chunks(note_id)
        added: list[int] = []
        rows = fts_rows(display(title), [(c.heading, c.text) for c in chunks])
        for c, (lang, fts) in zip(chunks, rows, strict=True):
            cur = self.conn.execute(
                'INSERT INTO chunks(note_id, seq, start, "end", line, heading, text, text_hash, '
                "n_tokens, lang) "
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (note_id, c.seq, c.start, c.end, c.line, c.heading, c.text, c.text_hash, c.n_tokens, lang),
            )
            chunk_id = int(cur.lastrowid)
            self.conn.execute(
                "INSERT INTO chunks_fts(rowid, title, heading, text) VALUES(?, ?, ?, ?)", (chunk_id, *fts)
            )
            added.append(chunk_id)
        return removed, added

    def chunks_of(self, note_id: int) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM chunks WHERE note_id = ? ORDER BY seq", (note_id,)).fetchall()

    def chunk_ids_of(self, note_ids: Sequence[int]) -> dict[int, list[int]]:
        """Each of these notes' chunk ids, in note order."""
        out: dict[int, list[int]] = {}
        for r in rows_in(
            self.conn,
            "SELECT note_id, id FROM chunks WHERE note_id IN ({marks}) ORDER BY note_id, seq",
            note_ids,
        ):
            out.setdefault(r[0], []).append(r[1])
        return out

    def chunks_by_id(self, ids: Sequence[int]) -> dict[int, sqlite3.Row]:
        return {r["id"]: r for r in rows_in(self.conn, "SELECT * FROM chunks WHERE id IN ({marks})", ids)}

    def note_ids_of_chunks(self, chunk_ids: Iterable[int]) -> dict[int, int]:
        """chunk id -> its note's id, for the chunks still in the database."""
        return dict(rows_in(self.conn, "SELECT id, note_id FROM chunks WHERE id IN ({marks})", chunk_ids))

    def chunk_hashes(self, chunk_ids: Iterable[int]) -> dict[int, str]:
        """chunk id -> the hash of its text, for the chunks still in the database."""
        return dict(rows_in(self.conn, "SELECT id, text_hash FROM chunks WHERE id IN ({marks})", chunk_ids))

    def chunk_texts_by_note(self) -> Iterator[tuple[int, str]]:
        """(note id, text) of every chunk, grouped by note (the whole index, read lazily)."""
        return ((r[0], r[1]) for r in self.conn.execute("SELECT note_id, text FROM chunks ORDER BY note_id"))

    def chunk_count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def chunk_languages(self) -> list[str]:
        """The distinct languages of the passages. Asked again after every indexing batch, so it jumps
        from one language to the next on chunks_lang (a few lookups) instead of walking every row."""
        return [
            r[0]
            for r in self.conn.execute(
                "WITH RECURSIVE l(x) AS (SELECT MIN(lang) FROM chunks UNION ALL "
                "SELECT (SELECT MIN(lang) FROM chunks WHERE lang > x) FROM l WHERE x IS NOT NULL) "
                "SELECT x FROM l WHERE x IS NOT NULL"
            )
        ]

    # ---- status -------------------------------------------------------------------------------

    def note_statuses(self) -> list[dict[str, str]]:
        """Every note row's path, status, reason, warning and title, by path (index health)."""
        rows = self.conn.execute("SELECT path, status, reason, warning, title FROM notes ORDER BY path")
        return [
            {
                "path": from_db(r["path"]),
                "status": r["status"],
                "reason": r["reason"],
                "warning": r["warning"],
                "title": r["title"],
            }
            for r in rows
        ]

    def chunks_passing(self, tags: Sequence[str], paths: Sequence[str]) -> list[int]:
        """Ids of the chunks of notes with every one of these tags (or a sub-tag: "project" matches
        "project/alpha", case-insensitive) and whose path holds every one of these parts."""
        where: list[str] = []
        params: list[str] = []
        for tag in tags:
            where.append(
                "EXISTS (SELECT 1 FROM json_each(n.tags) t WHERE lower(t.value) = ? "
                "OR lower(t.value) LIKE ? ESCAPE '\\')"
            )
            params += [tag, like_escape(tag) + "/%"]
        for part in paths:
            where.append("(instr(lower(n.path), ?) > 0 OR instr(n.path, ?) > 0)")
            params += [to_db(part).lower(), to_db(part)]  # paths are stored escaped (path_text.py)
        if not where:
            return []
        sql = f"SELECT c.id FROM chunks c JOIN notes n ON n.id = c.note_id WHERE {' AND '.join(where)}"
        return [r[0] for r in self.conn.execute(sql, params)]

    def set_excluded(self, excluded: dict[str, str]) -> None:
        """Remember which files and folders a rule left out, and why (index health). Inside a transaction."""
        rows = sorted(excluded.items())[:EXCLUDED_KEPT]
        self.set_meta("excluded", json.dumps(rows, ensure_ascii=False))
        self.set_meta("excluded_total", str(len(excluded)))

    def excluded(self) -> list[dict[str, str]]:
        """The files and folders ("name/") the last full scan left out by a rule, each with the rule."""
        try:
            rows = json.loads(self.get_meta("excluded", "[]"))
        except ValueError:
            return []
        return [
            {
                "path": str(p),
                "status": "excluded",
                "reason": r if r.startswith("not ") else f"excluded by {r}",
                "warning": "",
                "title": "",
            }
            for p, r in rows
        ]

    def status_counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.conn.execute("SELECT status, COUNT(*) FROM notes GROUP BY status")}
