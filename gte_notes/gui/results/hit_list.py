"""A list of hits that says something useful when it is empty ("Indexing 120/1012…", "No notes match")."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from gte_notes.gui.desktop.style import mix
from gte_notes.gui.engine.snippet import SnippetCache
from gte_notes.gui.results.hit_delegate import HitDelegate
from gte_notes.gui.results.hits_model import HitsModel


class HitList(QListView):
    activated_hit = Signal(int)  # row: Enter, Return or double-click
    typed = Signal(str)  # printable keys typed while the list has focus, for the search field
    escaped = Signal()  # Esc: back to an empty search field

    def __init__(
        self, parent: QWidget | None = None, passage_lines: int = 2, snippets: SnippetCache | None = None
    ) -> None:
        super().__init__(parent)
        self.hits = HitsModel(self, snippets)
        self.setModel(self.hits)
        self.setItemDelegate(HitDelegate(self, passage_lines))
        self.setUniformItemSizes(True)  # every row has the same height: no per-row sizeHint while typing
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)
        self._placeholder = ""
        self.doubleClicked.connect(lambda index: self.activated_hit.emit(index.row()))

    def set_placeholder(self, text: str) -> None:
        if text != self._placeholder:
            self._placeholder = text
            self.viewport().update()

    def placeholder(self) -> str:
        return self._placeholder

    def current_row(self) -> int:
        index = self.currentIndex()
        return index.row() if index.isValid() else -1

    def select_row(self, row: int) -> None:
        if 0 <= row < self.hits.rowCount():
            self.setCurrentIndex(self.hits.index(row))
        else:
            self.setCurrentIndex(QModelIndex())

    def move(self, step: int) -> None:
        """Arrow keys in the search field move the selection here."""
        count = self.hits.rowCount()
        if count:
            row = self.current_row()
            self.select_row(min(max(row + step, 0), count - 1) if row >= 0 else 0)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.current_row() >= 0:
            self.activated_hit.emit(self.current_row())
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
            return
        text = event.text()
        if text and text.isprintable() and not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier:
            self.typed.emit(text)
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.hits.rowCount() or not self._placeholder:
            return
        painter = QPainter(self.viewport())
        pal = self.palette()
        painter.setPen(mix(pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base), 0.45))
        area = self.viewport().rect().adjusted(24, 40, -24, -24)
        painter.drawText(
            QRect(area),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
            self._placeholder,
        )
        painter.end()  # now, not whenever Python drops the wrapper (a frame kept alive would delay it)
