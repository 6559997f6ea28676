"""Front matter aliases as other names of a note, with the real (stand-in) model: an alias typed exactly
finds its note first, and a note that names another note's alias relates to it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gte_notes.core.index.store import Store
from gte_notes.eval.harness import index_folder, write_notes

pytestmark = pytest.mark.model

NOTES = {
    # The note the user means, known to them by its Japanese name.
    "culture/tea-ceremony.md": "---\naliases: [Chanoyu, Way of Tea]\n---\n# Japanese tea ceremony\n\n"
    "Guests kneel on tatami while the host whisks powdered green tea in silence.\n",
    # Notes that say "chanoyu" more often than the note that is called so.
    "travel/kyoto.md": "# Kyoto trip\n\nWe booked a chanoyu lesson. Chanoyu in Uji, chanoyu again in Gion; "
    "the chanoyu teacher was patient.\n",
    "reading/books.md": "# Books\n\nThe Book of Tea by Okakura explains chanoyu and chanoyu schools.\n",
    "kitchen/bread.md": "# Bread\n\nFlour, water, salt and a long cold proof.\n",
}


@pytest.fixture(scope="module")
def indexed(minilm_embedder, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("aliases")
    write_notes(root / "notes", NOTES.items())
    ix = index_folder(root / "notes", root / "data", minilm_embedder, quiet=True)
    yield ix
    ix.close()


def test_an_alias_searched_exactly_comes_first_shown_with_its_title(indexed) -> None:
    for query in ("chanoyu", "Way of tea", "  WAY OF TEA "):
        hits = indexed.searcher().search(query, 5)
        assert hits[0].path == "culture/tea-ceremony.md", (query, [h.path for h in hits])
        assert hits[0].alias.casefold() == " ".join(query.split()).casefold()
        assert hits[0].shown_title == f"Japanese tea ceremony ({hits[0].alias})"
        assert hits[0].to_json()["alias"] == hits[0].alias
    # Searched by its title, the note is shown by its title alone.
    hit = indexed.searcher().search("Japanese tea ceremony", 5)[0]
    assert hit.path == "culture/tea-ceremony.md" and hit.alias == "" and "alias" not in hit.to_json()
    # More words than the alias is not an exact alias.
    assert all(h.alias == "" for h in indexed.searcher().search("chanoyu lesson", 5))


def test_naming_an_alias_is_naming_the_note(indexed) -> None:
    related = indexed.related()
    hits = related.related("travel/kyoto.md", 3)
    assert hits[0].path == "culture/tea-ceremony.md", [h.path for h in hits]
    # The same ranking with the aliases unread (as before aliases were stored): the word "chanoyu" alone
    # does not make the tea-ceremony note the one Kyoto names.
    related._alias_mentions = lambda *args: None
    without = related.related("travel/kyoto.md", 3)
    score_without = {h.path: h.score for h in without}
    assert hits[0].score > score_without.get("culture/tea-ceremony.md", 0.0), (
        [h.path for h in without],
        hits,
    )


def test_an_index_from_before_aliases_opens_and_gets_them(minilm_embedder, tmp_path: Path) -> None:
    """An index written before the aliases column (schema 4) opens, and the next index fills them in."""
    folder = tmp_path / "notes"
    write_notes(folder, NOTES.items())
    ix = index_folder(folder, tmp_path / "data", minilm_embedder, quiet=True)
    db = ix.store.path
    ix.close()
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE notes DROP COLUMN aliases")
    conn.execute("PRAGMA user_version = 4")
    conn.execute("UPDATE meta SET value = 'chunking 3' || substr(value, 11) WHERE key = 'pipeline'")
    conn.commit()
    conn.close()
    store = Store(db)
    assert store.note("culture/tea-ceremony.md").aliases == ()  # migrated, not yet read again
    store.close()
    ix = index_folder(folder, tmp_path / "data", minilm_embedder, quiet=True)
    try:
        assert ix.embedded == 0  # nothing embedded again
        assert ix.store.note("culture/tea-ceremony.md").aliases == ("Chanoyu", "Way of Tea")
        assert ix.searcher().search("chanoyu", 3)[0].path == "culture/tea-ceremony.md"
    finally:
        ix.close()
