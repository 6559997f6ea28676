"""Index health names the rule that kept a file out: Obsidian's excluded files, a .gitignore."""

from __future__ import annotations

import json
from pathlib import Path

from tests.gui.conftest import NOTES, WAIT_MS, wait_idle, write_notes


def test_health_view_lists_excluded_folders_with_the_rule(
    qtbot, make_window, tmp_path: Path, fake_embedder
) -> None:
    folder = write_notes(
        tmp_path / "vault",
        {
            **NOTES,
            ".obsidian/app.json": json.dumps({"userIgnoreFilters": ["Archive/"]}),
            ".gitignore": "drafts/\n",
            "Archive/old tomatoes.md": "# Old tomatoes\n\nLast year's tomato plan.\n",
            "drafts/tomato pie.md": "# Tomato pie\n\nNot ready.\n",
        },
    )
    window = make_window(folder, embedder=fake_embedder)
    wait_idle(qtbot, window)
    window.show_health()
    dialog = window._health
    qtbot.waitUntil(lambda: dialog.model.rowCount() == len(NOTES) + 2, timeout=WAIT_MS)
    rows = {r.path: r for r in dialog.model.rows}
    assert rows["Archive/"].reason == "excluded by Obsidian excluded files: Archive/"
    assert rows["drafts/"].reason == "excluded by .gitignore: drafts/"
    assert not any(p.startswith(("Archive/", "drafts/")) and r.status == "indexed" for p, r in rows.items())
    dialog.which.setCurrentText("Skipped")
    assert sorted(dialog.proxy.index(r, 1).data() for r in range(dialog.proxy.rowCount())) == [
        "Archive/",
        "drafts/",
    ]
    assert dialog.proxy.index(0, 0).data() == "skipped (excluded)"
    assert "2 excluded" in window.health.counts.text()
