"""The live index of one notes folder: the service the GUI and `gte-notes watch` run on.

One worker thread is the only writer: it owns the write connection, the indexer, every ANN mutation
and every ANN save. Searches run on the caller's thread with a read connection of their own (one per
thread) and the shared hnswlib index (which has its own lock), so they never wait for an indexing
batch. Listener callbacks come from the worker thread.

What the worker does, and how it survives errors, is in engine_worker.py; the read side is in
engine_reads.py. This module is the API the faces use.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gte_notes.core.files.config import Settings
from gte_notes.core.files.note_filter import NoteFilter
from gte_notes.core.index.indexer import Indexer, Progress, ReconcileStats
from gte_notes.core.index.store import Store
from gte_notes.core.live.engine_reads import EngineReads
from gte_notes.core.live.engine_worker import ANN_SAVE_MIN_S, FOLDER_RETRY_S, STORE_RETRY_S, EngineWorker
from gte_notes.core.live.watcher import FolderWatcher
from gte_notes.core.live.work_queue import WorkQueue
from gte_notes.core.live.workspace import Workspace
from gte_notes.core.model.query_encoder import QueryNeedsModel
from gte_notes.core.search.results import Hit


@dataclass
class EngineListener:
    """Every callback is optional and is called from a worker thread."""

    on_state: Callable[[str], None] | None = None  # "loading model", "scanning", "indexing", "idle", ...
    on_progress: Callable[[Progress], None] | None = None
    on_files: Callable[[list[tuple[str, str, str]]], None] | None = None  # (path, status, reason) changed
    on_indexed: Callable[[list[str]], None] | None = None  # notes whose index content changed (committed)
    on_error: Callable[[str, bool, str], None] | None = None  # (message, is_bug, details/traceback)
    on_notice: Callable[[str], None] | None = None  # e.g. "inotify limit reached; polling. Raise it with ..."
    on_batch: Callable[[ReconcileStats, bool], None] | None = None  # stats of each reconcile, and was it full


class Engine(EngineReads, EngineWorker):
    """See the module docstring. Tunables (debounce, retry and save intervals) are attributes that may be
    changed before `start`."""

    def __init__(self, folder: str | Path, *, home: str | Path | None = None, settings: Settings | None = None,
                 embedder: object | None = None, embedder_factory: Callable[[], object] | None = None,
                 listener: EngineListener | None = None, watch: bool = True) -> None:
        self.settings = settings or Settings()
        flt = NoteFilter(include=tuple(self.settings.include), exclude=tuple(self.settings.exclude))
        ws = Workspace(folder, home=home, flt=flt, max_bytes=int(self.settings.max_file_mb * 1024 * 1024))
        super().__init__(ws)
        self.listener = listener or EngineListener()
        self.watch = watch
        self.state = "stopped"
        self.model_note = ""
        self.load_times: dict[str, float] = {}  # seconds per phase of the model's load, once loaded
        self.queue = WorkQueue(rescan_s=self.settings.rescan_minutes * 60)
        self.poll_interval = 5.0
        self.force_polling = False  # poll even where inotify works (network shares, tests)
        self.folder_retry_s = FOLDER_RETRY_S
        self.store_retry_s = STORE_RETRY_S
        self.ann_save_min_s = ANN_SAVE_MIN_S
        self.batches = 0  # reconciles run, for status and tests
        self._embedder = embedder
        self._factory = embedder_factory or self._default_factory
        self._store: Store | None = None
        self._indexer: Indexer | None = None
        self._watcher: FolderWatcher | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._paused = False
        self._busy = False
        self._dead = False
        self._problem = ""  # a known error the user is being shown (folder missing, disk full)
        self._folder_problem = False
        self._retry_wait = STORE_RETRY_S[0]
        self._last_save = 0.0
        self._save_cost = 0.0
        self._next_health = 0.0
        self._progress: Progress | None = None
        self._progress_at = 0.0
        self._idle = threading.Condition()

    def _default_factory(self) -> object:
        from gte_notes.core.live.model_choice import open_for_settings

        return open_for_settings(self.settings, self.ws.home)

    # ---- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Take the writer lock (AlreadyRunningError here, synchronously), open the database, then load
        the model and the ANN, reconcile and watch in the worker."""
        if self._thread is not None:
            raise RuntimeError("Engine.start() called twice")
        self.ws.lock.acquire()
        try:
            self._store = self.ws.open_store()
        except BaseException:
            self.ws.lock.release()
            raise
        self._busy = True
        self.queue.request_full("start-up")
        self._thread = threading.Thread(target=self._run, name=f"gte-notes indexer {self.ws.folder.name}",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> bool:
        """Cancel the batch being indexed (its finished transactions stay), save the ANN, release the lock.

        Waits up to `timeout` for the worker and says whether it ended. A worker still inside a forward
        pass (or the model load) ends on its own later; a process that exits meanwhile loses only the
        uncommitted batch, and the next start catches the ANN up from the database."""
        self._stop.set()
        self.queue.wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self.close_readers()
        return self._thread is None or not self._thread.is_alive()

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing is queued or being indexed (or the worker has ended); False on timeout."""
        with self._idle:
            return self._idle.wait_for(self._is_idle, timeout)

    def _is_idle(self) -> bool:
        return self._dead or self._thread is None or (not self._busy and (self._paused or not self.queue.pending()))

    @property
    def running(self) -> bool:
        """The worker is alive (False before start, after stop, or when the model could not load)."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def ready(self) -> bool:
        """The model and the ANN are loaded: searches return results."""
        return self._ann is not None and self._embedder is not None and not self._stop.is_set()

    def pause(self) -> None:
        self._paused = True
        self.queue.wake.set()

    def resume(self) -> None:
        self._paused = False
        self.queue.wake.set()

    def reindex(self, paths: list[str] | None = None) -> None:
        if paths is None:
            self.queue.request_full("requested")
        else:
            self.queue.add_now(paths)

    def status(self) -> dict[str, Any]:
        data = self._read_status()
        data.update(
            state=self.state, ready=self.ready, paused=self._paused, indexing=self._busy,
            queue=self.queue.pending(), batches=self.batches, problem=self._problem,
            folder_missing=self._folder_problem, model_note=self.model_note,
            watching=self._watcher.mode if self._watcher is not None else "off",
            ann_event=self._ann.last_event if self._ann is not None else "",
            progress=self._progress.__dict__ if self._progress is not None and self._busy else None,
            eta_s=self._progress.eta_s if self._progress is not None and self._busy else None,
        )
        return data

    # ---- reads (any thread) -------------------------------------------------------------------

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        """Never waits behind indexing: its own read connection and the ANN's short lock."""
        return self.search_with_mode(query, limit)[0]

    def search_with_mode(self, query: str, limit: int = 20) -> tuple[list[Hit], str]:
        """The hits and what found them: "hybrid" once the model and the ANN are loaded; before that
        "keyword" (FTS5 needs no model, so results come while the model loads, or when it is missing);
        "" once stopped or before start."""
        if self.ready:
            with contextlib.suppress(QueryNeedsModel):  # a long query while only the saved encoder is loaded
                return self._search(query, limit), "hybrid"
        if self._thread is None or self._stop.is_set():
            return [], ""
        return self._keyword_search(query, limit), "keyword"

    def related(self, path: str, limit: int = 10) -> list[Hit]:
        """Notes related to `path`; empty until the note is indexed."""
        return self._related(path, limit) if self.ready else []
