"""Index health: the status bar counts, and a view of every file with its status and reason."""

from __future__ import annotations

from pathlib import Path

from gte_notes.core.live.engine_state import Phase
from tests.gui.conftest import NOTES, WAIT_MS, wait_idle, write_notes


def test_health_view_lists_a_skipped_binary_file_with_its_reason(
    qtbot, make_window, tmp_path: Path, fake_embedder
) -> None:
    png_named_md = b"\x89PNG\r\n\x1a\n\x00\x00" * 50
    folder = write_notes(tmp_path / "notes", {**NOTES, "attachments/photo.md": png_named_md})
    window = make_window(folder, embedder=fake_embedder)
    wait_idle(qtbot, window)
    window.show_health()
    dialog = window._health
    qtbot.waitUntil(lambda: dialog.model.rowCount() == len(NOTES) + 1, timeout=WAIT_MS)

    rows = {r.path: r for r in dialog.model.rows}
    assert rows["attachments/photo.md"].status == "binary"
    assert "binary" in rows["attachments/photo.md"].reason
    assert rows["garden/tomatoes.md"].status == "indexed"

    dialog.which.setCurrentText("Problems only")
    shown = [dialog.proxy.index(r, 1).data() for r in range(dialog.proxy.rowCount())]
    assert shown == ["attachments/photo.md"]
    assert dialog.proxy.index(0, 0).data() == "skipped (binary)"
    dialog.which.setCurrentText("All files")
    dialog.search.setText("soil")
    assert [dialog.proxy.index(r, 1).data() for r in range(dialog.proxy.rowCount())] == ["garden/soil.md"]

    counts = window.health.counts.text()
    assert f"{len(NOTES)}/{len(NOTES) + 1} notes indexed" in counts and "1 binary" in counts


def test_pause_stops_indexing_and_resume_finishes_it(qtbot, window, notes_dir: Path) -> None:
    window.health.pause.click()
    qtbot.waitUntil(lambda: window.engine_state.phase is Phase.PAUSED, timeout=WAIT_MS)
    assert window.health.pause.text() == "Resume"
    (notes_dir / "garden" / "beans.md").write_text("# Beans\n\nRunner beans climb poles.\n", encoding="utf-8")
    window.health.pause.click()
    qtbot.waitUntil(lambda: "garden/beans.md" in {r.path for r in _files(window)}, timeout=WAIT_MS)


def test_while_paused_the_files_not_indexed_yet_are_listed_as_waiting(qtbot, window, notes_dir: Path) -> None:
    window.health.pause.click()
    qtbot.waitUntil(lambda: window.engine_state.phase is Phase.PAUSED, timeout=WAIT_MS)
    (notes_dir / "garden" / "beans.md").write_text("# Beans\n\nRunner beans climb poles.\n", encoding="utf-8")
    qtbot.waitUntil(
        lambda: {r.path: r.status for r in _files(window)}.get("garden/beans.md") == "waiting",
        timeout=WAIT_MS,
    )
    dialog = window._health
    dialog.search.setText("beans")
    assert [dialog.proxy.index(r, 1).data() for r in range(dialog.proxy.rowCount())] == ["garden/beans.md"]
    window.health.pause.click()
    qtbot.waitUntil(
        lambda: {r.path: r.status for r in _files(window)}.get("garden/beans.md") == "indexed",
        timeout=WAIT_MS,
    )


def _files(window) -> list:
    window.bridge.refresh_status()
    window.show_health()
    return window._health.model.rows


def test_the_status_carries_counts_and_the_filter_asks_the_engine_for_its_files(qtbot, window) -> None:
    with qtbot.waitSignal(window.bridge.status_done, timeout=WAIT_MS) as got:
        window.bridge.refresh_status()
    status = got.args[0]
    assert status.counts.get("indexed") == len(NOTES) and not hasattr(status, "files")  # no list per status
    window.show_health()
    dialog = window._health
    qtbot.waitUntil(lambda: dialog.model.rowCount() == len(NOTES), timeout=WAIT_MS)
    with qtbot.waitSignal(window.bridge.files_done, timeout=WAIT_MS) as page:
        dialog.search.setText("SOIL")
    assert [f.path for f in page.args[0].files] == ["garden/soil.md"] and page.args[0].total == 1
    assert [r.path for r in dialog.model.rows] == ["garden/soil.md"]
    assert dialog.shown_label.text() == "1 of 1 files shown"
