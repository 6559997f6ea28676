"""Index health: every file in the folder with its status (indexed, skipped, failed) and why, filterable.

The files come a page at a time from the engine (Engine.status_files, filtered there by the search box's
text), asked for while the dialog is open only: the status read once a second carries counts, not files."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gte_notes.core import FilePage, FileStatus, IndexStatus
from gte_notes.gui.engine.model_name import describe_model
from gte_notes.gui.health.health_bar import counts_text

Index = QModelIndex | QPersistentModelIndex

# The store's statuses, as the user thinks of them.
SKIPPED = {"empty", "too_large", "binary", "not_regular", "vanished", "excluded"}
FAILED = {"unreadable", "failed"}
COLUMNS = ("Status", "File", "Reason")
FILTERS = ("All files", "Problems only", "Indexed", "Skipped", "Failed")
FILES_PAGE = 20_000  # rows asked for at once: a big vault's every file, without a huge model to sort


def kind(status: str) -> str:
    if status in SKIPPED:
        return "skipped"
    if status in FAILED:
        return "failed"
    return status


class FilesModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[FileStatus] = []

    def set_files(self, files: tuple[FileStatus, ...] | list[FileStatus]) -> None:
        rows = list(files)
        if [r.path for r in rows] == [r.path for r in self.rows]:
            # Same files, new statuses: update in place so the view keeps its scroll and selection.
            changed = [n for n, (a, b) in enumerate(zip(self.rows, rows, strict=True)) if a != b]
            self.rows = rows
            if changed:
                self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if index.column() == 0:
                k = kind(row.status)
                return k if k == row.status else f"{k} ({row.status.replace('_', ' ')})"
            if index.column() == 1:
                return row.path
            return "; ".join(x for x in (row.reason, row.warning) if x)
        return None


class FilesFilter(QSortFilterProxyModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.text = ""
        self.which = FILTERS[0]

    def set_filter(self, text: str, which: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.9+; invalidateFilter() is deprecated there
            self.beginFilterChange()
            self.text, self.which = text.lower(), which
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.text, self.which = text.lower(), which
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        row: FileStatus = self.sourceModel().rows[source_row]  # type: ignore[attr-defined]
        k = kind(row.status)
        if self.which == "Problems only" and k not in ("skipped", "failed"):  # waiting is no problem
            return False
        if self.which in ("Indexed", "Skipped", "Failed") and k != self.which.lower():
            return False
        return row.matches(self.text)  # the engine filtered the page the same way; this answers at once


class IndexHealthDialog(QDialog):
    reindex = Signal()
    open_file = Signal(str)
    wants_files = Signal(str)  # the files matching this text, please (set_files answers)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Index health")
        self.resize(820, 520)
        self.summary = QLabel("Reading the index…")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter by path or reason")
        self.search.setClearButtonEnabled(True)
        self.which = QComboBox()
        self.which.addItems(FILTERS)
        self.model = FilesModel(self)
        self.proxy = FilesFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(1, 380)
        self.shown_label = QLabel("")
        self._matching = 0  # files matching the search box, of which the model holds the first page
        rescan = QPushButton("Rescan folder")
        rescan.setToolTip("Look at every file again (only changed notes are embedded)")
        rescan.clicked.connect(self.reindex.emit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.which)
        bottom = QHBoxLayout()
        bottom.addWidget(self.shown_label, 1)
        bottom.addWidget(rescan)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self.search.textChanged.connect(self._refilter)
        self.search.textChanged.connect(self.wants_files.emit)
        self.which.currentTextChanged.connect(self._refilter)
        self.table.doubleClicked.connect(self._open)

    def _refilter(self) -> None:
        self.proxy.set_filter(self.search.text(), self.which.currentText())
        total = max(self._matching, self.model.rowCount())
        self.shown_label.setText(f"{self.proxy.rowCount():,} of {total:,} files shown")

    def _open(self, index: QModelIndex) -> None:
        row = self.model.rows[self.proxy.mapToSource(index).row()]
        if kind(row.status) == "indexed":
            self.open_file.emit(row.path)

    def set_status(self, status: IndexStatus, model_name: str = "") -> None:
        """The summary; then the files (again: they change as the index does) are asked for."""
        lines = [f"<b>{_escape(status.folder)}</b>", counts_text(status.counts, status.files_total)]
        if status.model or model_name:
            note = status.model_note
            lines.append(
                f"Model: {describe_model(model_name, status.model)}" + (f" ({note})" if note else "")
            )
        details = [f"{status.chunks:,} passages", f"state: {status.state}"]
        if status.queue:
            details.append(f"{status.queue:,} waiting")
        if status.watching:
            details.append(f"watching: {status.watching}")
        lines.append(" · ".join(details))
        if status.problem:
            lines.append(f"⚠ {status.problem}")
        self.summary.setText("<br>".join(_escape(x) if i else x for i, x in enumerate(lines)))
        self.wants_files.emit(self.search.text())

    def set_files(self, page: FilePage) -> None:
        self._matching = page.total
        self.model.set_files(page.files)
        self._refilter()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
