"""One steady account of an indexing session for the status bar: how far, out of how many, how long.

The indexer reports per run: a pause and resume, or a rescan, starts a new run that counts from 0
over the files still to do, and its ETA is the run's average so far, which swings as files that only
need a look alternate with batches that need the model. Shown raw, the counter went backwards
(34 → 27) and the ETA jumped (25 → 49 → 36 min → "less than a minute" → 8 min). Here the runs of one
session add up, the count never goes down, and the ETA comes from the session's rate over the time it
was actually indexing (pauses left out), moved only when the new estimate is clearly different from
the one counting down on screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

MIN_SAMPLE_S = 5.0  # no ETA before the rate has this much behind it
ETA_SLACK = 0.3  # a new estimate replaces the shown one only when it differs by more than this share


class SessionProgress:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.reset()

    def reset(self) -> None:
        """The session is over (the index is up to date) or another folder is open."""
        self.done = 0
        self.total = 0
        self.current = ""
        self._base = 0
        self._run_done = 0
        self._run_total = 0
        self._active_s = 0.0  # time spent indexing in this session, pauses left out
        self._last_at: float | None = None
        self._done_at_s = 0.0  # indexing time when the count last went up
        self._eta: float | None = None  # shown estimate, counting down from when it was set
        self._eta_at = 0.0

    @property
    def active(self) -> bool:
        return self.total > 0

    def update(self, p: Any) -> None:
        """Take the indexer's Progress(done, total, current, ...) of the run under way."""
        if p.total <= 0:
            return
        if p.done < self._run_done or (p.total != self._run_total and self._run_total):
            # A new run: it counts what is left. If the session's total still covers it, the files
            # before it are done; if it is larger (files were added), it comes on top.
            self._base = self.total - p.total if p.total <= self.total else self.done
        self._run_done, self._run_total = p.done, p.total
        before = self.done
        self.total = max(self.total, self._base + p.total)
        self.done = min(max(self.done, self._base + p.done), self.total)
        self.current = p.current
        now = self._clock()
        if self._last_at is not None:
            self._active_s += now - self._last_at
        self._last_at = now
        if self.done > before:
            # The rate is measured from one step up to the next: between them (a batch being
            # embedded) the count stands still, and measuring there would make the ETA saw-tooth.
            self._done_at_s = self._active_s
        self._update_eta(now)

    def pause(self) -> None:
        """Indexing stopped for a while: that time is not indexing time, and the ETA means nothing."""
        self._last_at = None
        self._eta = None

    def _update_eta(self, now: float) -> None:
        left = self.total - self.done
        if left <= 0:
            self._eta = None
            return
        if self._done_at_s < MIN_SAMPLE_S or self.done <= 0:
            return
        estimate = left / (self.done / self._done_at_s)
        shown = self.eta_s
        if shown is None or abs(estimate - shown) > ETA_SLACK * max(shown, 60.0):
            self._eta, self._eta_at = estimate, now

    @property
    def eta_s(self) -> float | None:
        """Seconds left, as shown: the last accepted estimate, counting down (never below 1)."""
        if self._eta is None:
            return None
        return max(self._eta - (self._clock() - self._eta_at), 1.0)
