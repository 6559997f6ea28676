"""Changing the model in Settings: no restart, search keeps answering while the notes are re-embedded,
the status bar says so with a cancel button, and cancelling puts the settings back. Real stand-in model."""

from __future__ import annotations

from pathlib import Path

from gte_notes.core.files.config import Settings
from gte_notes.core.live.engine_state import EngineState
from tests.gui.conftest import WAIT_MS, result_paths, type_query, wait_idle


def _window(qtbot, make_window, notes_dir: Path, minilm_path: Path):
    window = make_window(notes_dir, model=str(minilm_path), precision="fp32")  # exact, and no precision race
    wait_idle(qtbot, window, timeout=120_000)
    return window


def test_changing_the_vector_size_in_settings_re_embeds_in_the_background(
    qtbot, make_window, notes_dir: Path, minilm_path: Path
) -> None:
    window = _window(qtbot, make_window, notes_dir, minilm_path)
    engine = window.bridge.engine
    states: list[EngineState] = []
    window.bridge.state_changed.connect(states.append)
    type_query(qtbot, window, "when to plant tomato seedlings")
    assert result_paths(window)
    window.edit_settings()
    dialog = window.config.settings_dialog
    dialog.dims.setValue(128)
    dialog.accept()
    qtbot.waitUntil(
        lambda: engine.serving_choice is not None and engine.serving_choice.dims == 128, timeout=120_000
    )
    wait_idle(qtbot, window)
    assert window.bridge.engine is engine  # changed in place: no restart
    shown = [s.change for s in states if s.change is not None]
    assert shown and shown[-1].total == 7, states
    assert engine.status().dims == 128
    type_query(qtbot, window, "when to plant tomato seedlings")
    assert result_paths(window) and not window.health.cancel_change.isVisible()
    qtbot.waitUntil(lambda: Settings.load().dims == 128, timeout=WAIT_MS)


def test_cancelling_a_model_change_keeps_the_model_and_puts_the_settings_back(
    qtbot, make_window, notes_dir: Path, minilm_path: Path
) -> None:
    window = _window(qtbot, make_window, notes_dir, minilm_path)
    engine = window.bridge.engine
    window.edit_settings()
    dialog = window.config.settings_dialog
    dialog.dims.setValue(128)
    dialog.accept()
    window.health.set_state(EngineState.changing_model(str(minilm_path), 2, 7))  # as the engine reports it
    assert window.health.cancel_change.isVisible()
    assert (
        "Re-embedding for" in window.health.activity.text() and "2/7 notes" in window.health.activity.text()
    )
    window.health.cancel_change.click()
    assert window.settings.dims == 0
    qtbot.waitUntil(lambda: engine.status().model_change is None, timeout=WAIT_MS)
    wait_idle(qtbot, window)
    assert engine.serving_choice.dims == 0 and engine.status().dims == 384
    qtbot.waitUntil(lambda: Settings.load().dims == 0, timeout=WAIT_MS)


def test_choosing_a_model_in_settings_when_none_could_load_starts_the_engine_on_it(
    qtbot, make_window, notes_dir: Path, minilm_path: Path
) -> None:
    window = make_window(notes_dir, precision="fp32")  # the default model is not on this machine
    qtbot.waitUntil(
        lambda: window.bridge.engine is not None and not window.bridge.engine.running, timeout=WAIT_MS
    )
    if window.config.model_dialog is not None:
        window.config.model_dialog.hide()  # the user goes to Settings instead
    window.edit_settings()
    dialog = window.config.settings_dialog
    dialog.model.setText(str(minilm_path))
    dialog.accept()
    wait_idle(qtbot, window, timeout=120_000)
    assert window.bridge.engine.running and window.bridge.engine.serving_choice.name == str(minilm_path)
    type_query(qtbot, window, "when to plant tomato seedlings")
    assert result_paths(window)


def test_cancelling_a_change_keeps_a_model_given_at_start_out_of_the_settings(
    qtbot, tmp_path: Path, notes_dir: Path, minilm_path: Path
) -> None:
    from PySide6.QtCore import QSettings

    from gte_notes.gui.desktop.crash import ErrorReporter
    from gte_notes.gui.engine.bridge import EngineBridge
    from gte_notes.gui.window.main_window import MainWindow

    settings = Settings(folders=[str(notes_dir)], model="thenlper/gte-small", precision="fp32")
    settings.save()
    # As `gte-notes gui --model FOLDER`: a one-off, the saved setting stays gte-small.
    bridge = EngineBridge(settings, home=tmp_path / "data", model=str(minilm_path), precision="fp32")
    state = QSettings(str(tmp_path / "config" / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(bridge, settings, state=state, reporter=ErrorReporter())
    qtbot.addWidget(window)
    window.show()
    window.start(str(notes_dir))
    try:
        wait_idle(qtbot, window, timeout=120_000)
        window.edit_settings()
        window.config.settings_dialog.dims.setValue(128)
        window.config.settings_dialog.accept()
        window.health.cancel_change.setVisible(True)  # as while re-embedding
        window.health.cancel_change.click()
        qtbot.waitUntil(lambda: window.bridge.engine.status().model_change is None, timeout=WAIT_MS)
        wait_idle(qtbot, window)
        qtbot.waitUntil(lambda: Settings.load().dims == 0, timeout=WAIT_MS)
        assert Settings.load().model == "thenlper/gte-small"
        assert window.bridge.model == str(minilm_path)  # still in force for this run
    finally:
        window.close()
