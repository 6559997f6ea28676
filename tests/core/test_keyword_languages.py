"""Keyword search in every language (issue 15 item 4), through the real SQLite store, the real keyword
index and the real highlighter. Keyword-only searches, so the fake embedder (tests/fakes.py) stands in
for the model: nothing here depends on what a vector says."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from gte_notes.core.index.migrations import MIGRATIONS
from gte_notes.core.index.store import Store
from gte_notes.core.markdown.language import chunk_languages, language_of
from gte_notes.core.search.keyword import KeywordIndex
from gte_notes.core.search.results import Hit
from gte_notes.eval.harness import Indexed, index_folder, write_notes
from tests.fakes import FakeEmbedder

NOTES = {
    "de/wohnen.md": "# Wohnen in Berlin\n\nDie Häuser in unserer Straße sind sehr alt. Wir wohnen seit zehn "
    "Jahren in einem kleinen Haus am Fluss, und im Sommer sitzen die Nachbarn draußen vor der "
    "Tür.\n",
    "fr/cafe.md": "# Le café du coin\n\nLe café près de la gare est fermé le dimanche. Nous avons envoyé mon "
    "résumé à la société, et j'ai reçu une réponse très rapide. Les étudiants préfèrent les "
    "crêpes.\n",
    "es/musica.md": "# Música\n\nLa canción que escuchamos ayer en la radio es muy bonita. "
    "Los niños cantaron "
    "con su abuela en la fiesta del pueblo, y después comimos paella.\n",
    "ru/biblioteka.md": "# Библиотека\n\nВ нашей библиотеке много старых книг. Мой друг читает книгу об "
    "истории России каждый вечер. Под ёлкой лежат подарки.\n",
    "zh/tianqi.md": "# 天气\n\n今天北京的天气很好，我们去公园散步了。明天可能会下雨，所以要带雨伞。\n",
    "ja/neko.md": "# 猫の話\n\n私の家には黒い猫が二匹います。"
    "毎朝、東京駅の近くのパン屋で朝ごはんを買います。\n",
    "en/kitchen.md": "# Kitchen\n\nThe cafe on the corner bakes bread every morning. Our houses are old and "
    "the street is quiet at night.\n",
}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    tmp = tmp_path_factory.mktemp("languages")
    write_notes(tmp / "notes", NOTES.items())
    ix = index_folder(tmp / "notes", tmp / "data", FakeEmbedder(), quiet=True)
    yield ix
    ix.close()


def keyword(ix: Indexed, query: str) -> list[Hit]:
    return ix.searcher().search(query, 20, mode="keyword")


def paths(hits: list[Hit]) -> set[str]:
    return {h.path for h in hits}


def marked(hit: Hit) -> list[str]:
    return [hit.passage[a:b] for a, b in hit.highlights]


def test_each_note_is_stemmed_in_its_own_language(indexed: Indexed) -> None:
    rows = indexed.store.conn.execute(
        "SELECT n.path, c.lang FROM chunks c JOIN notes n ON n.id = c.note_id"
    ).fetchall()
    langs = {path: lang for path, lang in rows}
    assert langs["de/wohnen.md"] == "de" and langs["fr/cafe.md"] == "fr" and langs["es/musica.md"] == "es"
    # Latin words there are none, so their notes keep the default; their words do not depend on it.
    assert langs["en/kitchen.md"] == langs["ru/biblioteka.md"] == langs["zh/tianqi.md"] == "en"


@pytest.mark.parametrize(
    ("query", "note", "marks"),
    [
        ("Nachbarn", "de/wohnen.md", ["Nachbarn"]),
        ("Fluss", "de/wohnen.md", ["Fluss"]),
        ("gare", "fr/cafe.md", ["gare"]),
        ("canción", "es/musica.md", ["canción"]),
        ("paella", "es/musica.md", ["paella"]),
        ("подарки", "ru/biblioteka.md", ["подарки"]),
        ("天气", "zh/tianqi.md", ["天气", "天气"]),  # the heading and the sentence
        ("北京", "zh/tianqi.md", ["北京"]),
        ("雨伞", "zh/tianqi.md", ["雨伞"]),
        ("東京", "ja/neko.md", ["東京"]),
        ("パン屋", "ja/neko.md", ["パン屋"]),
    ],
)
def test_a_word_inside_a_note_is_found_and_marked(
    indexed: Indexed, query: str, note: str, marks: list[str]
) -> None:
    hits = keyword(indexed, query)
    assert note in paths(hits)
    hit = next(h for h in hits if h.path == note)
    assert marked(hit) == marks


def test_inflected_forms_match_where_the_languages_stemmer_joins_them(indexed: Indexed) -> None:
    # German Snowball: Häuser, Haus -> "haus"; the marks show the same words the search matched.
    for query in ("Haus", "Häuser", "hauser"):
        hit = next(h for h in keyword(indexed, query) if h.path == "de/wohnen.md")
        assert marked(hit) == ["Häuser", "Haus"]
    # French: étudiant / étudiants; Spanish: niño / niños; Russian: книга / книг / книгу.
    assert "fr/cafe.md" in paths(keyword(indexed, "étudiant"))
    assert "es/musica.md" in paths(keyword(indexed, "niño"))
    hit = next(h for h in keyword(indexed, "книга") if h.path == "ru/biblioteka.md")
    assert marked(hit) == ["книг", "книгу"]
    hit = next(h for h in keyword(indexed, "Россия") if h.path == "ru/biblioteka.md")
    assert marked(hit) == ["России"]
    # English keeps Porter: "houses" and "house" meet in the English note.
    assert "en/kitchen.md" in paths(keyword(indexed, "house"))


@pytest.mark.parametrize(
    ("accented", "plain"),
    [
        ("café", "cafe"),
        ("Straße", "strasse"),
        ("résumé", "resume"),
        ("canción", "cancion"),
        ("niños", "ninos"),
        ("ёлка", "елка"),
        ("Música", "musica"),
        ("société", "SOCIETE"),
    ],
)
def test_a_query_with_or_without_accents_finds_the_same_notes(
    indexed: Indexed, accented: str, plain: str
) -> None:
    with_accents = paths(keyword(indexed, accented))
    assert with_accents and with_accents == paths(keyword(indexed, plain))


def test_cafe_finds_the_french_and_the_english_note(indexed: Indexed) -> None:
    hits = keyword(indexed, "cafe")
    assert paths(hits) == {"fr/cafe.md", "en/kitchen.md"}
    french = next(h for h in hits if h.path == "fr/cafe.md")
    assert set(marked(french)) == {"café"}


def test_one_character_of_chinese_or_japanese_is_found(indexed: Indexed) -> None:
    # "猫" stands inside "黒い猫が" and at the end of nothing: it matches as the start of a pair.
    hit = next(h for h in keyword(indexed, "猫") if h.path == "ja/neko.md")
    assert "猫" in marked(hit)
    # "雨" ends the run "明天可能会下雨" and starts "雨伞": both places are marked.
    hit = next(h for h in keyword(indexed, "雨") if h.path == "zh/tianqi.md")
    assert marked(hit) == ["雨", "雨"]


def test_chinese_and_japanese_words_absent_from_a_note_do_not_match_it(indexed: Indexed) -> None:
    assert paths(keyword(indexed, "上海")) == set()
    assert "zh/tianqi.md" not in paths(keyword(indexed, "東京"))


def test_quoted_phrases_in_other_languages(indexed: Indexed) -> None:
    assert paths(keyword(indexed, '"die häuser"')) == {"de/wohnen.md"}
    assert paths(keyword(indexed, '"Le cafe pres de la gare"')) == {"fr/cafe.md"}
    assert paths(keyword(indexed, '"東京駅"')) == {"ja/neko.md"}
    assert paths(keyword(indexed, '"北京的天气"')) == {"zh/tianqi.md"}
    assert paths(keyword(indexed, '"天气北京"')) == set()


def test_an_index_made_before_languages_is_rebuilt_from_its_chunks(tmp_path: Path) -> None:
    # A version-3 database: English Porter over FTS5's own tokenizer, no language column.
    db_path = tmp_path / "index.db"
    conn = sqlite3.connect(db_path, isolation_level=None)
    for step in MIGRATIONS[:3]:
        step(conn)
    conn.execute("PRAGMA user_version = 3")
    conn.execute("INSERT INTO notes(id, path, title, status) VALUES (1, 'a.md', 'Wohnen', 'indexed')")
    conn.execute(
        'INSERT INTO chunks(id, note_id, seq, start, "end", line, heading, text, text_hash, n_tokens) '
        "VALUES (7, 1, 0, 0, 10, 1, '', ?, 'h', 5)",
        ["Die Häuser in unserer Straße sind sehr alt und wir wohnen nicht weit davon."],
    )
    conn.execute(
        "INSERT INTO chunks_fts(rowid, title, heading, text) SELECT c.id, n.title, c.heading, c.text "
        "FROM chunks c JOIN notes n ON n.id = c.note_id"
    )
    conn.close()
    store = Store(db_path)
    try:
        assert store.conn.execute("SELECT lang FROM chunks WHERE id = 7").fetchone()[0] == "de"
        kw = KeywordIndex(store)
        assert kw.languages() == {"de"}
        ids, _ = kw.search(kw.expression(["haus"]), 10)
        assert ids.tolist() == [7]
    finally:
        store.close()


def test_only_an_fts5_syntax_error_means_no_results(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = Store(tmp_path / "index.db")
    try:
        kw = KeywordIndex(store)
        with caplog.at_level(logging.WARNING, logger="gte_notes.core.search.keyword"):
            ids, _ = kw.search('"unclosed', 10)
        assert ids.size == 0 and "FTS5 rejected" in caplog.text
        # Anything else (here: the table is gone) is a bug or a broken index, not "no results".
        store.conn.execute("DROP TABLE chunks_fts")
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            kw.search(kw.expression(["oven"]), 10)
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            kw.matching_ids('"oven"')
    finally:
        store.close()


def test_links_do_not_make_english_notes_portuguese() -> None:
    # "com" is Portuguese for "with", and every link has one.
    text = "- [Daria](https://github.com/gereleth)\n  - Being a professional bug catcher\n" + "".join(
        f"  - <https://github.com/dendronhq/dendron/issues/{n}>\n" for n in range(12)
    )
    assert language_of(text) == "en"
    assert chunk_languages([text]) == ["en"]
    # A note's passages share its language unless one says clearly otherwise.
    german = (
        "Die Häuser in unserer Straße sind sehr alt, und wir wohnen nicht weit von der Kirche, die seit "
        "dem Mittelalter auf dem Platz steht."
    )
    english = "The houses in our street are old, and we live not far from the church that has stood there."
    assert chunk_languages([german, text]) == ["de", "de"]
    assert chunk_languages([english * 3, german]) == ["en", "de"]
