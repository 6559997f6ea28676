"""Related notes: the ones the note already links to are marked, and more than three fit in view."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gte_notes.gui.results.hits_model import LINKED_ROLE
from tests.gui.conftest import WAIT_MS, type_query


def test_linked_notes_are_marked_and_five_fit(qtbot, window) -> None:
    with qtbot.waitSignal(window.related_shown, timeout=WAIT_MS):
        type_query(qtbot, window, "stake the tomato plants")
    assert window.related.path == "garden/tomatoes.md"
    related = window.related.list
    qtbot.waitUntil(lambda: related.hits.rowCount() >= 3, timeout=WAIT_MS)
    rows = {related.hits.hit(r).path: related.hits.index(r) for r in range(related.hits.rowCount())}
    linked = {p for p, i in rows.items() if i.data(LINKED_ROLE)}
    assert linked == {"garden/watering.md", "garden/soil.md"} & set(rows)
    assert linked
    assert all("already linked" in rows[p].data(Qt.ItemDataRole.AccessibleTextRole) for p in linked)
    # At the default window size and split, at least four whole rows are visible.
    assert related.viewport().height() // related.sizeHintForRow(0) >= 4
