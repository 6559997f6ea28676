"""`gte-notes gui FOLDER --query TEXT --screenshot FILE.png`: wait until the window shows the finished
index's results, the preview and the related notes, save a PNG of it and quit."""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from gte_notes.core import Phase
from gte_notes.gui.desktop.tasks import Task
from gte_notes.gui.window.main_window import MainWindow

POLL_MS = 250
SETTLED_CHECKS = 3  # consecutive checks with nothing moving before the picture is taken


class ScreenshotController(QObject):
    def __init__(self, window: MainWindow, path: str, query: str) -> None:
        super().__init__(window)
        self.window, self.path, self.query = window, path, query
        self.exit_code = 0
        self.timeout_s = float(os.environ.get("GTE_NOTES_SCREENSHOT_TIMEOUT", "3600"))
        self._started = time.monotonic()
        self._calm = 0
        self._refreshed = False
        self._taken = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._check)
        window.bridge.model_missing.connect(self._model_missing)
        self._timer.start()

    def _model_missing(self, message: str) -> None:
        print(f"gte-notes: {message}", file=sys.stderr)
        self._finish(2)

    def _settled(self) -> bool:
        w = self.window
        if w.engine_state.phase is not Phase.IDLE or w.bridge.busy or not w.engine_ready:
            return False
        if any(t.isActive() for t in (w._search_timer, w._select_timer, w._refresh_timer, w._status_timer)):
            return False
        if not self.query:
            return True
        if not self._refreshed:
            # Results asked for while indexing may predate the last notes; ask once more, now.
            self._refreshed = True
            w._run_search()
            return False
        if w.shown_query != self.query or not w.results.hits.rowCount():
            return False
        selected = w.selected_hit()
        return (
            selected is not None
            and w.preview.view.path == selected.path
            and w.preview.view.marked
            and w.related.path == selected.path
            and w.related.loaded
        )

    def _check(self) -> None:
        if self._taken:
            return
        if time.monotonic() - self._started > self.timeout_s:
            print(
                f"gte-notes: the window did not settle within {self.timeout_s:g} s; saving it as it is",
                file=sys.stderr,
            )
            self._take(1)
            return
        self._calm = self._calm + 1 if self._settled() else 0
        if self._calm >= SETTLED_CHECKS:
            self._take(0)

    def _take(self, code: int) -> None:
        self._taken = True
        self._timer.stop()
        image = self.window.grab().toImage()
        path = self.path

        def save() -> bool:
            return image.save(path)

        def saved(ok: bool) -> None:
            if ok:
                print(f"Saved a screenshot to {path}")
            else:
                print(f"gte-notes: could not write {path}", file=sys.stderr)
            self._finish(code if ok else 1)

        Task(save).on_done(saved).on_error(lambda err: saved(False)).start(self.window.bridge.control_pool)

    def _finish(self, code: int) -> None:
        self.exit_code = code
        self._timer.stop()
        self.window.close()
        QApplication.instance().exit(code)  # type: ignore[union-attr]
