"""Colours derived from the palette, so every theme (light, dark, high contrast) stays readable."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """`a` moved a share `t` of the way to `b`: a dimmed text colour that works on any background."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def dimmed(fg: QColor, bg: QColor, share: float = 0.4) -> QColor:
    """Secondary text on `bg`: `fg` moved towards it, but never below AA contrast (4.5:1) - on a selected
    row's highlight a fixed share read at 2.9:1."""
    while share > 0 and contrast(mix(fg, bg, share), bg) < 4.5:
        share -= 0.05
    return mix(fg, bg, max(share, 0.0))


def quiet(widget: QWidget, share: float = 0.35) -> QWidget:
    """Secondary text: the widget's text colour moved towards its background, still well readable
    (the palette's disabled colour is often too faint to read)."""
    pal = widget.palette()
    for role, bg in (
        (QPalette.ColorRole.WindowText, QPalette.ColorRole.Window),
        (QPalette.ColorRole.Text, QPalette.ColorRole.Base),
    ):
        pal.setColor(role, mix(pal.color(role), pal.color(bg), share))
    widget.setPalette(pal)
    return widget


def luminance(c: QColor) -> float:
    """WCAG relative luminance."""

    def channel(v: int) -> float:
        x = v / 255
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio, 1 to 21; AA asks 4.5 for body text."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# A search mark: amber, as in browsers' find bars, light on light themes and deep on dark ones, so the
# text on it keeps AA contrast and the mark still stands out from the page.
MARK_LIGHT = QColor("#ffd54f")
MARK_DARK = QColor("#6e5200")


def mark_background(text: QColor, base: QColor) -> QColor:
    """The background of a marked word, for `text` on a page of `base`: at least 4.5:1 with the text."""
    mark = QColor(MARK_DARK if base.lightness() < 128 else MARK_LIGHT)
    share = 0.0
    while contrast(text, mix(mark, base, share)) < 4.5 and share < 1.0:
        share += 0.1  # an odd palette: move the mark towards the page until the text reads well
    return mix(mark, base, min(share, 1.0))
