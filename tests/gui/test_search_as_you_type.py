"""Search as you type: results on every keystroke, stale answers dropped, keyboard all the way."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from gte_notes.gui.results.hits_model import SNIPPET_ROLE
from gte_notes.gui.window import main_window
from tests.gui.conftest import WAIT_MS, result_paths, type_query, wait_idle


def test_typing_a_query_fills_the_results_with_marked_passages(qtbot, window) -> None:
    shown: list[str] = []
    window.results_shown.connect(shown.append)
    type_query(qtbot, window, "tomatoes", each_key=True)

    paths = result_paths(window)
    assert paths[0].startswith("garden/")
    assert "garden/tomatoes.md" in paths
    assert "tech/search.md" not in paths[:3]
    # Every keystroke got its results, without Enter.
    assert shown == ["tomatoes"[:n] for n in range(1, 9)]
    snippet = window.results.hits.index(0).data(SNIPPET_ROLE)
    marked = [snippet.text[a : a + n].lower() for a, n in snippet.marks]
    assert any(m.startswith("tomato") for m in marked)
    # The first result is selected, so Enter would open it and the preview shows it.
    assert window.results.current_row() == 0


def test_a_stale_query_never_overwrites_a_newer_one(qtbot, window, monkeypatch) -> None:
    engine = window.bridge.engine
    real_search = engine.search_with_mode
    gate = threading.Event()
    slow_started = threading.Event()

    def search(query: str, limit: int = 20):
        if query == "databases":
            slow_started.set()
            gate.wait(WAIT_MS / 1000)
        return real_search(query, limit)

    monkeypatch.setattr(engine, "search_with_mode", search)
    shown: list[str] = []
    window.results_shown.connect(shown.append)

    window.search.setText("databases")
    qtbot.waitUntil(slow_started.is_set, timeout=WAIT_MS)
    asked = window.bridge.search_generation
    window.search.setText("tomatoes")
    # The newer query is asked for while the older search is still running; then the older one ends.
    qtbot.waitUntil(lambda: window.bridge.search_generation > asked, timeout=WAIT_MS)
    gate.set()
    qtbot.waitUntil(lambda: "tomatoes" in shown, timeout=WAIT_MS)
    # Let the older search's answer arrive too (the worker runs searches in order), then look again.
    done = threading.Event()
    window.bridge._search_pool.submit(done.set)
    qtbot.waitUntil(done.is_set, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.bridge.busy, timeout=WAIT_MS)

    assert "databases" not in shown
    assert window.shown_query == "tomatoes"
    assert "garden/tomatoes.md" in result_paths(window)


def test_escape_clears_and_says_what_to_do(qtbot, window) -> None:
    type_query(qtbot, window, "compost")
    assert result_paths(window)
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.shown_query == "" and not result_paths(window), timeout=WAIT_MS)
    assert window.search.text() == ""
    assert "Type to search" in window.results.placeholder()


def test_no_match_says_so(qtbot, window) -> None:
    type_query(qtbot, window, '"volcanic eruption"')
    assert result_paths(window) == []
    assert "No notes match" in window.results.placeholder()


def test_arrows_move_and_enter_opens_at_the_passage_line(qtbot, window, monkeypatch) -> None:
    opened: list[tuple[Path, int, str]] = []
    monkeypatch.setattr(
        main_window, "open_note", lambda path, line, cmd, **_kw: opened.append((path, line, cmd))
    )
    window.settings.editor_command = "myeditor +{line} {path}"
    type_query(qtbot, window, "tomatoes")
    assert len(result_paths(window)) >= 2
    qtbot.keyClick(window.search, Qt.Key.Key_Down)
    assert window.results.current_row() == 1
    qtbot.keyClick(window.search, Qt.Key.Key_Return)

    hit = window.results.hits.hit(1)
    assert opened == [(Path(window.bridge.folder) / hit.path, hit.line, "myeditor +{line} {path}")]


def test_ctrl_k_focuses_the_search_field(qtbot, window) -> None:
    window.results.setFocus()
    qtbot.waitUntil(lambda: window.results.hasFocus() or not window.isActiveWindow(), timeout=WAIT_MS)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.focusWidget() is window.search


@pytest.mark.model
def test_the_real_model_finds_notes_by_meaning(qtbot, make_window, notes_dir: Path, minilm_embedder) -> None:
    window = make_window(notes_dir, embedder=minilm_embedder)
    wait_idle(qtbot, window)
    type_query(qtbot, window, "vegetables in my backyard")  # no word in common with the garden notes
    paths = result_paths(window)
    assert all(p.startswith("garden/") for p in paths[:2]), paths


def test_a_misspelled_word_is_corrected_and_the_list_says_so(qtbot, window) -> None:
    type_query(qtbot, window, "tomtoes")  # "tomatoes" is in the notes; no note holds "tomtoes"
    assert result_paths(window)[0].startswith("garden/")
    assert window.pane.notice.isVisibleTo(window) and "tomatoes" in window.pane.notice.text()
    type_query(qtbot, window, "tomatoes")
    assert not window.pane.notice.isVisibleTo(window)


def test_the_preview_marks_the_corrected_word(qtbot, window) -> None:
    # The preview marks what the search looked for (carried by the results), so a corrected misspelling is
    # marked in the note as it is in the rows, not the word as typed, which no note holds.
    type_query(qtbot, window, "tomtoes")
    path = window.selected_hit().path
    view = window.preview.view
    qtbot.waitUntil(lambda: view.path == path and view.marked, timeout=WAIT_MS)
    marked = {
        s.cursor.selectedText().lower() for s in view.extraSelections() if not s.format.property(0x06000)
    }
    assert "tomatoes" in marked, marked


def test_the_list_says_when_nothing_is_a_close_match(qtbot, window) -> None:
    from gte_notes.core.search.results import Hits

    hits = Hits(window.bridge.engine.search("tomatoes", 5))
    hits.close = False
    window.pane.show_results(hits, "tomatoes")
    assert window.pane.notice.text() == "No close match — nearest notes:"
    window.pane.show_results(Hits(hits), "tomatoes")
    assert not window.pane.notice.isVisibleTo(window)
