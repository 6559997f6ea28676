"""Did you mean: query words that no note contains, corrected from the index's own vocabulary.

"pubish" finds nothing by keyword and embeds as a different token string from "publish"; one letter
dropped, added, swapped or changed (Damerau distance 1) from a word that is in the notes is
almost always what was meant. Words are compared the way the keyword index stores them
(text_terms.py, under each language the index holds), so "temlates" finds "templates" through the
stem "templat". Only words of five letters or more are corrected: shorter ones have too many
neighbours to pick from. Nothing here writes to the index: the vocabulary is read through a view in
the temp schema of the reading connection (index/keyword_table.py).
"""

from __future__ import annotations

import re
import string
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass

from gte_notes.core.index.keyword_table import KeywordTable
from gte_notes.core.markdown.text_terms import term
from gte_notes.core.search.term_query import quote

MIN_LENGTH = 5
# Corrections tried, most frequent first, before giving up on a word.
MAX_CHECKED = 5
# A correction must be a word of at least this many passages (a typo in one note is not a word),
# once the index is large enough that real words recur; in a small folder every word is rare.
MIN_ROWS = 2
SMALL_INDEX_ROWS = 500
# The vocabulary is read again once the index has changed and the copy is this old. Reading it takes
# ~0.4 s at 100k passages and ~2 s at 1M (fts5vocab counts every term's passages), and every write
# bumps the index's generation: read per generation, every query with an unknown word paid that
# while notes were being indexed. A copy this old only misses corrections to words written since,
# and a correction is checked against the passages themselves (`_written`) whatever the copy says.
REFRESH_S = 60.0
_LETTERS = string.ascii_lowercase


@dataclass
class _Vocabulary:
    generation: int
    doc_counts: dict[str, int]  # stem -> rows containing it
    prefixes: set[str]  # first three letters of every stem: a cheap filter before stemming
    read_at: float  # time.monotonic() when it was read


class VocabularyCache:
    """The vocabulary of one index at its latest generation, shared by the Spellers of every reader of
    that index (search/caches.py): reading it costs tens of milliseconds, the same for every query
    while nothing changes."""

    def __init__(self) -> None:
        self.value: _Vocabulary | None = None
        self.lock = threading.Lock()


def edits(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    out.discard(word)
    return out


class Speller:
    def __init__(
        self,
        table: KeywordTable,
        cache: VocabularyCache,
        generation: int,
        rows: int,
        languages: Collection[str] = ("en",),
    ) -> None:
        self.table = table
        self.cache = cache
        self.generation = generation
        self.rows = rows  # passages in the index
        self.languages = sorted(languages) or ["en"]

    def _vocabulary(self) -> _Vocabulary:
        with self.cache.lock:
            cached = self.cache.value
        if cached is not None and (
            cached.generation == self.generation or time.monotonic() - cached.read_at < REFRESH_S
        ):
            return cached
        counts = {term: doc for term, doc in self.table.vocabulary() if term.isalpha()}
        vocab = _Vocabulary(self.generation, counts, {t[:3] for t in counts}, time.monotonic())
        with self.cache.lock:
            self.cache.value = vocab
        return vocab

    def stems(self, word: str) -> list[str]:
        """The word as the keyword index stores it, under each of its languages."""
        return list(dict.fromkeys(term(word, lang) for lang in self.languages))

    def correct(self, word: str, known: frozenset[str] = frozenset()) -> str | None:
        """The word of the notes that `word` (found in no note) was most likely meant to be.

        `known` is a dictionary of real words (the model's vocabulary): a real word the notes lack
        ("dairy", "planner") is what the user meant, not a misspelling of a word they have.
        """
        word = word.lower()
        if len(word) < MIN_LENGTH or not word.isalpha() or not word.isascii() or is_known(word, known):
            return None
        vocab = self._vocabulary()
        min_rows = MIN_ROWS if self.rows >= SMALL_INDEX_ROWS else 1
        options = sorted(e for e in edits(word) if e[:3] in vocab.prefixes)
        ranked = sorted(
            (
                (max(vocab.doc_counts.get(stem, 0) for stem in self.stems(option)), option)
                for option in options
            ),
            reverse=True,
        )
        for count, option in ranked[:MAX_CHECKED]:
            # Stems collide ("repoing" and "repo" share one): the word itself must be in a note.
            if count >= min_rows and self._written(option):
                return option
        return None

    def _written(self, word: str) -> bool:
        pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
        expr = " OR ".join(quote(stem) for stem in self.stems(word))
        rows = self.table.passage_texts(expr, 50)
        return any(pattern.search(title) or pattern.search(text) for title, text in rows)


# Endings and beginnings whose removal leaves a word the dictionary holds ("weeding" -> "weed",
# "reinvested" -> "invested"): a dictionary of whole tokens lacks most derived forms.
_SUFFIXES = ("s", "es", "ed", "er", "ers", "ing", "ly", "y")
_PREFIXES = ("re", "un", "pre", "dis", "mis", "non", "over", "under", "out")


def _known_form(word: str, known: frozenset[str]) -> bool:
    return word in known or any(word.endswith(s) and word[: -len(s)] in known for s in _SUFFIXES)


def is_known(word: str, known: frozenset[str]) -> bool:
    return _known_form(word, known) or any(
        word.startswith(p) and len(word) - len(p) >= 4 and _known_form(word[len(p) :], known)
        for p in _PREFIXES
    )
