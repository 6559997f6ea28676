"""Text -> the terms the keyword index stores: one rule for indexing, queries, marks and spelling.

SQLite's own tokenizers know one stemmer (Porter, English) and cannot split text written without
spaces, so words are made into terms here and FTS5 only splits the result on spaces:

- A word is a run of letters, digits and combining marks (no underscore: "snake_case" is two words,
  "IL-6" is "il" and "6", as FTS5's unicode61 split them). It is case-folded and, in Latin, Greek and
  Cyrillic, loses its accents ("Café" -> "cafe", "Straße" -> "strasse"), so a query with or without
  accents finds the same notes. Cyrillic "й" keeps its breve: without it Russian endings stop
  matching the stemmer's rules.
- Latin-script words are stemmed with the Snowball stemmer of the note's language (language.py);
  English keeps the original Porter algorithm FTS5 used, with its length limits, so English ranking
  does not move. Cyrillic words use the Russian stemmer, Greek the Greek one; other scripts are kept
  whole. Stemming runs after folding, so accents never decide a stem.
- Scripts written without spaces (Chinese, Japanese, Korean, Thai, Lao, Khmer, Myanmar) become
  overlapping character pairs, the classic CJK analyzer: "東京都" -> "東京 京都", plus the run's last
  character alone, so every character starts some term and a one-character query can match as a prefix.
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache

import regex
import Stemmer

from gte_notes.core.markdown.porter_fts5 import as_fts5_porter

# A word: letters, digits and marks. Runs of scripts without spaces are split out of it afterwards
# (one simple class keeps the scan fast: it runs over every passage when the index is built).
WORD = regex.compile(r"[\p{L}\p{N}\p{Co}][\p{L}\p{N}\p{M}\p{Co}]*")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")  # the same for ASCII text, twice as fast
# Han (with 々 and the ideographic numbers), Hiragana, Katakana (not its middle dot, a word separator),
# Hangul, Thai, Lao, Myanmar, Khmer; only ever matched inside a WORD, so their punctuation is left out.
_RUN = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029"
    "\u3038-\u303b\u3040-\u30fa\u30fc-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003ffff]+"
)
# The cached terms of each word, by language: the same few thousand words make most of any text.
_CACHE_SIZE = 1 << 18
_cache: dict[str, dict[str, tuple[str, ...]]] = {}

# The stemmer of each language whose Latin-script words are stemmed. "" is a Latin-script language
# without one (text with none of the known languages' function words): its words are only folded.
LATIN_STEMMERS = {
    "en": "porter",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
    "": "",
}
DEFAULT_LANGUAGE = "en"
# FTS5's porter tokenizer leaves tokens shorter than 3 or longer than 64 bytes as they are ("as" stays
# "as", where Porter itself would make it "a"); English terms must stay what they were.
_PORTER_MIN, _MAX_STEMMED = 3, 64

_local = threading.local()  # a PyStemmer object must not be shared between threads


def _stemmer(algorithm: str) -> Stemmer.Stemmer:
    stemmers = _local.__dict__.setdefault("stemmers", {})
    if algorithm not in stemmers:
        stemmers[algorithm] = Stemmer.Stemmer(algorithm)
    return stemmers[algorithm]


def _folds_marks(ch: str) -> bool:
    """Accents come off Latin, Greek and Cyrillic letters; elsewhere marks are part of the letter
    (Devanagari vowel signs, Japanese voicing marks)."""
    return ord(ch) < 0x530 or 0x1E00 <= ord(ch) < 0x2000


@lru_cache(maxsize=1 << 17)
def fold(word: str) -> str:
    """`word` case-folded, with compatibility forms (full-width letters, ligatures) spelled out and
    accents removed from Latin, Greek and Cyrillic letters."""
    w = word.casefold()
    if w.isascii():
        return w
    if "й" in w:
        return "й".join(fold(part) for part in w.split("й"))
    out = []
    strip = True
    for ch in unicodedata.normalize("NFKD", w):
        if unicodedata.combining(ch):
            if strip:
                continue
        else:
            strip = _folds_marks(ch)
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _script(ch: str) -> str:
    o = ord(ch)
    if o < 0x250 or 0x1E00 <= o < 0x1F00:
        return "latin"
    if 0x400 <= o < 0x530:
        return "russian"
    if 0x370 <= o < 0x400 or 0x1F00 <= o < 0x2000:
        return "greek"
    return "other"


def _script_stemmer(word: str, lang: str) -> str:
    """The Snowball algorithm for a folded word in a note of language `lang` ("" for none): a word
    whose letters are of one script, Latin by the note's language; mixed scripts ("16α") are kept."""
    if word.isascii():
        return LATIN_STEMMERS.get(lang, "") if not word.isdigit() else ""
    scripts = {_script(ch) for ch in word if ch.isalpha()}
    if len(scripts) != 1:
        return ""
    script = scripts.pop()
    if script == "latin":
        return LATIN_STEMMERS.get(lang, "")
    return script if script != "other" else ""


@lru_cache(maxsize=1 << 18)
def term(word: str, lang: str) -> str:
    """The index term of one word (not a run without spaces) in a note of language `lang`."""
    w = fold(word)
    algorithm = _script_stemmer(w, lang)
    if not algorithm or len(w) > _MAX_STEMMED or (algorithm == "porter" and len(w) < _PORTER_MIN):
        return w
    stem = _stemmer(algorithm).stemWord(w)
    return as_fts5_porter(stem) if algorithm == "porter" else stem


