"""Coalesce a burst of file events into one batch.

Editors save in several steps (write a temp file, rename the note away, rename the temp over it) and
a git checkout or a sync client touches thousands of files in a second. Reconciling after every event
would index half-written states and thrash; waiting for quiet batches them, and the cap on waiting
keeps a folder that never goes quiet (a long sync) from never being indexed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

QUIET_S = 1.0
MAX_WAIT_S = 5.0


class Debouncer:
    """A set of dirty paths that is ready `quiet` s after the last add, or `max_wait` s after the first."""

    def __init__(
        self,
        quiet: float = QUIET_S,
        max_wait: float = MAX_WAIT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.quiet = quiet
        self.max_wait = max_wait
        self._clock = clock
        self._lock = threading.Lock()
        self._items: set[str] = set()
        self._first = 0.0
        self._last = 0.0

    def add(self, items: Iterable[str]) -> None:
        now = self._clock()
        with self._lock:
            before = len(self._items)
            self._items.update(items)
            if len(self._items) == before:
                # A repeat (an editor's second write to the same note) still means "not quiet yet".
                if before:
                    self._last = now
                return
            if not before:
                self._first = now
            self._last = now

    def due(self) -> float | None:
        """When the current batch becomes ready (a clock time), or None when there is nothing."""
        with self._lock:
            if not self._items:
                return None
            return min(self._last + self.quiet, self._first + self.max_wait)

    def take(self, *, force: bool = False) -> set[str]:
        """The batch if it is ready (or `force`), else an empty set. Taking empties the debouncer."""
        now = self._clock()
        with self._lock:
            if not self._items:
                return set()
            if not force and now < min(self._last + self.quiet, self._first + self.max_wait):
                return set()
            items, self._items = self._items, set()
            return items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
