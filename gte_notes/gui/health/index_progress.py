"""One steady account of an indexing session for the status bar: how far, out of how many, how long.

The indexer reports per run: a pause and resume, or a rescan, starts a new run that counts from 0
over the files still to do, and its ETA is the run's average so far, which swings as files that only
need a look alternate with batches that need the model. Shown raw, the counter went backwards
(34 → 27) and the ETA jumped (25 → 49 → 36 min → "less than a minute" → 8 min). Here the runs of one
session add up, the count never goes down, and the ETA comes from the session's rate over the time it
was actually indexing (pauses left out), after a warm-up and between the starts of two batches,
moved only when the new estimate is clearly different from the one counting down on screen.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

# The first seconds of an indexing session say little about its pace: the model's process may be
# loading (a restart embeds through a child that loads the model on the first batch, 4-8 s), and the
# first batches of each length make the runtime's kernels. Estimated from them, the ETA read 12 min for
# a 1.5 min index. So no ETA before this much indexing time, and the rate is measured after it.
WARMUP_S = 10.0
MIN_SAMPLE_S = 5.0  # ...and over at least this much time after the warm-up
STALL_S = 0.5  # a wait this long between two steps up is a batch being embedded
MARK_EVERY_S = 5.0  # without such waits (nothing to embed), the pace is sampled this often
RECENT_SHARE = 0.5  # the rate is measured over (at most) the later half of the session's indexing time
ETA_SLACK = 0.3  # a new estimate replaces the shown one only when it differs by more than this share


class _Tally:
    """One quantity of a session (files, or their bytes) added up over its runs."""

    def __init__(self) -> None:
        self.done = self.total = 0
        self._base = self._run_done = self._run_total = 0

    def update(self, done: int, total: int, new_run: bool) -> None:
        if new_run:
            # A new run counts what is left. If the session's total still covers it, what came before
            # it is done; if it is larger (files were added), it comes on top.
            self._base = self.total - total if total <= self.total else self.done
        self._run_done, self._run_total = done, total
        self.total = max(self.total, self._base + total)
        self.done = min(max(self.done, self._base + done), self.total)

    def is_new_run(self, done: int, total: int) -> bool:
        return done < self._run_done or (total != self._run_total and bool(self._run_total))


class SessionProgress:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.reset()

    def reset(self) -> None:
        """The session is over (the index is up to date) or another folder is open."""
        self._files = _Tally()
        # The notes' bytes, when the indexer reports them: notes differ in size many times over (a vault
        # sorted by name may start with its longest notes), and the time a note takes follows its size.
        self._bytes = _Tally()
        self.current = ""
        self._active_s = 0.0  # time spent indexing in this session, pauses left out
        self._last_at: float | None = None
        self._done_at_s = 0.0  # indexing time when the count last went up
        # (indexing time, amount done) where a batch's burst of steps begins, since the warm-up (pruned
        # to the measured window): the count runs ahead in bursts as files are read and stands still
        # while their batch is embedded, so the rate is measured between like points of that cycle.
        self._marks: deque[tuple[float, int]] = deque()
        self._eta: float | None = None  # shown estimate, counting down from when it was set
        self._eta_at = 0.0

    @property
    def done(self) -> int:
        return self._files.done

    @property
    def total(self) -> int:
        return self._files.total

    @property
    def active(self) -> bool:
        return self.total > 0

    def _amount(self) -> _Tally:
        """What the rate and the time left are measured in: bytes when known, else files."""
        return self._bytes if self._bytes.total > 0 else self._files

    def update(self, p: Any) -> None:
        """Take the indexer's Progress(done, total, current, ..., bytes_done, bytes_total) of the run."""
        if p.total <= 0:
            return
        new_run = self._files.is_new_run(p.done, p.total)
        amount_before = self._amount().done
        before = self.done
        self._files.update(p.done, p.total, new_run)
        bytes_total = int(getattr(p, "bytes_total", 0) or 0)
        if bytes_total > 0:
            self._bytes.update(int(getattr(p, "bytes_done", 0) or 0), bytes_total, new_run)
        self.current = p.current
        now = self._clock()
        if self._last_at is not None:
            self._active_s += now - self._last_at
        self._last_at = now
        if self.done > before:
            # The rate is measured from one step up to the next: between them (a batch being
            # embedded) the count stands still, and measuring there would make the ETA saw-tooth.
            stalled = self._active_s - self._done_at_s >= STALL_S
            last_mark = self._marks[-1][0] if self._marks else 0.0
            if self._active_s >= WARMUP_S and (stalled or self._active_s - last_mark >= MARK_EVERY_S):
                self._marks.append((self._active_s, amount_before))
            self._done_at_s = self._active_s
        self._update_eta(now)

    def pause(self) -> None:
        """Indexing stopped for a while: that time is not indexing time, and the ETA means nothing."""
        self._last_at = None
        self._eta = None

    def _update_eta(self, now: float) -> None:
        amount = self._amount()
        left = amount.total - amount.done if self.total > self.done else 0
        if left <= 0:
            self._eta = None
            return
        rate = self._rate()
        if rate is None:
            return
        estimate = left / rate
        shown = self.eta_s
        if shown is None or abs(estimate - shown) > ETA_SLACK * max(shown, 60.0):
            self._eta, self._eta_at = estimate, now

    def _rate(self) -> float | None:
        """Bytes (or files) per second of indexing time between two batch starts: from the first
        after the warm-up
        (or the one starting the later part of the session, once that is shorter) to the last; None
        until they are MIN_SAMPLE_S apart."""
        marks = self._marks
        if len(marks) < 2:
            return None
        start = marks[-1][0] * (1.0 - RECENT_SHARE)
        while len(marks) > 2 and marks[1][0] <= start:
            marks.popleft()
        (t0, done0), (t1, done1) = marks[0], marks[-1]
        if t1 - t0 < MIN_SAMPLE_S or done1 <= done0:
            return None
        return (done1 - done0) / (t1 - t0)

    @property
    def eta_s(self) -> float | None:
        """Seconds left, as shown: the last accepted estimate, counting down (never below 1)."""
        if self._eta is None:
            return None
        return max(self._eta - (self._clock() - self._eta_at), 1.0)
