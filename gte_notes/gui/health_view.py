"""Index health: every file in the folder with its status (indexed, skipped, failed) and why, filterable."""

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

from gte_notes.gui.health_bar import counts_text
from gte_notes.gui.model_name import describe_model

Index = QModelIndex | QPersistentModelIndex

# The store's statuses, as the user thinks of them.
SKIPPED = {"empty", "too_large", "binary", "not_regular", "vanished", "excluded"}
FAILED = {"unreadable", "failed"}
COLUMNS = ("Status", "File", "Reason")
FILTERS = ("All files", "Problems only", "Indexed", "Skipped", "Failed")


def kind(status: str) -> str:
    if status in SKIPPED:
        return "skipped"
    if status in FAILED:
        return "failed"
    return status


class FilesModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, str]] = []

    def set_files(self, files: list[dict[str, Any]]) -> None:
        rows = [dict(f) for f in files]
        if [r["path"] for r in rows] == [r["path"] for r in self.rows]:
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
                k = kind(row["status"])
                return k if k == row["status"] else f"{k} ({row['status'].replace('_', ' ')})"
            if index.column() == 1:
                return row["path"]
            reason = row.get("reason") or ""
            warning = row.get("warning") or ""
            return "; ".join(x for x in (reason, warning) if x)
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
        row = self.sourceModel().rows[source_row]  # type: ignore[attr-defined]
        k = kind(row["status"])
        if self.which == "Problems only" and k not in ("skipped", "failed"):  # waiting is no problem
            return False
        if self.which in ("Indexed", "Skipped", "Failed") and k != self.which.lower():
            return False
        if self.text:
            hay = " ".join((row["path"], row.get("reason") or "", row.get("warning") or "", row["status"]))
            return self.text in hay.lower()
        return True


class IndexHealthDialog(QDialog):
    reindex = Signal()
    open_file = Signal(str)

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
        self.which.currentTextChanged.connect(self._refilter)
        self.table.doubleClicked.connect(self._open)

    def _refilter(self) -> None:
        self.proxy.set_filter(self.search.text(), self.which.currentText())
        self.shown_label.setText(f"{self.proxy.rowCount():,} of {self.model.rowCount():,} files shown")

    def _open(self, index: QModelIndex) -> None:
        row = self.model.rows[self.proxy.mapToSource(index).row()]
        if kind(row["status"]) == "indexed":
            self.open_file.emit(row["path"])

    def set_status(self, status: dict[str, Any]) -> None:
        lines = [
            f"<b>{_escape(str(status.get('folder', '')))}</b>",
            counts_text(status.get("counts", {}), int(status.get("files_total", 0))),
        ]
        model = status.get("model") or ""
        if model or status.get("model_name"):
            note = status.get("model_note") or ""
            lines.append(
                f"Model: {describe_model(status.get('model_name') or '', model)}"
                + (f" ({note})" if note else "")
            )
        details = [f"{status.get('chunks', 0):,} passages", f"state: {status.get('state', '?')}"]
        if status.get("queue"):
            details.append(f"{status['queue']:,} waiting")
        if status.get("watching"):
            details.append(f"watching: {status['watching']}")
        lines.append(" · ".join(details))
        if status.get("problem"):
            lines.append(f"⚠ {status['problem']}")
        self.summary.setText("<br>".join(_escape(x) if i else x for i, x in enumerate(lines)))
        self.model.set_files(status.get("files", []))
        self._refilter()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
