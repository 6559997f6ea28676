"""“Open notes with” runs the way its hint says, and a command that fails says why in the window."""

from __future__ import annotations

from pathlib import Path

from tests.gui.conftest import WAIT_MS, type_query


def test_a_command_with_shell_syntax_runs_through_the_shell(qtbot, window, tmp_path: Path) -> None:
    log = tmp_path / "opened log.txt"
    window.settings.editor_command = f"echo {{path}}:{{line}} >> '{log}'"
    type_query(qtbot, window, "compost")
    window.open_selected()
    qtbot.waitUntil(lambda: log.is_file() and bool(log.read_text().strip()), timeout=WAIT_MS)
    assert log.read_text().strip().endswith(f"{window.selected_hit().path}:{window.selected_hit().line}")


def test_a_failing_command_shows_its_error(qtbot, window) -> None:
    window.settings.editor_command = "cat /no/such/editor-file {path} | head -1 && exit 3"
    type_query(qtbot, window, "compost")
    window.open_selected()
    qtbot.waitUntil(lambda: "failed" in window.messages.text(), timeout=WAIT_MS)
    assert "exit status" in window.messages.text()


def test_a_missing_program_is_named(qtbot, window) -> None:
    window.settings.editor_command = "no-such-editor-xyz {path}"
    type_query(qtbot, window, "compost")
    window.open_selected()
    qtbot.waitUntil(lambda: "no-such-editor-xyz" in window.messages.text(), timeout=WAIT_MS)
