"""Colours derived from the palette, so every theme (light, dark, high contrast) stays readable."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """`a` moved a share `t` of the way to `b`: a dimmed text colour that works on any background."""
    return QColor(round(a.red() + (b.red() - a.red()) * t), round(a.green() + (b.green() - a.green()) * t),
                  round(a.blue() + (b.blue() - a.blue()) * t))


def quiet(widget: QWidget, share: float = 0.35) -> QWidget:
    """Secondary text: the widget's text colour moved towards its background, still well readable
    (the palette's disabled colour is often too faint to read)."""
    pal = widget.palette()
    for role, bg in ((QPalette.ColorRole.WindowText, QPalette.ColorRole.Window),
                     (QPalette.ColorRole.Text, QPalette.ColorRole.Base)):
        pal.setColor(role, mix(pal.color(role), pal.color(bg), share))
    widget.setPalette(pal)
    return widget
