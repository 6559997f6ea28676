"""The engine's writer: the one thread that writes a folder's index.

It owns the write connection, the indexer, the model's load, every ANN mutation and every ANN save.
It reconciles what the watcher marks dirty, runs a full reconcile at start-up, periodically and
whenever events may have been lost, saves the ANN after batches (not more often than every few
seconds, and at shutdown), and keeps going through errors: a problem the user can fix (folder missing,
disk full) is reported and retried later with the index kept; anything else is reported as a bug and
the writer carries on with the next batch. Its tunables (debounce, retry and save intervals) may be
changed before `start`.

What other threads read of it (the engine's status and searches, the follower, the model changer) are
read-only attributes; only the writer's own thread assigns them. What it tells the listener goes
through its `reports` (writer_reports.py).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gte_notes.core.errors import AlreadyRunningError, Cancelled, FolderError, KnownError
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.progress import Progress, ReconcileStats
from gte_notes.core.index.store import Store
from gte_notes.core.live.ann_saver import AnnSaver
from gte_notes.core.live.chosen_model import ModelChoice
from gte_notes.core.live.engine_state import EngineState, Phase
from gte_notes.core.live.folder_watch import HEALTH_CHECK_S, FolderWatch
from gte_notes.core.live.follower import Follower
from gte_notes.core.live.keyword_reader import reading_notes
from gte_notes.core.live.mass_delete import looks_like_mass_delete
from gte_notes.core.live.model_changer import ModelChanger, OpenModel
from gte_notes.core.live.model_load import stop_notes_process
from gte_notes.core.live.read_only import ReadOnly
from gte_notes.core.live.work_queue import Job, WorkQueue
from gte_notes.core.live.workspace import Workspace
from gte_notes.core.live.writer_reports import WriterReports
from gte_notes.core.model.heap import release_freed_memory
from gte_notes.core.model.thread_priority import lower_this_thread
from gte_notes.core.search.caches import IndexCaches

if TYPE_CHECKING:  # imported by the writer's thread when it needs them: not before the first search
    from gte_notes.core.index.indexer import Indexer
    from gte_notes.core.live.watcher import FolderWatcher

log = logging.getLogger(__name__)

FOLDER_RETRY_S = 30.0  # a missing or emptied folder is looked at again this often
STORE_RETRY_S = (5.0, 300.0)  # first and longest wait before retrying after a database error
# At start the writer imports the indexing code and loads the model, holding the GIL for long stretches
# that would double the time of a search typed at launch. It lets the first read (a keyword search from
# the index on disk) go first, or waits this long when none comes. (tests/bench/startup.py measures it.)
FIRST_READ_WAIT_S = 0.3


class IndexWriter:
    """The indexing thread of one folder. `ann` and `embedder` are None until the model is loaded;
    from then on readers may use both (the ANN serialises its own calls)."""

    # Given at construction.
    ws = ReadOnly[Workspace]("_ws")
    queue = ReadOnly[WorkQueue]("_queue")
    caches = ReadOnly[IndexCaches]("_caches")
    reports = ReadOnly[WriterReports]("_reports")
    changer = ReadOnly[ModelChanger]("_changer")
    saver = ReadOnly[AnnSaver]("_saver")  # saver.min_s: the shortest time between two saves of the ANN
    watch = ReadOnly[bool]("_watch")
    # Set by the writer's thread, read by any.
    model_note = ReadOnly[str]("_model_note")
    load_times = ReadOnly[dict[str, float]]("_load_times")  # seconds per phase of the model's load
    batches = ReadOnly[int]("_batches")  # reconciles run, for status and tests
    ann = ReadOnly["AnnIndex | None"]("_ann")
    embedder = ReadOnly[Any]("_embedder")
    # (ANN, model) as one value: a reader takes both in one read, so a model change never mixes them.
    pair = ReadOnly["tuple[AnnIndex, Any] | None"]("_pair")
    store = ReadOnly["Store | None"]("_store")  # the write connection, used on the writer's thread only
    follower = ReadOnly["Follower | None"]("_follower")  # while another process writes; store read-only
    thread = ReadOnly["threading.Thread | None"]("_thread")
    paused = ReadOnly[bool]("_paused")
    busy = ReadOnly[bool]("_busy")

    @property
    def state(self) -> EngineState:
        return self._reports.state

    @property
    def problem(self) -> str:
        """A known error the user is being shown (folder missing, disk full); "" when none."""
        return self._reports.problem

    @property
    def progress(self) -> Progress | None:
        return self._reports.progress

    @property
    def watcher(self) -> FolderWatcher | None:
        return self._folder.watcher

    @property
    def folder_problem(self) -> bool:
        return self._folder.unreachable

    def __init__(
        self,
        ws: Workspace,
        queue: WorkQueue,
        caches: IndexCaches,
        listener: Any,
        *,
        watch: bool,
        embedder: object | None,
        factory: Callable[[], object],
        target: ModelChoice | None = None,
        open_model: OpenModel | None = None,
        follow: bool = False,
    ) -> None:
        self._ws, self._queue, self._caches = ws, queue, caches
        self._reports = WriterReports(listener)
        self._watch = watch
        # Tunables: may be changed before `start`.
        self.follow = follow  # another process writing this index: read along and take over when it leaves
        self.poll_interval = 5.0
        self.force_polling = False  # poll even where inotify works (network shares, tests)
        self.folder_retry_s = FOLDER_RETRY_S
        self.store_retry_s = STORE_RETRY_S
        self.first_read: threading.Event | None = None  # the engine's readers set it after their first read
        self._saver = AnnSaver()
        self._model_note = ""
        self._load_times: dict[str, float] = {}
        self._batches = 0
        self._ann: AnnIndex | None = None
        self._embedder: Any = embedder
        self._pair: tuple[AnnIndex, Any] | None = None
        self._store: Store | None = None
        self._follower: Follower | None = None
        self._thread: threading.Thread | None = None
        self._paused = False
        self._busy = False
        self._folder = FolderWatch(ws, queue, self._reports)
        self._changer = ModelChanger(self, ws, queue, caches, self._reports, target, open_model)
        self._factory = factory
        self._indexer: Indexer | None = None
        self._stop = threading.Event()
        self._dead = False
        self._retry_wait = STORE_RETRY_S[0]
        self._idle = threading.Condition()

    # ---- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Take the writer lock (AlreadyRunningError here, synchronously) and open the database; the
        thread then loads the model and the ANN, reconciles and watches."""
        if self._thread is not None:
            raise RuntimeError("Engine.start() called twice")
        try:
            self.ws.lock.acquire()
        except AlreadyRunningError:
            if not self.follow:
                raise
            # Opens the database read-only on the thread, once it is there.
            self._follower = Follower(self, self.ws, self.queue, self._reports)
        else:
            self.open_for_writing()
        self._busy = True
        self.queue.request_full("start-up")
        self._thread = threading.Thread(
            target=self._run, name=f"gte-notes indexer {self.ws.folder.name}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float) -> bool:
        """Cancel the batch (its finished transactions stay) and wait up to `timeout` for the thread,
        which saves the ANN and releases the lock on its way out. Says whether it ended."""
        self._stop.set()
        self.queue.wake.set()
        stop_notes_process(self._embedder)  # a batch, or a model load, in it ends now, not in seconds
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        return self._thread is None or not self._thread.is_alive()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def loaded(self) -> bool:
        """The model and the ANN are loaded and the writer is not stopping."""
        return self._ann is not None and self._embedder is not None and not self._stop.is_set()

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(self._is_idle, timeout)

    def _is_idle(self) -> bool:
        return (
            self._dead
            or self._thread is None
            or (not self._busy and (self._paused or self._follower is not None or not self.queue.pending()))
        )

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        self.queue.wake.set()

    # ---- the worker ---------------------------------------------------------------------------

    def open_for_writing(self) -> None:
        """The lock is ours: open the database as its writer, letting the lock go if that fails."""
        try:
            self._store = self.ws.open_store()
        except BaseException:
            self.ws.lock.release()
            raise
        self._follower = None

    def follow_store(self, store: Store) -> None:
        """The other writer's database, opened to read while following (follower.py)."""
        self._store = store

    def follow_ann(self, ann: AnnIndex) -> None:
        """The other writer saved its ANN: searches use it, loaded from that file, with the same model."""
        self._ann, self._pair = ann, (ann, self._embedder)

    def _run(self) -> None:
        try:
            if self._follower is not None and not self._follower.open_store():
                return  # stopped before the other writer's database appeared
            if self._store is not None and self._store.notice:
                self._reports.notice(self._store.notice)
            self._reports.set_state(
                EngineState(Phase.LOADING_MODEL)
            )  # from the start: the wait below is part of the load
            if self.first_read is not None:
                self.first_read.wait(FIRST_READ_WAIT_S)
            with reading_notes(self):  # a first start reads and keyword-indexes notes while the model loads
                loaded = self._load()
            # Only now: the user waits for the load, not for indexing. Still before this thread runs the
            # model itself, so the torch workers it makes for indexing inherit the lower priority.
            lower_this_thread()
            if loaded and (self._follower is None or self._follower.follow()):
                self._loop()
        except BaseException as err:  # noqa: BLE001 - the worker must report, never vanish silently
            if not (isinstance(err, Cancelled) and self._stop.is_set()):  # stop() ended the model's process
                self._reports.bug("The indexer stopped after an unexpected error", err)
        finally:
            self._shutdown()

    def _load(self) -> bool:
        started = time.perf_counter()
        try:
            embedder, graph_s = self.changer.load_serving(self._embedder, self._factory)
        except KnownError as err:
            self._reports.known(str(err))
            self._dead = True
            return False
        assert self._store is not None
        # Where the wait before meaning search goes (tests/bench/startup.py prints it).
        self._load_times = dict(
            getattr(embedder, "load_times", {}) or {"model": time.perf_counter() - started}
        )
        self._load_times["query graph"] = graph_s
        mark = time.perf_counter()
        ann = self.ws.open_ann(self._store, embedder, rebuild=self._follower is None)  # type: ignore[arg-type]
        self._load_times["ann"] = time.perf_counter() - mark
        self.serve(embedder, ann, self.ws.indexer(self._store, ann, embedder))
        if self.watch and self._follower is None:
            self.start_watcher()
        return not self._stop.is_set()

    def serve(self, embedder: Any, ann: AnnIndex, indexer: Indexer) -> None:
        """From now on searches use this model and ANN, and indexing writes with them."""
        if self._embedder is not None and self._embedder is not embedder:
            stop_notes_process(self._embedder)  # the model changed: the old one's memory goes now
        self._indexer, self._embedder, self._ann = indexer, embedder, ann
        self._pair = (ann, embedder)
        self._model_note = str(getattr(embedder, "precision_note", ""))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.queue.wake.clear()
            watching = self._watch and not self._stop.is_set()
            self._folder.check(watching, self.poll_interval, self.force_polling, self.folder_retry_s)
            self.changer.take_requests()
            with self._idle:
                self._busy = True  # before take(): wait_idle must not see "nothing queued, nothing running"
            job = None if self._paused else self.queue.take()
            if job is None and self.changer.pending and not self._paused:
                self.changer.run_step()  # the next model's vectors, between the folder's own batches
                continue
            if job is None:
                self._save_ann()
                self._set_idle()
                self.queue.wake.wait(self._sleep_time())
                continue
            if self._folder.unreachable and not job.full:
                job = Job(None, "the notes folder was unreachable")
            self._run_job(job)

    def _sleep_time(self) -> float:
        now = time.monotonic()
        times = [self._folder.next_check]
        due = self.queue.deadline()
        if due is not None and not self._paused:
            times.append(due)
        if self._ann is not None and self._ann.dirty:
            times.append(self.saver.due_at())
        return min(max(min(times) - now, 0.01), HEALTH_CHECK_S)

    def _run_job(self, job: Job) -> None:
        assert self._indexer is not None
        if not job.full and looks_like_mass_delete(self._store, self.ws.folder, job.paths or ()):
            job = Job(None, "many notes disappeared at once")
        self._reports.set_state(EngineState(Phase.SCANNING if job.full else Phase.INDEXING))
        self._batches += 1
        self._reports.reconcile_started()
        try:
            stats = self._indexer.reconcile(
                None if job.full else sorted(job.paths or ()),
                progress=self._reports.progress_made,
                cancel=self.cancelled,
                committed=self._reports.indexed,
            )
        except FolderError as err:
            self._folder.lost(str(err), self.folder_retry_s)
        except KnownError as err:
            self._reports.known(str(err))
            self.queue.retry_later(job, self._retry_wait)
            self._retry_wait = min(self._retry_wait * 2, self.store_retry_s[1])
        except Exception as err:  # noqa: BLE001 - a bug costs this batch; the next reconcile converges
            self._reports.bug("Indexing failed", err)
            self._resync_ann()
        else:
            self._finished(job, stats)
        finally:
            if job.full:
                self.queue.full_done()

    def _finished(self, job: Job, stats: ReconcileStats) -> None:
        if stats.cancelled and not self._stop.is_set():
            self.queue.put_back(job)  # paused: run it again on resume
        self._retry_wait = self.store_retry_s[0]
        if self._reports.problem:
            self._reports.clear_problem()
            self._folder.back()
        self._reports.reconciled(stats)
        if stats.indexed:
            release_freed_memory()  # the batches' token and vector buffers (glibc keeps them otherwise)
        self._changer.after_reconcile(stats, job.full)
        self._reports.batch_done(stats, job.full)
        self._save_ann()

    def _resync_ann(self) -> None:
        """A batch that failed half-way may have committed notes whose vectors never reached the ANN."""
        try:
            if self._ann is not None and self._store is not None:
                self._ann.catch_up(self._store, 0)
        except Exception as err:  # noqa: BLE001 - reported; the next start rebuilds the ANN if need be
            self._reports.bug("Could not bring the search index back in step", err)

    def cancelled(self) -> bool:
        return self._stop.is_set() or self._paused

    def start_watcher(self) -> None:
        self._folder.start(self.poll_interval, self.force_polling, self.folder_retry_s)

    # ---- reporting ----------------------------------------------------------------------------

    def set_idle_while_following(self) -> None:
        with self._idle:
            self._busy = False
            self._idle.notify_all()

    def _set_idle(self) -> None:
        if self._reports.problem:
            self._reports.set_state(EngineState.error(self._reports.problem))
        else:
            self._reports.set_state(EngineState(Phase.PAUSED if self._paused else Phase.IDLE))
        with self._idle:
            self._busy = False
            self._idle.notify_all()

    # ---- shutdown ---------------------------------------------------------

    def _save_ann(self, force: bool = False) -> None:
        if self._follower is not None:
            return  # a reader never saves over the ANN file the other writer keeps
        self.saver.save(
            self._ann,
            self._store,
            problem=self._reports.error,
            bug=self._reports.bug,
            force=force,
        )

    def _shutdown(self) -> None:
        stop_notes_process(self._embedder)  # a model that finished loading after stop() was asked
        self._folder.stop()
        self._save_ann(force=True)
        if self._store is not None:
            with contextlib.suppress(sqlite3.Error):  # nothing is left to write; the next start checks
                self._store.close()
        self._dead = True
        self.ws.lock.release()
        if self._stop.is_set() or self._reports.state.phase is not Phase.ERROR:
            self._reports.set_state(EngineState(Phase.STOPPED))
        with self._idle:
            self._busy = False
            self._idle.notify_all()
