"""The writer's eye on its notes folder: the file watcher, started again when it stops or the folder is
replaced, and whether the folder can be reached at all."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from gte_notes.core.live.read_only import ReadOnly
from gte_notes.core.live.work_queue import Job, WorkQueue
from gte_notes.core.live.workspace import Workspace
from gte_notes.core.live.writer_reports import WriterReports

if TYPE_CHECKING:  # imported when the watch starts: not before the first search
    from gte_notes.core.live.watcher import FolderWatcher

HEALTH_CHECK_S = 2.0  # how often the watcher and the folder's identity are checked


class FolderWatch:
    """Runs on the writer's thread; `watcher` and `unreachable` are read by any thread. The writer's
    tunables (poll interval, polling, retry interval) are passed in as it holds them then."""

    watcher = ReadOnly["FolderWatcher | None"]("_watcher")
    unreachable = ReadOnly[bool]("_unreachable")  # the folder is missing, emptied or cannot be watched

    def __init__(self, ws: Workspace, queue: WorkQueue, reports: WriterReports) -> None:
        self._ws, self._queue, self._reports = ws, queue, reports
        self._watcher: FolderWatcher | None = None
        self._unreachable = False
        self.next_check = 0.0  # time.monotonic() of the next `check`

    def start(self, poll_interval: float, force_polling: bool, retry_s: float) -> None:
        """Watch the folder (again, if a watcher ran before)."""
        from gte_notes.core.live.watcher import FolderWatcher

        if self._watcher is not None:
            self._watcher.stop()
        self._watcher = FolderWatcher(
            self._ws.folder,
            self._ws.filter,
            on_paths=self._queue.add_dirty,
            on_lost=self._queue.request_full,  # watchdog's thread only queues a rescan
            on_notice=self._reports.notice,
            poll_interval=poll_interval,
            force_polling=force_polling,
        )
        try:
            self._watcher.start()
        except OSError as err:
            self.lost(f"The notes folder {self._ws.folder} cannot be watched: {err}", retry_s)
        self.next_check = time.monotonic() + HEALTH_CHECK_S

    def check(self, watching: bool, poll_interval: float, force_polling: bool, retry_s: float) -> None:
        """Every HEALTH_CHECK_S: a rescan when the folder went or may be back; the watcher started again
        when it stopped or the folder was replaced (`watching`: the writer watches at all, now)."""
        now = time.monotonic()
        if now < self.next_check:
            return
        self.next_check = now + HEALTH_CHECK_S
        try:
            st = os.stat(self._ws.folder)
            identity: tuple[int, int] | None = (st.st_dev, st.st_ino)
        except OSError:
            identity = None
        if identity is None:
            if not self._unreachable:
                self._queue.request_full("the notes folder disappeared")
            return
        if self._unreachable:
            self._queue.request_full("the notes folder may be back")
        watcher = self._watcher
        if not watching:
            return
        if watcher is None or identity != watcher.identity or not watcher.alive:
            why = (
                "the file watcher stopped"
                if watcher is not None and identity == watcher.identity
                else "the notes folder is back or was replaced"
            )
            if watcher is not None and watcher.identity is not None:
                self._reports.notice(f"Watching {self._ws.folder} again ({why}); rescanning the folder.")
            self.start(poll_interval, force_polling, retry_s)
            self._queue.request_full(why)

    def lost(self, message: str, retry_s: float) -> None:
        """The folder cannot be reached: say so once, keep searching the index, look again in `retry_s`."""
        first = not self._unreachable
        self._unreachable = True
        self._reports.known(message, as_error=False)
        if first:
            self._reports.notice(
                f"{message} Searching the existing index still works; gte-notes looks "
                f"again every {retry_s:g} s.",
            )
        self._queue.retry_later(Job(None, "the notes folder was unreachable"), retry_s)

    def back(self) -> None:
        """A reconcile reached the folder: if it was unreachable, say it is back and check the watch now."""
        if self._unreachable:
            self._unreachable = False
            self._reports.notice(f"The notes folder {self._ws.folder} is back; the index is live again.")
            self.next_check = 0.0  # re-watch it now if the watch was lost with it

    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
