"""What the indexing worker should reconcile next, and when.

Four sources of work meet here: watcher events (debounced), explicit requests (reindex, a cancelled
job put back), full scans (start-up, lost events, the periodic rescan) and retries after an error the
user can fix (disk full, folder missing). A full scan swallows everything else, since it looks at
every path anyway.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from gte_notes.core.live.debounce import MAX_WAIT_S, QUIET_S, Debouncer


@dataclass(frozen=True)
class Job:
    paths: frozenset[str] | None  # None: a full reconcile of the folder
    reason: str

    @property
    def full(self) -> bool:
        return self.paths is None


def collapse(paths: Iterable[str]) -> frozenset[str]:
    """Drop paths inside a folder that is itself in the set: reconciling the folder covers them, and
    the indexer would otherwise report a note of a moved folder as removed twice."""
    out: list[str] = []
    for p in sorted({p.strip("/") for p in paths if p.strip("/")}):
        if not out or not p.startswith(out[-1] + "/"):
            out.append(p)
    return frozenset(out)


class WorkQueue:
    """Thread-safe; `wake` is set whenever something is added, so the worker can sleep until then."""

    def __init__(
        self,
        *,
        quiet: float = QUIET_S,
        max_wait: float = MAX_WAIT_S,
        rescan_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.dirty = Debouncer(quiet, max_wait, clock)
        self.rescan_s = rescan_s  # <= 0: no periodic rescan
        self.wake = threading.Event()
        self._clock = clock
        self._lock = threading.Lock()
        self._now: set[str] = set()
        self._full: str | None = None
        self._retry: tuple[float, Job] | None = None
        self._next_rescan: float | None = None

    # ---- adding work (any thread) -------------------------------------------------------------

    def add_dirty(self, paths: Iterable[str]) -> None:
        self.dirty.add(paths)
        self.wake.set()

    def add_now(self, paths: Iterable[str]) -> None:
        with self._lock:
            self._now.update(paths)
        self.wake.set()

    def request_full(self, reason: str) -> None:
        with self._lock:
            if self._full is None:
                self._full = reason
        self.wake.set()

    def put_back(self, job: Job) -> None:
        """A job that was cancelled (pause): run it again as soon as work is allowed."""
        if job.paths is None:
            self.request_full(job.reason)
        else:
            self.add_now(job.paths)

    def retry_later(self, job: Job, delay: float) -> None:
        with self._lock:
            due = self._clock() + delay
            if self._retry is not None:
                old = self._retry[1]
                merged = None if old.paths is None or job.paths is None else old.paths | job.paths
                job = Job(merged, job.reason)
                due = min(due, self._retry[0])
            self._retry = (due, job)
        self.wake.set()

    def full_done(self) -> None:
        """A full reconcile ran (or was tried): the next periodic one is rescan_s from now."""
        with self._lock:
            self._next_rescan = self._clock() + self.rescan_s if self.rescan_s > 0 else None

    # ---- taking work (the worker) -------------------------------------------------------------

    def take(self) -> Job | None:
        now = self._clock()
        with self._lock:
            retry = None
            if self._retry is not None and self._retry[0] <= now:
                retry, self._retry = self._retry[1], None
            rescan_due = self._next_rescan is not None and self._next_rescan <= now
            if self._full is not None or rescan_due or (retry is not None and retry.paths is None):
                reason = self._full or ("periodic rescan" if rescan_due else retry.reason)  # type: ignore[union-attr]
                self._full = None
                self._now.clear()
                self._next_rescan = None
                self.dirty.take(force=True)
                return Job(None, reason)
            paths = set(self._now)
            self._now.clear()
            if retry is not None and retry.paths:
                paths |= retry.paths
        paths |= self.dirty.take()
        return Job(collapse(paths), "changes") if paths else None

    def deadline(self) -> float | None:
        """The earliest clock time at which `take` may return something new."""
        with self._lock:
            times = [t for t in (self._next_rescan, self._retry[0] if self._retry else None) if t is not None]
            if self._full is not None or self._now:
                return self._clock()
        due = self.dirty.due()
        if due is not None:
            times.append(due)
        return min(times) if times else None

    def pending(self) -> int:
        """Paths (or 1 for a full scan) waiting to run without anything else happening first.
        Retries and the periodic rescan wait for their time and do not count."""
        with self._lock:
            n = len(self._now) + (1 if self._full is not None else 0)
        return n + len(self.dirty)
