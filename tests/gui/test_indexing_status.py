"""Indexing status that never contradicts itself: one count for the bar and the counters, never going
backwards across pause and resume, a steady ETA, and Index health listing every file from the start."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

from gte_notes.core.index.progress import Progress
from gte_notes.core.live.engine_state import EngineState, Phase
from gte_notes.core.live.engine_status import IndexStatus
from gte_notes.gui.health.health_bar import HealthBar
from tests.fakes import FakeEmbedder
from tests.gui.conftest import NOTES, WAIT_MS, wait_idle


def progress(done: int, total: int, current: str = "a.md") -> Progress:
    return Progress(done, total, current, None, 0, 0)


def test_the_counter_matches_the_bar_and_never_goes_back_after_resume(qtbot) -> None:
    bar = HealthBar()
    qtbot.addWidget(bar)
    bar.set_state(EngineState(Phase.INDEXING))
    bar.set_progress(progress(406, 1012))
    # The index's own counts lag behind (notes are written in batches): they must not be shown as is.
    bar.set_status(IndexStatus("notes", "index", counts={"indexed": 39}, files_total=40))
    assert (bar.bar.value(), bar.bar.maximum()) == (406, 1012)
    assert "406/1,012" in bar.counts.text() and "39/40" not in bar.counts.text()
    assert "406/1,012" in bar.activity.text()

    bar.set_state(EngineState(Phase.PAUSED))
    bar.set_state(EngineState(Phase.INDEXING))
    bar.set_progress(progress(0, 700))  # the resumed run counts the files still to do
    assert bar.bar.value() == 406 and "406/1,012" in bar.counts.text()
    bar.set_progress(progress(350, 700))
    assert bar.bar.value() == 662 and "662/1,012" in bar.activity.text()


def test_no_zero_of_zero_before_anything_is_known(qtbot) -> None:
    bar = HealthBar()
    qtbot.addWidget(bar)
    bar.set_status(IndexStatus("notes", "index"))
    assert "0/0" not in bar.counts.text()


def test_the_eta_counts_down_steadily_through_uneven_files(qtbot) -> None:
    now = [0.0]
    bar = HealthBar()
    qtbot.addWidget(bar)
    bar.session._clock = lambda: now[0]
    bar.set_state(EngineState(Phase.INDEXING))
    shown: list[str] = []
    done = 0
    # 1,000 files at one a second on average: quick files in bursts of 10, then a 10-second embedding.
    for step in range(1, 400):
        now[0] = float(step)
        done += 10 if step % 10 == 0 else 0
        eta_s = (step / done) * (1000 - done) if done else None  # what the indexer itself reports
        bar.set_progress(Progress(done, 1000, "n.md", eta_s, 0, 0))
        text = bar.activity.text()
        if "left" in text:
            shown.append(text.rsplit("·", 1)[1].strip())
    minutes = [int(t.split()[1]) for t in shown if t.startswith("about")]
    assert "less than a minute left" not in shown
    assert minutes and all(b <= a for a, b in itertools.pairwise(minutes))


class GatedEmbedder(FakeEmbedder):
    """Embeds nothing until the test opens the gate: indexing stays under way."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def encode(self, *args, **kwargs):
        self.gate.wait(WAIT_MS / 1000)
        return super().encode(*args, **kwargs)


def test_index_health_lists_every_file_while_indexing(qtbot, make_window, notes_dir: Path) -> None:
    embedder = GatedEmbedder()
    window = make_window(notes_dir, embedder=embedder)
    try:
        qtbot.waitUntil(
            lambda: window.engine_state.phase in (Phase.SCANNING, Phase.INDEXING), timeout=WAIT_MS
        )
        window.show_health()
        dialog = window._health
        qtbot.waitUntil(lambda: dialog.model.rowCount() == len(NOTES), timeout=WAIT_MS)
        statuses = {r.path: r.status for r in dialog.model.rows}
        assert set(statuses) == set(NOTES)
        assert "waiting" in statuses.values()
    finally:
        embedder.gate.set()
    wait_idle(qtbot, window)
