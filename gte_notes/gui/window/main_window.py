"""The main window: search field, results, preview, related notes, index health in the status bar.

Everything here runs on the GUI thread and only talks to the bridge, whose answers arrive as signals.
The search flow (the query, its results, the selection and the note loaded for it) is search_flow.py's.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QSplitter, QVBoxLayout, QWidget

from gte_notes.core import (
    NO_WORDS,
    EngineState,
    Hit,
    IndexStatus,
    KnownError,
    Phase,
    Settings,
    config_dir,
)
from gte_notes.gui.desktop.crash import ErrorReporter
from gte_notes.gui.desktop.editor import open_note
from gte_notes.gui.engine.bridge import EngineBridge
from gte_notes.gui.health.health_bar import HealthBar
from gte_notes.gui.health.health_view import FILES_PAGE, IndexHealthDialog
from gte_notes.gui.health.message_bar import MessageBar
from gte_notes.gui.note.preview import PreviewPane
from gte_notes.gui.note.related_panel import RelatedPanel
from gte_notes.gui.note.selected_note import SelectedNote
from gte_notes.gui.results.copy_links import LinkCopier
from gte_notes.gui.results.hit_list import HitList
from gte_notes.gui.results.results_pane import ResultsPane
from gte_notes.gui.results.search_field import SearchField
from gte_notes.gui.results.search_memory import SearchMemory
from gte_notes.gui.settings.config_flow import ConfigFlow
from gte_notes.gui.window import window_state
from gte_notes.gui.window.search_flow import REFRESH_MS, SEARCH_DEBOUNCE_MS, SELECT_DEBOUNCE_MS, SearchFlow
from gte_notes.gui.window.window_menus import build_menus
from gte_notes.gui.window.window_wiring import wire_window

STATUS_MS = 1000  # the index health counts are refreshed at most this often


# SearchFlow before QMainWindow: its methods are the window's own, found before any of Qt's.
class MainWindow(SearchFlow, QMainWindow):
    results_shown = Signal(str)  # query whose results (or empty state) are now on screen

    def __init__(
        self,
        bridge: EngineBridge,
        settings: Settings,
        *,
        state: QSettings | None = None,
        reporter: ErrorReporter | None = None,
        persist: bool = True,
    ) -> None:
        super().__init__()
        self.bridge, self.settings = bridge, settings
        self.reporter = reporter or ErrorReporter()
        self.reporter.parent_widget = self
        self.persist = persist  # False: start with the default layout and do not save it (screenshots)
        # Beside the settings of the data folder in use (paths.config_dir): its own history and recent notes.
        self.state = (
            state if state is not None else window_state.state_store(config_dir(bridge.home) / "window.ini")
        )
        self.setWindowTitle("gte-notes")
        self.engine_state = EngineState(Phase.STARTING)
        self.ready = False
        self.progress: Any = None
        self.shown_query = ""
        self.shown_words = NO_WORDS  # what the shown results searched for: the preview marks it
        self.notes_indexed = 0
        self.notes_read: int | None = None  # notes the index holds in any state (None until a status came)
        self._health: IndexHealthDialog | None = None
        self._by_typing = False  # the selection is moving because new results arrived
        self._same_note = False
        self._user_chose = False  # the user moved the selection since the query was typed
        self._changed: set[str] = set()  # notes re-indexed since the last refresh
        self.config = ConfigFlow(self, self, settings, bridge)
        self._build()
        wire_window(self)
        if not (persist and window_state.restore(self.state, self, self._splitters())):
            self.resize(1280, 820)
            self.hsplit.setSizes([540, 740])
            self.vsplit.setSizes([430, 350])
        if persist:
            self.related.unlinked.setChecked(self.state.value("related/unlinked", False, type=bool))
            self.related.min_score.setValue(float(self.state.value("related/min_score", 0.0)))
        self.search.setFocus()

    # ---- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.memory = SearchMemory(self.state, self.persist, self)
        self.search = SearchField()
        self.search.history = lambda: self.memory.searches
        self.messages = MessageBar()
        self.results = HitList(passage_lines=2, snippets=self.bridge.snippets)
        self.results.setAccessibleName("Search results")
        self.results.set_placeholder(self._type_to_search())
        self.preview = PreviewPane()
        self.related = RelatedPanel(snippets=self.bridge.snippets)
        self.related.limit = self.settings.result_count
        self.note = SelectedNote(self.bridge, self.preview, self.related, lambda: self.shown_words)
        self.preview_shown = self.note.preview_shown
        self.related_shown = self.note.related_shown
        self.vsplit = QSplitter(Qt.Orientation.Vertical)
        self.vsplit.addWidget(self.preview)
        self.vsplit.addWidget(self.related)
        self.hsplit = QSplitter(Qt.Orientation.Horizontal)
        self.pane = ResultsPane(self.results)
        self.copier = LinkCopier(lambda: self.bridge.engine)
        self.pane.copier = self.related.copier = self.copier
        self.hsplit.addWidget(self.pane)
        self.hsplit.addWidget(self.vsplit)
        for splitter in (self.hsplit, self.vsplit):
            splitter.setChildrenCollapsible(False)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.messages)
        layout.addWidget(self.hsplit, 1)
        self.setCentralWidget(central)
        self.health = HealthBar()
        self.setStatusBar(self.health)
        build_menus(self)
        self._search_timer = self._timer(SEARCH_DEBOUNCE_MS, self._run_search)
        self._select_timer = self._timer(SELECT_DEBOUNCE_MS, self._load_selected)
        self._refresh_timer = self._timer(REFRESH_MS, self._refresh)
        self._status_timer = self._timer(STATUS_MS, self.bridge.refresh_status)

    def _timer(self, ms: int, slot: Any) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    def _splitters(self) -> dict[str, QSplitter]:
        return {"main": self.hsplit, "right": self.vsplit}

    # ---- starting -----------------------------------------------------------------------------

    def start(self, folder: str | None, query: str = "") -> None:
        """Open `folder` (else the remembered one, else ask for one) and type `query`."""
        folder = folder or (self.settings.folders[0] if self.settings.folders else None)
        if query:
            self.search.setText(query)
        elif self.memory.last_query:  # where the user left off, selected: typing replaces it
            self.search.setText(self.memory.last_query)
            self.search.selectAll()
        if folder:
            self.open_folder(folder)
        else:
            self.no_folder()
            QTimer.singleShot(0, self.choose_folder)

    def no_folder(self) -> None:
        """No folder is open (first start, picker cancelled): nothing is loading, and the way on is shown."""
        self.engine_state = EngineState(Phase.NO_FOLDER)
        self.health.set_state(self.engine_state)
        self.results.set_placeholder(self._type_to_search())
        self.messages.show_message(
            "Choose the folder that holds your notes to start searching them.",
            action=("Choose notes folder…", self.choose_folder),
        )

    def choose_folder(self) -> None:
        self.config.choose_folder()

    def edit_settings(self) -> None:
        self.config.edit_settings()

    def open_folder(self, folder: str) -> None:
        self.ready = False
        self.pane.folder = folder
        self.results.hits.set_hits([])
        self.note.clear()
        self.messages.hide()
        # The desktop adds the application's name ("— gte-notes") itself.
        self.setWindowTitle(Path(folder).name or folder)
        self.bridge.open(folder)

    def _started(self, folder: str) -> None:
        self._status_soon()
        if self.search.text().strip():
            self._search_timer.start()

    @property
    def engine_ready(self) -> bool:
        """The model and index are loaded (an attribute read: no I/O)."""
        engine = self.bridge.engine
        return engine is not None and engine.ready

    # ---- opening notes ------------------------------------------------------------------------

    def copy_link(self, markdown: bool = False) -> str:
        """Copy a link to the selected related note when the related list has focus, else to the
        selected result; a related note's Markdown link is relative to the note it relates to."""
        if self.related.list.hasFocus():
            hit, from_rel = (
                self.related.list.hits.hit(self.related.list.current_row()),
                self.related.path or "",
            )
        else:
            hit, from_rel = self.selected_hit(), ""
        text = (self.copier.copy_markdown if markdown else self.copier.copy_wikilink)(hit, from_rel)
        if text:
            self.health.showMessage(f"Copied {text}", 3000)
        return text

    def open_selected(self) -> None:
        self.open_hit(self.selected_hit())

    def open_hit(self, hit: Hit | None) -> None:
        if hit is not None:
            if self.open_path(hit.path, hit.line):
                self.memory.opened(hit)
            elif not (Path(self.bridge.folder) / PurePosixPath(hit.path)).is_file():
                self.memory.forget(hit.path)  # gone from the folder: gone from recently opened too
                if not self.search.text().strip():
                    self._show_recent()

    def open_path(self, relpath: str, line: int = 1) -> bool:
        """Open a note in the editor; False when it could not be (the reason is shown)."""
        if not self.bridge.folder:
            return False

        def failed(err: BaseException) -> None:
            self.health.clearMessage()  # never "Opened …" beside the error
            self._error(str(err), not isinstance(err, KnownError), repr(err))

        try:
            opened = open_note(
                Path(self.bridge.folder) / PurePosixPath(relpath),
                line,
                self.settings.editor_command,
                on_error=failed,
                on_done=lambda _r: self.health.showMessage(f"Opened {relpath}", 3000),
            )
        except KnownError as err:
            self.known_error(str(err))
            return False
        self.health.showMessage(f"Opened {relpath}" if opened else f"Opening {relpath}…", 3000)
        return True

    # ---- index health and errors ---------------------------------------------------------------

    def _state(self, state: EngineState) -> None:
        changing = Phase.CHANGING_MODEL
        if self.engine_state.phase is changing and state.phase is not changing:
            # The change is done (or stopped): results from the model now answering.
            self._search_timer.start()
        self.engine_state = state
        self.health.set_state(state)
        if state.phase is Phase.IDLE:
            self.progress = None
            self._status_soon()
            self.note.indexing_done()
        if self.search.text().strip() and not self.ready and state.phase is not Phase.STARTING:
            # The model is ready (or failed), or the first reading of the notes ended: re-rank the
            # keyword-only results in place now, or list what the last notes read hold.
            self._search_timer.start()
        elif self.search.text().strip() and not self.results.hits.rowCount():
            self._refresh_timer.start()
        elif not self.search.text().strip():
            self.results.set_placeholder(self._type_to_search())

    def _progress(self, p: Any) -> None:
        self.progress = p
        self.health.set_progress(p)
        if not self.results.hits.rowCount() and self.search.text().strip():
            self.results.set_placeholder(self._empty_text(self.search.text()))

    def _status_soon(self) -> None:
        # A status is a few counting queries; during a bulk re-index, once a second is still plenty.
        if not self._status_timer.isActive():
            self._status_timer.start()

    def _status_done(self, status: IndexStatus) -> None:
        self.health.set_status(status)
        self.notes_indexed = int(status.counts.get("indexed", 0))
        self.notes_read = status.files_total
        if not self.search.text().strip():
            self.results.set_placeholder(self._type_to_search())
        if self._health is not None and self._health.isVisible():
            self._health.set_status(status, self.bridge.model_name)

    def _notes_gone(self, gone: set[str]) -> None:
        # Recently opened notes deleted or renamed since: dropped, so Enter never opens a missing path.
        known = {n.path for n in self.memory.notes} - gone
        if self.memory.forget_missing(known) and not self.search.text().strip():
            self._show_recent()

    def show_health(self) -> None:
        if self._health is None:
            self._health = IndexHealthDialog(self)
            self._health.reindex.connect(self.bridge.reindex)
            self._health.open_file.connect(lambda path: self.open_path(path))
            self._health.wants_files.connect(lambda text: self.bridge.files(text, 0, FILES_PAGE))
            self.bridge.files_done.connect(self._health.set_files)
        self._health.show()
        self._health.raise_()
        self.bridge.refresh_status()

    def _error(self, message: str, is_bug: bool, details: str) -> None:
        if is_bug:
            self.reporter.show_bug(message, details or message)
        else:
            self.known_error(message)

    def show_problem(self, message: str) -> None:
        """What keeps the index from working, in the status bar ("" clears it)."""
        self.health.show_problem(message)

    def set_result_count(self, count: int) -> None:
        self.related.limit = count

    def known_error(self, message: str) -> None:
        self.show_problem(message)
        self.messages.show_message(message, warning=True)

    # ---- closing ------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.persist:
            self.state.setValue("related/unlinked", self.related.unlinked.isChecked())
            self.state.setValue("related/min_score", self.related.min_score.value())
            self.memory.save()
            window_state.save(self.state, self, self._splitters())
        for timer in (self._search_timer, self._select_timer, self._refresh_timer, self._status_timer):
            timer.stop()
        self.hide()
        self.bridge.shutdown()
        super().closeEvent(event)
