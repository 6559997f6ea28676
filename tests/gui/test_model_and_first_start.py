"""The model the app runs is the one it names, and a first start without a folder says what to do."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialogButtonBox

from gte_notes.core.files.config import Settings
from gte_notes.gui.desktop.crash import ErrorReporter
from gte_notes.gui.engine.bridge import EngineBridge
from gte_notes.gui.settings import config_flow
from gte_notes.gui.window.main_window import MainWindow
from tests.gui.conftest import WAIT_MS, type_query, wait_idle


def test_settings_and_index_health_name_the_model_given_at_start(
    qtbot, tmp_path: Path, notes_dir: Path, fake_embedder
) -> None:
    model_dir = tmp_path / "downloads" / "model"
    model_dir.mkdir(parents=True)
    (model_dir / "README.md").write_text("---\nlicense: x\n---\n\n# my-notes-model\n\nA model.\n")
    settings = Settings(folders=[str(notes_dir)], model="thenlper/gte-small")
    bridge = EngineBridge(settings, home=tmp_path / "data", model=str(model_dir), embedder=fake_embedder)
    state = QSettings(str(tmp_path / "config" / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(bridge, settings, state=state, reporter=ErrorReporter())
    qtbot.addWidget(window)
    window.show()
    window.start(str(notes_dir))
    wait_idle(qtbot, window)

    window.show_health()
    qtbot.waitUntil(lambda: "my-notes-model" in window._health.summary.text(), timeout=WAIT_MS)
    assert fake_embedder.model_id not in window._health.summary.text()

    window.edit_settings()
    dialog = window.config.settings_dialog
    assert dialog.model.text() == str(model_dir)
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    # Saving other settings does not turn a one-run --model into the saved model.
    assert settings.model == "thenlper/gte-small"
    assert bridge.model == str(model_dir)
    window.close()


def test_cancelling_the_first_folder_picker_shows_how_to_choose_one(
    qtbot, make_window, notes_dir: Path, monkeypatch, fake_embedder
) -> None:
    answers = [""]  # the user cancels the picker, later chooses the folder
    monkeypatch.setattr(config_flow.QFileDialog, "getExistingDirectory", lambda *a, **k: answers.pop(0))
    window = make_window(None, embedder=fake_embedder)
    qtbot.waitUntil(lambda: not answers, timeout=WAIT_MS)
    assert "Opening the index" not in window.health.activity.text()
    assert "No notes folder" in window.health.activity.text()
    assert "Open notes folder" in window.results.placeholder()
    assert window.messages.action.isVisible()

    window.search.setText("tomatoes")
    qtbot.waitUntil(lambda: window.shown_query == "tomatoes", timeout=WAIT_MS)
    assert "appear as soon as" not in window.results.placeholder()
    assert "No notes folder" in window.results.placeholder()

    answers.append(str(notes_dir))
    window.messages.action.click()
    wait_idle(qtbot, window)
    type_query(qtbot, window, "compost")
    assert window.results.hits.rowCount() > 0
    assert not window.messages.isVisible()
