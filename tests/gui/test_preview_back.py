"""Following a wikilink in the preview can be undone: Alt+Left, the mouse's back button, or ← Back; the
header names the linked note by its title."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl

from tests.gui.conftest import WAIT_MS, type_query


def follow(qtbot, window, target: str, expect: str) -> None:
    window.preview.view.anchorClicked.emit(QUrl(f"note:{target}"))
    qtbot.waitUntil(lambda: window.preview.view.path == expect, timeout=WAIT_MS)


def test_back_after_following_a_wikilink(qtbot, window) -> None:
    with qtbot.waitSignal(window.preview_shown, timeout=WAIT_MS):
        type_query(qtbot, window, "stake the tomato plants")
    assert window.preview.view.path == "garden/tomatoes.md"

    follow(qtbot, window, "watering", "garden/watering.md")
    assert window.preview.title.text() == "Watering"  # the note's title, not its file name
    assert window.preview.back.isVisible()
    qtbot.keyClick(window.preview.view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.preview.view.path == "garden/tomatoes.md", timeout=WAIT_MS)
    assert window.preview.title.text() == "Growing tomatoes"
    assert not window.preview.back.isVisible()

    follow(qtbot, window, "soil", "garden/soil.md")
    qtbot.mouseClick(window.preview.view.viewport(), Qt.MouseButton.BackButton)
    qtbot.waitUntil(lambda: window.preview.view.path == "garden/tomatoes.md", timeout=WAIT_MS)

    follow(qtbot, window, "soil", "garden/soil.md")
    window.preview.back.click()
    qtbot.waitUntil(lambda: window.preview.view.path == "garden/tomatoes.md", timeout=WAIT_MS)


def test_related_notes_follow_a_followed_link_and_back(qtbot, window) -> None:
    with qtbot.waitSignal(window.preview_shown, timeout=WAIT_MS):
        type_query(qtbot, window, "stake the tomato plants")
    qtbot.waitUntil(lambda: window.related.path == "garden/tomatoes.md", timeout=WAIT_MS)
    follow(qtbot, window, "watering", "garden/watering.md")
    qtbot.waitUntil(lambda: window.related.path == "garden/watering.md", timeout=WAIT_MS)
    assert "garden/watering.md" not in {h.path for h in window.related.shown()}
    window.preview.back.click()
    qtbot.waitUntil(lambda: window.related.path == "garden/tomatoes.md", timeout=WAIT_MS)
