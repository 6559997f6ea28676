"""Query syntax and the FTS5 expressions built from it: whatever the user types is safe."""

from __future__ import annotations

import random
import sqlite3

import pytest

from gte_notes.core.search.highlight import highlight, sentences
from gte_notes.core.search.keyword import match_expression, title_expression
from gte_notes.core.search.query import normalize_title, parse_query


def test_parse_plain_words_phrases_and_filters() -> None:
    q = parse_query('release "hot oven" tag:#Project/Alpha path:"My Notes/work" Friday')
    assert q.text == "release hot oven Friday"
    assert q.terms == ("release", "hot", "oven", "friday")
    assert q.phrases == (("hot", "oven"),)
    assert q.tags == ("project/alpha",)
    assert q.paths == ("My Notes/work",)
    assert q.open_end


def test_unfinished_phrase_is_plain_words_until_closed() -> None:
    q = parse_query('notes about "sourdough sta')
    assert q.phrases == () and q.terms == ("notes", "about", "sourdough", "sta")
    assert parse_query('notes about "sourdough starter"').phrases == (("sourdough", "starter"),)


def test_open_end_only_when_the_last_thing_is_a_word_being_typed() -> None:
    assert parse_query("embed").open_end
    assert not parse_query("embed ").open_end
    assert not parse_query("embed.").open_end
    assert not parse_query('"embed"').open_end
    assert not parse_query("x tag:foo").open_end


def test_filters_without_values_are_ignored() -> None:
    q = parse_query("tag: path: words")
    assert q.tags == () and q.paths == () and q.terms == ("words",)
    assert parse_query('""').is_empty and parse_query("   ").is_empty


def test_titles_compare_by_words() -> None:
    assert normalize_title("  The  Plan: v2! ") == normalize_title("the plan v2")


def _fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE t USING fts5(title, heading, text, "
        "tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    conn.execute("INSERT INTO t VALUES ('Hot oven', 'Kitchen', 'bake it in a very hot oven; c++ and x-y:z')")
    return conn


@pytest.mark.parametrize(
    "query",
    [
        '"',
        'a "b',
        "c++ (x",
        ")(",
        "x-y: *z",
        "*",
        "NEAR(a b)",
        "a OR",
        "AND",
        "NOT x",
        "-x",
        "^x",
        "{a b}: c",
        "title:x",
        "col : x",
        "'",
        "\\",
        "\x00",
        "日本語",
        "émigré",
        "a AND (b OR",
        'tag:"',
        "++",
        "a:b:c",
        "x*y",
    ],
)
def test_match_expressions_never_raise(query: str) -> None:
    conn = _fts()
    q = parse_query(query)
    for prefix in (False, True):
        expr = match_expression(q.terms, q.phrases, prefix_last=prefix)
        if expr:
            conn.execute("SELECT rowid, bm25(t, 2.0, 1.0, 1.0) FROM t WHERE t MATCH ?", [expr]).fetchall()
    if q.terms:
        conn.execute("SELECT rowid FROM t WHERE t MATCH ?", [title_expression(q.terms)]).fetchall()


def test_random_input_never_breaks_fts() -> None:
    conn = _fts()
    rng = random.Random(5)
    alphabet = "abc xyz\"'()*:-^+{}[]NEAROTD.,;!?/\\#@%_\t\n日é0123456789"
    for _ in range(2000):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        q = parse_query(raw)
        expr = match_expression(q.terms, q.phrases, prefix_last=q.open_end)
        if expr:
            conn.execute("SELECT rowid FROM t WHERE t MATCH ?", [expr]).fetchall()


def test_keyword_operators_typed_by_the_user_are_plain_words() -> None:
    conn = _fts()
    # NOT as an operator would exclude the row; typed by the user it is only one more optional word.
    expr = match_expression(*_tp('"hot oven" NOT'))
    assert conn.execute("SELECT count(*) FROM t WHERE t MATCH ?", [expr]).fetchone()[0] == 1
    expr = match_expression(*_tp('"oven hot"'))
    assert conn.execute("SELECT count(*) FROM t WHERE t MATCH ?", [expr]).fetchone()[0] == 0


def _tp(raw: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    q = parse_query(raw)
    return q.terms, q.phrases


def test_highlight_words_phrases_and_sentence() -> None:
    text = "Ovens vary. Our oven runs HOT, very hot. Café opens at nine.\n- hot oven tips"
    spans, sentence = highlight(text, ["hot", "oven", "cafe"], [("hot", "oven")])
    marked = [text[a:b] for a, b in spans]
    assert marked == ["Ovens", "oven", "HOT", "hot", "Café", "hot oven"]
    assert sentence is not None and text[slice(*sentence)] == "- hot oven tips"
    assert highlight(text, ["absent"]) == ([], None)


@pytest.mark.parametrize(
    ("word", "term"),
    [("cancers", "cancer"), ("baked", "bake"), ("running", "run"), ("studies", "study"), ("Ovens", "oven")],
)
def test_inflected_words_are_marked(word: str, term: str) -> None:
    text = f"A line about {word} here."
    assert [text[a:b] for a, b in highlight(text, [term])[0]] == [word]


def test_sentences_split_on_ends_and_lines() -> None:
    text = "First one. Second (v2.1) here!\n\n- item\n3.5 stays whole."
    assert [text[a:b] for a, b in sentences(text)] == [
        "First one.",
        "Second (v2.1) here!",
        "- item",
        "3.5 stays whole.",
    ]
