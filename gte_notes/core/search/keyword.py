"""Keyword search: SQLite FTS5 BM25 over chunks_fts (columns title, heading, text).

The table holds each passage's terms (text_terms.py: folded, stemmed by the note's language, scripts
without spaces as character pairs), and a query is made into the same terms under every language the
index holds (term_query.py). User input never reaches FTS5's query language as written: every term is
sent as a quoted string, so quotes, hyphens, colons, stars, parentheses or words such as OR and NEAR
in a query can never raise or change the meaning. The only operators are the ones built here.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from gte_notes.core.index.store import Store
from gte_notes.core.markdown.stopwords import stopwords_of
from gte_notes.core.markdown.text_terms import DEFAULT_LANGUAGE, fold
from gte_notes.core.search.fusion import bm25_idf
from gte_notes.core.search.term_query import phrase_string, title_string, word_strings

log = logging.getLogger(__name__)
T = TypeVar("T")

# bm25() column weights for (title, heading, text). Tuned on SciFact train (gte_notes/eval/tune.py):
# with the fusion, extra title weight did not help (1, 2, 3, 5 tried). Titles still matter: they are
# indexed and embedded, and an exact title match always ranks first (search.py).
TITLE_WEIGHT = 1.0
HEADING_WEIGHT = 1.0
TEXT_WEIGHT = 1.0
# BM25 must score every row that matches any term, so a query's cost is the sum of its terms' document
# frequencies. A word in more chunks than PROBE_LIMIT is too common to rank by (its IDF is small) and
# is left out; the rest are kept rarest first while their frequencies add up to POSTINGS_BUDGET. This
# bounds a keyword query's work whatever the index size and whatever the user types: BM25's time is
# linear in it (100k passages: 17 -> 10 ms p50 from 20,000 to 10,000 on an AVX2 EPYC).
# POSTINGS_BUDGET chosen on SciFact train, where the budget's share of the index is what matters:
# hybrid nDCG@10 72.84 / 72.78 / 72.52 / 71.62 / 71.49 / 70.82 at budgets of 2 / 1 / 0.5 / 0.2 / 0.1 /
# 0.05 x its 9,860 passages. 10,000 is 0.1 x a 100k index (0.2 x gave 0.13 more), 0.01 x a 1M one.
PROBE_LIMIT = 10_000
POSTINGS_BUDGET = 10_000
# The word being typed matches as a prefix only from this length: a short prefix ("th*") merges the
# postings of thousands of words.
MIN_PREFIX = 4
_DF_CACHE_SIZE = 4096
# Function words (stopwords.py, the lists of the languages in the index) match almost every chunk, so
# they add noise to BM25 (and cost) without saying what the user is looking for. They are left out of
# the keyword query when other words remain; a query of only such words ("the who") keeps them.
# Quoted phrases keep every word.
_ENGLISH = frozenset({DEFAULT_LANGUAGE})


def word_parts(
    terms: Sequence[str], prefix_last: bool = False, languages: Collection[str] = _ENGLISH
) -> list[tuple[str, str]]:
    """(query word, FTS5 string) of each position of each word, without repeats; the last word as a
    prefix query when it is being typed."""
    out: dict[str, str] = {}
    for n, word in enumerate(terms):
        prefix = prefix_last and n == len(terms) - 1 and len(word) >= MIN_PREFIX
        for part in word_strings(word, languages, prefix):
            out.setdefault(part, word)
    return [(w, p) for p, w in out.items()]


def term_strings(
    terms: Sequence[str], prefix_last: bool = False, languages: Collection[str] = _ENGLISH
) -> list[str]:
    """Each query position as an FTS5 string; the last word as a prefix query when it is being typed."""
    return [p for _, p in word_parts(terms, prefix_last, languages)]


def match_expression(
    terms: Sequence[str],
    phrases: Sequence[Sequence[str]] = (),
    prefix_last: bool = False,
    languages: Collection[str] = _ENGLISH,
) -> str:
    """An FTS5 MATCH expression: every phrase must occur, and at least one term (any of them).

    Terms are OR'ed because BM25 already rewards rows that contain more of them, and a natural-language
    query whose every word must appear finds almost nothing. `prefix_last` lets the word being typed
    match as a prefix ("embedd" finds "embedding").
    """
    return _combine(term_strings(terms, prefix_last, languages), phrases, languages)


def _combine(
    parts: Sequence[str], phrases: Sequence[Sequence[str]], languages: Collection[str] = _ENGLISH
) -> str:
    required = [s for p in phrases if p and (s := phrase_string(p, languages))]
    if not parts and not required:
        return ""
    if not required:
        return " OR ".join(parts)
    if not parts:
        return " AND ".join(required)
    return " AND ".join(required) + " AND (" + " OR ".join(parts) + ")"


def title_expression(words: Sequence[str], languages: Collection[str] = _ENGLISH) -> str:
    """Rows whose title column starts with these words: candidates for an exact title match."""
    return title_string(words, languages) if words else ""


def _syntax_error(err: sqlite3.OperationalError, expr: str) -> bool:
    """Whether FTS5 rejected the expression itself. Expressions are built from quoted strings only,
    so this is a bug here, logged; a search box must still not show a traceback for what the user
    typed. Anything else (a locked or damaged database, a missing table) is not "no results"."""
    text = str(err)
    if not (text.startswith("fts5: ") or text == "unterminated string"):  # FTS5's parse errors
        return False
    log.warning("FTS5 rejected the keyword expression %r: %s", expr, err)
    return True


def _unless_rejected(expr: str, run: Callable[[], T], rejected: T) -> T:
    """`run()`, or `rejected` when FTS5 rejected `expr` itself (see `_syntax_error`); other errors raise."""
    try:
        return run()
    except sqlite3.OperationalError as err:
        if not _syntax_error(err, expr):
            raise
        return rejected


@dataclass
class DocFreqs:
    """Document frequencies and the passage count of one index, at one generation. While the user
    types, the same words are looked up again and again; one of these lives as long as the index is
    open (search/caches.py) and is shared by every KeywordIndex reading that index."""

    generation: int = -1
    rows: int = -1  # passages in the index (FTS rows), -1 until counted
    languages: frozenset[str] | None = None  # the languages of the passages, None until read
    values: dict[tuple[str, int], int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def follow(self, generation: int) -> None:
        """Forget what was counted for an older index (hold `lock`)."""
        if self.generation != generation:
            self.generation, self.values, self.rows, self.languages = generation, {}, -1, None


class KeywordIndex:
    """BM25 queries on one Store (its keyword table, index/keyword_table.py).

    Scores are -bm25(), so larger is better and > 0."""

    def __init__(
        self,
        store: Store,
        weights: tuple[float, float, float] | None = None,
        budget: int = POSTINGS_BUDGET,
        probe_limit: int = PROBE_LIMIT,
        freqs: DocFreqs | None = None,
    ) -> None:
        """`freqs`: the counts of this index shared with other readers of it (a fresh cache if None)."""
        self.store = store
        self.weights = weights or (TITLE_WEIGHT, HEADING_WEIGHT, TEXT_WEIGHT)
        self.budget = budget
        self.probe_limit = probe_limit
        self._df = freqs if freqs is not None else DocFreqs()

    def doc_freq(self, term: str) -> int:
        """How many chunks match the FTS5 string `term`, counted up to `probe_limit` (cached)."""
        generation = self.store.generation()
        with self._df.lock:
            self._df.follow(generation)
            found = self._df.values.get((term, self.probe_limit))
        if found is not None:
            return found
        n = _unless_rejected(term, lambda: self.store.fts.count(term, self.probe_limit), 0)
        with self._df.lock:
            if len(self._df.values) >= _DF_CACHE_SIZE:
                self._df.values.clear()
            self._df.values[(term, self.probe_limit)] = n
        return n

    def languages(self) -> frozenset[str]:
        """The languages the index's passages were stemmed in (a query is matched under each)."""
        generation = self.store.generation()
        with self._df.lock:
            self._df.follow(generation)
            if self._df.languages is not None:
                return self._df.languages
        langs = frozenset(self.store.chunk_languages()) or _ENGLISH
        with self._df.lock:
            if self._df.generation == generation:
                self._df.languages = langs
        return langs

    def word_freq(self, word: str, prefix: bool = False) -> int:
        """How many chunks hold the query word (all its positions), as `doc_freq` counts."""
        parts = word_strings(word, self.languages(), prefix and len(word) >= MIN_PREFIX)
        return self.doc_freq(" AND ".join(parts)) if parts else 0

    def content_parts(self, terms: Sequence[str], prefix_last: bool = False) -> list[str]:
        """The FTS5 strings of the query's content words: function words left out when others remain."""
        languages = self.languages()
        parts = word_parts(terms, prefix_last, languages)
        stop = stopwords_of(languages)
        # The word being typed may still grow into another word ("when" -> "whenever"): it stays.
        content = [p for w, p in parts if fold(w) not in stop or p.endswith("*")]
        return content or [p for _, p in parts]

    def full_score(self, terms: Sequence[str], prefix_last: bool = False) -> float:
        """The BM25 of a passage of average length holding each content word of the query once.

        Words the vault lacks and words too common to search count too: keyword evidence is measured
        against the whole query, so matching one common word of five is weak evidence.
        """
        n_rows = self.row_count()
        freqs = [self.doc_freq(p) for p in self.content_parts(terms, prefix_last)]
        # A word counted up to the probe limit is too common to search (see `expression`) and says
        # almost nothing; its true frequency is unknown, so it counts as nothing rather than a guess.
        return sum(bm25_idf(n_rows, f) for f in freqs if f < self.probe_limit)

    def row_count(self) -> int:
        generation = self.store.generation()
        with self._df.lock:
            self._df.follow(generation)
            if self._df.rows >= 0:
                return self._df.rows
        n = self.store.chunk_count()
        with self._df.lock:
            if self._df.generation == generation:
                self._df.rows = n
        return n

    def expression(
        self, terms: Sequence[str], phrases: Sequence[Sequence[str]] = (), prefix_last: bool = False
    ) -> str:
        """`match_expression` with the terms too common to be worth their cost left out (see above)."""
        parts = self.content_parts(terms, prefix_last)
        freqs = {p: self.doc_freq(p) for p in parts}
        kept, total = set(), 0
        for p in sorted(parts, key=lambda p: freqs[p]):
            if freqs[p] == 0 or freqs[p] >= self.probe_limit:
                continue
            if kept and total + freqs[p] > self.budget:
                break
            kept.add(p)
            total += freqs[p]
        return _combine([p for p in parts if p in kept], phrases, self.languages())

    def phrase_filter(self, phrases: Sequence[Sequence[str]]) -> str:
        """Rows holding every one of these phrases (for the "quoted phrase" filter)."""
        return _combine([], phrases, self.languages())

    def search(self, expr: str, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
        """(chunk ids, scores), best first; every matching chunk when `limit` is None."""
        if not expr:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        rows = _unless_rejected(expr, lambda: self.store.fts.ranked(expr, self.weights, limit), [])
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        scores = np.fromiter((-r[1] for r in rows), dtype=np.float32, count=len(rows))
        return ids, scores

    def matching_ids(self, expr: str) -> np.ndarray:
        """Every chunk matching `expr`, unranked (for phrase filters)."""
        if not expr:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(_unless_rejected(expr, lambda: self.store.fts.matching(expr), []), dtype=np.int64)

    def title_candidates(self, words: Sequence[str], limit: int = 200) -> list[tuple[int, str]]:
        """(note id, title) of notes whose title starts with `words`; the caller checks equality."""
        expr = title_expression(words, self.languages())
        if not expr:
            return []
        return _unless_rejected(expr, lambda: self.store.fts.note_titles(expr, limit), [])
