"""The app opened on a folder that `gte-notes watch` is indexing in another process (issue 23 item 3):
it shows what that process indexes as it goes, says so, and keeps the index itself once it has gone.

A real second process holding the real writer lock; the fake embedder in both (tests/fakes.py)."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from gte_notes.core.live.engine_state import Phase
from tests.core.live_helpers import LineReader, fake_cli, fake_env, wait_until, write
from tests.gui.conftest import WAIT_MS, result_paths, type_query


def test_window_beside_a_running_watch_shows_its_notes_and_takes_over(
    make_window, notes_dir: Path, fake_embedder, qtbot, tmp_path: Path
) -> None:
    proc = subprocess.Popen(
        fake_cli(tmp_path / "data", "watch", str(notes_dir)),
        env=fake_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out = LineReader(proc)
    try:
        wait_until(lambda: out.has("idle"), 60, "the other writer to be ready")
        window = make_window(notes_dir, embedder=fake_embedder)
        qtbot.waitUntil(
            lambda: window.engine_state.phase is Phase.FOLLOWING and window.bridge.engine.ready,
            timeout=WAIT_MS,
        )
        assert "Another gte-notes process" in window.health.activity.text()
        type_query(qtbot, window, "penguins")
        write(
            notes_dir, "birds/penguins.md", "# Penguins\n\npenguins huddle on the ice\n"
        )  # indexed by the other
        qtbot.waitUntil(lambda: result_paths(window)[:1] == ["birds/penguins.md"], timeout=WAIT_MS)

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    qtbot.waitUntil(lambda: window.engine_state.phase is Phase.IDLE, timeout=WAIT_MS)  # the window writes now
    write(notes_dir, "birds/puffins.md", "# Puffins\n\npuffins nest on cliffs\n")
    type_query(qtbot, window, "puffins")
    qtbot.waitUntil(lambda: result_paths(window)[:1] == ["birds/puffins.md"], timeout=WAIT_MS)
