"""The real desktop app inside a benchmark's process: application, bridge and main window as
`gte-notes gui` makes them, with the window's state kept in the data dir (never the user's) and not
saved. Imported inside the launched child, so a benchmark that times the launch counts these imports."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def open_app(folder: str, model: str, precision: str, data_dir: str) -> tuple[Any, Any, Any]:
    """(QApplication, EngineBridge, MainWindow) for `folder`, the window not yet shown or started."""
    from PySide6.QtCore import QSettings

    from gte_notes.core.files.config import Settings
    from gte_notes.gui.engine.bridge import EngineBridge
    from gte_notes.gui.window.app import make_app, tune_interpreter
    from gte_notes.gui.window.main_window import MainWindow

    app = make_app()
    tune_interpreter()
    settings = Settings(folders=[folder], model=model)
    bridge = EngineBridge(settings, home=data_dir, model=model, precision=precision)
    state = QSettings(str(Path(data_dir) / "bench-window.ini"), QSettings.Format.IniFormat)
    return app, bridge, MainWindow(bridge, settings, state=state, persist=False)
