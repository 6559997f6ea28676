"""The note the user is looking at: its preview and its related notes, kept current.

The window says which hit is selected; this asks the bridge for the note's text and related notes,
shows them when they arrive (if still wanted), and asks again when the note changes on disk. A related
note that is clicked is previewed without changing what the related panel is about.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from PySide6.QtCore import QObject, Signal

from gte_notes.core import NO_WORDS, Hit, QueryWords
from gte_notes.gui.engine.bridge import EngineBridge
from gte_notes.gui.note.preview import PreviewPane
from gte_notes.gui.note.related_panel import FETCH, RelatedPanel

MAX_HISTORY = 50


class SelectedNote(QObject):
    preview_shown = Signal(str)  # path
    related_shown = Signal(str)  # path whose related notes are shown
    open_hit = Signal(object)  # Hit to open in the editor
    message = Signal(str)  # something to say in the status bar

    def __init__(
        self,
        bridge: EngineBridge,
        preview: PreviewPane,
        related: RelatedPanel,
        words: Callable[[], QueryWords],
    ) -> None:
        """`words`: what the results on show searched for (marked in the preview of a result)."""
        super().__init__(preview)
        self.bridge, self.preview, self.related, self._words = bridge, preview, related, words
        self.hit: Hit | None = None  # the selected result
        self.shown: Hit | None = None  # what the preview shows: the selected result or a related note
        self._keep_scroll = False  # the next preview is a refresh after an edit: stay where the user is
        self._related_stale = False  # notes in the related list changed during a bulk re-index
        bridge.preview_done.connect(self._preview_done)
        bridge.related_done.connect(self._related_done)
        related.preview_hit.connect(self._show_related)
        related.open_hit.connect(self.open_hit.emit)
        preview.open_requested.connect(lambda: self.shown is not None and self.open_hit.emit(self.shown))
        preview.view.note_link.connect(self._follow_link)
        bridge.link_resolved.connect(self._link_resolved)
        self._link_from = ""
        self._text_len = 0  # of the note in the preview
        self.history: list[Hit] = []  # notes left by following a link, for Back
        preview.back_requested.connect(self.back)

    def select(self, hit: Hit | None) -> None:
        self.hit = hit
        self.history.clear()
        self.preview.set_back(False)
        if hit is None:
            return
        if self.shown is not None and hit.path == self.shown.path and hit.path == self.preview.view.path:
            self.shown = hit  # same note, perhaps another passage: no reload
            self.preview.view.show_passage(hit.passage, self._words(), self._near(hit))
        else:
            self._load_preview(hit, keep_scroll=False)
        if hit.path != self.related.path:
            self.related.loading(hit.path, hit.title)
            self.bridge.related(hit.path, FETCH)

    def pending(self, hit: Hit | None) -> None:
        """The selection moved to `hit`, whose text is asked for after a short wait (typing, arrows):
        until it comes the preview says so, never showing the note selected before beside this row."""
        if hit is None or self.preview.view.path in (None, hit.path):
            return
        self.preview.set_header(hit.title, hit.path)
        self.preview.view.clear_note("Loading the note…")

    def meaning_ready(self) -> None:
        """Related notes need the model: ask again for the note that was selected while it loaded."""
        if self.related.path is not None:
            self.bridge.related(self.related.path, FETCH)

    def clear(self, related_message: str | None = None) -> None:
        self.hit = self.shown = None
        self.preview.clear()
        if related_message is None:
            self.related.clear()
        else:
            self.related.clear(related_message)

    def _load_preview(self, hit: Hit, keep_scroll: bool) -> None:
        self.shown = hit
        self._keep_scroll = keep_scroll
        if not keep_scroll:
            self.preview.set_header(hit.title, hit.path)
        self.bridge.preview(hit.path)

    def _preview_done(self, path: str, markdown: str, text: str) -> None:
        hit = self.shown
        if hit is None or hit.path != path:
            return
        view = self.preview.view
        if not text:
            view.clear_note("This note could not be read; see View › Index health for why.")
            view.path = path
        else:
            self.preview.set_header(hit.title, f"{hit.path}  ·  line {hit.line}")
            words = self._words() if hit is self.hit else NO_WORDS
            self._text_len = len(text)
            view.show_note(
                path, markdown, hit.passage, words, scroll=not self._keep_scroll, near=self._near(hit)
            )
        self.preview_shown.emit(path)

    def _near(self, hit: Hit) -> float | None:
        """Where the passage sits in its note, as a share of the note's length (to tell repeats apart)."""
        return hit.start / self._text_len if self._text_len and hit.passage else None

    def _related_done(self, path: str, hits: list[Hit], links: set[str]) -> None:
        self.related.set_related(path, hits, links)
        self.related_shown.emit(path)

    def _show_related(self, hit: Hit) -> None:
        self.history.clear()
        self.preview.set_back(False)
        self._load_preview(hit, keep_scroll=False)

    def notes_changed(self, changed: set[str], indexing: bool) -> None:
        """Notes were re-indexed: refresh the preview and related notes they touch. Related notes are
        recomputed at once when the note itself changed; when only notes in its list did, that waits
        until indexing is over (`indexing_done`), since a bulk re-index touches them all the time."""
        if self.shown is not None and self.shown.path in changed:
            self._load_preview(self.shown, keep_scroll=True)
        path = self.related.path
        if path is None:
            return
        if path in changed or (not indexing and changed & {h.path for h in self.related.shown()}):
            self._related_stale = False
            self.bridge.related(path, FETCH)
        elif changed & {h.path for h in self.related.shown()}:
            self._related_stale = True

    def indexing_done(self) -> None:
        if self._related_stale and self.related.path is not None:
            self._related_stale = False
            self.bridge.related(self.related.path, FETCH)

    def _follow_link(self, target: str, kind: str) -> None:
        source = self.preview.view.path or ""
        if kind == "path" and "/" in source:
            target = str(PurePosixPath(source).parent / target)
        self._link_from = source
        self.bridge.resolve_link(target, source)

    def _link_resolved(self, target: str, found: str, title: str) -> None:
        if self.preview.view.path != self._link_from:
            return  # the user moved on to another note meanwhile
        if not found:
            self.message.emit(f"“{target}” is not a note in this folder")
            return
        if self.shown is not None:
            self.history.append(self.shown)
            del self.history[:-MAX_HISTORY]
        self._load_preview(
            Hit(path=found, title=title, score=0.0, passage="", line=1, start=0, end=0),
            keep_scroll=False,
        )
        self.preview.set_back(bool(self.history))
        self._relate_to(self.shown)

    def back(self) -> None:
        """Alt+Left, the mouse's back button or the Back button: the note shown before a followed link."""
        if self.history:
            self._load_preview(self.history.pop(), keep_scroll=False)
            self._relate_to(self.shown)
        self.preview.set_back(bool(self.history))

    def _relate_to(self, hit: Hit | None) -> None:
        """Related notes follow the note a link led to (and back): the panel is about the note on show."""
        if hit is not None and hit.path != self.related.path:
            self.related.loading(hit.path, hit.title)
            self.bridge.related(hit.path, FETCH)
