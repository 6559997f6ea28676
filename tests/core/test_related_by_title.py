"""Related notes with the real (stand-in) model: a note named for what this note talks about."""

from __future__ import annotations

from pathlib import Path

import pytest

from gte_notes.eval.harness import index_folder, write_notes

pytestmark = pytest.mark.model

CHATTER = "we walked the dog, cleaned the kitchen, answered email and planned the week ahead"


def test_a_note_named_for_what_this_note_talks_about_is_related(minilm_embedder, tmp_path: Path) -> None:
    """A short concept note shares no passage with a journal entry that names it once: its title
    (Related.title_mention) lifts it past notes that only repeat the journal's everyday passage."""
    notes = {
        "journal/monday.md": f"# Monday\n\nToday {CHATTER}.\n\n## Sourdough\n\nFed it again.",
        "baking/sourdough.md": "# Sourdough\n\nA starter of flour and water, fed daily; "
        "levain and hydration.",
    }
    for n in range(6):
        notes[f"misc/n{n}.md"] = f"Again {CHATTER}, item {n}."
    folder = tmp_path / "notes"
    write_notes(folder, notes.items())
    ix = index_folder(folder, tmp_path / "data", minilm_embedder, quiet=True)
    try:
        related = ix.related()
        with_titles = [h.path for h in related.related("journal/monday.md", 10)]
        related.title_mention = 0.0
        without = [h.path for h in related.related("journal/monday.md", 10)]
    finally:
        ix.close()
    assert without.index("baking/sourdough.md") == len(without) - 1  # last without the title signal
    assert with_titles.index("baking/sourdough.md") < 3, with_titles
