"""Light or dark, as the system is: Qt's Fusion style with a dark palette when the desktop asks for a
dark scheme (Qt reports it, but on most Linux desktops does not recolour its widgets itself), and the
palette Qt picked otherwise. `GTE_NOTES_THEME=light|dark` overrides it (screenshots, tests).

Colours are chosen for WCAG AA: body text at least 4.5:1 against its background, including on marked
words and on selected rows.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from gte_notes.gui.desktop.style import contrast

R = QPalette.ColorRole
DARK = {
    R.Window: "#2b2b2b",
    R.WindowText: "#e8e8e8",
    R.Base: "#1f1f1f",
    R.AlternateBase: "#303030",
    R.Text: "#e8e8e8",
    R.Button: "#353535",
    R.ButtonText: "#e8e8e8",
    R.BrightText: "#ffffff",
    R.Highlight: "#2f65b8",
    R.HighlightedText: "#ffffff",
    R.ToolTipBase: "#303030",
    R.ToolTipText: "#e8e8e8",
    R.Link: "#8ab4f8",
    R.LinkVisited: "#c58af9",
    R.PlaceholderText: "#a0a0a0",
    R.Mid: "#404040",
    R.Dark: "#1a1a1a",
    R.Shadow: "#000000",
    R.Light: "#4a4a4a",
    R.Midlight: "#3a3a3a",
}
DISABLED_DARK = "#8a8a8a"


def dark_palette() -> QPalette:
    pal = QPalette()
    for role, color in DARK.items():
        pal.setColor(role, QColor(color))
    for role in (R.WindowText, R.Text, R.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(DISABLED_DARK))
    return pal


def wanted_scheme() -> str:
    asked = os.environ.get("GTE_NOTES_THEME", "").lower()
    if asked in ("light", "dark"):
        return asked
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def is_dark(pal: QPalette) -> bool:
    return pal.color(R.Base).lightness() < 128


def apply_theme(app: QApplication, scheme: str | None = None) -> None:
    """Make the app's palette match `scheme` ("light"/"dark", default: the system's)."""
    scheme = scheme or wanted_scheme()
    pal = app.palette()
    if (scheme == "dark") != is_dark(pal):
        app.setStyle(QStyleFactory.create("Fusion"))
        pal = dark_palette() if scheme == "dark" else app.style().standardPalette()
    app.setPalette(readable_selection(pal))


def readable_selection(pal: QPalette) -> QPalette:
    """Selected rows keep AA contrast: Fusion's light blue under white text is only 3.7:1, so the
    highlight is darkened (light themes) or lightened (dark ones) until the text reads at 4.5:1."""
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        text, bg = pal.color(group, R.HighlightedText), pal.color(group, R.Highlight)
        step = 0
        while contrast(text, bg) < 4.5 and step < 20:
            bg = bg.darker(110) if text.lightness() >= 128 else bg.lighter(110)
            step += 1
        pal.setColor(group, R.Highlight, bg)
    return pal


def follow_system(app: QApplication) -> None:
    apply_theme(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_theme(app))
