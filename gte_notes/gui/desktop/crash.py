"""Nothing fails silently: uncaught exceptions on any thread end up in front of the user.

A KnownError (the environment's fault) is shown in place, in the status bar. Anything else is a bug:
a dialog with the details to report, while the app keeps running.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from gte_notes.core import KnownError, current_logs

log = logging.getLogger(__name__)


class ErrorReporter(QObject):
    known = Signal(str)
    bug = Signal(str, str)  # summary, details

    def __init__(self) -> None:
        super().__init__()
        self._previous = (sys.excepthook, threading.excepthook)
        self.parent_widget: QWidget | None = None
        self._dialog: QMessageBox | None = None
        self.bug.connect(self.show_bug)

    def install(self) -> None:
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._previous

    def _excepthook(self, kind: type[BaseException], err: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous[0](kind, err, tb)
            return
        if isinstance(err, KnownError):
            self.known.emit(str(err))
            return
        details = "".join(traceback.format_exception(kind, err, tb))
        log.error("Unexpected error\n%s", details)
        if current_logs() is None:  # once logging has started, the record above reaches stderr too
            print(details, file=sys.stderr)
        self.bug.emit(f"{kind.__name__}: {err}", details)  # queued when raised off the GUI thread

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self._excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    def show_bug(self, summary: str, details: str) -> None:
        if self._dialog is not None and self._dialog.isVisible():
            # One dialog at a time: a burst of the same failure must not bury the window.
            self._dialog.setDetailedText(self._dialog.detailedText() + "\n\n" + details)
            return
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "gte-notes: something went wrong",
            f"Something went wrong inside gte-notes:\n{summary[:500]}",
            QMessageBox.StandardButton.Ok,
            self.parent_widget,
        )
        box.setInformativeText(bug_advice())
        box.setDetailedText(details)
        box.open()
        self._dialog = box


def bug_advice() -> str:
    """What the crash dialog tells the user, naming the files that keep the details after it closes."""
    text = (
        "This is a bug in gte-notes, not a problem with your notes (they are never written to). "
        "The app keeps running. Please report it with the details below."
    )
    files = current_logs()
    if files is not None:
        text += (
            f"\n\nThe details are also saved in {files.log}; if the app ever closes by itself, "
            f"what it was doing is in {files.crash}."
        )
    return text
