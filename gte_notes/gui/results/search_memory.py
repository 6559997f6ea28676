"""What the app remembers of its use between runs: the last query, recent searches and recently opened
notes, in the window-state file (QSettings, in the user's config directory; a small INI file, read at
start-up and written at close, like the window geometry).

A query counts as a search once the user has stopped typing for a moment or opened a result, so the
history holds what was searched for, not every prefix typed on the way.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from gte_notes.core import Hit

MAX_SEARCHES = 15
MAX_NOTES = 8
SETTLE_MS = 1500  # a query left alone this long is remembered


class SearchMemory(QObject):
    changed = Signal()

    def __init__(self, store: QSettings, persist: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store, self.persist = store, persist
        self.searches: list[str] = _strings(store.value("search/history", [])) if persist else []
        self.last_query = str(store.value("search/last", "")) if persist else ""
        self.notes: list[Hit] = (
            [
                Hit(path=p, title=t or p, score=-1.0, passage="", line=1, start=0, end=0)
                for p, t in zip(
                    _strings(store.value("recent/paths", [])),
                    _strings(store.value("recent/titles", [])),
                    strict=True,
                )
            ]
            if persist
            else []
        )
        self._pending = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self.commit)

    def typed(self, query: str) -> None:
        """The field now holds `query`; remember it once the user pauses on it."""
        self._pending = query.strip()
        self.last_query = query
        if self._pending:
            self._timer.start()
        else:
            self._timer.stop()

    def commit(self) -> None:
        query, self._pending = self._pending, ""
        self._timer.stop()
        if not query:
            return
        self.searches = [query] + [q for q in self.searches if q.casefold() != query.casefold()]
        del self.searches[MAX_SEARCHES:]
        self.changed.emit()

    def opened(self, hit: Hit) -> None:
        """A note was opened in the editor: first among the recent notes, and its query is a search."""
        self.commit()
        entry = Hit(
            path=hit.path, title=hit.title or hit.path, score=-1.0, passage="", line=1, start=0, end=0
        )
        self.notes = [entry] + [n for n in self.notes if n.path != hit.path]
        del self.notes[MAX_NOTES:]
        self.changed.emit()

    def forget_missing(self, known: set[str]) -> bool:
        """Drop recent notes that are no longer in the folder (after a status read); True if any went."""
        kept = [n for n in self.notes if n.path in known]
        if len(kept) != len(self.notes):
            self.notes = kept
            self.changed.emit()
            return True
        return False

    def forget(self, path: str) -> None:
        """Drop one recent note (it could not be opened: it is no longer there)."""
        self.forget_missing({n.path for n in self.notes if n.path != path})

    def save(self) -> None:
        """At close, with the window geometry (the caller syncs the store)."""
        if not self.persist:
            return
        self.commit()
        # QSettings' INI format stores an empty list as an empty string; _strings reads it back.
        self.store.setValue("search/last", self.last_query)
        self.store.setValue("search/history", self.searches)
        self.store.setValue("recent/paths", [n.path for n in self.notes])
        self.store.setValue("recent/titles", [n.title for n in self.notes])


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v)]
    return []
