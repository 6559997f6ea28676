"""Quitting never waits for work in flight, and loses nothing that was committed."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from gte_notes.core.live.engine import Engine
from tests.core.live_helpers import check_consistent
from tests.fakes import FakeEmbedder
from tests.gui.conftest import WAIT_MS, write_notes

REPO = Path(__file__).resolve().parents[2]


class StuckEmbedder(FakeEmbedder):
    """Embeds `free_batches` calls normally, then sits in a "forward pass" that ignores cancel, as a
    long batch on a slow CPU does, until `release` is set."""

    def __init__(self, free_batches: int = 0) -> None:
        super().__init__()
        self.free_batches = free_batches
        self.stuck = threading.Event()
        self.release = threading.Event()

    def encode(self, texts, token_counts=None, cancel=None):
        if self.free_batches <= 0:
            self.stuck.set()
            self.release.wait()
        self.free_batches -= 1
        return super().encode(texts, token_counts, cancel)


def _folder(root: Path, n: int = 60) -> Path:
    return write_notes(
        root, {f"n{i:03}.md": f"# Note {i}\n\nAbout topic {i % 7} and item {i}.\n" for i in range(n)}
    )


def test_closing_does_not_wait_for_a_stuck_batch_or_a_hung_read(qtbot, make_window, tmp_path: Path) -> None:
    stuck = StuckEmbedder()
    window = make_window(_folder(tmp_path / "notes"), embedder=stuck)
    qtbot.waitUntil(stuck.stuck.is_set, timeout=WAIT_MS)
    engine = window.bridge.engine
    read_hung = threading.Event()
    unhang = threading.Event()

    def hung_search(query: str, limit: int = 20):
        read_hung.set()
        unhang.wait()  # a note on a network share that stopped answering
        return [], "hybrid"

    engine.search_with_mode = hung_search  # type: ignore[method-assign]
    window.search.setText("topic")
    qtbot.waitUntil(read_hung.is_set, timeout=WAIT_MS)
    # If closing waited for either, the guard frees them after a while and the test fails instead of hanging.
    guard = threading.Timer(WAIT_MS / 1000, lambda: (unhang.set(), stuck.release.set()))
    guard.start()
    try:
        window.close()
        closed_while_busy = not unhang.is_set() and not stuck.release.is_set()
    finally:
        guard.cancel()
        unhang.set()
        stuck.release.set()
    assert closed_while_busy
    assert window.bridge.engine is None
    qtbot.waitUntil(lambda: not engine.running, timeout=WAIT_MS)  # freed, it ends on its own


CHILD = r"""
import sys
sys.path.insert(0, {repo!r})
from PySide6.QtCore import QSettings, QTimer
from gte_notes.core.files.config import Settings
from gte_notes.gui.window.app import finish_process, make_app
from gte_notes.gui.engine.bridge import EngineBridge
from gte_notes.gui.window.main_window import MainWindow
from tests.gui.test_quit import StuckEmbedder

app = make_app()
stuck = StuckEmbedder(free_batches=2)
settings = Settings(folders=[{folder!r}])
bridge = EngineBridge(settings, home={home!r}, embedder=stuck, watch=False)
window = MainWindow(bridge, settings, state=QSettings({ini!r}, QSettings.Format.IniFormat), persist=False)
window.show()
window.start({folder!r})

def poll():
    if stuck.stuck.is_set():
        print("stuck in a batch", flush=True)
        window.close()  # what Ctrl+Q does

timer = QTimer()
timer.timeout.connect(poll)
timer.start(20)
finish_process(app.exec())
"""


def test_quitting_the_app_mid_batch_ends_the_process_and_the_next_start_finishes(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "notes", 300)
    home = tmp_path / "data"
    script = CHILD.format(repo=str(REPO), folder=str(folder), home=str(home), ini=str(tmp_path / "w.ini"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GTE_NOTES_CONFIG=str(tmp_path / "config"))
    # The child's third batch never ends; quitting must end the process anyway (the timeout only
    # keeps a regression from hanging the test run).
    proc = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT_MS / 1000 * 2,
    )
    assert proc.returncode == 0, proc.stderr
    assert "stuck in a batch" in proc.stdout, proc.stderr

    db = next(home.rglob("index.db"))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert 0 < conn.execute("SELECT COUNT(*) FROM notes WHERE status = 'indexed'").fetchone()[0] < 300
    again = Engine(folder, home=home, embedder=FakeEmbedder(), watch=False)
    again.start()
    try:
        assert again.wait_idle(WAIT_MS / 1000)
        assert again.status().counts.get("indexed") == 300
    finally:
        again.stop()
    check_consistent(db)
