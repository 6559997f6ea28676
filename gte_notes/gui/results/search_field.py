"""The search field: arrows and page keys move through the results, Enter opens, Esc clears."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QLineEdit, QMenu, QWidget

# Keys the window's actions own even while the field has focus.
WINDOW_KEYS = {QKeySequence("Ctrl+E")[0].toCombined()}
PLACEHOLDER = "Search your notes — words, “a quoted phrase”, tag:name, path:folder"


class SearchField(QLineEdit):
    move = Signal(int)  # rows to move the selection by
    accepted = Signal()  # Enter: open the selected result

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(PLACEHOLDER)
        self.setClearButtonEnabled(True)
        self.setAccessibleName("Search")
        font = self.font()
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.25)
        self.setFont(font)
        self.setTextMargins(6, 4, 6, 4)
        self.history: Callable[[], list[str]] = list
        self.history_menu: QMenu | None = None

    def show_history(self) -> None:
        """Recent searches in a menu under the field (Alt+Down, Ctrl+H); choosing one searches again."""
        menu = QMenu(self)
        searches = self.history()
        for query in searches:
            menu.addAction(query, lambda q=query: (self.setText(q), self.setFocus()))
        if not searches:
            menu.addAction("No recent searches yet").setEnabled(False)
        self.history_menu = menu
        menu.popup(self.mapToGlobal(self.rect().bottomLeft()))

    def event(self, event: QEvent) -> bool:
        # On Linux a line edit claims Ctrl+E ("end of line", an Emacs binding) before the window's
        # shortcuts see it; the field is where focus usually is, so let "open in editor" win.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.keyCombination().toCombined() in WINDOW_KEYS
        ):
            event.ignore()
            return False
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 5, Qt.Key.Key_PageUp: -5}
        key = event.key()
        if key in steps:
            self.move.emit(steps[Qt.Key(key)])
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accepted.emit()
        elif key == Qt.Key.Key_Escape:
            self.clear()
        else:
            super().keyPressEvent(event)
