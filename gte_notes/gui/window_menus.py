"""The main window's menus and their keyboard shortcuts, in one place to read them all."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence

from gte_notes.gui.copy_links import MARKDOWN_KEYS, WIKILINK_KEYS
from gte_notes.gui.help_dialog import show_about, show_shortcuts

if TYPE_CHECKING:
    from gte_notes.gui.main_window import MainWindow


def build_menus(w: MainWindow) -> None:
    def add(menu: Any, text: str, slot: Any, *keys: QKeySequence | str) -> QAction:
        act = QAction(text, w)
        act.setShortcuts([QKeySequence(k) for k in keys])
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    files = w.menuBar().addMenu("&File")
    add(files, "&Open notes folder…", w.choose_folder, QKeySequence.StandardKey.Open)
    add(files, "&Settings…", w.edit_settings, "Ctrl+,")
    files.addSeparator()
    add(files, "&Quit", w.close, QKeySequence.StandardKey.Quit)
    view = w.menuBar().addMenu("&View")
    add(view, "&Search", w.focus_search, "Ctrl+K", "Ctrl+F")
    add(view, "Recent searc&hes", w.search.show_history, "Alt+Down", "Ctrl+H")
    add(view, "Open selected note in &editor", w.open_selected, "Ctrl+E")
    add(view, "&Back in the preview", w.note.back, "Alt+Left")
    add(view, "Copy [[&link]] to the selected note", lambda: w.copy_link(), WIKILINK_KEYS)
    add(view, "Copy &Markdown link to the selected note", lambda: w.copy_link(markdown=True), MARKDOWN_KEYS)
    view.addSeparator()
    add(view, "&Index health…", w.show_health, "Ctrl+I")
    add(view, "&Rescan the folder", w.bridge.reindex, "F5")
    helps = w.menuBar().addMenu("&Help")
    add(helps, "&Keyboard shortcuts", lambda: setattr(w, "help_box", show_shortcuts(w, w.menuBar())), "F1")
    add(
        helps,
        "&About gte-notes",
        lambda: setattr(
            w, "help_box", show_about(w, w.bridge.home, w.bridge.folder or "", w.bridge.model_name)
        ),
    )
