"""Window geometry, splitter positions and the related-notes filters, kept between runs.

A QSettings INI file beside the settings file (in the user's config directory): Qt's own format for
geometry and splitter state, and nothing the core has to know about. It also holds the search history
and recent notes (search_memory.py), so it is owner-only (0600 in a 0700 folder), as the index is.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

from gte_notes.core import config_dir, narrow, private_file, tighten_folder


def state_store(path: Path | None = None) -> QSettings:
    """The window state, kept owner-only like the index: it holds recent searches and note titles."""
    path = path or config_dir() / "window.ini"
    tighten_folder(path.parent)
    private_file(path)  # QSettings keeps an existing file's permissions when it saves over it
    return QSettings(str(path), QSettings.Format.IniFormat)


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
    narrow(Path(store.fileName()))  # in case the file was replaced since it was opened
