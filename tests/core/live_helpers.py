"""Shared by the live-index tests: a running Engine on a real folder, its events, and waiting helpers.

Waiting is always "poll a condition until a timeout", never a fixed sleep: the timeouts only guard
against hangs and are generous, so a slow CI machine is slower, not red.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from gte_notes.core.files.config import Settings
from gte_notes.core.files.notes import read_note, scan_folder
from gte_notes.core.files.path_text import from_db
from gte_notes.core.index.progress import ReconcileStats
from gte_notes.core.index.store import Store
from gte_notes.core.live.engine import Engine, EngineListener
from gte_notes.core.live.engine_state import EngineState
from tests.fakes import FakeEmbedder

REPO = Path(__file__).resolve().parents[2]
FAKE_CLI = REPO / "tests" / "fake_model_cli.py"
T = TypeVar("T")


def wait_until(cond: Callable[[], T], timeout: float = 30.0, what: str = "", interval: float = 0.02) -> T:
    """Poll `cond` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or cond}")
        time.sleep(interval)


def write(folder: Path, rel: str, text: str) -> Path:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def note_text(n: int, version: str = "") -> str:
    """A small note whose words make it findable by the fake embedder: `word{n}` is unique to it."""
    return f"# Note {n}\n\nword{n} {version} text about topic{n % 7} with a few more plain words.\n"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes (symlinks as their target), to prove the notes folder is never written."""
    out: dict[str, bytes] = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            out[str(p)] = os.readlink(p).encode()
        elif p.is_file():
            out[str(p)] = p.read_bytes()
    return out


class Recorder:
    """Collects listener callbacks (they arrive on the worker thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.states: list[EngineState] = []
        self.notices: list[str] = []
        self.errors: list[tuple[str, bool, str]] = []
        self.files: list[tuple[str, str, str]] = []
        self.indexed: list[str] = []
        self.batches: list[tuple[ReconcileStats, bool]] = []

    def listener(self) -> EngineListener:
        def add(name: str) -> Callable[..., None]:
            def callback(*args: Any) -> None:
                with self.lock:
                    target = getattr(self, name)
                    if name in ("files", "indexed"):
                        target.extend(args[0])
                    else:
                        target.append(args if len(args) > 1 else args[0])

            return callback

        return EngineListener(
            on_state=add("states"),
            on_notice=add("notices"),
            on_error=add("errors"),
            on_files=add("files"),
            on_indexed=add("indexed"),
            on_batch=add("batches"),
        )

    def times_indexed(self, path: str) -> int:
        with self.lock:
            return self.indexed.count(path)

    def partial_batches(self) -> list[ReconcileStats]:
        with self.lock:
            return [s for s, full in self.batches if not full]

    def embedded(self) -> int:
        with self.lock:
            return sum(s.embedded_chunks for s, _ in self.batches)


class Live:
    """An Engine on `folder` with the fake embedder (unless given another), recording its events."""

    def __init__(
        self,
        folder: Path,
        home: Path,
        *,
        embedder: Any = None,
        settings: Settings | None = None,
        watch: bool = True,
        quiet: float | None = None,
        **tunables: Any,
    ) -> None:
        self.folder = folder
        self.home = home
        self.rec = Recorder()
        self.embedder = embedder if embedder is not None else FakeEmbedder()
        self.engine = Engine(
            folder,
            home=home,
            embedder=self.embedder,
            settings=settings,
            listener=self.rec.listener(),
            watch=watch,
        )
        if quiet is not None:
            self.engine.queue.dirty.quiet = quiet
        for key, value in tunables.items():
            setattr(self.engine.writer, key, value)

    def start(self, *, idle: bool = True) -> Live:
        self.engine.start()
        if idle:
            assert self.engine.wait_idle(60), "the start-up reconcile did not finish"
        return self

    def stop(self) -> None:
        self.engine.stop(5.0)

    def store(self) -> Store:
        return Store(self.engine.ws.db_path, create=False)

    def paths(self) -> dict[str, str]:
        """path -> status of every note row in the database."""
        with sqlite3.connect(self.engine.ws.db_path) as conn:
            return {from_db(p): s for p, s in conn.execute("SELECT path, status FROM notes")}

    def indexed_hashes(self) -> dict[str, str]:
        with sqlite3.connect(self.engine.ws.db_path) as conn:
            rows = conn.execute("SELECT path, content_hash FROM notes WHERE status = 'indexed'")
            return {from_db(p): h for p, h in rows}  # names that are not UTF-8 are stored escaped

    def matches_disk(self) -> bool:
        """Every readable note on disk is indexed with its current content, and nothing else is."""
        return self.engine.wait_idle(0.5) and disk_notes(self.folder, self.engine) == self.indexed_hashes()

    def settle(self, timeout: float = 60.0, what: str = "the index to match the disk") -> None:
        wait_until(self.matches_disk, timeout, what, interval=0.05)

    def wait_indexed(self, rel: str, timeout: float = 30.0) -> None:
        """Until the note's current content (by hash) is committed to the index."""
        want = sha256(self.folder / rel)
        wait_until(lambda: self.indexed_hashes().get(rel) == want, timeout, f"{rel} to be indexed")

    def search_paths(self, query: str, limit: int = 5) -> list[str]:
        return [h.path for h in self.engine.search(query, limit)]


def disk_notes(folder: Path, engine: Engine) -> dict[str, str]:
    out: dict[str, str] = {}
    for rel, _ in scan_folder(folder, engine.ws.filter):
        read = read_note(folder / rel, engine.ws.max_bytes)
        if read.ok:
            out[rel] = read.content_hash
    return out


def check_consistent(db_path: Path, model_id: str | None = None) -> dict[str, int]:
    """The database is sound and every note is in it once, with one complete set of chunks."""
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        paths = [r[0] for r in conn.execute("SELECT path FROM notes")]
        assert len(paths) == len(set(paths)), "a note is in the index twice"
        for note_id, seqs in conn.execute("SELECT note_id, GROUP_CONCAT(seq) FROM chunks GROUP BY note_id"):
            got = sorted(int(s) for s in seqs.split(","))
            assert got == list(range(len(got))), f"note {note_id} has a broken chunk set {got}"
        chunks = conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        fts = conn.execute("SELECT COUNT(*) FROM chunks_fts").fetchone()[0]
        assert fts == chunks, f"{fts} full-text rows for {chunks} chunks"
        orphans = conn.execute("SELECT COUNT(*) FROM chunks WHERE note_id NOT IN (SELECT id FROM notes)")
        assert orphans.fetchone()[0] == 0
        if model_id is not None:
            missing = conn.execute(
                "SELECT COUNT(*) FROM chunks c LEFT JOIN vectors v ON v.text_hash = c.text_hash "
                "AND v.model_id = ? WHERE v.text_hash IS NULL",
                (model_id,),
            ).fetchone()[0]
            assert missing == 0, f"{missing} chunks have no vector"
        return {"notes": len(paths), "chunks": chunks}
    finally:
        conn.close()


def ann_matches_exact(live: Live, query: str, k: int = 10) -> bool:
    """The engine's ANN returns the same top-k chunks as brute-force cosine over every vector in SQLite
    (the source of truth) - so a rebuilt or caught-up index answers as if nothing had happened."""
    store = live.store()
    try:
        emb = live.embedder
        ids, vecs = store.vectors.of_chunks(emb.model_id, emb.dim)
        q = np.asarray(emb.encode_query(query), dtype=np.float32)
        sims = vecs @ q / np.maximum(np.linalg.norm(vecs, axis=1), 1e-12)
        ann = live.engine.writer.ann
        assert ann is not None and ann.count == len(ids), f"ANN holds {ann and ann.count}, SQLite {len(ids)}"
        got_ids, got_sims = ann.query(q, k)
        want = np.sort(sims)[::-1][:k]
        return bool(
            np.allclose(np.sort(got_sims)[::-1], want, atol=1e-4)
            and set(got_ids.tolist()) <= set(ids[sims >= want[-1] - 1e-4].tolist())
        )
    finally:
        store.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- real processes ---------------------------------------------------------------------------


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GTE_NOTES_CONFIG=str(tmp_path / "config"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    env.pop("GTE_NOTES_MODEL", None)
    env.update(extra)
    return env


def fake_cli(home: Path, *args: str) -> list[str]:
    """argv for the gte-notes CLI in a real process; run it with `fake_env` (see tests/fake_model_cli.py)."""
    return [sys.executable, str(FAKE_CLI), "--data-dir", str(home), *args]


def fake_env(tmp_path: Path, delay: float = 0.0) -> dict[str, str]:
    return cli_env(tmp_path, GTE_NOTES_TEST_FAKE_EMBEDDER="1", GTE_NOTES_TEST_ENCODE_DELAY=str(delay))


class LineReader:
    """Reads a process's stdout on a thread, so a test can wait for a line without blocking."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._pump, args=(proc,), daemon=True)
        self._thread.start()

    def _pump(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line)

    def has(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))


def count_rows(db_path: Path, sql: str) -> int:
    """Read from another connection, as another process would; 0 while the database does not exist."""
    if not db_path.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def live_factory(tmp_path: Path) -> Iterator[Callable[..., Live]]:
    """Fixture body: `make(**kw)` builds a Live on tmp_path/notes; all are stopped at the end."""
    made: list[Live] = []

    def make(**kw: Any) -> Live:
        live = Live(kw.pop("folder", tmp_path / "notes"), kw.pop("home", tmp_path / "home"), **kw)
        made.append(live)
        return live

    yield make
    for live in made:
        live.stop()
