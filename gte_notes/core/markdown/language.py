"""Which language a note's Latin-script words are in, from the function words it uses.

Only Latin script needs a guess: Cyrillic, Greek and the scripts without spaces each have one rule
(text_terms.py). The guess picks the stemmer, so it only has to be right where stemming differs, and
a query is matched under every language the index holds (keyword.py), so a wrong guess costs
inflected forms, never the word as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gte_notes.core.markdown.stopwords import STOPWORDS
from gte_notes.core.markdown.text_terms import DEFAULT_LANGUAGE, LATIN_STEMMERS, folded_words

# Languages in order of preference on a tie (English first: the old index stemmed everything as English).
_CANDIDATES = [lang for lang in STOPWORDS if lang in LATIN_STEMMERS]
# Enough words to tell the languages apart; a long note is not read to the end for it.
_WORDS_READ = 400
# A passage changes its note's language only with this many function words, twice the note language's.
_OWN_EVIDENCE = 6
# Text this long with almost no function word of a known language, and with letters English does not
# use, is in another language: its words are folded but not stemmed (Porter would mangle Polish or
# Turkish). English prose has 30-50% function words; an English list of names or commands has few,
# but no accented letters, and stays English.
_UNKNOWN_MIN_WORDS = 40
_UNKNOWN_MAX_RATE = 0.05
_UNKNOWN_MIN_ACCENTED = 0.03
# English is the default: another language must show at least this many function words, and twice
# English's. Real German or French prose clears it by far; a few "de" and "la" in a list of language
# codes or in markup do not (every wrong guess adds stems to every query of the index).
_OTHER_MIN_HITS = 5
# Links and HTML tags say nothing about the language and their pieces look like function words ("com"
# is Portuguese for "with", "io" Italian for "I"): left out of the guess.
_LINK = re.compile(r"\w+://\S+|www\.\S+|\S+\.(?:com|org|net|io|de|fr|es)\b\S*|<[^<>\n]*>")

_BY_WORD: dict[str, list[str]] = {}
for _lang in _CANDIDATES:
    for _w in STOPWORDS[_lang]:
        _BY_WORD.setdefault(_w, []).append(_lang)


def without_links(text: str) -> str:
    """`text` with its URLs blanked out (cheaply: most passages have none)."""
    return _LINK.sub(" ", text) if "://" in text or "www." in text or ".com" in text or "<" in text else text


def _hits(text: str | list[str]) -> tuple[dict[str, int], int]:
    """Function words of each candidate language among the first words of `text`, and the words read."""
    counts = dict.fromkeys(_CANDIDATES, 0)
    if isinstance(text, str):
        text = without_links(text)
    words = folded_words(text, _WORDS_READ)
    for langs in filter(None, map(_BY_WORD.get, words)):
        for lang in langs:
            counts[lang] += 1
    latin = sum(1 for w in words if "a" <= w[0] <= "z")
    counts["accented"] = sum(1 for w in words if not w.isascii())  # folded: letters like ł, ø, ı
    return counts, latin


def _best(counts: dict[str, int], latin_words: int) -> str:
    best = max(_CANDIDATES, key=lambda lang: counts[lang])  # the first on a tie
    if counts[best] == 0 or counts[best] < _UNKNOWN_MAX_RATE * latin_words:
        foreign = (
            latin_words >= _UNKNOWN_MIN_WORDS and counts["accented"] >= _UNKNOWN_MIN_ACCENTED * latin_words
        )
        return "" if foreign else DEFAULT_LANGUAGE
    if best != DEFAULT_LANGUAGE and (
        counts[best] < _OTHER_MIN_HITS or counts[best] < 2 * counts[DEFAULT_LANGUAGE]
    ):
        return DEFAULT_LANGUAGE
    return best


def language_of(text: str) -> str:
    """The language of one text (a preview's note, a passage shown alone)."""
    return _best(*_hits(text))


def chunk_languages(texts: Sequence[str | list[str]]) -> list[str]:
    """The language of each passage of one note: the note's own, unless a passage clearly says
    otherwise (a German paragraph quoted in an English note). A passage may be given as its words."""
    per_chunk = [_hits(t) for t in texts]
    total = dict.fromkeys([*_CANDIDATES, "accented"], 0)
    latin = 0
    for counts, n in per_chunk:
        latin += n
        for lang, c in counts.items():
            total[lang] += c
    note = _best(total, latin)
    out = []
    for counts, n in per_chunk:
        own = _best(counts, n)
        strong = own and counts[own] >= _OWN_EVIDENCE and counts[own] >= 2 * counts.get(note, 0)
        out.append(own if own != note and strong else note)
    return out
