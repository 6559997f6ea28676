"""Settings and window layout persist; errors reach the user instead of vanishing."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from gte_notes.core.errors import KnownError
from gte_notes.core.files.config import Settings
from gte_notes.core.live.engine_state import EngineState, Phase
from gte_notes.gui.desktop.editor import editor_args
from gte_notes.gui.desktop.tasks import Task
from gte_notes.gui.engine.snippet import make_snippet
from tests.gui.conftest import WAIT_MS, result_paths, type_query, wait_idle, write_notes


def test_settings_dialog_saves_and_a_new_folder_is_indexed(qtbot, window, tmp_path: Path) -> None:
    other = write_notes(tmp_path / "other", {"birds/owls.md": "# Owls\n\nOwls hunt mice at night.\n"})
    window.edit_settings()
    dialog = window.config.settings_dialog
    dialog.folder.setText(str(other))
    dialog.editor.setText("gvim +{line} {path}")
    dialog.results.setValue(7)
    dialog.exclude.setPlainText("drafts/**\n\n")
    dialog.accept()

    qtbot.waitUntil(lambda: window.bridge.folder == str(other), timeout=WAIT_MS)
    wait_idle(qtbot, window)
    type_query(qtbot, window, "owls hunting")
    assert result_paths(window) == ["birds/owls.md"]
    qtbot.waitUntil(lambda: Settings.load().folders[:1] == [str(other)], timeout=WAIT_MS)
    saved = Settings.load()
    assert (saved.editor_command, saved.result_count) == ("gvim +{line} {path}", 7)
    assert saved.exclude == ["drafts/**"]


def test_window_geometry_and_splitters_are_restored(
    qtbot, make_window, notes_dir: Path, fake_embedder, tmp_path: Path
) -> None:
    first = make_window(notes_dir, embedder=fake_embedder)
    first.resize(720, 520)  # within the offscreen screen (800 x 600)
    first.hsplit.setSizes([250, 454])
    first.related.unlinked.setChecked(True)
    wait_idle(qtbot, first)
    first.close()

    second = make_window(notes_dir, embedder=fake_embedder)
    assert (second.width(), second.height()) == (720, 520)
    left = second.hsplit.sizes()[0]
    assert abs(left - 250) <= 10
    assert second.related.unlinked.isChecked()
    ini = QSettings(str(tmp_path / "config" / "window.ini"), QSettings.Format.IniFormat)
    assert ini.value("splitter/main") is not None


def test_a_bug_in_a_worker_thread_shows_a_details_dialog(qtbot, window) -> None:
    window.reporter.install()
    try:

        def broken() -> None:
            raise ValueError("something impossible happened")

        with qtbot.waitSignal(window.reporter.bug, timeout=WAIT_MS) as bug:
            thread = threading.Thread(target=broken)
            thread.start()
        thread.join()
    finally:
        window.reporter.uninstall()
    assert "something impossible happened" in bug.args[0]
    dialog = window.reporter._dialog
    assert isinstance(dialog, QMessageBox) and dialog.isVisible()
    assert "ValueError" in dialog.detailedText() and "Traceback" in dialog.detailedText()
    dialog.close()


def test_a_known_error_is_shown_in_place_not_as_a_crash(qtbot, window) -> None:
    window.reporter.install()
    try:

        def full_disk() -> None:
            raise KnownError("The disk is full; free some space and gte-notes carries on.")

        with qtbot.waitSignal(window.reporter.known, timeout=WAIT_MS):
            Task(full_disk).start(window.bridge.control_pool)
    finally:
        window.reporter.uninstall()
    assert "disk is full" in window.health.activity.text()
    assert "disk is full" in window.messages.text()
    assert window.reporter._dialog is None


def test_index_problems_from_the_engine_are_shown_in_the_status_bar(qtbot, window) -> None:
    window.bridge.error.emit("The notes folder is unreachable; searching still works.", False, "")
    assert "unreachable" in window.health.activity.text()
    window.bridge.state_changed.emit(EngineState(Phase.IDLE))
    assert "unreachable" not in window.health.activity.text()


def test_editor_command_gets_path_and_line_without_quoting_trouble(tmp_path: Path) -> None:
    note = tmp_path / "my notes" / "a b.md"
    assert editor_args("code -g {path}:{line}", note, 12) == ["code", "-g", f"{note}:12"]
    assert editor_args("gedit", note, 3) == ["gedit", str(note)]
    assert editor_args("emacsclient -n +{line} {path}", note, 0) == ["emacsclient", "-n", "+1", str(note)]


def test_snippet_drops_markup_and_keeps_the_marks_on_the_words() -> None:
    passage = (
        "## Setup\n\nInstall **Dendron** from [the marketplace](https://x.y) then open a "
        "[[vault|dendron.vault]].\n"
    )
    spans = [
        (passage.index("Dendron"), passage.index("Dendron") + 7),
        (passage.index("vault|"), passage.index("vault|") + 5),
        (passage.index(" a [[") + 1, passage.index(" a [[") + 2),
    ]
    snip = make_snippet(passage, spans)
    assert snip.text == "Install Dendron from the marketplace then open a vault."
    assert [snip.text[a : a + n] for a, n in snip.marks] == ["Dendron", "vault"]  # "a" is not worth marking


def test_settings_refuse_a_notes_folder_that_does_not_exist(
    qtbot, window, tmp_path: Path, notes_dir: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file.md").write_text("x", encoding="utf-8")
    window.edit_settings()
    dialog = window.config.settings_dialog
    for typed, why in (
        ("128", "not a full path"),
        (str(tmp_path / "nowhere"), "does not exist"),
        (str(tmp_path / "a-file.md"), "not a folder"),
    ):
        dialog.folder.setText(typed)
        dialog.accept()
        assert dialog.isVisible() and why in dialog.problem.text(), typed
    assert Settings.load().folders[:1] != ["128"] and window.bridge.folder == str(notes_dir)
    other = write_notes(tmp_path / "other", {"owls.md": "# Owls\n\nOwls hunt at night.\n"})
    dialog.folder.setText(f"{other}/")
    dialog.accept()
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: Settings.load().folders[:1] == [str(other)], timeout=WAIT_MS)


def test_vector_size_warning_gives_a_model_folder_its_real_size(
    qtbot, make_window, notes_dir: Path, tmp_path: Path, fake_embedder
) -> None:
    folder_model = tmp_path / "models" / "my-minilm"
    folder_model.mkdir(parents=True)
    window = make_window(notes_dir, embedder=fake_embedder, model=str(folder_model))
    wait_idle(qtbot, window)
    window.edit_settings()
    dialog = window.config.settings_dialog
    dialog.dims.setValue(256)
    note = dialog.dims_note.text()
    assert f"256 of its {fake_embedder.dim} dimensions" in note and "65536" not in note
    dialog.dims.setValue(fake_embedder.dim + 64)
    dialog.accept()
    assert dialog.isVisible() and f"from 128 to {fake_embedder.dim}" in dialog.problem.text()


def test_settings_hints_say_what_a_change_does(qtbot, window) -> None:
    from PySide6.QtWidgets import QLabel

    window.edit_settings()
    hints = " ".join(label.text() for label in window.config.settings_dialog.findChildren(QLabel))
    assert "words only" not in hints  # meaning search keeps working during a model change
    assert "keeps using the current model" in hints
    assert "no model run" in hints  # a smaller vector size is a cut, not a re-embedding
