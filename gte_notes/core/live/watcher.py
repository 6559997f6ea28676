"""Tell the indexer which paths to look at: a watchdog observer whose handler only records them.

Events are hints, never facts: the handler turns each one into relative paths (both ends of a move)
and hands them on; the indexer then looks at the disk. The handler never raises, because an exception
in it kills watchdog's thread and every later event would be lost silently.

When events may have been lost (the kernel's queue overflowed, the observer died, the watched folder
itself went away) `on_lost` says so and the engine runs a full reconcile. When inotify cannot watch
the folder (the per-user watch or instance limit is reached) the watcher polls instead and
`on_notice` tells the user how to raise the limit.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserverVFS

from gte_notes.core.files.ignore import is_ignored_relpath
from gte_notes.core.files.note_filter import NoteFilter
from gte_notes.core.files.vault_rules import is_rule_file

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 5.0
# Opened / closed-without-writing are left out on purpose: the indexer's own reads would produce them
# and re-trigger it forever. Directory "modified" events only repeat what the children's events say.
EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileClosedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]
# watchdog recovers from a kernel queue overflow by itself but only logs that events were dropped.
_LOST_EVENT_LOGGERS = ("watchdog.observers.inotify_c", "watchdog.observers.inotify")

LIMIT_ADVICE = {
    errno.ENOSPC: ("fs.inotify.max_user_watches", 524288),
    errno.EMFILE: ("fs.inotify.max_user_instances", 1024),
}


def limit_notice(err: OSError, interval: float) -> str:
    key, value = LIMIT_ADVICE.get(err.errno or 0, LIMIT_ADVICE[errno.ENOSPC])
    return (
        f"The system limit on watched folders is reached ({err.strerror or err}), so gte-notes now checks "
        f"the notes folder for changes every {interval:g} s instead of being told at once. "
        f"To raise the limit: echo {key}={value} | sudo tee /etc/sysctl.d/90-gte-notes.conf "
        "&& sudo sysctl --system, then restart gte-notes."
    )


class _Handler(FileSystemEventHandler):
    def __init__(
        self,
        root: str,
        flt: NoteFilter,
        on_paths: Callable[[list[str]], None],
        on_lost: Callable[[str], None],
    ) -> None:
        self.root = root
        self.filter = flt
        self.on_paths = on_paths
        self.on_lost = on_lost

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            self._record(event)
        except Exception:
            log.exception("file event handler failed on %r", event)
            try:
                self.on_lost("a file event could not be handled")
            except Exception:
                log.exception("on_lost failed")

    def _record(self, event: FileSystemEvent) -> None:
        rels: list[str] = []
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if not raw:
                continue
            path = os.fsdecode(raw)
            if path == self.root:
                if event.event_type in ("deleted", "moved"):
                    self.on_lost("the notes folder itself was moved or deleted")
                continue
            if not path.startswith(self.root + os.sep):
                continue  # the far end of a move out of the folder
            rel = path[len(self.root) + 1 :].replace(os.sep, "/")
            if self.filter.vault is not None and is_rule_file(rel):
                # An edited .gitignore or Obsidian setting may change which files are notes anywhere.
                self.on_lost("the folder's ignore rules changed")
                continue
            if self._wanted(rel, event.is_directory):
                rels.append(rel)
        if rels:
            self.on_paths(rels)

    def _wanted(self, rel: str, is_dir: bool) -> bool:
        if is_ignored_relpath(rel):
            return False
        return True if is_dir else self.filter.matches(rel)


class _LostEventsLog(logging.Handler):
    def __init__(self, on_lost: Callable[[str], None]) -> None:
        super().__init__(logging.WARNING)
        self.on_lost = on_lost

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage().lower()
        if "overflow" in text or "unable to rebuild" in text:
            self.on_lost("the system dropped file events (event queue overflow)")


class FolderWatcher:
    """Watches one folder recursively; `mode` is "inotify" (or the platform's native API), "polling"
    or "off". Symlinks are never followed, so a link loop cannot make it walk forever."""

    def __init__(
        self,
        root: Path,
        flt: NoteFilter,
        *,
        on_paths: Callable[[list[str]], None],
        on_lost: Callable[[str], None],
        on_notice: Callable[[str], None],
        poll_interval: float = POLL_INTERVAL_S,
        force_polling: bool = False,
    ) -> None:
        self.root = Path(root)
        self.poll_interval = poll_interval
        self.force_polling = force_polling
        self.mode = "off"
        self.identity: tuple[int, int] | None = None
        self._handler = _Handler(os.fspath(self.root), flt, on_paths, on_lost)
        self._on_notice = on_notice
        self._log_handler = _LostEventsLog(on_lost)
        self._observer: BaseObserver | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start watching; raises OSError only when even polling cannot (the folder is gone)."""
        with self._lock:
            self._stop_locked()
            st = os.stat(self.root)
            self.identity = (st.st_dev, st.st_ino)
            if not self.force_polling:
                try:
                    self._observer = self._start(Observer())
                    self.mode = "inotify" if "Inotify" in type(self._observer).__name__ else "native"
                    for name in _LOST_EVENT_LOGGERS:
                        logging.getLogger(name).addHandler(self._log_handler)
                    return
                except OSError as err:
                    if err.errno in LIMIT_ADVICE:
                        self._on_notice(limit_notice(err, self.poll_interval))
                    elif not self.root.is_dir():
                        raise
                    else:
                        self._on_notice(
                            f"Cannot watch {self.root} for changes ({err}); checking it every "
                            f"{self.poll_interval:g} s instead."
                        )
            # lstat, not stat: a directory symlink is then not a directory and is never walked into.
            self._observer = self._start(
                PollingObserverVFS(os.lstat, os.scandir, polling_interval=self.poll_interval)
            )
            self.mode = "polling"

    def _start(self, observer: BaseObserver) -> BaseObserver:
        try:
            observer.schedule(self._handler, os.fspath(self.root), recursive=True, event_filter=EVENTS)
            observer.start()
        except BaseException:
            # The inotify reader thread starts in the constructor; do not leave it running.
            with contextlib.suppress(Exception):
                observer.stop()
            raise
        return observer

    @property
    def alive(self) -> bool:
        """False when the observer or one of its emitters died (events are being lost)."""
        obs = self._observer
        if obs is None or not obs.is_alive():
            return False
        emitters = list(obs.emitters)
        return bool(emitters) and all(e.is_alive() for e in emitters)

    def stop(self, timeout: float = 1.0) -> None:
        with self._lock:
            self._stop_locked(timeout)

    def _stop_locked(self, timeout: float = 1.0) -> None:
        for name in _LOST_EVENT_LOGGERS:
            logging.getLogger(name).removeHandler(self._log_handler)
        obs, self._observer = self._observer, None
        self.mode = "off"
        if obs is None:
            return
        try:
            obs.stop()
            if obs.is_alive() and obs is not threading.current_thread():
                obs.join(timeout)
        except Exception:
            log.exception("stopping the file watcher failed")
