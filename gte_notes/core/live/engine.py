"""The live index of one notes folder: the service the GUI and `gte-notes watch` run on.

An Engine is two parts and what they share:
- the writer (writer.py): the one indexing thread. It owns the write connection, the indexer, the
  model's load, every ANN mutation and save, and the watcher. Listener callbacks come from it.
- the readers (readers.py): searches, related notes and status on the caller's thread, each thread
  with a read connection and a Searcher/Related of its own, kept between requests, so they never wait
  for an indexing batch. Stopping drains them: reads in flight end before their connections close.
- the index's caches (search/caches.py), owned here and used by both: what one read learns (document
  frequencies, the spelling vocabulary, boilerplate, the model's cosine scale) serves the next.
This module is the API the faces use.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gte_notes.core.errors import KnownError, QueryNeedsModel, StoreError
from gte_notes.core.files.config import Settings
from gte_notes.core.files.notes import read_note, scan_folder
from gte_notes.core.index.progress import Progress, ReconcileStats
from gte_notes.core.index.status import FilePage, FileStatus, IndexFacts, index_files, page_of, read_facts
from gte_notes.core.live.chosen_model import ModelChoice
from gte_notes.core.live.engine_state import EngineState
from gte_notes.core.live.engine_status import IndexStatus
from gte_notes.core.live.readers import Readers, ReadsClosed
from gte_notes.core.live.work_queue import WorkQueue
from gte_notes.core.live.workspace import Workspace
from gte_notes.core.live.writer import IndexWriter
from gte_notes.core.markdown.link_text import NoteLinks, note_links
from gte_notes.core.markdown.links import LinkIndex
from gte_notes.core.search.caches import IndexCaches
from gte_notes.core.search.results import Hit


@dataclass
class EngineListener:
    """Every callback is optional and is called from a worker thread."""

    on_state: Callable[[EngineState], None] | None = None  # loading the model, scanning, indexing, idle, ...
    on_progress: Callable[[Progress], None] | None = None
    on_files: Callable[[list[tuple[str, str, str]]], None] | None = None  # (path, status, reason) changed
    on_indexed: Callable[[list[str]], None] | None = None  # notes whose index content changed (committed)
    on_error: Callable[[str, bool, str], None] | None = None  # (message, is_bug, details/traceback)
    on_notice: Callable[[str], None] | None = None  # e.g. "inotify limit reached; polling. Raise it with ..."
    on_batch: Callable[[ReconcileStats, bool], None] | None = None  # stats of each reconcile, and was it full


class Engine:
    """See the module docstring. The writer's tunables (`engine.writer.poll_interval`, retry and save
    intervals) may be changed before `start`."""

    def __init__(
        self,
        folder: str | Path,
        *,
        home: str | Path | None = None,
        settings: Settings | None = None,
        embedder: object | None = None,
        embedder_factory: Callable[[], object] | None = None,
        listener: EngineListener | None = None,
        watch: bool = True,
        choice: ModelChoice | None = None,
        open_model: Callable[[ModelChoice], object] | None = None,
        follow: bool = False,
    ) -> None:
        """`choice`: what the model is, as the user chose it (from the settings when neither `embedder`
        nor `embedder_factory` is given); with it the index remembers the choice it was built with and
        a change of choice keeps the old model answering until the new one's vectors are complete
        (next_model.py). `open_model` opens a remembered choice (default: as the settings would).
        `follow`: when another process is writing this index, `start` does not refuse: the engine reads
        what that process commits and takes over as the writer when it leaves (follower.py)."""
        self.settings = settings or Settings()
        flt = self.settings.note_filter()
        self.ws = Workspace(
            folder, home=home, flt=flt, max_bytes=int(self.settings.max_file_mb * 1024 * 1024)
        )
        self.listener = listener or EngineListener()
        self.queue = WorkQueue(rescan_s=self.settings.rescan_minutes * 60)
        self.caches = IndexCaches()
        if choice is None and embedder is None and embedder_factory is None:
            choice = ModelChoice.of_settings(self.settings)
        self.writer = IndexWriter(
            self.ws,
            self.queue,
            self.caches,
            self.listener,
            watch=watch,
            embedder=embedder,
            factory=embedder_factory or self._open_chosen,
            target=choice,
            open_model=open_model or self._open_choice,
            follow=follow,
        )
        self.readers = Readers(self.ws, self.caches)
        self.writer.first_read = self.readers.served

    def _open_chosen(self) -> object:
        return self._open_choice(self.writer.changer.target or ModelChoice.of_settings(self.settings))

    def _open_choice(self, choice: ModelChoice) -> object:
        from gte_notes.core.live.open_chosen import consent_of, open_chosen

        return open_chosen(
            choice.name,
            choice.precision,
            self.ws.home,
            dims=choice.dims,
            passage_tokens=choice.passage_tokens,
            consent=consent_of(self.settings),
        )

    # ---- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Take the writer lock (AlreadyRunningError here, synchronously, unless the engine follows the
        writer that holds it), open the database, then load the model and the ANN, reconcile and watch
        in the writer's thread."""
        self.writer.start()

    def stop(self, timeout: float = 2.0) -> bool:
        """Cancel the batch being indexed (its finished transactions stay), save the ANN, release the
        lock, and drain the reads in flight before their connections close.

        Waits up to `timeout` in all and says whether the writer ended. A writer still inside a forward
        pass (or the model load) ends on its own later; a process that exits meanwhile loses only the
        uncommitted batch, and the next start catches the ANN up from the database. A read still
        running after `timeout` closes its own connection when it ends."""
        deadline = time.monotonic() + timeout
        ended = self.writer.stop(timeout)
        self.readers.close(deadline - time.monotonic())
        return ended

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing is queued or being indexed (or the writer has ended); False on timeout."""
        return self.writer.wait_idle(timeout)

    @property
    def running(self) -> bool:
        """The writer is alive (False before start, after stop, or when the model could not load)."""
        return self.writer.thread is not None and self.writer.thread.is_alive()

    @property
    def ready(self) -> bool:
        """The model and the ANN are loaded: searches return results."""
        return self.writer.loaded

    @property
    def state(self) -> EngineState:
        return self.writer.state

    @property
    def model_note(self) -> str:
        return self.writer.model_note

    @property
    def load_times(self) -> dict[str, float]:
        return self.writer.load_times

    def change_model(self, choice: ModelChoice, factory: Callable[[], object] | None = None) -> None:
        """Embed every note for `choice` in the background while the current model keeps answering,
        then switch searches to it at once and drop the old vectors. Progress: the state's phase is
        CHANGING_MODEL and its `change` (and `status().model_change`) has the numbers. Choosing the model in
        use again (or `cancel_model_change`) stops a change under way and drops what it embedded."""
        self.writer.changer.request(choice, factory or (lambda: self._open_choice(choice)))

    def cancel_model_change(self) -> None:
        self.writer.changer.cancel()

    @property
    def serving_choice(self) -> ModelChoice | None:
        """The choice answering searches now (None until loaded, or for an embedder given as it is)."""
        return self.writer.changer.serving

    def pause(self) -> None:
        self.writer.set_paused(True)

    def resume(self) -> None:
        self.writer.set_paused(False)

    def reindex(self, paths: list[str] | None = None) -> None:
        if paths is None:
            self.queue.request_full("requested")
        else:
            self.queue.add_now(paths)

    def status(self) -> IndexStatus:
        """Counts and what the engine is doing; no file list (`status_files`) and no folder walk."""
        w = self.writer
        facts = self._read_facts()
        progress = w.progress if w.busy else None
        if progress is not None and progress.total > progress.done:
            # The files this batch has still to look at: what the indexer knows, without listing the folder.
            facts.counts["waiting"] = progress.total - progress.done
        return IndexStatus.of(
            facts,
            state=w.state,
            ready=self.ready,
            paused=w.paused,
            indexing=w.busy,
            queue=self.queue.pending(),
            batches=w.batches,
            problem=w.problem,
            folder_missing=w.folder_problem,
            model_note=w.model_note,
            watching=w.watcher.mode if w.watcher is not None else "off",
            ann_event=w.ann.last_event if w.ann is not None else "",
            progress=progress,
            model_change=w.changer.progress(),
            following=w.follower.message if w.follower is not None else "",
        )

    def _read_facts(self) -> IndexFacts:
        try:
            with self.readers.reading() as reader:
                return read_facts(str(self.ws.folder), str(self.ws.dir), reader.store)
        except (StoreError, ReadsClosed):  # no database yet, or stopped: the counts are unknown
            return IndexFacts(str(self.ws.folder), str(self.ws.dir))

    def status_files(self, offset: int = 0, limit: int | None = None, filter_text: str = "") -> FilePage:
        """A page of the folder's files with their status and reason, by path, those matching
        `filter_text` only (path, status, reason or warning; case-insensitive). While notes wait to be
        indexed (a batch runs, or paused), the folder's files the index does not hold yet are listed as
        "waiting" (a folder listing: only here, when someone looks, never per status)."""
        try:
            with self.readers.reading() as reader:
                files = index_files(reader.store)
        except (StoreError, ReadsClosed):
            files = []
        if self.writer.busy or self.writer.paused or self.queue.pending():
            known = {f.path for f in files}
            waiting = [
                FileStatus(rel, "waiting", "not indexed yet")
                for rel, _st in scan_folder(self.ws.folder, self.ws.filter)
                if rel not in known
            ]
            files = [*files, *waiting]
        return page_of(sorted(files, key=lambda f: f.path), offset, limit, filter_text)

    def missing_notes(self, paths: Iterable[str]) -> set[str]:
        """Those of `paths` the index does not hold (a recent-notes list drops them once indexing is done)."""
        wanted = set(paths)
        try:
            with self.readers.reading() as reader:
                return wanted - set(reader.store.all_paths()) if wanted else set()
        except (StoreError, ReadsClosed):
            return set()

    # ---- reads (any thread) -------------------------------------------------------------------

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        """Never waits behind indexing: its own read connection and the ANN's short lock."""
        return self.search_with_mode(query, limit)[0]

    def search_with_mode(self, query: str, limit: int = 20) -> tuple[list[Hit], str]:
        """The hits and what found them: "hybrid" once the model and the ANN are loaded; before that
        "keyword" (FTS5 needs no model, so results come while the model loads, or when it is missing);
        "" once stopped or before start."""
        w = self.writer
        if w.thread is None:
            return [], ""
        try:
            with self.readers.reading() as reader:
                pair = w.pair  # the ANN and the model in one read: a model change swaps both at once
                if w.loaded and pair is not None:
                    with contextlib.suppress(
                        QueryNeedsModel
                    ):  # a long query while only the saved encoder is loaded
                        return reader.searcher(*pair).search(query, limit), "hybrid"
                if w.stopping:
                    return [], ""
                return reader.keyword_searcher().search(query, limit, mode="keyword"), "keyword"
        except ReadsClosed:
            return [], ""

    def note_count(self) -> int:
        """Notes the index holds, in any state (0 before a first start has read any)."""
        try:
            with self.readers.reading() as reader:
                return reader.store.note_count()
        except (StoreError, ReadsClosed):
            return 0

    def related(self, path: str, limit: int = 10) -> list[Hit]:
        """Notes related to `path`; empty until the note is indexed."""
        w = self.writer
        pair = w.pair
        if not w.loaded or pair is None:
            return []
        try:
            with self.readers.reading() as reader:
                if reader.store.note(path) is None:
                    return []
                return reader.related(*pair).related(path, limit)
        except ReadsClosed:
            return []

    def resolve_link(self, target: str, from_path: str) -> str | None:
        """The indexed note a link `target` written in `from_path` points at (None: no note fits)."""
        try:
            return self.readers.resolve_link(target, from_path)
        except (StoreError, ReadsClosed):
            return None

    def note_title(self, path: str) -> str:
        """The note's title as indexed ("" when it has none, or is not in the index)."""
        try:
            with self.readers.reading() as reader:
                row = reader.store.note(path)
        except (StoreError, ReadsClosed):
            return ""
        return row.title if row is not None else ""

    def link_text(self, path: str, title: str, from_path: str = "") -> NoteLinks:
        """How a link to `path` is written from `from_path`: the shortest [[wikilink]] that resolves to
        it among the indexed notes, and a Markdown link."""
        try:
            return self.readers.link_text(path, title, from_path)
        except (StoreError, ReadsClosed):
            return note_links(LinkIndex([path], self.ws.filter.extensions), path, title, from_path)

    def note_links(self, path: str) -> set[str]:
        """Relpaths of the indexed notes this note links to (resolved), for "unlinked only"."""
        try:
            return self.readers.note_links(path)
        except ReadsClosed:
            return set()

    def note_text(self, path: str) -> str:
        """The note's text for a preview ("" when it cannot be read as text); never writes."""
        rel = PurePosixPath(path)
        if rel.is_absolute() or ".." in rel.parts:
            raise KnownError(f"{path} is not a note inside {self.ws.folder}")
        read = read_note(self.ws.folder / rel, self.ws.max_bytes)
        return read.text or ""
