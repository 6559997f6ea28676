"""Related notes with the fake embedder: passage-level neighbours, boilerplate left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from gte_notes.core.index.boilerplate import Boilerplate
from gte_notes.eval.harness import Indexed, index_folder, write_notes
from tests.fakes import FakeEmbedder

# A footer long enough to be a passage of its own, pasted into every note made from the template.
FOOTER = (
    "\n\n## Weekly links\n\n"
    + "\n".join(
        f"- Subscribe to the newsletter, join office hours and read the community digest number {n}."
        for n in range(6)
    )
    + "\n"
)
TOPICS = {
    "garden/tomatoes.md": "# Tomatoes\n\nTomatoes need full sun, deep watering and rich compost soil.",
    "garden/peppers.md": "# Peppers\n\nPeppers need full sun, deep watering and rich compost soil too.",
    "work/kubernetes.md": "# Kubernetes\n\nPods are scheduled onto nodes by resource requests.",
    "work/postgres.md": "# Postgres\n\nVacuum reclaims dead tuples; autovacuum tuning matters.",
    "music/guitar.md": "# Guitar\n\nPractice scales slowly with a metronome every day.",
    "music/piano.md": "# Piano\n\nHands separately first, then together, slowly.",
    "travel/lisbon.md": "# Lisbon\n\nTrams climb the hills; custard tarts in Belem.",
}


@pytest.fixture
def vault(tmp_path: Path) -> Indexed:
    folder = tmp_path / "notes"
    write_notes(folder, ((rel, text + FOOTER) for rel, text in TOPICS.items()))
    ix = index_folder(folder, tmp_path / "data", FakeEmbedder(max_tokens=64), quiet=True)
    yield ix
    ix.close()


def test_shared_template_does_not_make_notes_related(vault: Indexed) -> None:
    # Every note carries the same footer passage (cosine 1.0 between the copies); the note that
    # shares the topic must still come first, and the footer must not be what relates them.
    hits = vault.related().related("garden/tomatoes.md", 5)
    assert hits[0].path == "garden/peppers.md"
    assert all("Subscribe to the newsletter" not in h.passage for h in hits)
    assert all("Subscribe to the newsletter" not in h.source_passage for h in hits)


def test_related_never_lists_the_note_itself(vault: Indexed) -> None:
    for path in TOPICS:
        assert all(h.path != path for h in vault.related().related(path, 10))


def test_boilerplate_lines_are_those_in_many_notes(vault: Indexed) -> None:
    bp = Boilerplate(vault.store)
    assert (
        bp.share("- Subscribe to the newsletter, join office hours and read the community digest number 3.")
        == 1.0
    )
    assert bp.share("Tomatoes need full sun, deep watering and rich compost soil.") == 0.0
    mixed = "Tomatoes need full sun.\n## Weekly links"
    assert 0.0 < bp.share(mixed) < 1.0
