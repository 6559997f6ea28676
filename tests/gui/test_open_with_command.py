"""“Open notes with” runs the way its hint says, and a command that fails says why in the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QDesktopServices, QGuiApplication

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


def test_a_failing_command_never_says_opened(qtbot, window) -> None:
    window.settings.editor_command = "no-such-editor-xyz {path}"
    type_query(qtbot, window, "compost")
    window.open_selected()
    qtbot.waitUntil(lambda: "no-such-editor-xyz" in window.messages.text(), timeout=WAIT_MS)
    assert not window.health.currentMessage().startswith("Opened")
    window.settings.editor_command = "sh -c 'sleep 0.2; exit 4' {path}"
    window.open_selected()
    assert window.health.currentMessage().startswith("Opening ")  # not "Opened" before it is known
    qtbot.waitUntil(lambda: "exit status 4" in window.messages.text(), timeout=WAIT_MS)
    assert not window.health.currentMessage().startswith("Opened")


def test_a_deleted_recent_note_is_never_handed_to_the_editor(
    qtbot, window, notes_dir: Path, tmp_path: Path
) -> None:
    log = tmp_path / "opened.txt"
    window.settings.editor_command = f"echo {{path}} >> '{log}'"
    type_query(qtbot, window, "compost")
    hit = window.selected_hit()
    window.open_selected()
    qtbot.waitUntil(lambda: log.is_file(), timeout=WAIT_MS)
    log.unlink()
    (notes_dir / hit.path).unlink()
    assert [n.path for n in window.memory.notes] == [hit.path]
    window.open_hit(hit)  # Enter on it in the recent list before the index has noticed
    assert "no longer in the notes folder" in window.messages.text()
    assert hit.path not in [n.path for n in window.memory.notes]
    assert not (notes_dir / hit.path).exists() and not log.exists()


def test_reveal_without_a_file_manager_says_so(qtbot, window, monkeypatch, notes_dir: Path) -> None:
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda _url: False))
    type_query(qtbot, window, "compost")
    window.pane.reveal(window.selected_hit())
    assert "No file manager" in window.messages.text()
    assert QGuiApplication.clipboard().text() == str((notes_dir / window.selected_hit().path).parent)


def test_recently_opened_drops_a_note_once_the_index_sees_it_gone(qtbot, window, notes_dir: Path) -> None:
    window.settings.editor_command = "true {path}"
    type_query(qtbot, window, "compost")
    hit = window.selected_hit()
    window.open_selected()
    (notes_dir / hit.path).unlink()

    def gone() -> bool:
        window.bridge.refresh_status()
        return hit.path not in [n.path for n in window.memory.notes]

    qtbot.waitUntil(gone, timeout=WAIT_MS)
