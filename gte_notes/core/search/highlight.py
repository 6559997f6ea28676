"""What to mark in a result's passage: the query's words and phrases, and the sentence that matched best.

Spans are character offsets into the passage text, so the GUI can mark them and the JSON output can
carry them. Words are compared the way the keyword index compares them: case and accents ignored.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from functools import lru_cache

_WORD = re.compile(r"\w+", re.UNICODE)
# A sentence ends after . ! ? (and closing quotes or brackets) before a space, or at a line break:
# Markdown lists and headings are one "sentence" per line.
_SENTENCE_END = re.compile(r"[.!?\u2026\u3002]+[\"')\]\u201d\u2019]*(?=\s)|\r\n?|\n")


def fold(word: str) -> str:
    """Lower case without accents, like FTS5's unicode61 tokenizer with remove_diacritics."""
    word = word.lower()
    if word.isascii():
        return word
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)  # a search marks ~20 passages of ~100 words each, mostly the same words
def light_stem(word: str) -> str:
    """A folded word without common English inflections, so "ovens" and "baked" mark for "oven" and
    "bake" as the (Porter-stemmed) keyword index matched them. Deliberately light: marks, not ranks."""
    w = word
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("ss"):
            w = w[: -len(suffix)]
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]  # running -> runn -> run
    return w.rstrip("e") or w


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
        piece = text[a:b]
        a2 = a + len(piece) - len(piece.lstrip())
        b2 = b - (len(piece) - len(piece.rstrip()))
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


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded word) of every word; ASCII text (the common case) is folded in one go."""
    if text.isascii():
        return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text.lower())]
    return [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(text)]


def highlight(text: str, terms: Sequence[str], phrases: Sequence[Sequence[str]] = (),
              weights: Mapping[str, float] | None = None,
              prefix: str = "") -> tuple[list[tuple[int, int]], tuple[int, int] | None]:
    """(spans of query words and phrases, span of the best sentence or None).

    The best sentence is the one holding the most weight of distinct query words (`weights`, e.g.
    IDF, default 1 each), phrases counting as all their words; None when no sentence has any.
    `prefix`, the word still being typed, also marks words that start with it.
    """
    wanted = {light_stem(fold(t)) for t in terms}
    prefix = fold(prefix) if len(prefix) >= 2 else ""
    tokens = _tokens(text)
    hits = [(a, b, s) for a, b, w in tokens
            if (s := light_stem(w)) in wanted or (prefix and w.startswith(prefix))]
    phrase_spans: list[tuple[int, int, int]] = []
    if phrases:
        folded = [w for _, _, w in tokens]
        for phrase in phrases:
            p = [fold(w) for w in phrase]
            n = len(p)
            for i in range(len(folded) - n + 1) if n else ():
                if folded[i] == p[0] and folded[i:i + n] == p:
                    phrase_spans.append((tokens[i][0], tokens[i + n - 1][1], n))
    spans = _merge([(a, b) for a, b, _ in hits] + [(a, b) for a, b, _ in phrase_spans])
    if not spans:
        return [], None
    weight = {light_stem(fold(k)): v for k, v in (weights or {}).items()}
    bounds = sentences(text)
    starts = [a for a, _ in bounds]
    words_in: list[set[str]] = [set() for _ in bounds]
    extra = [0.0] * len(bounds)
    for a, _, w in hits:
        i = bisect_right(starts, a) - 1
        if i >= 0:
            words_in[i].add(w)
    for a, b, n in phrase_spans:
        i = bisect_right(starts, a) - 1
        if i >= 0 and b <= bounds[i][1]:
            extra[i] += n  # the sentence that holds an exact phrase is the one the user means
    best, best_score = None, 0.0
    for i, span in enumerate(bounds):
        score = sum(weight.get(w, 1.0) for w in words_in[i]) + extra[i]
        if score > best_score:
            best, best_score = span, score
    return spans, best
