"""After the index changes under a query, Enter opens what the user expects: the note they picked if it
is still listed, else the (new) best result."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.gui.conftest import NOTES, WAIT_MS, result_paths, type_query

BEST = "# Tomatoes\n\nTomatoes, tomatoes, tomatoes: every tomato fact about growing tomatoes.\n"


def _add_best_note_and_wait(qtbot, window, notes_dir) -> None:
    (notes_dir / "garden" / "all-about-tomatoes.md").write_text(BEST, encoding="utf-8")
    qtbot.waitUntil(lambda: "garden/all-about-tomatoes.md" in result_paths(window), timeout=WAIT_MS)


def test_the_apps_own_selection_follows_the_new_best_result(qtbot, window, notes_dir) -> None:
    type_query(qtbot, window, "tomatoes")
    assert window.results.current_row() == 0
    _add_best_note_and_wait(qtbot, window, notes_dir)
    assert result_paths(window)[0] == "garden/all-about-tomatoes.md"
    assert window.results.current_row() == 0
    assert window.selected_hit().path == "garden/all-about-tomatoes.md"
    qtbot.waitUntil(lambda: window.preview.view.path == "garden/all-about-tomatoes.md", timeout=WAIT_MS)


def test_a_note_the_user_picked_stays_selected(qtbot, window, notes_dir) -> None:
    type_query(qtbot, window, "tomatoes")
    qtbot.keyClick(window.search, Qt.Key.Key_Down)
    picked = window.selected_hit().path
    assert picked in NOTES and window.results.current_row() == 1
    _add_best_note_and_wait(qtbot, window, notes_dir)
    assert window.selected_hit().path == picked


def test_the_preview_never_shows_another_note_than_the_selected_row(qtbot, window, notes_dir) -> None:
    # The new best result takes the selection: from that moment the preview shows it (or that it is
    # loading), never the note that was selected before beside the new row.
    type_query(qtbot, window, "tomatoes")
    first = window.selected_hit().path
    qtbot.waitUntil(lambda: window.preview.view.path == first, timeout=WAIT_MS)
    mismatches: list[tuple[str, str]] = []

    def check(_query: str) -> None:
        selected = window.selected_hit()
        shown = window.preview.view.path
        if selected is not None and shown is not None and shown != selected.path:
            mismatches.append((shown, selected.path))

    window.results_shown.connect(check)
    _add_best_note_and_wait(qtbot, window, notes_dir)
    assert window.selected_hit().path == "garden/all-about-tomatoes.md"
    assert mismatches == []
    assert window.preview.title.text() != "" and first not in window.preview.where.text()
    qtbot.waitUntil(lambda: window.preview.view.path == "garden/all-about-tomatoes.md", timeout=WAIT_MS)
