"""A list model of search or related-notes hits: one row per note."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from gte_notes.core import Hit
from gte_notes.gui.engine.snippet import Snippet, SnippetCache

HIT_ROLE = Qt.ItemDataRole.UserRole + 1
SNIPPET_ROLE = Qt.ItemDataRole.UserRole + 2
LINKED_ROLE = Qt.ItemDataRole.UserRole + 3  # the note shown links to this one already

Index = QModelIndex | QPersistentModelIndex


def copies_label(n: int) -> str:
    """ "+1 copy", "+3 copies": near-identical notes a row stands for (its tooltip and menu name them)."""
    return f"+{n} cop{'y' if n == 1 else 'ies'}"


class HitsModel(QAbstractListModel):
    def __init__(self, parent: Any = None, snippets: SnippetCache | None = None) -> None:
        """`snippets`: the bridge's, which made the snippets of the hits it delivered (fresh if None)."""
        super().__init__(parent)
        self._made = snippets if snippets is not None else SnippetCache()
        self._hits: list[Hit] = []
        self._snippets: dict[int, Snippet] = {}  # made when a row is first painted
        self._linked: set[str] = set()

    def set_hits(self, hits: list[Hit], linked: set[str] | None = None) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self._linked = set(linked or ())
        self._snippets = {}
        self.endResetModel()

    def hits(self) -> list[Hit]:
        return list(self._hits)

    def hit(self, row: int) -> Hit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def row_of(self, path: str) -> int:
        return next((n for n, h in enumerate(self._hits) if h.path == path), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        hit = self.hit(index.row()) if index.isValid() else None
        if hit is None:
            return None
        if role == HIT_ROLE:
            return hit
        if role == LINKED_ROLE:
            return hit.path in self._linked
        if role == SNIPPET_ROLE:
            return self._snippet(index.row(), hit)
        if role == Qt.ItemDataRole.DisplayRole:
            return hit.title or hit.path
        if role == Qt.ItemDataRole.AccessibleTextRole:
            linked = ", already linked" if hit.path in self._linked else ""
            copies = f", {copies_label(len(hit.copies))}" if hit.copies else ""
            return f"{hit.title}, {hit.path}{linked}{copies}, score {hit.score:.2f}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(hit)
        return None

    def _snippet(self, row: int, hit: Hit) -> Snippet:
        snip = self._snippets.get(row)
        if snip is None:
            snip = self._snippets[row] = self._made.get(hit)
        return snip

    @staticmethod
    def _tooltip(hit: Hit) -> str:
        where = f"{hit.path}, line {hit.line}" + (f" — {hit.heading}" if hit.heading else "")
        if hit.copies:  # near-identical notes folded into this row (core/search/copies.py)
            where += f"\nCopies of this note ({len(hit.copies)}): " + ", ".join(hit.copies)
        if hit.source_passage:
            because = " ".join(hit.source_passage.split())[:300]
            return f"{where}\nRelated because this note's passage (line {hit.source_line}):\n“{because}”"
        return where


def copy_hit(hit: Hit, path: str) -> Hit:
    """The copy at `path` of the note `hit` shows, to open: at its top, since its lines may differ."""
    return dataclasses.replace(
        hit, path=path, title=path, line=1, start=0, end=0, highlights=[], sentence=None, copies=()
    )
