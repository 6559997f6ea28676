"""The engine's writer: the one thread that writes a folder's index.

It owns the write connection, the indexer, the model's load, every ANN mutation and every ANN save.
It reconciles what the watcher marks dirty, runs a full reconcile at start-up, periodically and
whenever events may have been lost, saves the ANN after batches (not more often than every few
seconds, and at shutdown), and keeps going through errors: a problem the user can fix (folder missing,
disk full) is reported and retried later with the index kept; anything else is reported as a bug and
the writer carries on with the next batch. Its tunables (debounce, retry and save intervals) may be
changed before `start`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gte_notes.core.errors import AlreadyRunningError, Cancelled, FolderError, KnownError
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.progress import Progress, ReconcileStats
from gte_notes.core.index.store import Store
from gte_notes.core.live.ann_saver import AnnSaver
from gte_notes.core.live.chosen_model import ModelChoice
from gte_notes.core.live.engine_state import EngineState, Phase
from gte_notes.core.live.follower import Follower
from gte_notes.core.live.keyword_reader import reading_notes
from gte_notes.core.live.mass_delete import looks_like_mass_delete
from gte_notes.core.live.model_changer import ModelChanger, OpenModel
from gte_notes.core.live.model_load import stop_notes_process
from gte_notes.core.live.work_queue import Job, WorkQueue
from gte_notes.core.live.workspace import Workspace
from gte_notes.core.model.heap import release_freed_memory
from gte_notes.core.model.thread_priority import lower_this_thread
from gte_notes.core.search.caches import IndexCaches

if TYPE_CHECKING:  # imported by the writer's thread when it needs them: not before the first search
    from gte_notes.core.index.indexer import Indexer
    from gte_notes.core.live.watcher import FolderWatcher

log = logging.getLogger(__name__)

HEALTH_CHECK_S = 2.0  # how often the watcher and the folder's identity are checked
FOLDER_RETRY_S = 30.0  # a missing or emptied folder is looked at again this often
STORE_RETRY_S = (5.0, 300.0)  # first and longest wait before retrying after a database error
# At start the writer imports the indexing code and loads the model, holding the GIL for long stretches
# that would double the time of a search typed at launch. It lets the first read (a keyword search from
# the index on disk) go first, or waits this long when none comes. (tests/bench/startup.py measures it.)
FIRST_READ_WAIT_S = 0.3


class IndexWriter:
    """The indexing thread of one folder. `ann` and `embedder` are None until the model is loaded;
    from then on readers may use both (the ANN serialises its own calls)."""

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
        self.ws = ws
        self._told: set[str] = set()
        self.follow = follow  # another process writing this index: read along and take over when it leaves
        self.queue = queue
        self.caches = caches
        self.listener = listener
        self.watch = watch
        self.state = EngineState(Phase.STOPPED)
        self.model_note = ""
        self.load_times: dict[str, float] = {}  # seconds per phase of the model's load, once loaded
        self.poll_interval = 5.0
        self.force_polling = False  # poll even where inotify works (network shares, tests)
        self.folder_retry_s = FOLDER_RETRY_S
        self.store_retry_s = STORE_RETRY_S
        self.saver = AnnSaver()  # saver.min_s: the shortest time between two saves of the ANN
        self.batches = 0  # reconciles run, for status and tests
        self.ann: AnnIndex | None = None
        self.embedder: Any = embedder
        # (ANN, model) as one value: a reader takes both in one read, so a model change never mixes them.
        self.pair: tuple[AnnIndex, Any] | None = None
        self.changer = ModelChanger(self, target, open_model)
        self.first_read: threading.Event | None = None  # the engine's readers set it after their first read
        self.store: Store | None = None  # the write connection, used on the writer's thread only
        self.follower: Follower | None = (
            None  # while another process writes (follower.py); store is read-only
        )
        self.thread: threading.Thread | None = None
        self.watcher: FolderWatcher | None = None
        self.paused = False
        self.busy = False
        self.problem = ""  # a known error the user is being shown (folder missing, disk full)
        self.folder_problem = False
        self.progress: Progress | None = None
        self._factory = factory
        self._indexer: Indexer | None = None
        self._stop = threading.Event()
        self._dead = False
        self._retry_wait = STORE_RETRY_S[0]
        self._next_health = 0.0
        self._progress_at = 0.0
        self._idle = threading.Condition()

    # ---- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Take the writer lock (AlreadyRunningError here, synchronously) and open the database; the
        thread then loads the model and the ANN, reconciles and watches."""
        if self.thread is not None:
            raise RuntimeError("Engine.start() called twice")
        try:
            self.ws.lock.acquire()
        except AlreadyRunningError:
            if not self.follow:
                raise
            self.follower = Follower(self)  # opens the database read-only on the thread, once it is there
        else:
            self.open_for_writing()
        self.busy = True
        self.queue.request_full("start-up")
        self.thread = threading.Thread(
            target=self._run, name=f"gte-notes indexer {self.ws.folder.name}", daemon=True
        )
        self.thread.start()

    def stop(self, timeout: float) -> bool:
        """Cancel the batch (its finished transactions stay) and wait up to `timeout` for the thread,
        which saves the ANN and releases the lock on its way out. Says whether it ended."""
        self._stop.set()
        self.queue.wake.set()
        stop_notes_process(self.embedder)  # a batch, or a model load, in it ends now, not in seconds
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout)
        return self.thread is None or not self.thread.is_alive()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def loaded(self) -> bool:
        """The model and the ANN are loaded and the writer is not stopping."""
        return self.ann is not None and self.embedder is not None and not self._stop.is_set()

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(self._is_idle, timeout)

    def _is_idle(self) -> bool:
        return (
            self._dead
            or self.thread is None
            or (not self.busy and (self.paused or self.follower is not None or not self.queue.pending()))
        )

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.queue.wake.set()

    # ---- the worker ---------------------------------------------------------------------------

    def open_for_writing(self) -> None:
        """The lock is ours: open the database as its writer, letting the lock go if that fails."""
        try:
            self.store = self.ws.open_store()
        except BaseException:
            self.ws.lock.release()
            raise
        self.follower = None

    def _run(self) -> None:
        try:
            if self.follower is not None and not self.follower.open_store():
                return  # stopped before the other writer's database appeared
            if self.store is not None and self.store.notice:
                self._emit("on_notice", self.store.notice)
            # From the start: the wait below is part of the load.
            self.set_state(EngineState(Phase.LOADING_MODEL))
            if self.first_read is not None:
                self.first_read.wait(FIRST_READ_WAIT_S)
            with reading_notes(self):  # a first start reads and keyword-indexes notes while the model loads
                loaded = self._load()
            # Only now: the user waits for the load, not for indexing. Still before this thread runs the
            # model itself, so the torch workers it makes for indexing inherit the lower priority.
            lower_this_thread()
            if loaded and (self.follower is None or self.follower.follow()):
                self._loop()
        except BaseException as err:  # noqa: BLE001 - the worker must report, never vanish silently
            if not (isinstance(err, Cancelled) and self._stop.is_set()):  # stop() ended the model's process
                self.report_bug("The indexer stopped after an unexpected error", err)
        finally:
            self._shutdown()

    def _load(self) -> bool:
        started = time.perf_counter()
        try:
            embedder, graph_s = self.changer.load_serving(self.embedder, self._factory)
        except KnownError as err:
            self.report_known(str(err))
            self._dead = True
            return False
        assert self.store is not None
        # Where the wait before meaning search goes (tests/bench/startup.py prints it).
        self.load_times = dict(
            getattr(embedder, "load_times", {}) or {"model": time.perf_counter() - started}
        )
        self.load_times["query graph"] = graph_s
        mark = time.perf_counter()
        ann = self.ws.open_ann(self.store, embedder, rebuild=self.follower is None)  # type: ignore[arg-type]
        self.load_times["ann"] = time.perf_counter() - mark
        self.serve(embedder, ann, self.ws.indexer(self.store, ann, embedder))
        if self.watch and self.follower is None:
            self.start_watcher()
        return not self._stop.is_set()

    def serve(self, embedder: Any, ann: AnnIndex, indexer: Indexer) -> None:
        """From now on searches use this model and ANN, and indexing writes with them."""
        if self.embedder is not None and self.embedder is not embedder:
            stop_notes_process(self.embedder)  # the model changed: the old one's memory goes now
        self._indexer, self.embedder, self.ann = indexer, embedder, ann
        self.pair = (ann, embedder)
        self.model_note = str(getattr(embedder, "precision_note", ""))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.queue.wake.clear()
            self._check_health()
            self.changer.take_requests()
            with self._idle:
                self.busy = True  # before take(): wait_idle must not see "nothing queued, nothing running"
            job = None if self.paused else self.queue.take()
            if job is None and self.changer.pending and not self.paused:
                self.changer.run_step()  # the next model's vectors, between the folder's own batches
                continue
            if job is None:
                self._save_ann()
                self._set_idle()
                self.queue.wake.wait(self._sleep_time())
                continue
            if self.folder_problem and not job.full:
                job = Job(None, "the notes folder was unreachable")
            self._run_job(job)

    def _sleep_time(self) -> float:
        now = time.monotonic()
        times = [self._next_health]
        due = self.queue.deadline()
        if due is not None and not self.paused:
            times.append(due)
        if self.ann is not None and self.ann.dirty:
            times.append(self.saver.due_at())
        return min(max(min(times) - now, 0.01), HEALTH_CHECK_S)

    def _run_job(self, job: Job) -> None:
        assert self._indexer is not None
        if not job.full and looks_like_mass_delete(self.store, self.ws.folder, job.paths or ()):
            job = Job(None, "many notes disappeared at once")
        self.set_state(EngineState(Phase.SCANNING if job.full else Phase.INDEXING))
        self.batches += 1
        self._told = set()  # notes whose batches were already announced during this reconcile
        try:
            stats = self._indexer.reconcile(
                None if job.full else sorted(job.paths or ()),
                progress=self.report_progress,
                cancel=self.cancelled,
                committed=self.emit_indexed,
            )
        except FolderError as err:
            self._folder_unreachable(str(err))
        except KnownError as err:
            self.report_known(str(err))
            self.queue.retry_later(job, self._retry_wait)
            self._retry_wait = min(self._retry_wait * 2, self.store_retry_s[1])
        except Exception as err:  # noqa: BLE001 - a bug costs this batch; the next reconcile converges
            self.report_bug("Indexing failed", err)
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
        if self.problem:
            was_folder = self.folder_problem
            self.problem, self.folder_problem = "", False
            if was_folder:
                self._emit(
                    "on_notice", f"The notes folder {self.ws.folder} is back; the index is live again."
                )
                self._next_health = 0.0  # re-watch it now if the watch was lost with it
        if stats.changed:
            self._emit("on_files", list(stats.changed))
        if stats.indexed:
            # Each note is announced once: those its batch already announced are not repeated here.
            untold = [p for p in dict.fromkeys(stats.indexed) if p not in self._told]
            if untold:
                self._emit("on_indexed", untold)
            release_freed_memory()  # the batches' token and vector buffers (glibc keeps them otherwise)
        self.changer.after_reconcile(stats, job.full)
        self._emit("on_batch", stats, job.full)
        self._save_ann()

    def _resync_ann(self) -> None:
        """A batch that failed half-way may have committed notes whose vectors never reached the ANN."""
        try:
            if self.ann is not None and self.store is not None:
                self.ann.catch_up(self.store, 0)
        except Exception as err:  # noqa: BLE001 - reported; the next start rebuilds the ANN if need be
            self.report_bug("Could not bring the search index back in step", err)

    def cancelled(self) -> bool:
        return self._stop.is_set() or self.paused

    def emit_indexed(self, paths: list[str]) -> None:
        """These notes were committed: views showing them (a query's results) refresh."""
        self._told.update(paths)
        self._emit("on_indexed", paths)

    def report_progress(self, p: Progress) -> None:
        self.progress = p
        now = time.monotonic()
        # Per-file progress would flood a GUI's event queue on a big folder; ten a second is smooth.
        if p.done in (0, p.total) or now - self._progress_at >= 0.1:
            self._progress_at = now
            self._emit("on_progress", p)

    # ---- watching -----------------------------------------------------------------------------

    def start_watcher(self) -> None:
        from gte_notes.core.live.watcher import FolderWatcher

        if self.watcher is not None:
            self.watcher.stop()
        self.watcher = FolderWatcher(
            self.ws.folder,
            self.ws.filter,
            on_paths=self.queue.add_dirty,
            on_lost=self.queue.request_full,  # watchdog's thread only queues a rescan
            on_notice=lambda text: self._emit("on_notice", text),
            poll_interval=self.poll_interval,
            force_polling=self.force_polling,
        )
        try:
            self.watcher.start()
        except OSError as err:
            self._folder_unreachable(f"The notes folder {self.ws.folder} cannot be watched: {err}")
        self._next_health = time.monotonic() + HEALTH_CHECK_S

    def _check_health(self) -> None:
        now = time.monotonic()
        if now < self._next_health:
            return
        self._next_health = now + HEALTH_CHECK_S
        try:
            st = os.stat(self.ws.folder)
            identity: tuple[int, int] | None = (st.st_dev, st.st_ino)
        except OSError:
            identity = None
        if identity is None:
            if not self.folder_problem:
                self.queue.request_full("the notes folder disappeared")
            return
        if self.folder_problem:
            self.queue.request_full("the notes folder may be back")
        watcher = self.watcher
        if not self.watch or self._stop.is_set():
            return
        if watcher is None or identity != watcher.identity or not watcher.alive:
            why = (
                "the file watcher stopped"
                if watcher is not None and identity == watcher.identity
                else "the notes folder is back or was replaced"
            )
            if watcher is not None and watcher.identity is not None:
                self._emit("on_notice", f"Watching {self.ws.folder} again ({why}); rescanning the folder.")
            self.start_watcher()
            self.queue.request_full(why)

    # ---- reporting ----------------------------------------------------------------------------

    def _folder_unreachable(self, message: str) -> None:
        first = not self.folder_problem
        self.folder_problem = True
        self.problem = message
        self.set_state(EngineState.error(message))
        if first:
            self._emit(
                "on_notice",
                f"{message} Searching the existing index still works; gte-notes looks "
                f"again every {self.folder_retry_s:g} s.",
            )
        self.queue.retry_later(Job(None, "the notes folder was unreachable"), self.folder_retry_s)

    def report_known(self, message: str) -> None:
        self.problem = message
        self.set_state(EngineState.error(message))
        self._emit("on_error", message, False, "")

    def emit_notice(self, text: str) -> None:
        self._emit("on_notice", text)

    def emit_files(self, files: list[tuple[str, str, str]]) -> None:
        self._emit("on_files", files)

    def report_bug(self, message: str, err: BaseException) -> None:
        details = "".join(traceback.format_exception(err))
        log.error("%s\n%s", message, details)
        self._emit("on_error", f"{message}: {err!r}", True, details)

    def set_state(self, state: EngineState) -> None:
        if state != self.state:
            self.state = state
            self._emit("on_state", state)

    def set_idle_while_following(self) -> None:
        with self._idle:
            self.busy = False
            self._idle.notify_all()

    def _set_idle(self) -> None:
        if self.problem:
            self.set_state(EngineState.error(self.problem))
        else:
            self.set_state(EngineState(Phase.PAUSED if self.paused else Phase.IDLE))
        with self._idle:
            self.busy = False
            self._idle.notify_all()

    def _emit(self, name: str, *args: object) -> None:
        callback = getattr(self.listener, name, None)
        try:
            if callback is not None:
                callback(*args)
        except Exception:
            log.exception("listener %s failed", name)

    # ---- shutdown ---------------------------------------------------------

    def _save_ann(self, force: bool = False) -> None:
        if self.follower is not None:
            return  # a reader never saves over the ANN file the other writer keeps
        self.saver.save(
            self.ann,
            self.store,
            problem=lambda text: self._emit("on_error", text, False, ""),
            bug=self.report_bug,
            force=force,
        )

    def _shutdown(self) -> None:
        stop_notes_process(self.embedder)  # a model that finished loading after stop() was asked
        if self.watcher is not None:
            self.watcher.stop()
        self._save_ann(force=True)
        if self.store is not None:
            with contextlib.suppress(sqlite3.Error):  # nothing is left to write; the next start checks
                self.store.close()
        self._dead = True
        self.ws.lock.release()
        if self._stop.is_set() or self.state.phase is not Phase.ERROR:
            self.set_state(EngineState(Phase.STOPPED))
        with self._idle:
            self.busy = False
            self._idle.notify_all()
