"""When the spelling vocabulary is read again. A stand-in table counts the reads (no SQLite needed:
what is tested is the cache's rule, not FTS5); corrections themselves are tested on a real index in
test_search_by_meaning.py."""

from gte_notes.core.search import spelling
from gte_notes.core.search.spelling import Speller, VocabularyCache


class CountingTable:
    """The two KeywordTable reads the Speller makes, over a fixed word list."""

    def __init__(self, words: dict[str, int]) -> None:
        self.words = words
        self.reads = 0

    def vocabulary(self):
        self.reads += 1
        return iter(self.words.items())

    def passage_texts(self, expr: str, limit: int) -> list[tuple[str, str]]:
        return [("", " ".join(self.words))]


def test_a_changed_index_reuses_a_recent_vocabulary_then_reads_it_again(monkeypatch) -> None:
    table, cache = CountingTable({"publish": 40, "templat": 12}), VocabularyCache()
    now = [1000.0]
    monkeypatch.setattr(spelling.time, "monotonic", lambda: now[0])
    assert Speller(table, cache, generation=1, rows=1000).correct("pubish") == "publish"
    assert table.reads == 1
    # Every write bumps the generation: within REFRESH_S the copy read at generation 1 still serves.
    now[0] += spelling.REFRESH_S / 2
    Speller(table, cache, generation=7, rows=1000).correct("pubish")
    assert table.reads == 1
    # Older than that, and the index changed: read again (and the new copy serves its generation).
    now[0] += spelling.REFRESH_S
    table.words["pubsub"] = 30
    Speller(table, cache, generation=9, rows=1000).correct("pubsubb")
    assert table.reads == 2
    Speller(table, cache, generation=9, rows=1000).correct("pubish")
    assert table.reads == 2


def test_an_unchanged_index_never_reads_it_again(monkeypatch) -> None:
    table, cache = CountingTable({"publish": 40}), VocabularyCache()
    now = [0.0]
    monkeypatch.setattr(spelling.time, "monotonic", lambda: now[0])
    for _ in range(3):
        Speller(table, cache, generation=4, rows=1000).correct("pubish")
        now[0] += 10 * spelling.REFRESH_S
    assert table.reads == 1
