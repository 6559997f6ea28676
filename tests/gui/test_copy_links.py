"""Linking a found or related note in one step: "Copy [[link]]" and "Copy Markdown link" put the link on
the clipboard, from the row's menu and by shortcut; "Open in Obsidian" is offered for a vault."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication

from gte_notes.core.files.config import Settings
from gte_notes.gui.desktop.editor import obsidian_url, open_note
from gte_notes.gui.settings.settings_dialog import SettingsDialog
from tests.gui.conftest import WAIT_MS, type_query, wait_idle, write_notes
from tests.gui.test_selected_note import select


def menu_texts(menu) -> dict[str, object]:
    return {a.text(): a for a in menu.actions()}


def test_a_result_rows_menu_copies_its_wikilink_and_markdown_link(qtbot, window) -> None:
    type_query(qtbot, window, "compost")
    hit = next(h for h in window.results.hits.hits() if h.path == "garden/compost.md")
    actions = menu_texts(window.pane.menu_for(hit))
    actions["Copy [[link]]"].trigger()
    assert QGuiApplication.clipboard().text() == "[[compost]]"  # Obsidian style: the unique name
    actions["Copy Markdown link"].trigger()
    assert QGuiApplication.clipboard().text() == "[Compost](garden/compost.md)"
    assert actions["Copy [[link]]"].shortcut().toString() == "Ctrl+L"


def test_the_shortcut_copies_the_selected_related_note_relative_to_the_open_note(qtbot, window) -> None:
    type_query(qtbot, window, "tomatoes")
    select(qtbot, window, "garden/tomatoes.md")
    window.results.setFocus()
    qtbot.keyClick(window.results, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "[[tomatoes]]"
    # A related note's Markdown link goes into the open note: relative to its folder.
    window.related.list.setFocus()
    qtbot.waitUntil(lambda: bool(window.related.shown()), timeout=WAIT_MS)
    window.related.list.select_row(0)
    other = window.related.list.hits.hit(0)
    keys = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.related.list, Qt.Key.Key_L, keys)
    rel = other.path.removeprefix("garden/") if other.path.startswith("garden/") else "../" + other.path
    assert QGuiApplication.clipboard().text() == f"[{other.title}]({rel})"


def test_names_shared_by_two_notes_and_spaces(qtbot, make_window, tmp_path: Path, fake_embedder) -> None:
    folder = write_notes(
        tmp_path / "vault",
        {
            "work/Weekly plan.md": "# Weekly plan\n\nShip the release on Friday.\n",
            "home/Weekly plan.md": "# Weekly plan\n\nClean the garage, cook for the week.\n",
        },
    )
    window = make_window(folder, embedder=fake_embedder)
    wait_idle(qtbot, window)
    type_query(qtbot, window, "release friday")
    hit = next(h for h in window.results.hits.hits() if h.path == "work/Weekly plan.md")
    actions = menu_texts(window.pane.menu_for(hit))
    actions["Copy [[link]]"].trigger()
    assert QGuiApplication.clipboard().text() == "[[work/Weekly plan]]"  # the name alone is ambiguous
    actions["Copy Markdown link"].trigger()
    assert QGuiApplication.clipboard().text().endswith("(work/Weekly%20plan.md)")


def test_dendron_notes_get_labelled_wikilinks(qtbot, make_window, tmp_path: Path, fake_embedder) -> None:
    folder = write_notes(
        tmp_path / "dendron",
        {
            "dendron.topic.publish.md": "---\ntitle: Publish\n---\nPublish your notes as a website.\n",
            "dendron.topic.md": "---\ntitle: Topics\n---\nEvery topic of the site.\n",
            "root.schema.md": "---\ntitle: Root\n---\nThe schema.\n",
        },
    )
    window = make_window(folder, embedder=fake_embedder)
    wait_idle(qtbot, window)
    type_query(qtbot, window, "website")
    hit = next(h for h in window.results.hits.hits() if h.path == "dendron.topic.publish.md")
    menu_texts(window.pane.menu_for(hit))["Copy [[link]]"].trigger()
    assert QGuiApplication.clipboard().text() == "[[Publish|dendron.topic.publish]]"


def test_obsidian_is_offered_for_a_vault_and_opens_an_obsidian_url(
    qtbot, tmp_path: Path, monkeypatch
) -> None:
    vault = write_notes(tmp_path / "My Vault", {".obsidian/app.json": "{}", "Daily/2024 05 01.md": "# Day\n"})
    plain = write_notes(tmp_path / "plain", {"a.md": "# A\n"})
    dialog = SettingsDialog(Settings(folders=[str(vault)]))
    qtbot.addWidget(dialog)
    assert not dialog.use_obsidian.isHidden()
    dialog.use_obsidian.click()
    assert dialog.edited().editor_command == "obsidian"
    dialog.folder.setText(str(plain))
    assert dialog.use_obsidian.isHidden()  # not a vault: not offered
    url = obsidian_url(vault / "Daily" / "2024 05 01.md")
    assert (
        url.toString(QUrl.ComponentFormattingOption.FullyEncoded)
        == "obsidian://open?vault=My%20Vault&file=Daily%2F2024%2005%2001"
    )
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda u: opened.append(u) or True)
    open_note(vault / "Daily" / "2024 05 01.md", 1, "obsidian")
    assert opened and opened[0].scheme() == "obsidian"


def test_the_vault_rules_checkbox_is_a_setting(qtbot) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert dialog.vault_rules.isChecked()
    dialog.vault_rules.setChecked(False)
    assert dialog.edited().vault_rules is False


def test_a_row_found_by_an_alias_links_by_its_title(
    qtbot, make_window, tmp_path: Path, fake_embedder
) -> None:
    folder = write_notes(
        tmp_path / "vault",
        {
            "tea.md": "---\naliases: [Chanoyu]\n---\n# Japanese tea ceremony\n\nWhisked green tea.\n",
            "kyoto.md": "# Kyoto\n\nA chanoyu lesson, chanoyu again.\n",
        },
    )
    window = make_window(folder, embedder=fake_embedder)
    wait_idle(qtbot, window)
    type_query(qtbot, window, "chanoyu")
    hit = window.results.hits.hit(0)
    assert (hit.path, hit.title) == ("tea.md", "Japanese tea ceremony (Chanoyu)")  # what the row shows
    menu_texts(window.pane.menu_for(hit))["Copy Markdown link"].trigger()
    assert QGuiApplication.clipboard().text() == "[Japanese tea ceremony](tea.md)"
