"""A query typed once at launch fills in while the first index runs: the notes indexed first are listed
long before the last one is (README: the shown query is re-run once per REFRESH_MS during a bulk index).

The fake embedder stands in for the model (the model is not the point); it embeds one batch per
permission the test gives, so "the index is not done yet" is a fact the test controls, not a race."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from gte_notes.core.errors import Cancelled
from gte_notes.core.live.engine_state import Phase
from tests.fakes import FakeEmbedder
from tests.gui.conftest import WAIT_MS, result_paths, write_notes

QUERY = "daily journal"


class BatchGatedEmbedder(FakeEmbedder):
    """Embeds a batch only when the test allows one (`allow`); says when it is waiting for that."""

    def __init__(self) -> None:
        super().__init__()
        self._permits = threading.Semaphore(0)
        self.calls = 0
        self.waiting = threading.Event()

    def allow(self, batches: int = 1) -> None:
        for _ in range(batches):
            self._permits.release()

    def encode(
        self,
        texts: Sequence[str],
        token_counts: Sequence[int] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> np.ndarray:
        self.waiting.set()
        while not self._permits.acquire(timeout=0.05):
            if cancel is not None and cancel():  # the window closed: stop waiting
                self.waiting.clear()
                raise Cancelled()
        self.waiting.clear()
        self.calls += 1
        return super().encode(texts, token_counts, cancel)


def _vault(root: Path) -> Path:
    # Sorted first (the indexer goes in path order): the journal entries; then many other notes, so
    # the index takes several batches.
    notes: dict[str, str | bytes] = {
        f"a-journal/2024-05-{d:02d}.md": f"# Daily journal {d}\n\nMy daily journal entry for May {d}: "
        "planted "
        "beans and read a book.\n"
        for d in range(1, 6)
    }
    notes.update(
        {
            f"b-topics/topic-{n:03d}.md": f"# Topic {n}\n\nNotes about subject number {n}: facts, "
            "sources and open questions.\n"
            for n in range(400)
        }
    )
    return write_notes(root, notes)


def test_results_appear_while_the_first_index_runs(qtbot, make_window, tmp_path: Path) -> None:
    folder = _vault(tmp_path / "notes")
    embedder = BatchGatedEmbedder()
    window = make_window(folder, embedder=embedder)
    try:
        qtbot.keyClicks(window.search, QUERY)  # typed once, at launch, and never touched again
        qtbot.waitUntil(embedder.waiting.is_set, timeout=WAIT_MS)  # the first batch is read, not yet written
        # Every search the launch asked for has answered (none written yet): what comes next must come
        # from the index moving on, not from a search that happened to be late.
        qtbot.waitUntil(
            lambda: (
                window.shown_query == QUERY
                and not window.bridge.busy
                and not window._refresh_timer.isActive()
            ),
            timeout=WAIT_MS,
        )
        assert result_paths(window) == []

        embedder.allow(1)  # the first batch (the journal entries among its notes) is written
        qtbot.waitUntil(lambda: embedder.calls == 1 and embedder.waiting.is_set(), timeout=WAIT_MS)
        qtbot.waitUntil(
            lambda: any(p.startswith("a-journal/") for p in result_paths(window)), timeout=WAIT_MS
        )

        # ... while the index is still far from done: the second batch waits for the test.
        assert embedder.calls == 1 and window.engine_state.phase in (Phase.SCANNING, Phase.INDEXING)
        assert window.progress is not None and window.progress.done < window.progress.total
        assert window.search.text() == QUERY and window.results.current_row() == 0
    finally:
        embedder.allow(1000)
