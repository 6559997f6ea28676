"""What users of other note-search tools expect: the last query and recent searches after a restart,
recently opened notes in an empty field, a result count, folder chips, a context menu, newest first."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from gte_notes.gui.window import main_window
from tests.gui.conftest import WAIT_MS, result_paths, type_query, wait_idle


def test_last_query_and_recent_searches_survive_a_restart(
    qtbot, make_window, notes_dir: Path, fake_embedder
) -> None:
    first = make_window(notes_dir, embedder=fake_embedder)
    wait_idle(qtbot, first)
    for query in ("compost", "garden soil"):
        type_query(qtbot, first, query)
        qtbot.waitUntil(lambda q=query: first.memory.searches[:1] == [q], timeout=WAIT_MS)
    first.close()

    again = make_window(notes_dir, embedder=fake_embedder)
    assert again.search.text() == "garden soil"
    assert again.search.selectedText() == "garden soil"  # typing replaces it
    wait_idle(qtbot, again)
    qtbot.waitUntil(lambda: again.shown_query == "garden soil" and bool(result_paths(again)), timeout=WAIT_MS)
    again.search.show_history()
    assert [a.text() for a in again.search.history_menu.actions()] == ["garden soil", "compost"]
    again.search.history_menu.actions()[1].trigger()
    qtbot.waitUntil(lambda: again.shown_query == "compost", timeout=WAIT_MS)


def test_an_empty_field_lists_the_notes_opened_lately(qtbot, window, monkeypatch) -> None:
    monkeypatch.setattr(main_window, "open_note", lambda *a, **k: None)
    type_query(qtbot, window, "compost")
    opened = window.selected_hit().path
    window.open_selected()
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.shown_query == "", timeout=WAIT_MS)
    assert result_paths(window) == [opened]
    assert window.pane.count.text() == "Recently opened"


def test_result_count_and_folder_chips(qtbot, window) -> None:
    type_query(qtbot, window, "tomatoes")
    n = window.results.hits.rowCount()
    assert window.pane.count.text() == f"{n} notes"
    chips = window.pane.chip_texts()
    assert any(c.startswith("garden · ") for c in chips)
    chip = next(b for b in window.pane.chips.buttons if b.isVisible() and b.text().startswith("garden"))
    chip.click()
    qtbot.waitUntil(lambda: window.shown_query == "tomatoes path:garden", timeout=WAIT_MS)
    assert result_paths(window) and all(p.startswith("garden/") for p in result_paths(window))


def test_the_count_says_how_many_notes_match_not_how_many_rows_fit(qtbot, window) -> None:
    window.settings.result_count = 2
    type_query(qtbot, window, "garden")  # a word four notes share, two rows shown
    assert window.results.hits.rowCount() == 2
    assert window.pane.count.text() == "2 best of 4"
    window.settings.result_count = 20
    type_query(qtbot, window, "qwzx vbnm")  # nothing like it: the nearest notes, not "7 notes"
    n = window.results.hits.rowCount()
    assert n and "No close match" in window.pane.notice.text()
    assert window.pane.count.text() == f"{n} nearest"


def test_context_menu_copies_the_path_and_reveals_the_folder(qtbot, window, notes_dir: Path) -> None:
    type_query(qtbot, window, "compost")
    hit = window.selected_hit()
    menu = window.pane.menu_for(hit)
    assert [a.text() for a in menu.actions()] == [
        "Open in editor",
        "Copy path",
        "Copy [[link]]",
        "Copy Markdown link",
        "Reveal in file manager",
    ]
    menu.actions()[1].trigger()
    assert QGuiApplication.clipboard().text() == str(notes_dir / hit.path)


def test_results_newest_first(qtbot, window, notes_dir: Path) -> None:
    for n, rel in enumerate(("garden/soil.md", "garden/compost.md", "garden/tomatoes.md")):
        os.utime(notes_dir / rel, (1_700_000_000 + n * 1000,) * 2)
    type_query(qtbot, window, "garden soil tomatoes")
    window.pane.sort.setCurrentText("Date modified")
    three = ("garden/soil.md", "garden/compost.md", "garden/tomatoes.md")

    def order() -> list[str]:
        return [p for p in result_paths(window) if p in three]

    qtbot.waitUntil(
        lambda: order() == ["garden/tomatoes.md", "garden/compost.md", "garden/soil.md"], timeout=WAIT_MS
    )


def test_chips_group_a_flat_dendron_vault_by_hierarchy() -> None:
    from gte_notes.gui.results.results_pane import group_of

    assert group_of("dendron.topic.publish.cook.github.md") == "dendron.topic.publish"
    assert group_of("garden/tomatoes.md") == "garden"
    assert group_of("readme.md") == ""


def test_tag_chips_narrow_to_a_tag(qtbot, make_window, tmp_path: Path, fake_embedder) -> None:
    from tests.gui.conftest import NOTES, write_notes

    tagged = {
        "garden/beans.md": "---\ntags: [veg]\n---\n\nBeans and tomatoes share the garden bed.\n",
        "garden/peas.md": "# Peas\n\nPeas climb beside the tomatoes. #veg\n",
    }
    window = make_window(write_notes(tmp_path / "notes", {**NOTES, **tagged}), embedder=fake_embedder)
    wait_idle(qtbot, window)
    type_query(qtbot, window, "tomatoes")
    qtbot.waitUntil(lambda: any(c.startswith("#veg · 2") for c in window.pane.chip_texts()), timeout=WAIT_MS)
    chip = next(b for b in window.pane.tag_chips.buttons if b.isVisible())
    chip.click()
    qtbot.waitUntil(lambda: window.shown_query == "tomatoes tag:veg", timeout=WAIT_MS)
    assert sorted(result_paths(window)) == ["garden/beans.md", "garden/peas.md"]


def test_tag_chips_come_with_the_results(qtbot, make_window, tmp_path: Path, fake_embedder) -> None:
    # The results carry their notes' tags (from the index), so the chips are there the moment the rows are,
    # rather than a moment later after every result note has been read again.
    from tests.gui.conftest import NOTES, write_notes

    tagged = {
        "garden/beans.md": "---\ntags: [veg]\n---\n\nBeans and tomatoes share the garden bed.\n",
        "garden/peas.md": "# Peas\n\nPeas climb beside the tomatoes. #veg\n",
    }
    window = make_window(write_notes(tmp_path / "notes", {**NOTES, **tagged}), embedder=fake_embedder)
    wait_idle(qtbot, window)
    seen: list[list[str]] = []
    window.results_shown.connect(lambda query: query and seen.append(window.pane.chip_texts()))
    type_query(qtbot, window, "tomatoes")
    assert seen and any(c.startswith("#veg · 2") for c in seen[-1]), seen


def test_chips_are_shown_whole_or_not_at_all(qtbot, window) -> None:
    window.resize(1200, 700)
    type_query(qtbot, window, "garden soil tomatoes database")
    wide = window.pane.chip_texts()
    assert len(wide) >= 2
    splitter_sizes = window.results.width()
    window.resize(420, 700)
    qtbot.waitUntil(lambda: window.results.width() < splitter_sizes, timeout=WAIT_MS)
    shown = [b for b in window.pane.chips.buttons + window.pane.tag_chips.buttons if b.isVisible()]
    assert all(b.width() >= b.sizeHint().width() for b in shown)  # never squeezed to a stub
    assert [b.text() for b in shown] == wide[: len(shown)]  # the first ones, in order
