"""An engine started while another process writes its folder's index (`gte-notes index`, another window).

Only one process writes an index (lock.py). An app that finds the lock taken still opens the index
to read: its searches see every transaction the other writer commits (SQLite WAL), its ANN follows
the database (new vectors added as they are committed, the whole file reloaded when the other writer
saves it), and it tries the lock again every `interval` seconds. When the other writer leaves, this
engine takes over: it opens the database to write, reconciles the folder and starts watching it.
The follower never writes: not the database, not the ANN file the other writer keeps.

The follower sees the writer through `FollowedWriter` (what it reads of it, and the steps of following
and taking over), so writer.py imports this module and not the other way round; like the model changer,
it is given the workspace, queue and reports it shares with the writer.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Protocol

from gte_notes.core.errors import AlreadyRunningError, StoreError
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.store import Store
from gte_notes.core.live.engine_state import EngineState, Phase
from gte_notes.core.live.work_queue import WorkQueue
from gte_notes.core.live.workspace import Workspace
from gte_notes.core.live.writer_reports import WriterReports

if TYPE_CHECKING:
    from gte_notes.core.index.indexer import Indexer

FOLLOW_S = 1.0  # how often the lock is tried and the database looked at for the other writer's commits


class FollowedWriter(Protocol):
    """What following needs of the writer (writer.py's IndexWriter), on the writer's thread."""

    @property
    def stopping(self) -> bool:
        """The engine is stopping: following ends."""

    @property
    def store(self) -> Store | None:
        """The database: the other writer's, opened to read, while following."""

    @property
    def ann(self) -> AnnIndex | None:
        """The ANN searches use (None until the model is loaded)."""

    @property
    def embedder(self) -> Any:
        """The model that serves searches."""

    @property
    def watch(self) -> bool:
        """The writer watches the folder once it writes the index."""

    def open_for_writing(self) -> None:
        """The lock is ours: open the database as its writer."""

    def follow_store(self, store: Store) -> None:
        """Searches read the other writer's database through `store`."""

    def follow_ann(self, ann: AnnIndex) -> None:
        """Searches use `ann`, loaded from the file the other writer saved."""

    def set_idle_while_following(self) -> None:
        """Waiting for the other writer counts as idle (wait_idle returns)."""

    def serve(self, embedder: Any, ann: AnnIndex, indexer: Indexer) -> None:
        """From now on searches use this model and ANN, and indexing writes with them."""

    def start_watcher(self) -> None:
        """Start watching the folder."""


class Follower:
    def __init__(
        self,
        writer: FollowedWriter,
        ws: Workspace,
        queue: WorkQueue,
        reports: WriterReports,
        interval: float = FOLLOW_S,
    ) -> None:
        self.w = writer
        self._ws, self._queue, self._reports = ws, queue, reports
        self.interval = interval
        self.message = (
            f"Another gte-notes process (pid {ws.lock.holder()}) is indexing {ws.folder}. "
            "Search and related notes show what it indexes as it goes; this window takes over keeping the "
            "index up to date when it finishes."
        )
        self._generation = -1
        self._manifest: tuple[int, int] | None = None
        self._max_label = 0
        self._notes: dict[str, tuple[str, str, str]] = {}

    # ---- before the model loads ---------------------------------------------------------------

    def open_store(self) -> bool:
        """Open the other writer's database to read (waiting while it creates it), or, should the lock
        be free by now, open it to write and stop following. False when the engine stopped first."""
        w = self.w
        while not w.stopping:
            if self._try_lock():
                w.open_for_writing()
                return True
            if self._ws.db_path.exists():
                try:
                    w.follow_store(Store(self._ws.db_path, create=False))
                except StoreError:
                    pass  # half created: look again
                else:
                    self._notes = self._note_states()
                    return True
            self._queue.wake.wait(self.interval)
            self._queue.wake.clear()
        return False

    # ---- following ----------------------------------------------------------------------------

    def follow(self) -> bool:
        """Serve reads from what the other writer commits until the lock is ours (True) or the engine
        stops (False)."""
        w = self.w
        self._reports.set_state(EngineState(Phase.FOLLOWING))
        self._reports.notice(self.message)
        self._manifest = self._manifest_stamp()
        self._max_label = self._last_vector_id()
        w.set_idle_while_following()
        while not w.stopping:
            self._queue.wake.wait(self.interval)
            self._queue.wake.clear()
            if w.stopping:
                return False
            if self._try_lock():
                self._take_over()
                return True
            try:
                self._catch_up()
            except Exception as err:  # noqa: BLE001 - a read that failed is tried again next time
                self._reports.bug("Could not read what the other gte-notes process indexed", err)
        return False

    def _catch_up(self) -> None:
        w = self.w
        store, ann = w.store, w.ann
        assert store is not None and ann is not None
        with store.snapshot():
            generation = store.generation()
            stamp = self._manifest_stamp()
            if generation == self._generation and stamp == self._manifest:
                return
            if stamp != self._manifest and stamp is not None:
                # The other writer saved its ANN: load it (verified first) instead of growing ours.
                fresh = AnnIndex(self._ws.dir, ann.dim, ann.model_id)
                fresh.load(store, rebuild=False)  # never saved: the file is the other writer's
                w.follow_ann(fresh)
            else:
                ann.catch_up(store, self._max_label)  # the vectors committed since, in memory only
            self._generation, self._manifest = generation, stamp
            self._max_label = self._last_vector_id()
            notes = self._note_states()
        changed = [path for path, state in notes.items() if self._notes.get(path) != state]
        changed += [path for path in self._notes if path not in notes]
        self._notes = notes
        if changed:
            self._reports.files(
                [(p, notes[p][0], notes[p][1]) if p in notes else (p, "removed", "") for p in changed]
            )
            self._reports.indexed(changed)

    def _take_over(self) -> None:
        """The other writer left: become the writer of this index."""
        w = self.w
        if w.store is not None:
            w.store.close()
        w.open_for_writing()
        embedder = w.embedder
        ann = self._ws.open_ann(w.store, embedder)  # the other writer's saved ANN, checked and caught up
        w.serve(embedder, ann, self._ws.indexer(w.store, ann, embedder))
        if w.watch:
            w.start_watcher()
        self._queue.request_full("the other gte-notes process finished")
        self._reports.notice(
            f"The other gte-notes process finished; this window now keeps {self._ws.folder} indexed."
        )

    # ---- small reads --------------------------------------------------------------------------

    def _try_lock(self) -> bool:
        try:
            self._ws.lock.acquire()
        except AlreadyRunningError:
            return False
        except OSError:
            return False  # the index folder is being replaced; try again later
        return True

    def _manifest_stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self._ws.dir / "ann.json")
        except OSError:
            return None
        return st.st_mtime_ns, st.st_ino

    def _last_vector_id(self) -> int:
        store, ann = self.w.store, self.w.ann
        if store is None or ann is None:
            return 0
        ids = store.vectors.chunk_ids(ann.model_id)
        return int(ids.max()) if ids.size else 0

    def _note_states(self) -> dict[str, tuple[str, str, str]]:
        store = self.w.store
        assert store is not None
        return {row.path: (row.status, row.reason, row.content_hash) for row in store.notes().values()}
