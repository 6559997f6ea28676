"""The one object the GUI talks to: it owns the Engine and turns everything into queued Qt signals.

Why a bridge: the engine calls its listener from its worker thread and its reads block (SQLite, the
model, the disk), while widgets may only be touched on the GUI thread and that thread must never
block. So every engine call here runs on a worker, and every answer comes back as a signal.

Searches carry a generation number. A search's answer is delivered only if no newer search was asked
for in the meantime, and a queued search that is already stale when its worker gets to it is not run
at all, so fast typing never shows an older query's results over a newer one's.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from gte_notes.core import (
    EngineState,
    KnownError,
    ModelChoice,
    ModelMissingError,
    Phase,
    Settings,
    choice_key,
    data_home,
    markdown_for_preview,
    model_display_name,
    readable_title,
)
from gte_notes.gui.desktop.tasks import Task
from gte_notes.gui.engine.engine_events import engine_listener
from gte_notes.gui.engine.hit_titles import display_hits
from gte_notes.gui.engine.snippet import SnippetCache
from gte_notes.gui.engine.worker_results import newest_first, with_notes_of

if TYPE_CHECKING:  # imported on the control thread as the engine starts, while the window shows
    from gte_notes.core import Engine

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 5.0  # switching folders: the old engine must free its folder before the new one starts
# Quitting waits this long for the worker to finish its batch and save the ANN. After that the process
# may exit anyway: the running batch was never committed, and the next start catches up from SQLite.
QUIT_WAIT_S = 0.5


class EngineBridge(QObject):
    started = Signal(str)  # folder: the engine runs (the model may still be loading)
    state_changed = Signal(object)  # the engine's EngineState (core/live/engine_state.py)
    progress = Signal(object)  # indexer.Progress
    files_changed = Signal(object)  # [(path, status, reason)]
    indexed = Signal(object)  # [path]: notes whose index content changed
    error = Signal(str, bool, str)  # message, is_bug, details
    notice = Signal(str)
    model_missing = Signal(str)  # what is missing and what to do
    search_done = Signal(int, str, object, bool)  # generation, query, [Hit], engine ready
    related_done = Signal(str, object, object)  # path, [Hit], {paths the note links to}
    preview_done = Signal(str, str, str)  # path, Markdown to show, raw text (for finding passages)
    status_done = Signal(object)  # Engine.status(): an IndexStatus (counts; no file list)
    files_done = Signal(object)  # a FilePage of the files asked for with `files`
    notes_gone = Signal(object)  # {path}: of `recent_paths`, those the index no longer holds
    link_resolved = Signal(str, str, str)  # link target, the note's path ("" if none here), its title

    # Workers hand results to these; their slots (GUI thread) drop stale ones and re-emit.
    _search_result = Signal(int, str, object, bool)
    _related_result = Signal(int, str, object, object)
    _preview_result = Signal(int, str, str, str)
    _status_result = Signal(object, object)
    _files_result = Signal(int, object)
    _link_result = Signal(str, str, str)

    def __init__(
        self,
        settings: Settings,
        *,
        home: str | Path | None = None,
        model: str | None = None,
        precision: str | None = None,
        embedder: object | None = None,
        watch: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.home = home
        self.model = settings.model_name(model)
        self.precision = precision or settings.precision
        self.watch = watch
        self.folder: str | None = None
        self.engine: Engine | None = None
        self.search_generation = 0
        self._given_embedder = embedder
        self._loaded: tuple[str, str, object] | None = None  # (model, precision, embedder) for restarts
        self._token = 0  # engine incarnation: callbacks from a replaced engine are ignored
        self._related_gen = 0
        self._preview_gen = 0
        self._status_running = False
        self._status_again = False
        self._inflight = 0
        self.missing_message = ""
        self._closed = False
        self.sort_by_date = False  # results newest first instead of best first
        # The notes the window lists as recently opened: once indexing is done, a status says which of
        # them are gone (`notes_gone`). Called on the GUI thread as a status is asked for.
        self.recent_paths: Callable[[], Iterable[str]] = tuple
        self._files_gen = 0
        # Notes in the index when the last keyword-only search found nothing (None: not asked): set by the
        # search worker before its answer is queued, so read with that answer on the GUI thread.
        self.notes_in_index: int | None = None
        self.snippets = SnippetCache()  # the delivered hits' snippets, made on the workers for the painters
        self._model_label = ("", "")  # (model, its readable name), made on the status worker
        # Searches get a thread of their own so a slow related-notes query never delays typing.
        self._search_pool = ThreadPoolExecutor(1, thread_name_prefix="gte-notes search")
        self._read_pool = ThreadPoolExecutor(1, thread_name_prefix="gte-notes reads")
        # The selected note's text never waits behind a status, a page of files or related notes.
        self._preview_pool = ThreadPoolExecutor(1, thread_name_prefix="gte-notes preview")
        self.control_pool = ThreadPoolExecutor(1, thread_name_prefix="gte-notes control")
        self._search_result.connect(self._deliver_search)
        self._related_result.connect(self._deliver_related)
        self._preview_result.connect(self._deliver_preview)
        self._status_result.connect(self._deliver_status)
        self._files_result.connect(self._deliver_files)
        self._link_result.connect(self._deliver_link)
        # The engine's code (numpy, SQLite, the search) is imported here, while the window is being built.
        self.control_pool.submit(importlib.import_module, "gte_notes.core.live.engine")

    # ---- engine life cycle --------------------------------------------------------------------

    def open(self, folder: str) -> None:
        """(Re)start the engine on `folder`; `started` or `error` follows."""
        self._token += 1
        token = self._token
        self.missing_message = ""
        self.folder = folder
        self.state_changed.emit(EngineState(Phase.STARTING))
        Task(self._start_engine, folder, token).on_done(self._engine_started).on_error(
            self._start_failed
        ).start(self.control_pool)

    def is_current(self, token: int) -> bool:
        """The engine incarnation `token` is the one running (not replaced, not closed)."""
        return token == self._token and not self._closed

    def _start_engine(self, folder: str, token: int) -> Engine | None:
        from gte_notes.core import Engine

        old, self.engine = self.engine, None
        if old is not None:
            old.stop(STOP_TIMEOUT_S)
        if not self.is_current(token):
            return None
        engine = Engine(
            folder,
            home=self.home,
            settings=self.settings,
            embedder=self._embedder_for_start(),
            embedder_factory=lambda: self._load_embedder(token),
            listener=engine_listener(self, token),
            watch=self.watch,
            choice=self.choice(),
            follow=True,
        )  # beside `gte-notes index`
        engine.start()
        if not self.is_current(token):
            # Quit (or another folder) came while it started: shutdown no longer waits for this thread.
            engine.stop(STOP_TIMEOUT_S)
            return None
        self.engine = engine
        return engine

    def _engine_started(self, engine: Engine | None) -> None:
        if engine is not None and self.folder is not None and not self._closed:
            self.started.emit(self.folder)
            self.refresh_status()

    def _start_failed(self, err: BaseException) -> None:
        if isinstance(err, KnownError):
            self.state_changed.emit(EngineState.error(str(err)))
            self.error.emit(str(err), False, "")
        else:
            self._bug("The index could not be opened", err)

    def _embedder_for_start(self) -> object | None:
        if self._given_embedder is not None:
            return self._given_embedder
        if self._loaded is not None and self._loaded[:2] == (
            self.model,
            choice_key(self.settings, self.precision),
        ):
            return self._loaded[2]
        return None

    def _load_embedder(self, token: int) -> object:
        from gte_notes.core import open_for_settings  # with the model, after the window

        try:
            embedder = open_for_settings(
                self.settings, data_home(self.home), model=self.model, precision=self.precision
            )
        except ModelMissingError as err:
            if self.is_current(token):
                self.missing_message = str(err)
                self.model_missing.emit(str(err))
            raise
        self._loaded = (self.model, choice_key(self.settings, self.precision), embedder)
        return embedder

    @property
    def model_name(self) -> str:
        """The model in use as every face names it (model_catalog.model_display_name), once a status has been
        read on a worker; until then a stand-in that reads nothing."""
        return self._model_label[1] if self._model_label[0] == self.model else ModelChoice(self.model).label

    @property
    def model_dim(self) -> int:
        """Dimensions of the model in use before any cut (0 until it has loaded): Settings warns with it."""
        loaded = self._loaded[2] if self._loaded and self._loaded[0] == self.model else self._given_embedder
        return int(getattr(loaded, "full_dim", 0) or getattr(loaded, "dim", 0) or 0)

    def set_model(self, model: str) -> None:
        """Use `model` (a name or folder) from the next `open`."""
        self.model = model

    def choice(self) -> ModelChoice:  # the settings, with a --model given at start in force
        return ModelChoice.of_settings(self.settings, self.model, self.precision)

    def change_model(self) -> bool:
        """Move the running engine to `choice()` without a restart: it re-embeds in the background while
        the current model keeps answering. False when no engine runs (`open` then starts one on the
        choice)."""
        engine, token = self.engine, self._token
        if (
            engine is None or not engine.running
        ):  # none, or its model never loaded: a restart loads the new one
            return False
        engine.change_model(self.choice(), lambda: self._load_embedder(token))
        return True

    def pause(self) -> None:
        if self.engine is not None:
            self.engine.pause()

    def resume(self) -> None:
        if self.engine is not None:
            self.engine.resume()

    def reindex(self) -> None:
        if self.engine is not None:
            self.engine.reindex()

    @property
    def busy(self) -> bool:
        """Requests are on their way (the screenshot mode waits for none)."""
        return self._inflight > 0

    def shutdown(self, wait_s: float = QUIT_WAIT_S) -> bool:
        """Stop answering and stop the engine (cancels its batch, saves the ANN, frees the lock), waiting
        at most `wait_s`: a read stuck on a slow disk or a forward pass must not hold up quitting.
        True if the engine's worker ended in that time."""
        self._closed = True
        self._token += 1
        for pool in (self._search_pool, self._read_pool, self._preview_pool, self.control_pool):
            pool.shutdown(wait=False, cancel_futures=True)
        engine, self.engine = self.engine, None
        return engine.stop(wait_s) if engine is not None else True

    # ---- searches -----------------------------------------------------------------------------

    def search(self, query: str, limit: int) -> int:
        """Ask for `query`'s results; returns its generation. An empty query only makes older ones stale."""
        self.search_generation += 1
        gen = self.search_generation
        if query.strip() and not self._closed:
            self._inflight += 1
            self._search_pool.submit(self._search_job, gen, query, limit)
        return gen

    def _search_job(self, gen: int, query: str, limit: int) -> None:
        hits: list[Any] = []
        mode = ""
        engine = self.engine
        if gen == self.search_generation and not self._closed and engine is not None:
            # Before the model is loaded the engine answers from the keyword index alone ("keyword");
            # `ready` tells the window those results will be re-ranked once meaning joins.
            found, mode = self._guarded(
                "Search failed", lambda: engine.search_with_mode(query, limit), ([], "")
            )
            if not found and mode == "keyword":  # before the model: has any note been read at all?
                self.notes_in_index = self._guarded("Reading the index failed", engine.note_count, None)
            hits = self._prepare(found)
            if self.sort_by_date:
                hits = newest_first(hits, engine.ws.folder)
            hits = with_notes_of(found, hits)
        self._emit_result(self._search_result, gen, query, hits, mode == "hybrid")

    def _deliver_search(self, gen: int, query: str, hits: list[Any], ready: bool) -> None:
        self._inflight -= 1
        if gen == self.search_generation and not self._closed:
            self.search_done.emit(gen, query, hits, ready)

    # ---- related notes and previews -----------------------------------------------------------

    def related(self, path: str, limit: int) -> None:
        if self._closed:  # the pools are shut down: a late click or timer after quitting asks nothing
            return
        self._related_gen += 1
        self._inflight += 1
        self._read_pool.submit(self._related_job, self._related_gen, path, limit)

    def _related_job(self, gen: int, path: str, limit: int) -> None:
        hits: list[Any] = []
        links: set[str] = set()
        engine = self.engine
        if gen == self._related_gen and not self._closed and engine is not None:
            hits = self._guarded("Related notes failed", lambda: engine.related(path, limit), [])
            hits = self._prepare(hits)
            links = self._guarded("Reading the note's links failed", lambda: engine.note_links(path), set())
        self._emit_result(self._related_result, gen, path, hits, links)

    def _deliver_related(self, gen: int, path: str, hits: list[Any], links: set[str]) -> None:
        self._inflight -= 1
        if gen == self._related_gen and not self._closed:
            self.related_done.emit(path, hits, links)

    def preview(self, path: str) -> None:
        if self._closed:
            return
        self._preview_gen += 1
        self._inflight += 1
        self._preview_pool.submit(self._preview_job, self._preview_gen, path)

    def _preview_job(self, gen: int, path: str) -> None:
        body, text = "", ""
        engine = self.engine
        if gen == self._preview_gen and not self._closed and engine is not None:
            text = self._guarded("Reading the note failed", lambda: engine.note_text(path), "")
            body = markdown_for_preview(text)
        self._emit_result(self._preview_result, gen, path, body, text)

    def _deliver_preview(self, gen: int, path: str, body: str, text: str) -> None:
        self._inflight -= 1
        if gen == self._preview_gen and not self._closed:
            self.preview_done.emit(path, body, text)

    def resolve_link(self, target: str, from_path: str) -> None:
        """Find the note a link in `from_path` points at; `link_resolved` answers ("" if none)."""
        if self._closed:
            return
        self._inflight += 1
        self._read_pool.submit(self._link_job, target, from_path)

    def _link_job(self, target: str, from_path: str) -> None:
        engine = self.engine
        found, title = None, ""
        if engine is not None and not self._closed:
            found = self._guarded(
                "Resolving the link failed", lambda: engine.resolve_link(target, from_path), None
            )
            if found:
                title = self._guarded("Reading the note failed", lambda: engine.note_title(found), "")
                title = readable_title(title or PurePosixPath(found).stem, found)
        self._emit_result(self._link_result, target, found or "", title)

    def _deliver_link(self, target: str, found: str, title: str) -> None:
        self._inflight -= 1
        if not self._closed:
            self.link_resolved.emit(target, found, title)

    # ---- status -------------------------------------------------------------------------------

    def refresh_status(self) -> None:
        """Ask for the engine's status; requests made while one is running collapse into one more."""
        if self._status_running:
            self._status_again = True
            return
        if self.engine is None or self._closed:
            return
        self._status_running = True
        self._inflight += 1
        self._read_pool.submit(self._status_job, tuple(self.recent_paths()))

    def _status_job(self, recent: tuple[str, ...]) -> None:
        engine = self.engine
        status, gone = None, set()
        if engine is not None and not self._closed:
            status = self._guarded("Reading the index status failed", engine.status, None)
            if self._model_label[0] != self.model:
                self._model_label = (self.model, model_display_name(self.model))
            # Recently opened notes deleted or renamed since: known once the index agrees with the folder.
            complete = (
                status is not None
                and status.state.phase is Phase.IDLE
                and status.files_total > 0
                and not status.folder_missing
            )
            if complete and recent:
                gone = self._guarded("Reading the index failed", lambda: engine.missing_notes(recent), set())
        self._emit_result(self._status_result, status, gone)

    def _deliver_status(self, status: object, gone: set[str]) -> None:
        self._inflight -= 1
        self._status_running = False
        if status is not None and not self._closed:
            self.status_done.emit(status)
            if gone:
                self.notes_gone.emit(gone)
        if self._status_again:
            self._status_again = False
            self.refresh_status()

    def files(self, filter_text: str = "", offset: int = 0, limit: int | None = None) -> None:
        """Ask for a page of the folder's files with their status (those matching `filter_text`);
        `files_done` answers with the latest request's page only."""
        if self.engine is None or self._closed:
            return
        self._files_gen += 1
        self._inflight += 1
        self._read_pool.submit(self._files_job, self._files_gen, filter_text, offset, limit)

    def _files_job(self, gen: int, filter_text: str, offset: int, limit: int | None) -> None:
        engine = self.engine
        page = None
        if gen == self._files_gen and engine is not None and not self._closed:
            page = self._guarded(
                "Listing the files failed", lambda: engine.status_files(offset, limit, filter_text), None
            )
        self._emit_result(self._files_result, gen, page)

    def _deliver_files(self, gen: int, page: object) -> None:
        self._inflight -= 1
        if gen == self._files_gen and page is not None and not self._closed:
            self.files_done.emit(page)

    # ---- helpers ------------------------------------------------------------------------------

    def _prepare(self, hits: list[Any]) -> list[Any]:
        """Readable titles (copies: the engine may keep its hits) and the rows' snippets, made here, off
        the GUI thread (kept in `snippets` for the painters)."""
        hits = display_hits(hits)
        for hit in hits:
            self.snippets.get(hit)
        return hits

    def _emit_result(self, signal: Any, *args: object) -> None:
        if self._closed:
            return
        with contextlib.suppress(RuntimeError):  # the bridge was deleted while this worker ran (app closing)
            signal.emit(*args)

    def _guarded(self, what: str, fn: Any, default: Any) -> Any:
        try:
            return fn()
        except KnownError as err:
            if not self._closed:
                self.error.emit(str(err), False, "")
        except Exception as err:  # noqa: BLE001 - a failed read is reported; the GUI keeps working
            if not self._closed:
                self._bug(what, err)
        return default

    def _bug(self, what: str, err: BaseException) -> None:
        details = "".join(traceback.format_exception(err))
        log.error("%s\n%s", what, details)
        self.error.emit(f"{what}: {err!r}", True, details)
