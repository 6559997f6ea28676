"""The window's search flow: the query typed, its results shown, the selection kept, and the selected
note loaded once the selection rests.

Why apart from the window: this is the part the user feels as they type. Which result stays selected
when the same query is searched again (the one the user picked, else the best), when the preview and
related notes load (after the selection stops moving, and after typing pauses for a selection the app
made), and what an empty list says are decided here, in one place, while main_window.py builds the
window and handles the engine's state, opening notes and errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gte_notes.core import NO_WORDS, Hits
from gte_notes.gui.results.empty_states import no_results, type_to_search

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtCore import QTimer, SignalInstance

    from gte_notes.core import EngineState, Hit, QueryWords, Settings
    from gte_notes.gui.engine.bridge import EngineBridge
    from gte_notes.gui.note.selected_note import SelectedNote
    from gte_notes.gui.results.hit_list import HitList
    from gte_notes.gui.results.results_pane import ResultsPane
    from gte_notes.gui.results.search_field import SearchField
    from gte_notes.gui.results.search_memory import SearchMemory

# 0: the search starts on the next pass of the event loop, which still folds the edits of one paste into
# one search. Keys typed while a search runs need no timer: the one search thread skips every query
# that a newer one has made stale, so it always goes on with the latest text.
SEARCH_DEBOUNCE_MS = 0
SELECT_DEBOUNCE_MS = 40  # preview and related wait until the selection stops moving (arrows, clicks)
# ...and, for the top result a new query selected, until typing pauses: loading them between keystrokes
# would compete with the next keystroke's search for the CPU.
TYPING_PAUSE_MS = 150
REFRESH_MS = 800  # re-run the query (and reload the selected note) at most this often while indexing


class SearchFlow:
    """Part of MainWindow (main_window.py), which builds these parts and sets this state in __init__."""

    bridge: EngineBridge
    settings: Settings
    search: SearchField
    memory: SearchMemory
    results: HitList
    pane: ResultsPane
    note: SelectedNote
    results_shown: SignalInstance  # query whose results (or empty state) are now on screen
    engine_state: EngineState
    ready: bool  # the last results were ranked with the model (not keyword-only)
    progress: Any
    shown_query: str
    shown_words: QueryWords  # what the shown results searched for: the preview marks it
    notes_indexed: int
    notes_read: int | None
    _by_typing: bool  # the selection is moving because new results arrived
    _same_note: bool
    _user_chose: bool  # the user moved the selection since the query was typed
    _changed: set[str]  # notes re-indexed since the last refresh
    _select_timer: QTimer
    _refresh_timer: QTimer
    _status_soon: Callable[[], None]

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
            self.shown_words = NO_WORDS
            self._show_recent()
            self.results.set_placeholder(self._type_to_search())
            self.note.clear()
            self.results_shown.emit("")

    def _show_recent(self) -> None:
        """An empty field lists the notes opened lately (Enter opens the selected one again)."""
        self.results.hits.set_hits(self.memory.notes)
        self.pane.show_recent(self.memory.notes)

    def _add_filter(self, term: str) -> None:
        self.search.setText(f"{self.search.text().rstrip()} {term}".strip())
        self.search.setFocus()

    def _search_done(self, _gen: int, query: str, hits: list[Hit], ready: bool) -> None:
        meaning_joined = ready and not self.ready  # these results are the first with the model
        self.ready = ready
        # A new query selects its best result (what Enter opens). A refresh of the same query after the
        # index changed keeps the note the user picked (arrows, a click) if it is still there; a
        # selection the app made follows the best result, so Enter never opens a stale top hit.
        same_query = query == self.shown_query
        current = self.selected_hit() if same_query else None
        if not same_query:
            self._user_chose = False
        self._by_typing = True  # from here the selection moves because results arrived, not the user
        self.results.hits.set_hits(hits)
        self.pane.show_results(hits, query, ready)
        self.shown_query = query
        self.shown_words = hits.words if isinstance(hits, Hits) else NO_WORDS
        kept = self.results.hits.row_of(current.path) if current is not None else -1
        row = kept if kept >= 0 and self._user_chose else 0
        # A refresh that leaves the same note selected: leave its preview (and scroll) alone.
        self._same_note = kept >= 0 and kept == row
        self.results.select_row(row if hits else -1)
        self._by_typing = self._same_note = False
        if meaning_joined:
            self.note.meaning_ready()
        if not hits:
            self._user_chose = False
            if not ready and self.bridge.notes_in_index is not None:
                self.notes_read = self.bridge.notes_in_index
            self.results.set_placeholder(self._empty_text(query))
            self.note.clear(related_message="")
        self.results_shown.emit(query)

    def _empty_text(self, query: str) -> str:
        return no_results(query, self.ready, self.engine_state, self.progress, self.notes_read)

    def _type_to_search(self) -> str:
        return type_to_search(self.notes_indexed, self.engine_state)

    def refresh_results(self) -> None:
        if self.search.text().strip():
            self._run_search()

    def _refresh(self) -> None:
        changed, self._changed = self._changed, set()
        if self.search.text().strip():
            self._run_search()
        if changed:
            self.note.notes_changed(changed, indexing=self.engine_state.working)
            self._status_soon()

    # ---- the selected note: preview and related follow it ------------------------------------

    def _selection_moved(self) -> None:
        if not self._by_typing:
            self._user_chose = True
        if self._same_note:
            self.note.hit = self.selected_hit()
            return
        self.note.pending(self.selected_hit())
        self._select_timer.start(TYPING_PAUSE_MS if self._by_typing else SELECT_DEBOUNCE_MS)

    def selected_hit(self) -> Hit | None:
        return self.results.hits.hit(self.results.current_row())

    def _load_selected(self) -> None:
        self.note.select(self.selected_hit())

    def _indexed(self, paths: list[str]) -> None:
        # A bulk re-index reports a batch every second or so: gather them, and refresh the results,
        # the preview and related notes once per REFRESH_MS rather than once per batch.
        self._changed.update(paths)
        self.notes_read = max(self.notes_read or 0, len(paths))  # before the next status says how many
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()
