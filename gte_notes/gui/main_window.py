"""The main window: search field, results, preview, related notes, index health in the status bar.

Everything here runs on the GUI thread and only talks to the bridge, whose answers arrive as signals.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QSplitter, QVBoxLayout, QWidget

from gte_notes.core.config import Settings
from gte_notes.core.errors import KnownError
from gte_notes.core.results import Hit
from gte_notes.gui import window_state
from gte_notes.gui.bridge import EngineBridge
from gte_notes.gui.crash import ErrorReporter
from gte_notes.gui.editor import open_note
from gte_notes.gui.health_bar import HealthBar
from gte_notes.gui.health_view import IndexHealthDialog
from gte_notes.gui.hit_list import HitList
from gte_notes.gui.message_bar import MessageBar
from gte_notes.gui.model_dialog import ModelMissingDialog
from gte_notes.gui.preview import PreviewPane
from gte_notes.gui.related_panel import FETCH, RelatedPanel
from gte_notes.gui.search_field import SearchField
from gte_notes.gui.settings_dialog import SettingsDialog, needs_restart
from gte_notes.gui.tasks import Task

SEARCH_DEBOUNCE_MS = 10  # coalesces a burst of keys (a paste, key repeat) into one search
SELECT_DEBOUNCE_MS = 40  # preview and related wait until the selection stops moving
REFRESH_MS = 400  # re-run the query at most this often while notes are being indexed
TYPE_TO_SEARCH = "Type to search your notes.\nResults appear as you type; ↑ ↓ to move, Enter to open."


class MainWindow(QMainWindow):
    results_shown = Signal(str)  # query whose results (or empty state) are now on screen
    preview_shown = Signal(str)  # path
    related_shown = Signal(str)  # path of the note whose related notes are shown

    def __init__(self, bridge: EngineBridge, settings: Settings, *, state: QSettings | None = None,
                 reporter: ErrorReporter | None = None, persist: bool = True) -> None:
        super().__init__()
        self.bridge, self.settings = bridge, settings
        self.reporter = reporter or ErrorReporter()
        self.reporter.parent_widget = self
        self.persist = persist  # False: start with the default layout and do not save it (screenshots)
        self.state = state if state is not None else window_state.state_store()
        self.setWindowTitle("gte-notes")
        self.engine_state = "starting"
        self.ready = False
        self.progress: Any = None
        self.shown_query = ""
        self._model_dialog: ModelMissingDialog | None = None
        self._health: IndexHealthDialog | None = None
        self._related_preview: Hit | None = None  # a related note shown in the preview
        self._build()
        self._wire()
        if not (persist and window_state.restore(self.state, self, self._splitters())):
            self.resize(1280, 820)
            self.hsplit.setSizes([540, 740])
            self.vsplit.setSizes([480, 300])
        if persist:
            self.related.unlinked.setChecked(self.state.value("related/unlinked", False, type=bool))
            self.related.min_score.setValue(float(self.state.value("related/min_score", 0.0)))
        self.search.setFocus()

    # ---- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.search = SearchField()
        self.messages = MessageBar()
        self.results = HitList(passage_lines=2)
        self.results.setAccessibleName("Search results")
        self.results.set_placeholder(TYPE_TO_SEARCH)
        self.preview = PreviewPane()
        self.related = RelatedPanel()
        self.related.limit = self.settings.result_count
        self.vsplit = QSplitter(Qt.Orientation.Vertical)
        self.vsplit.addWidget(self.preview)
        self.vsplit.addWidget(self.related)
        self.hsplit = QSplitter(Qt.Orientation.Horizontal)
        self.hsplit.addWidget(self.results)
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
        self._menus()
        self._search_timer = self._timer(SEARCH_DEBOUNCE_MS, self._run_search)
        self._select_timer = self._timer(SELECT_DEBOUNCE_MS, self._load_selected)
        self._refresh_timer = self._timer(REFRESH_MS, self._refresh)

    def _timer(self, ms: int, slot: Any) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    def _menus(self) -> None:
        def action(menu: Any, text: str, slot: Any, *keys: QKeySequence | str) -> QAction:
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.triggered.connect(slot)
            menu.addAction(act)
            return act

        files = self.menuBar().addMenu("&File")
        action(files, "&Open notes folder…", self.choose_folder, QKeySequence.StandardKey.Open)
        action(files, "&Settings…", self.edit_settings, "Ctrl+,")
        files.addSeparator()
        action(files, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        view = self.menuBar().addMenu("&View")
        action(view, "&Search", self.focus_search, "Ctrl+K", "Ctrl+F")
        action(view, "Open selected note in &editor", self.open_selected, "Ctrl+E")
        view.addSeparator()
        action(view, "&Index health…", self.show_health, "Ctrl+I")
        action(view, "&Rescan the folder", self.bridge.reindex, "F5")

    def _splitters(self) -> dict[str, QSplitter]:
        return {"main": self.hsplit, "right": self.vsplit}

    def _wire(self) -> None:
        b = self.bridge
        b.started.connect(self._started)
        b.state_changed.connect(self._state)
        b.progress.connect(self._progress)
        b.files_changed.connect(lambda _files: self._status_soon())
        b.indexed.connect(self._indexed)
        b.error.connect(self._error)
        b.notice.connect(lambda text: self.messages.show_message(text))
        b.model_missing.connect(self._model_missing)
        b.search_done.connect(self._search_done)
        b.related_done.connect(self._related_done)
        b.preview_done.connect(self._preview_done)
        b.status_done.connect(self._status_done)
        self.reporter.known.connect(self._known_error)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.move.connect(self.results.move)
        self.search.accepted.connect(self.open_selected)
        self.results.selectionModel().currentChanged.connect(lambda *_: self._select_timer.start())
        self.results.activated_hit.connect(lambda row: self.open_hit(self.results.hits.hit(row)))
        self.results.typed.connect(self._typed_in_list)
        self.related.preview_hit.connect(self._preview_related)
        self.related.open_hit.connect(self.open_hit)
        self.preview.open_requested.connect(self._open_previewed)
        self.preview.view.note_link.connect(self._follow_link)
        self.health.pause_toggled.connect(lambda on: b.pause() if on else b.resume())
        self.health.show_files.connect(self.show_health)

    # ---- starting -----------------------------------------------------------------------------

    def start(self, folder: str | None, query: str = "") -> None:
        """Open `folder` (else the remembered one, else ask for one) and type `query`."""
        folder = folder or (self.settings.folders[0] if self.settings.folders else None)
        if query:
            self.search.setText(query)
        if folder:
            self.open_folder(folder, remember=False)
        else:
            self.results.set_placeholder("Choose the folder that holds your notes to start:\n"
                                         "File › Open notes folder… (Ctrl+O)")
            QTimer.singleShot(0, self.choose_folder)

    def choose_folder(self) -> None:
        start = self.bridge.folder or str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self, "Choose your notes folder", start)
        if chosen:
            self.open_folder(chosen, remember=True)

    def open_folder(self, folder: str, remember: bool) -> None:
        if remember:
            self.settings.folders = [folder] + [f for f in self.settings.folders if f != folder]
            self._save_settings()
        self.ready = False
        self.results.hits.set_hits([])
        self.preview.clear()
        self.related.clear()
        self.messages.hide()
        self.setWindowTitle(f"gte-notes — {Path(folder).name or folder}")
        self.bridge.open(folder)

    def _started(self, folder: str) -> None:
        self._status_soon()
        if self.search.text().strip():
            self._search_timer.start()

    def _save_settings(self) -> None:
        Task(self.settings.save).on_error(lambda err: self._known_error(f"Settings could not be saved: {err}")) \
            .start(self.bridge.control_pool)

    # ---- searching ----------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _typed_in_list(self, text: str) -> None:
        self.search.setFocus()
        self.search.insert(text)

    def _run_search(self) -> None:
        query = self.search.text()
        self.bridge.search(query, self.settings.result_count)
        if not query.strip():
            self.shown_query = ""
            self.results.hits.set_hits([])
            self.results.set_placeholder(TYPE_TO_SEARCH)
            self.preview.clear()
            self.related.clear()
            self.results_shown.emit("")

    def _search_done(self, _gen: int, query: str, hits: list[Hit], ready: bool) -> None:
        self.ready = ready
        # A new query selects its best result (what Enter opens); a refresh of the same query after the
        # index changed keeps the note the user was looking at.
        current = self.selected_hit() if query == self.shown_query else None
        self.results.hits.set_hits(hits)
        self.shown_query = query
        row = self.results.hits.row_of(current.path) if current is not None else -1
        self.results.select_row(max(row, 0) if hits else -1)
        if not hits:
            self.results.set_placeholder(self._empty_text(query))
            self.preview.clear()
            self.related.clear("")
        self.results_shown.emit(query)

    def _empty_text(self, query: str) -> str:
        p = self.progress
        indexing = self.engine_state in ("indexing", "scanning") and p is not None and p.total
        progress = f"Indexing {p.done:,}/{p.total:,}…" if indexing else ""
        if not self.ready:
            state = {"loading model": "Loading the model…", "starting": "Opening the index…"}.get(self.engine_state)
            return (state or progress or "The index is not ready yet.") + "\nResults appear as soon as it is."
        if progress:
            return f"No notes match “{query}” yet.\n{progress} more results may appear."
        return f"No notes match “{query}”.\nTry other words, or fewer of them."

    def _refresh(self) -> None:
        if self.search.text().strip():
            self._run_search()

    # ---- the selected note: preview and related ------------------------------------------------

    def selected_hit(self) -> Hit | None:
        return self.results.hits.hit(self.results.current_row())

    def _load_selected(self) -> None:
        hit = self.selected_hit()
        if hit is None:
            return
        if hit.path != self.preview.view.path:
            self.preview.set_header(hit.title, hit.path)
            self.bridge.preview(hit.path)
        else:
            self.preview.view.show_passage(hit.passage, self._terms())
        if hit.path != self.related.path:
            self.related.loading(hit.path, hit.title)
            self.bridge.related(hit.path, FETCH)

    def _terms(self) -> tuple[str, ...]:
        from gte_notes.core.query import parse_query

        return parse_query(self.shown_query).terms

    def _preview_done(self, path: str, markdown: str, text: str) -> None:
        hit = self._previewed_hit(path)
        if hit is None:
            return
        if not text:
            self.preview.view.clear_note("This note could not be read; see View › Index health.")
            self.preview.view.path = path
        else:
            self.preview.set_header(hit.title, f"{hit.path}  ·  line {hit.line}")
            self.preview.view.show_note(path, markdown, hit.passage, self._terms() if hit in self._shown() else ())
        self.preview_shown.emit(path)

    def _shown(self) -> list[Hit]:
        return self.results.hits.hits()

    def _previewed_hit(self, path: str) -> Hit | None:
        for hit in [self.selected_hit(), self._related_preview]:
            if hit is not None and hit.path == path:
                return hit
        return None

    def _preview_related(self, hit: Hit) -> None:
        self._related_preview = hit
        self.preview.set_header(hit.title, hit.path)
        self.preview.view.path = None  # force a reload even if it was shown before
        self.bridge.preview(hit.path)

    def _related_done(self, path: str, hits: list[Hit], links: set[str]) -> None:
        self.related.set_related(path, hits, links)
        self.related_shown.emit(path)

    def _indexed(self, paths: list[str]) -> None:
        changed = set(paths)
        if self.search.text().strip() and not self._refresh_timer.isActive():
            self._refresh_timer.start()
        hit = self.selected_hit()
        if hit is not None and hit.path in changed:
            self.bridge.preview(hit.path)
        if self.related.path is not None and (self.related.path in changed
                                              or changed & {h.path for h in self.related.shown()}):
            self.bridge.related(self.related.path, FETCH)
        self._status_soon()

    # ---- opening notes ------------------------------------------------------------------------

    def open_selected(self) -> None:
        self.open_hit(self.selected_hit())

    def _open_previewed(self) -> None:
        path = self.preview.view.path
        hit = self._previewed_hit(path) if path else None
        self.open_hit(hit)

    def open_hit(self, hit: Hit | None) -> None:
        if hit is not None:
            self.open_path(hit.path, hit.line)

    def open_path(self, relpath: str, line: int = 1) -> None:
        if not self.bridge.folder:
            return
        try:
            open_note(Path(self.bridge.folder) / PurePosixPath(relpath), line, self.settings.editor_command)
        except KnownError as err:
            self._known_error(str(err))
        else:
            self.health.showMessage(f"Opened {relpath}", 3000)

    def _follow_link(self, target: str, kind: str) -> None:
        source = self.preview.view.path or ""
        if kind == "path":
            target = str(PurePosixPath(source).parent / target) if "/" in source else target
        found = self.bridge.resolve_link(target, source)
        if found is None:
            self.health.showMessage(f"“{target}” is not a note in this folder", 4000)
            return
        hit = Hit(path=found, title=PurePosixPath(found).stem, score=0.0, passage="", line=1, start=0, end=0)
        self._preview_related(hit)

    # ---- index health and errors ---------------------------------------------------------------

    def _state(self, state: str) -> None:
        self.engine_state = state
        self.health.set_state(state)
        if state == "idle":
            self.progress = None
            self._status_soon()
        if self.search.text().strip() and (not self.results.hits.rowCount() or not self.ready):
            self._refresh_timer.start()
        elif not self.search.text().strip() and state == "loading model":
            self.results.set_placeholder("Loading the model…\n" + TYPE_TO_SEARCH)

    def _progress(self, p: Any) -> None:
        self.progress = p
        self.health.set_progress(p)
        if not self.results.hits.rowCount() and self.search.text().strip():
            self.results.set_placeholder(self._empty_text(self.search.text()))

    def _status_soon(self) -> None:
        self.bridge.refresh_status()

    def _status_done(self, status: dict[str, Any]) -> None:
        self.health.set_status(status)
        if self._health is not None and self._health.isVisible():
            self._health.set_status(status)

    def show_health(self) -> None:
        if self._health is None:
            self._health = IndexHealthDialog(self)
            self._health.reindex.connect(self.bridge.reindex)
            self._health.open_file.connect(lambda path: self.open_path(path))
        self._health.show()
        self._health.raise_()
        self.bridge.refresh_status()

    def _error(self, message: str, is_bug: bool, details: str) -> None:
        if is_bug:
            self.reporter.show_bug(message, details or message)
        else:
            self._known_error(message)

    def _known_error(self, message: str) -> None:
        self.health.show_problem(message)
        self.messages.show_message(message, warning=True)

    def _model_missing(self, message: str) -> None:
        if self._model_dialog is not None and self._model_dialog.isVisible():
            return
        dialog = ModelMissingDialog(self.bridge.model, message, self)
        dialog.model_ready.connect(self._model_chosen)
        dialog.rejected.connect(self.close)
        self._model_dialog = dialog
        self.health.show_problem("The embedding model is missing")
        dialog.open()

    def _model_chosen(self, model: str) -> None:
        self.settings.model = model
        self._save_settings()
        self.bridge.set_model(model)
        self.health.show_problem("")
        if self.bridge.folder:
            self.open_folder(self.bridge.folder, remember=False)

    # ---- settings and closing -----------------------------------------------------------------

    def edit_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec() != SettingsDialog.DialogCode.Accepted:
            return
        new = dialog.edited()
        restart = needs_restart(self.settings, new)
        for field in vars(new):
            setattr(self.settings, field, getattr(new, field))
        self.related.limit = new.result_count
        self._save_settings()
        if restart and new.folders:
            self.bridge.set_model(new.model)
            self.open_folder(new.folders[0], remember=False)
        elif self.search.text().strip():
            self._run_search()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.persist:
            self.state.setValue("related/unlinked", self.related.unlinked.isChecked())
            self.state.setValue("related/min_score", self.related.min_score.value())
            window_state.save(self.state, self, self._splitters())
        for timer in (self._search_timer, self._select_timer, self._refresh_timer):
            timer.stop()
        self.hide()
        self.bridge.shutdown()
        super().closeEvent(event)
