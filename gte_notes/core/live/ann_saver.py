"""When the writer saves its ANN: after batches, but not more often than every few seconds, and a big
index (whose file takes a while to write) less often, so saving stays a small share of the writer's
time. The ANN is a cache of the database: a save that fails costs a rebuild on the next start."""

from __future__ import annotations

import time
from collections.abc import Callable

from gte_notes.core.errors import KnownError
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.store import Store

ANN_SAVE_MIN_S = 5.0  # the ANN is saved after a batch, but not more often than this


class AnnSaver:
    def __init__(self, min_s: float = ANN_SAVE_MIN_S) -> None:
        self.min_s = min_s
        self.last = 0.0
        self.cost = 0.0  # seconds the last save took

    def interval(self) -> float:
        return max(self.min_s, 10 * self.cost)

    def due_at(self) -> float:
        return self.last + self.interval()

    def save(
        self,
        ann: AnnIndex | None,
        store: Store | None,
        *,
        problem: Callable[[str], None],
        bug: Callable[[str, BaseException], None],
        force: bool = False,
    ) -> None:
        if ann is None or store is None or not ann.dirty:
            return
        now = time.monotonic()
        if not force and now - self.last < self.interval():
            return
        try:
            ann.save(store)
        except KnownError as err:  # a full disk: says itself what was kept and what to do
            problem(str(err))
        except OSError as err:
            problem(
                f"Could not save the search index ({err}); it will be rebuilt from the database on the "
                "next start."
            )
        except Exception as err:  # noqa: BLE001 - a bug, reported; the next start rebuilds the ANN if need be
            bug("Could not save the search index", err)
        self.last = time.monotonic()
        self.cost = self.last - now
