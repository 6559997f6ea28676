"""Notes related to the selected one, with the passage that makes each related.

Filtering happens here, on the hits already fetched, so "unlinked only" and the minimum score answer
instantly: the bridge asks for more notes than are shown to leave room for the filters.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QHBoxLayout, QLabel, QMenu, QVBoxLayout, QWidget

from gte_notes.core import Hit
from gte_notes.gui.engine.snippet import SnippetCache
from gte_notes.gui.results.copy_links import LinkCopier
from gte_notes.gui.results.hit_list import HitList
from gte_notes.gui.results.hits_model import copy_hit

FETCH = 40  # related notes asked for, before filtering


class RelatedPanel(QWidget):
    preview_hit = Signal(object)  # Hit: show it in the preview
    open_hit = Signal(object)  # Hit: open it in the editor
    filters_changed = Signal()

    def __init__(self, parent: QWidget | None = None, snippets: SnippetCache | None = None) -> None:
        super().__init__(parent)
        self.path: str | None = None
        self.title = ""
        self._hits: list[Hit] = []
        self._links: set[str] = set()
        self._loading = False
        self.limit = 10

        self.header = QLabel("Related notes")
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        font = self.header.font()
        font.setBold(True)
        self.header.setFont(font)
        self.unlinked = QCheckBox("Unlinked only")
        self.unlinked.setToolTip("Hide the notes this note already links to (marked ↔ linked)")
        self.min_score = QDoubleSpinBox()
        self.min_score.setRange(0.0, 1.0)
        self.min_score.setSingleStep(0.05)
        self.min_score.setDecimals(2)
        self.min_score.setPrefix("min score ")
        self.min_score.setToolTip("Hide notes less similar than this")
        # One line of passage: the title and where say most, and five or more notes fit in view.
        self.list = HitList(self, passage_lines=1, snippets=snippets)
        self.list.setAccessibleName("Related notes")

        bar = QHBoxLayout()
        bar.setContentsMargins(8, 6, 8, 4)
        bar.addWidget(self.header, 1)
        bar.addWidget(self.unlinked)
        bar.addWidget(self.min_score)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.list, 1)

        self.unlinked.toggled.connect(self._refilter)
        self.min_score.valueChanged.connect(self._refilter)
        self.list.clicked.connect(lambda index: self._emit(self.preview_hit, index.row()))
        self.list.activated_hit.connect(lambda row: self._emit(self.open_hit, row))
        self.list.set_placeholder("Select a note to see the notes related to it.")
        self.copier: LinkCopier | None = None  # copies links to a row's note (the window's)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)

    def _menu(self, pos: QPoint) -> None:
        index = self.list.indexAt(pos)
        hit = self.list.hits.hit(index.row()) if index.isValid() else None
        if hit is not None:
            self.menu_for(hit).exec(self.list.viewport().mapToGlobal(pos))

    def menu_for(self, hit: Hit) -> QMenu:
        """Open, and the links to paste into the open note (a Markdown link relative to it)."""
        menu = QMenu(self)
        menu.addAction("Open in editor", lambda: self.open_hit.emit(hit))
        if self.copier is not None:
            self.copier.add_actions(menu, hit, self.path or "")
        for path in hit.copies:  # folded near-identical notes stay reachable
            menu.addAction(f"Open the copy {path}", lambda p=path: self.open_hit.emit(copy_hit(hit, p)))
        return menu

    def _emit(self, signal: Signal, row: int) -> None:
        hit = self.list.hits.hit(row)
        if hit is not None:
            signal.emit(hit)

    def loading(self, path: str, title: str) -> None:
        """A new note is selected; its related notes are on their way."""
        if path != self.path:
            self._hits, self._links = [], set()
            self.list.hits.set_hits([])
        self.path, self.title, self._loading = path, title, True
        self.header.setText(f"Related to “{title}”")
        self.header.setToolTip(path)
        if not self._hits:
            self.list.set_placeholder("Finding related notes…")

    def clear(self, message: str = "Select a note to see the notes related to it.") -> None:
        self.path, self._hits, self._links, self._loading = None, [], set(), False
        self.header.setText("Related notes")
        self.list.hits.set_hits([])
        self.list.set_placeholder(message)

    def set_related(self, path: str, hits: list[Hit], links: set[str]) -> None:
        if path != self.path:
            return
        self._hits, self._links, self._loading = list(hits), set(links), False
        self._refilter()

    @property
    def loaded(self) -> bool:
        return self.path is not None and not self._loading

    def shown(self) -> list[Hit]:
        return self.list.hits.hits()

    def _refilter(self) -> None:
        keep = [
            h
            for h in self._hits
            if h.score >= self.min_score.value() - 1e-9
            and not (self.unlinked.isChecked() and h.path in self._links)
        ][: self.limit]
        current = self.list.hits.hit(self.list.current_row())
        self.list.hits.set_hits(keep, self._links)
        if current is not None:
            row = self.list.hits.row_of(current.path)
            if row >= 0:
                self.list.select_row(row)
        if not keep:
            if not self._hits:
                self.list.set_placeholder(
                    "Finding related notes…"
                    if self._loading
                    else "No related notes yet: this note may not be indexed."
                )
            else:
                self.list.set_placeholder(f"{len(self._hits)} related notes are hidden by the filters above.")
        self.filters_changed.emit()