def runs_of(word: str) -> list[str]:
    """The runs of scripts without spaces in `word` (a query word), as written: "東京都" in "東京都tower"."""
    return [] if word.isascii() else _RUN.findall(word)


def _run_terms(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def _pieces(word: str) -> list[tuple[int, int, bool]]:
    """(start, end, is a run without spaces) of the parts of one WORD."""
    if word.isascii() or not _RUN.search(word):
        return [(0, len(word), False)]
    out, pos = [], 0
    for m in _RUN.finditer(word):
        if m.start() > pos:
            out.append((pos, m.start(), False))
        out.append((m.start(), m.end(), True))
        pos = m.end()
    if pos < len(word):
        out.append((pos, len(word), False))
    return out


def _word_terms(word: str, lang: str) -> tuple[str, ...]:
    cache = _cache.get(lang)
    if cache is None:
        cache = _cache.setdefault(lang, {})
    found = cache.get(word)
    if found is None:
        found = ()
        for a, b, run in _pieces(word):
            found += tuple(_run_terms(word[a:b])) if run else (term(word[a:b], lang),)
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[word] = found = tuple(t for t in found if t)
    return found


def ascii_words(text: str) -> list[str]:
    """The words of ASCII `text`, as `words` and `tokens` read them."""
    return _ASCII_WORD.findall(text)


def words(text: str) -> list[str]:
    """The words of `text` as written (runs without spaces not yet split)."""
    return _ASCII_WORD.findall(text) if text.isascii() else WORD.findall(text)


def terms(text: str | list[str], lang: str) -> list[str]:
    """Every term of `text` (or of its `words`), in order: what the keyword index stores for it."""
    found_words = words(text) if isinstance(text, str) else text
    return list(itertools.chain.from_iterable(terms_by_word(found_words, lang)))


def terms_by_word(found_words: list[str], lang: str) -> list[tuple[str, ...]]:
    """The terms of each of `found_words` (words as written), in order."""
    # Runs over every word of every passage when the index is built: the loop stays in C (map) and
    # Python only works on words not seen before.
    cache = _cache.get(lang) or _cache.setdefault(lang, {})
    found = list(map(cache.get, found_words))
    if None in found:
        found = [
            f if f is not None else _word_terms(w, lang) for f, w in zip(found, found_words, strict=True)
        ]
    return found


def index_text(text: str, lang: str) -> str:
    """`text` as the FTS5 column holds it: its terms separated by spaces."""
    return " ".join(terms(text, lang))


def tokens(text: str, lang: str) -> list[tuple[int, int, str]]:
    """(start, end, term) of every term of `text`, for marking: a character pair spans two characters."""
    if text.isascii():  # most passages: one term per word, no runs to split (the loop below, faster)
        # _word_terms: from the word cache the indexer fills, not stemmed again per passage.
        return [
            (m.start(), m.end(), found[0])
            for m in _ASCII_WORD.finditer(text)
            if (found := _word_terms(m.group(), lang))
        ]
    out: list[tuple[int, int, str]] = []
    for m in WORD.finditer(text):
        word, start = m.group(), m.start()
        for a, b, run in _pieces(word):
            if run:
                out += [
                    (start + a + i, start + a + i + len(t), t) for i, t in enumerate(_run_terms(word[a:b]))
                ]
            elif t := term(word[a:b], lang):
                out.append((start + a, start + b, t))
    return out


def folded_words(text: str | list[str], limit: int) -> list[str]:
    """The first `limit` words of `text` (or of its `words`), folded, for guessing its language."""
    found = words(text[: limit * 12]) if isinstance(text, str) else text
    found = found[:limit]
    if all(map(str.isascii, found)):
        return list(map(str.lower, found))
    return [w.lower() if w.isascii() else fold(w) for w in found]


@dataclass(frozen=True)
class Group:
    """One position of a query: the terms that stand for it (one per stemmer of the languages in the
    index), any of which may match. `char` is a lone character of a script without spaces, which
    matches as the start of a pair ("猫" finds "猫が")."""

    alternatives: tuple[str, ...]
    char: bool = False
    run: bool = False  # a character pair or character: never a prefix of a longer word


def query_groups(word: str, languages: Collection[str]) -> list[Group]:
    """The query positions of one query word, under each language the index holds."""
    langs = sorted(languages) or [DEFAULT_LANGUAGE]
    out: list[Group] = []
    for m in WORD.finditer(word):
        for a, b, is_run in _pieces(m.group()):
            piece = m.group()[a:b]
            if is_run and len(piece) == 1:
                out.append(Group((piece,), char=True, run=True))
            elif is_run:
                out += [Group((piece[i : i + 2],), run=True) for i in range(len(piece) - 1)]
            elif alts := tuple(dict.fromkeys(t for lang in langs if (t := term(piece, lang)))):
                out.append(Group(alts))
    return out


def phrase_groups(words: Iterable[str], languages: Collection[str]) -> list[tuple[str, ...]]:
    """The positions of a quoted phrase: what the index stores for that text, in order, each with its
    alternatives. The last run's final single character is left out: the phrase may stop inside a
    longer run in the note."""
    langs = sorted(languages) or [DEFAULT_LANGUAGE]
    out: list[tuple[str, ...]] = []
    last_run = False
    for w in WORD.findall(" ".join(words)):
        for a, b, is_run in _pieces(w):
            piece = w[a:b]
            if is_run:
                out += [(t,) for t in _run_terms(piece)]
            elif alts := tuple(dict.fromkeys(t for lang in langs if (t := term(piece, lang)))):
                out.append(alts)
            last_run = is_run and len(piece) > 1
    return out[:-1] if last_run else out
