"""Help: the shortcuts the menus really have, and About with the version and where the data lives."""

from __future__ import annotations

from pathlib import Path

from gte_notes import __version__


def _help_action(window, text: str):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    return next(a for a in menu.actions() if a.text() == text)


def test_help_lists_the_shortcuts_and_where_the_data_lives(
    qtbot, window, tmp_path: Path, notes_dir: Path
) -> None:
    _help_action(window, "&Keyboard shortcuts").trigger()
    shortcuts = window.help_box.text()
    for keys in ("Ctrl+K", "Ctrl+E", "Ctrl+I", "F5", "Enter", "Esc", "Alt+Left"):
        assert keys in shortcuts, keys
    window.help_box.close()
    _help_action(window, "&About gte-notes").trigger()
    about = window.help_box.text()
    assert __version__ in about and str(notes_dir) in about
    assert str((tmp_path / "data").resolve()) in about  # the index, as --data-dir/GTE_NOTES_HOME give it
    assert str(tmp_path / "config" / "settings.json") in about
    assert "Nothing leaves this machine" in about
    window.help_box.close()
