"""window.ini holds the search history and the recent notes' paths and titles: owner-only, as the index
is (issue 23 item 6), also when an older version left the config folder and its files open."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from PySide6.QtWidgets import QMainWindow, QSplitter

from gte_notes.core.files.config import Settings
from gte_notes.core.search.results import Hit
from gte_notes.gui.results.search_memory import SearchMemory
from gte_notes.gui.window import window_state


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _use_the_window(qtbot, config: Path) -> None:
    store = window_state.state_store()
    memory = SearchMemory(store)
    memory.typed("private medical appointment")
    memory.opened(
        Hit(path="health/diagnosis.md", title="My diagnosis", score=1.0, passage="", line=1, start=0, end=0)
    )
    window = QMainWindow()
    qtbot.addWidget(window)
    memory.save()
    window_state.save(store, window, {"main": QSplitter()})
    assert "diagnosis" in (config / "window.ini").read_text()


def test_window_state_is_written_owner_only_with_a_permissive_umask(qtbot, tmp_path: Path) -> None:
    config = tmp_path / "config"  # GTE_NOTES_CONFIG (conftest)
    old = os.umask(0o022)
    try:
        _use_the_window(qtbot, config)
    finally:
        os.umask(old)
    assert _mode(config) == 0o700
    assert {p.name: _mode(p) for p in config.iterdir()} == {p.name: 0o600 for p in config.iterdir()}


def test_an_open_config_folder_from_an_older_version_is_tightened(qtbot, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir(mode=0o755)
    config.chmod(0o755)
    for name, text in (("window.ini", "[search]\nhistory=old query\n"), ("settings.json", "{}")):
        (config / name).write_text(text)
        (config / name).chmod(0o644)
    _use_the_window(qtbot, config)
    assert _mode(config) == 0o700
    assert {p.name: _mode(p) for p in config.iterdir()} == {p.name: 0o600 for p in config.iterdir()}


def test_saving_settings_tightens_an_open_config_folder(tmp_path: Path) -> None:
    config = tmp_path / "cfg"
    config.mkdir()
    config.chmod(0o755)
    (config / "window.ini").write_text("[search]\nhistory=old query\n")
    (config / "window.ini").chmod(0o644)
    Settings(folders=["/somewhere"]).save(config / "settings.json")
    assert _mode(config) == 0o700 and _mode(config / "window.ini") == 0o600
    assert _mode(config / "settings.json") == 0o600
