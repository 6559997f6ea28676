"""`gte-notes related --json` says which related notes the note already links to (`linked`), as the
app's panel marks "↔ linked"; and `search` shows a note found by its alias as "Title (alias)". Run in a
real process with the fake embedder (tests/fake_model_cli.py): which notes are linked, and how a row is
printed, do not depend on the model."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from gte_notes.eval.harness import write_notes
from tests.core.live_helpers import fake_cli, fake_env

NOTES = {
    "garden/tomatoes.md": "# Tomatoes\n\nTomatoes need warm soil and water. See [[watering]].\n",
    "garden/watering.md": "# Watering\n\nWater tomatoes and soil in the morning.\n",
    "garden/soil.md": "# Soil\n\nWarm soil for tomatoes, with compost and water.\n",
    "tea.md": "---\naliases: [Chanoyu]\n---\n# Japanese tea ceremony\n\nWhisked green tea.\n",
}


def run(tmp_path: Path, *args: str) -> str:
    done = subprocess.run(
        fake_cli(tmp_path / "home", *args),
        env=fake_env(tmp_path),
        capture_output=True,
        check=False,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_related_json_has_linked_and_search_shows_the_alias(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    write_notes(folder, NOTES.items())
    run(tmp_path, "index", str(folder))
    rows = json.loads(run(tmp_path, "related", str(folder), "garden/tomatoes.md", "--json"))
    linked = {r["path"]: r["linked"] for r in rows}
    assert linked["garden/watering.md"] is True
    assert linked["garden/soil.md"] is False
    searched = json.loads(run(tmp_path, "search", str(folder), "chanoyu", "--json"))
    assert "linked" not in searched[0]  # a search result relates to no note
    assert searched[0]["path"] == "tea.md" and searched[0]["alias"] == "Chanoyu"
    assert (
        "Japanese tea ceremony (Chanoyu)" in run(tmp_path, "search", str(folder), "chanoyu").splitlines()[0]
    )
