"""Keyboard from the search field, the window title, and the start-up check for Qt's X11 libraries."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from gte_notes.gui.desktop.system_libs import xcb_problem
from gte_notes.gui.window import main_window
from tests.gui.conftest import WAIT_MS, type_query


def test_ctrl_e_in_the_search_field_opens_the_selected_note(qtbot, window, monkeypatch) -> None:
    opened: list[tuple[Path, int]] = []
    monkeypatch.setattr(
        main_window, "open_note", lambda path, line, command, **_kw: opened.append((path, line))
    )
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    type_query(qtbot, window, "compost")
    assert window.search.hasFocus()
    qtbot.keyClick(window.search, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert [p.name for p, _line in opened] == [Path(window.selected_hit().path).name]
    assert window.search.text() == "compost"  # the field's own Ctrl+E did nothing to the text


def test_the_window_title_names_the_folder_once(window, notes_dir: Path) -> None:
    # The desktop appends the application's name to the title itself.
    assert window.windowTitle() == notes_dir.name
    assert "gte-notes" not in window.windowTitle()


def test_missing_xcb_libraries_name_the_package_to_install() -> None:
    missing = {"libxcb-cursor.so.0"}
    message = xcb_problem({"DISPLAY": ":0"}, loads=lambda so: so not in missing)
    assert "sudo apt install libxcb-cursor0" in message
    assert xcb_problem({"DISPLAY": ":0"}, loads=lambda so: True) == ""
    # Not an X11 start: nothing to check.
    assert xcb_problem({"QT_QPA_PLATFORM": "offscreen"}, loads=lambda so: False) == ""
