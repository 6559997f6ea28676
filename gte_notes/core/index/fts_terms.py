"""What the keyword index (chunks_fts) holds for a note's passages, and rebuilding it from the chunks.

FTS5 gets each column as terms made by text_terms.py, separated by spaces, and its `ascii` tokenizer
only splits them again: terms hold letters, digits and non-ASCII characters, never ASCII punctuation.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

from gte_notes.core.markdown.language import chunk_languages, without_links
from gte_notes.core.markdown.text_terms import index_text, terms, words

CREATE_FTS = "CREATE VIRTUAL TABLE chunks_fts USING fts5(title, heading, text, tokenize = 'ascii')"
_BATCH = 2000  # chunks written at a time while rebuilding


def fts_rows(title: str, chunks: Sequence[tuple[str, str]]) -> list[tuple[str, tuple[str, str, str]]]:
    """For each (heading, text) of one note: its language and its (title, heading, text) columns."""
    found = [words(text) for _, text in chunks]  # split once, for the language guess and the terms
    # A passage with links is read again without them for the guess.
    langs = chunk_languages(
        [w if (clean := without_links(t)) is t else clean for w, (_, t) in zip(found, chunks, strict=True)]
    )
    titles: dict[str, str] = {}
    out = []
    for lang, (heading, _), text_words in zip(langs, chunks, found, strict=True):
        if lang not in titles:
            titles[lang] = index_text(title, lang)
        out.append((lang, (titles[lang], index_text(heading, lang), " ".join(terms(text_words, lang)))))
    return out


def _notes(conn: sqlite3.Connection) -> Iterator[tuple[str, list[tuple[int, str, str]]]]:
    """(title, [(chunk id, heading, text)]) of every note, read one note at a time."""
    rows = conn.execute(
        "SELECT c.note_id, n.title, c.id, c.heading, c.text FROM chunks c JOIN notes n ON n.id = c.note_id "
        "ORDER BY c.note_id, c.seq"
    )
    note, title, chunks = None, "", []
    for note_id, note_title, chunk_id, heading, text in rows:
        if note_id != note and chunks:
            yield title, chunks
            chunks = []
        note, title = note_id, note_title
        chunks.append((chunk_id, heading, text))
    if chunks:
        yield title, chunks


def rebuild_fts(conn: sqlite3.Connection) -> None:
    """Drop chunks_fts and fill it again from the chunks table, recording each passage's language.
    Runs inside the caller's transaction."""
    conn.execute("DROP TABLE IF EXISTS chunks_fts")
    conn.execute(CREATE_FTS)
    inserts: list[tuple[int, str, str, str]] = []
    langs: list[tuple[str, int]] = []
    for title, chunks in _notes(conn):
        for (chunk_id, _, _), (lang, fts) in zip(
            chunks, fts_rows(title, [(h, t) for _, h, t in chunks]), strict=True
        ):
            inserts.append((chunk_id, *fts))
            langs.append((lang, chunk_id))
        if len(inserts) >= _BATCH:
            conn.executemany(
                "INSERT INTO chunks_fts(rowid, title, heading, text) VALUES(?, ?, ?, ?)", inserts
            )
            inserts = []
    conn.executemany("INSERT INTO chunks_fts(rowid, title, heading, text) VALUES(?, ?, ?, ?)", inserts)
    # After the read: rows of a table being read are not changed under its cursor. The column's default
    # is English, the language of most passages.
    conn.executemany("UPDATE chunks SET lang = ? WHERE id = ?", [x for x in langs if x[0] != "en"])
