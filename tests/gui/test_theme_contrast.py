"""Light and dark: the app follows the system's scheme, and text, dimmed text, marked words and selected
rows all keep WCAG AA contrast (4.5:1) in both."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from gte_notes.gui.desktop.style import contrast, mark_background, mix
from gte_notes.gui.desktop.theme import apply_theme, is_dark
from gte_notes.gui.results.hit_delegate import row_colors
from tests.gui.conftest import type_query

R = QPalette.ColorRole


@pytest.fixture
def scheme(request, qapp: QApplication):
    saved_palette, saved_style = qapp.palette(), qapp.style().name()
    apply_theme(qapp, request.param)
    yield request.param
    qapp.setStyle(saved_style)
    qapp.setPalette(saved_palette)


@pytest.mark.parametrize("scheme", ["light", "dark"], indirect=True)
def test_text_marks_and_selection_meet_aa_contrast(qtbot, scheme: str, window) -> None:
    type_query(qtbot, window, "tomatoes")
    pal = window.results.palette()
    assert is_dark(pal) == (scheme == "dark")
    text, base = pal.color(R.Text), pal.color(R.Base)
    assert contrast(text, base) >= 4.5
    assert contrast(mix(text, base, 0.4), base) >= 4.5  # a row's path and score
    mark = mark_background(text, base)
    assert contrast(text, mark) >= 4.5  # a marked word
    assert contrast(mark, base) >= 1.3  # ...that still stands out from the page
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        assert contrast(pal.color(group, R.HighlightedText), pal.color(group, R.Highlight)) >= 4.5
        for selected in (False, True):  # a row's path and score, on a selected row too (was 2.9:1)
            fg, bg, dim = row_colors(pal, group, selected)
            assert contrast(dim, bg) >= 4.5 and contrast(dim, bg) < contrast(fg, bg)
    preview = window.preview.view
    assert preview._word_format().background().color() == mark_background(
        preview.palette().color(R.Text), preview.palette().color(R.Base)
    )
