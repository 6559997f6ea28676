"""What to mark in a result's passage: the query's words and phrases, and the sentence that matched best.

Spans are character offsets into the passage text, so the GUI can mark them and the JSON output can
carry them. Words are compared as the keyword index compares them, through the same terms
(text_terms.py): case and accents ignored, inflections by the passage's stemmer.

Scripts without spaces are searched by character pairs, but marking a pair wherever it occurs marks
words the note does not have ("京都", Kyoto, inside "東京都", Tokyo). So a query's run of two or more
such characters is marked only where the whole run occurs, never pair by pair; and in Japanese text
(text with kana), where a run of Han characters is a word or compound bounded by kana or punctuation, a
run that begins with a Han character is marked only where it begins such a Han run ("京都に", "京都市",
not "東京都"). Chinese text has no such boundaries, so there the run is marked wherever it occurs. A
single character still marks every place it stands.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Collection, Mapping, Sequence

from gte_notes.core.markdown.language import language_of
from gte_notes.core.markdown.text_terms import (
    Group,
    ascii_words,
    fold,
    phrase_groups,
    query_groups,
    runs_of,
    terms_by_word,
    tokens,
)

_HAN = "\u3005\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_STARTS_HAN = re.compile(f"[{_HAN}]")
# Hiragana and Katakana (not the middle dot, a separator also used in Chinese), half-width Katakana.
_KANA = re.compile("[\u3041-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f]")

# A sentence ends after . ! ? (and closing quotes or brackets) before a space, or at a line break:
# Markdown lists and headings are one "sentence" per line. Chinese and Japanese full stops need no space.
_SENTENCE_END = re.compile(r"[.!?\u2026\u3002]+[\"')\]\u201d\u2019]*(?=\s)|[\u3002\uff01\uff1f]+|\r\n?|\n")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence or line of `text`, surrounding spaces trimmed, empty ones left out."""
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        a2, b2 = _trimmed(text, a, b)
        if b2 > a2:
            out.append((a2, b2))
    return out


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _passage_terms(text: str, langs: Sequence[str]) -> list[tuple[int, int, tuple[str, ...]]]:
    """(start, end, the word's terms under each of `langs`) of every term of `text`."""
    if len(langs) == 1:
        return [(a, b, (t,)) for a, b, t in tokens(text, langs[0])]
    per_lang = [tokens(text, lang) for lang in langs]  # the same words in the same places, by language
    return [(same[0][0], same[0][1], tuple(t[2] for t in same)) for same in zip(*per_lang, strict=True)]


@functools.lru_cache(maxsize=4096)
def _groups(word: str, languages: frozenset[str]) -> tuple[Group, ...]:
    """query_groups, remembered: every result of a query asks for the same words' terms again."""
    return tuple(query_groups(word, languages))


def _prefix_starts(text: str, prefix: str) -> set[int] | None:
    """Where in ASCII `text` a word starting with `prefix` may begin (one regex pass, not a fold per
    word); None when `text` is not ASCII and each word must be folded and compared."""
    if not text.isascii():
        return None
    return {m.start() for m in re.finditer(re.escape(prefix), text, re.IGNORECASE)}


def _hits(
    text: str, doc_langs: Sequence[str], wanted: Mapping[str, set[str]], chars: Mapping[str, str], prefix: str
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, tuple[str, ...]]]]:
    """(start, end, query word) of every word of `text` that stands for a query word, a lone
    character of one, or starts with `prefix`; and every term of `text` with its place."""
    toks = _passage_terms(text, doc_langs)
    hits: list[tuple[int, int, str]] = []
    starts = _prefix_starts(text, prefix) if prefix else None
    # Most words of a passage are not the query's: a set test in C rules each out.
    for a, b, ts in toks:
        if not wanted.keys().isdisjoint(ts):
            hits += [(a, b, w) for w in {w for t in ts if t in wanted for w in wanted[t]}]
        elif chars and (found := {chars[t[0]] for t in ts if t[:1] in chars}):
            hits += [(a, a + 1, w) for w in found]  # the character itself, not the pair it starts
        elif prefix and (a in starts if starts is not None else fold(text[a:b]).startswith(prefix)):
            hits.append((a, b, prefix))
    return hits, toks


def is_japanese(text: str) -> bool:
    """Whether `text` is Japanese for marking (it has kana): see the module docstring."""
    return _KANA.search(text) is not None


def _run_hits(text: str, runs: Mapping[str, set[str]], japanese: bool) -> list[tuple[int, int, str]]:
    """(start, end, query word) of each place a query's run without spaces stands in `text` as a whole,
    by the rule in the module docstring."""
    hits: list[tuple[int, int, str]] = []
    for run, words in runs.items():
        inside_han = japanese and _STARTS_HAN.match(run) is not None
        at = text.find(run)
        while at >= 0:
            if not (inside_han and at > 0 and _STARTS_HAN.match(text[at - 1])):
                hits += [(at, at + len(run), w) for w in words]
            at = text.find(run, at + 1)
    return hits


