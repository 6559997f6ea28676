"""The main window's signal connections: what each bridge answer and each widget's signal reaches, in
one place to read them all (as window_menus.py does for the menus)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer

    from gte_notes.core import Hit
    from gte_notes.gui.desktop.crash import ErrorReporter
    from gte_notes.gui.engine.bridge import EngineBridge
    from gte_notes.gui.health.health_bar import HealthBar
    from gte_notes.gui.health.message_bar import MessageBar
    from gte_notes.gui.note.selected_note import SelectedNote
    from gte_notes.gui.results.hit_list import HitList
    from gte_notes.gui.results.results_pane import ResultsPane
    from gte_notes.gui.results.search_field import SearchField
    from gte_notes.gui.results.search_memory import SearchMemory
    from gte_notes.gui.settings.config_flow import ConfigFlow


class WiredWindow(Protocol):
    """The window's parts and slots that the connections reach. Described here rather than imported:
    the window wires itself by calling wire_window, and this module does not import the window."""

    bridge: EngineBridge
    reporter: ErrorReporter
    config: ConfigFlow
    search: SearchField
    memory: SearchMemory
    messages: MessageBar
    results: HitList
    pane: ResultsPane
    note: SelectedNote
    health: HealthBar
    shown_query: str
    _search_timer: QTimer

    def _started(self, folder: str) -> None: ...
    def _state(self, state: Any) -> None: ...
    def _progress(self, p: Any) -> None: ...
    def _status_soon(self) -> None: ...
    def _indexed(self, paths: list[str]) -> None: ...
    def _error(self, message: str, is_bug: bool, details: str) -> None: ...
    def _search_done(self, gen: int, query: str, hits: list[Hit], ready: bool) -> None: ...
    def _status_done(self, status: Any) -> None: ...
    def _add_filter(self, term: str) -> None: ...
    def _selection_moved(self) -> None: ...
    def _typed_in_list(self, text: str) -> None: ...
    def known_error(self, message: str) -> None: ...
    def refresh_results(self) -> None: ...
    def open_hit(self, hit: Hit | None) -> None: ...
    def open_selected(self) -> None: ...
    def show_health(self) -> None: ...


def wire_window(w: WiredWindow) -> None:
    b = w.bridge
    b.started.connect(w._started)
    b.state_changed.connect(w._state)
    b.progress.connect(w._progress)
    b.files_changed.connect(lambda _files: w._status_soon())
    b.indexed.connect(w._indexed)
    b.error.connect(w._error)
    b.notice.connect(lambda text: w.messages.show_message(text))
    b.model_missing.connect(w.config.model_missing)
    b.search_done.connect(w._search_done)
    b.status_done.connect(w._status_done)
    b.notes_gone.connect(w._notes_gone)
    b.recent_paths = lambda: [n.path for n in w.memory.notes]
    w.reporter.known.connect(w.known_error)
    w.search.textChanged.connect(lambda _text: w._search_timer.start())
    w.search.textChanged.connect(w.memory.typed)
    w.pane.open_hit.connect(w.open_hit)
    w.pane.problem.connect(w.known_error)
    w.pane.add_filter.connect(w._add_filter)
    w.pane.sort_changed.connect(
        lambda how: (setattr(b, "sort_by_date", how == "Date modified"), w.refresh_results())
    )
    w.search.move.connect(w.results.move)
    w.search.accepted.connect(w.open_selected)
    w.results.selectionModel().currentChanged.connect(w._selection_moved)
    w.results.activated_hit.connect(lambda row: w.open_hit(w.results.hits.hit(row)))
    w.results.typed.connect(w._typed_in_list)
    w.results.escaped.connect(lambda: (w.search.clear(), w.search.setFocus()))
    w.note.open_hit.connect(w.open_hit)
    w.note.message.connect(lambda text: w.health.showMessage(text, 4000))
    w.health.pause_toggled.connect(lambda on: b.pause() if on else b.resume())
    w.health.show_files.connect(w.show_health)
    w.health.cancel_model_change.connect(w.config.cancel_model_change)
