"""Window geometry, splitter positions and the related-notes filters, kept between runs.

A QSettings INI file beside the settings file (in the user's config directory): Qt's own format for
geometry and splitter state, and nothing the core has to know about.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

from gte_notes.core.files.paths import config_dir


def state_store(path: Path | None = None) -> QSettings:
    return QSettings(str(path or config_dir() / "window.ini"), QSettings.Format.IniFormat)


def restore(store: QSettings, window: QMainWindow, splitters: dict[str, QSplitter]) -> bool:
    """True if a saved geometry was applied."""
    geometry = store.value("geometry")
    applied = isinstance(geometry, QByteArray) and window.restoreGeometry(geometry)
    for name, splitter in splitters.items():
        state = store.value(f"splitter/{name}")
        if isinstance(state, QByteArray):
            splitter.restoreState(state)
    return bool(applied)


def save(store: QSettings, window: QMainWindow, splitters: dict[str, QSplitter]) -> None:
    store.setValue("geometry", window.saveGeometry())
    for name, splitter in splitters.items():
        store.setValue(f"splitter/{name}", splitter.saveState())
    store.sync()