def _ascii_hits(
    text: str, lang: str, wanted: Mapping[str, set[str]], prefix: str
) -> list[tuple[int, int, str]]:
    """_hits for ASCII text in one language, most passages: each distinct word is looked at once, and
    only the few that match are searched for in the text (this runs for every result shown while the
    user types; a passage has about twice as many words as distinct ones, and few of them match)."""
    hits: list[tuple[int, int, str]] = []
    distinct = list(set(ascii_words(text)))
    for word, found in zip(distinct, terms_by_word(distinct, lang), strict=True):
        if found and found[0] in wanted:
            marks = wanted[found[0]]
        elif prefix and found and word.lower().startswith(prefix):
            marks = {prefix}
        else:
            continue
        for start in _whole_word_starts(text, word):
            hits += [(start, start + len(word), w) for w in marks]
    return hits


def _whole_word_starts(text: str, word: str) -> list[int]:
    """Where `word` stands in ASCII `text` as a whole word: a maximal run of letters and digits, as
    text_terms reads words."""
    out, at, n = [], text.find(word), len(word)
    while at >= 0:
        if (at == 0 or not text[at - 1].isalnum()) and (at + n == len(text) or not text[at + n].isalnum()):
            out.append(at)
        at = text.find(word, at + 1)
    return out


def highlight(
    text: str,
    terms: Sequence[str],
    phrases: Sequence[Sequence[str]] = (),
    weights: Mapping[str, float] | None = None,
    prefix: str = "",
    *,
    lang: str | None = None,
    languages: Collection[str] = (),
    japanese: bool | None = None,
) -> tuple[list[tuple[int, int]], tuple[int, int] | None]:
    """(spans of query words and phrases, span of the best sentence or None).

    `lang` is the language the index stemmed the passage in and `languages` those it holds (a query
    word matches under each); without `lang` (a note's text in the preview) the passage is read in
    its guessed language and in each of `languages`. The best sentence is the one holding the most
    weight of distinct query words (`weights`, e.g. IDF, default 1 each), phrases counting as all
    their words; None when no sentence has any. `prefix`, the word still being typed, also marks
    words that start with it. `japanese` says whether the note is Japanese (is_japanese of more of it
    than `text`, a heading without kana in a Japanese note); None: `text` itself decides.
    """
    doc_langs = [lang] if lang is not None else sorted({language_of(text), *languages})
    query_langs = frozenset(languages) | frozenset(doc_langs)
    wanted: dict[str, set[str]] = {}  # term -> the query words it stands for
    chars: dict[str, str] = {}  # a lone character of a script without spaces -> its query word
    runs: dict[str, set[str]] = {}  # a run of 2+ such characters -> the query words it is in
    for word in terms:
        long_runs = [r for r in runs_of(word) if len(r) >= 2]
        pairs = {r[i : i + 2] for r in long_runs for i in range(len(r) - 1)}  # marked as whole runs
        for r in long_runs:
            runs.setdefault(r, set()).add(word)
        for g in _groups(word, query_langs):
            if g.char:
                chars[g.alternatives[0]] = word
            elif g.run and g.alternatives[0] in pairs:
                continue
            for t in g.alternatives:
                wanted.setdefault(t, set()).add(word)
    # A run still being typed is marked by the run rule; as a prefix it would mark pairs inside words.
    prefix = fold(prefix) if len(prefix) >= 2 and not runs_of(prefix) else ""
    if not phrases and len(doc_langs) == 1 and text.isascii():
        hits = _ascii_hits(text, doc_langs[0], wanted, prefix)
        toks = []
    else:
        hits, toks = _hits(text, doc_langs, wanted, chars, prefix)
        if runs:
            hits += _run_hits(text, runs, is_japanese(text) if japanese is None else japanese)
    phrase_spans: list[tuple[int, int, int]] = []
    for phrase in phrases:
        groups = [frozenset(g) for g in phrase_groups(phrase, query_langs)]
        n = len(groups)
        for i in range(len(toks) - n + 1) if n else ():
            if all(not groups[k].isdisjoint(toks[i + k][2]) for k in range(n)):
                phrase_spans.append((toks[i][0], toks[i + n - 1][1], len(phrase)))
    spans = _merge([(a, b) for a, b, _ in hits] + [(a, b) for a, b, _ in phrase_spans])
    if not spans:
        return [], None
    weight = dict(weights or {})
    # Sentences untrimmed, and only those with a hit scored: a blank one never wins, and only the
    # winner is trimmed (as `sentences` trims them all).
    starts = [0, *(m.end() for m in _SENTENCE_END.finditer(text))]
    ends = [*starts[1:], len(text)]
    words_in: dict[int, set[str]] = {}
    extra: dict[int, float] = {}
    for a, _, w in hits:
        words_in.setdefault(bisect_right(starts, a) - 1, set()).add(w)
    for a, b, n in phrase_spans:
        i = bisect_right(starts, a) - 1
        if b <= ends[i]:
            extra[i] = (
                extra.get(i, 0.0) + n
            )  # the sentence that holds an exact phrase is the one the user means
    best, best_score = None, 0.0
    for i in sorted(words_in.keys() | extra.keys()):
        score = sum(weight.get(w, 1.0) for w in words_in.get(i, ())) + extra.get(i, 0.0)
        if score > best_score:
            best, best_score = i, score
    return spans, None if best is None else _trimmed(text, starts[best], ends[best])


def _trimmed(text: str, a: int, b: int) -> tuple[int, int]:
    """(a, b) without the spaces at either end of text[a:b]."""
    piece = text[a:b]
    return a + len(piece) - len(piece.lstrip()), b - (len(piece) - len(piece.rstrip()))
