"""Help: the keyboard shortcuts (read from the menus, so the list cannot drift from them) and About
(version, where the index, settings and logs live, the model in use, and that nothing leaves the machine)."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenuBar, QMessageBox, QWidget

from gte_notes import __version__
from gte_notes.core import data_home, settings_path

# Keys handled by widgets rather than menu actions.
WIDGET_KEYS = (
    ("↑ ↓  Page Up / Page Down", "Move through the results while typing"),
    ("Enter", "Open the selected note in the editor"),
    ("Esc", "Clear the search (in the results: back to the search field)"),
)


def menu_shortcuts(bar: QMenuBar) -> list[tuple[str, str]]:
    """(keys, what they do) for every menu action that has a shortcut, in menu order."""
    out = []
    for menu_action in bar.actions():
        menu = menu_action.menu()
        for act in menu.actions() if menu is not None else ():
            if isinstance(act, QAction) and act.shortcuts():
                keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts())
                out.append((keys, act.text().replace("&", "").rstrip("…")))
    return out


def shortcuts_html(bar: QMenuBar) -> str:
    rows = "".join(
        f"<tr><td><b>{html.escape(k)}</b>&nbsp;&nbsp;</td><td>{html.escape(what)}</td></tr>"
        for k, what in [*WIDGET_KEYS, *menu_shortcuts(bar)]
    )
    return f"<table>{rows}</table>"


def about_html(home: str | Path | None, folder: str, model: str) -> str:
    """What a user asks first: which version, where its data is, which model, and whether it phones home."""
    where = [
        ("Version", __version__),
        ("Notes folder", folder or "none chosen yet"),
        ("Indexes", str(data_home(home))),
        ("Settings", str(settings_path(home))),
        ("Model", model or "—"),
    ]
    rows = "".join(f"<tr><td>{k}&nbsp;&nbsp;</td><td>{html.escape(v)}</td></tr>" for k, v in where)
    return (
        f"<p><b>gte-notes {__version__}</b>: search your notes by meaning, offline.</p><table>{rows}</table>"
        "<p>Nothing leaves this machine: no network, no telemetry. The notes folder is only read, never "
        "written to; deleting the Indexes folder loses nothing but the time to index again.</p>"
    )


def show_shortcuts(parent: QWidget, bar: QMenuBar) -> QMessageBox:
    box = QMessageBox(
        QMessageBox.Icon.NoIcon,
        "Keyboard shortcuts",
        shortcuts_html(bar),
        QMessageBox.StandardButton.Close,
        parent,
    )
    box.open()
    return box


def show_about(parent: QWidget, home: str | Path | None, folder: str, model: str) -> QMessageBox:
    box = QMessageBox(
        QMessageBox.Icon.NoIcon,
        "About gte-notes",
        about_html(home, folder, model),
        QMessageBox.StandardButton.Close,
        parent,
    )
    box.open()
    return box
