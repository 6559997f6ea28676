"""The one object the GUI talks to: it owns the Engine and turns everything into queued Qt signals.

Why a bridge: the engine calls its listener from its worker thread and its reads block (SQLite, the
model, the disk), while widgets may only be touched on the GUI thread and that thread must never
block. So every engine call runs on a worker, and every answer comes back as a signal.

This module holds what the window sees of it (the signals) and its state; the calls are in parts by
job, each in its own module: the engine's start, model and stop (bridge_life.py), the generation-guarded
queries (search, related notes, preview, links: bridge_queries.py) and the index's status and files
(bridge_facts.py), with the steps every job shares in bridge_jobs.py.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from gte_notes.core import Settings
from gte_notes.gui.engine.bridge_facts import BridgeFacts
from gte_notes.gui.engine.bridge_life import BridgeLife
from gte_notes.gui.engine.bridge_queries import BridgeQueries
from gte_notes.gui.engine.snippet import SnippetCache

if TYPE_CHECKING:  # imported on the control thread as the engine starts, while the window shows
    from gte_notes.core import Engine


# The parts before QObject: their methods are the bridge's own, found before any of Qt's.
class EngineBridge(BridgeLife, BridgeQueries, BridgeFacts, QObject):
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
