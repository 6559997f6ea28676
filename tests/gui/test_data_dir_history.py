"""Two data folders (--data-dir) keep their own search history and recent searches (window.ini in
DATA/config), so a demo or a second vault's data folder does not mix its searches into the everyday ones.
The fake embedder is enough: what is tested is where the history is kept, not the ranking."""

from __future__ import annotations

from pathlib import Path

import pytest

from gte_notes.core.files.config import Settings
from gte_notes.gui.desktop.crash import ErrorReporter
from gte_notes.gui.engine.bridge import EngineBridge
from gte_notes.gui.window.main_window import MainWindow
from tests.gui.conftest import WAIT_MS, type_query, wait_idle


def _window(qtbot, home: Path, notes: Path, embedder) -> MainWindow:
    settings = Settings(folders=[str(notes)])
    bridge = EngineBridge(settings, home=home, embedder=embedder, watch=False)
    window = MainWindow(bridge, settings, reporter=ErrorReporter())  # its own window state, as the app's
    qtbot.addWidget(window)
    window.show()
    window.start(str(notes))
    return window


def test_two_data_dirs_keep_separate_search_history(
    qtbot, tmp_path: Path, notes_dir: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GTE_NOTES_CONFIG")
    monkeypatch.delenv("GTE_NOTES_HOME", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    homes = {"compost": tmp_path / "a", "tomatoes": tmp_path / "b"}
    for query, home in homes.items():
        window = _window(qtbot, home, notes_dir, fake_embedder)
        wait_idle(qtbot, window)
        type_query(qtbot, window, query)
        window.memory.commit()
        window.close()
    for query, home in homes.items():
        again = _window(qtbot, home, notes_dir, fake_embedder)
        assert again.memory.searches == [query]
        assert again.search.text() == query
        qtbot.waitUntil(lambda w=again: w.bridge.engine is not None, timeout=WAIT_MS)
        again.close()
    assert not (tmp_path / "xdg" / "gte-notes" / "window.ini").exists()
