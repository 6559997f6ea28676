"""The main window's menus and their keyboard shortcuts, in one place to read them all."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtGui import QAction, QKeySequence

from gte_notes.gui.results.copy_links import MARKDOWN_KEYS, WIKILINK_KEYS
from gte_notes.gui.window.help_dialog import show_about, show_shortcuts

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenuBar, QWidget

    from gte_notes.gui.engine.bridge import EngineBridge
    from gte_notes.gui.note.selected_note import SelectedNote
    from gte_notes.gui.results.search_field import SearchField


class MenuHost(Protocol):
    """What the menus reach in the window. Described here rather than imported: the window builds its
    menus, and the menus do not import the window."""

    bridge: EngineBridge
    search: SearchField
    note: SelectedNote

    def window(self) -> QWidget: ...
    def menuBar(self) -> QMenuBar: ...
    def close(self) -> bool: ...
    def choose_folder(self) -> None: ...
    def edit_settings(self) -> None: ...
    def focus_search(self) -> None: ...
    def open_selected(self) -> None: ...
    def copy_link(self, markdown: bool = False) -> str: ...
    def show_health(self) -> None: ...


def build_menus(w: MenuHost) -> None:
    window, bar = w.window(), w.menuBar()

    def add(menu: Any, text: str, slot: Any, *keys: QKeySequence | str) -> QAction:
        act = QAction(text, window)
        act.setShortcuts([QKeySequence(k) for k in keys])
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    files = bar.addMenu("&File")
    add(files, "&Open notes folder…", w.choose_folder, QKeySequence.StandardKey.Open)
    add(files, "&Settings…", w.edit_settings, "Ctrl+,")
    files.addSeparator()
    add(files, "&Quit", w.close, QKeySequence.StandardKey.Quit)
    view = bar.addMenu("&View")
    add(view, "&Search", w.focus_search, "Ctrl+K", "Ctrl+F")
    add(view, "Recent searc&hes", w.search.show_history, "Alt+Down", "Ctrl+H")
    add(view, "Open selected note in &editor", w.open_selected, "Ctrl+E")
    add(view, "&Back in the preview", w.note.back, "Alt+Left")
    add(view, "Copy [[&link]] to the selected note", lambda: w.copy_link(), WIKILINK_KEYS)
    add(view, "Copy &Markdown link to the selected note", lambda: w.copy_link(markdown=True), MARKDOWN_KEYS)
    view.addSeparator()
    add(view, "&Index health…", w.show_health, "Ctrl+I")
    add(view, "&Rescan the folder", w.bridge.reindex, "F5")
    helps = bar.addMenu("&Help")
    add(helps, "&Keyboard shortcuts", lambda: setattr(w, "help_box", show_shortcuts(window, bar)), "F1")
    add(
        helps,
        "&About gte-notes",
        lambda: setattr(
            w, "help_box", show_about(window, w.bridge.home, w.bridge.folder or "", w.bridge.model_name)
        ),
    )
