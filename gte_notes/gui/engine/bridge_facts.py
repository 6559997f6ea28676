"""The bridge's facts about the index: its status (counts, the model's name, recent notes now gone) and
pages of the folder's files with their status.

Why apart from the queries: nobody is typing while these are read, so they collapse instead of racing.
Status requests made while one runs fold into one more (the status bar asks after every batch), and a
page of files is delivered only for the latest filter asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from gte_notes.core import Phase, model_display_name
from gte_notes.gui.engine.bridge_jobs import BridgeJobs

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance


class BridgeFacts(BridgeJobs):
    """Part of EngineBridge (bridge.py), which sets these attributes in its __init__."""

    model: str
    recent_paths: Callable[[], Iterable[str]]
    status_done: SignalInstance
    notes_gone: SignalInstance
    files_done: SignalInstance
    _status_result: SignalInstance
    _files_result: SignalInstance
    _read_pool: ThreadPoolExecutor
    _status_running: bool
    _status_again: bool
    _files_gen: int
    _inflight: int
    _model_label: tuple[str, str]

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
