"""English stems exactly as SQLite's FTS5 `porter` tokenizer made them, from PyStemmer's Porter.

FTS5 follows Martin Porter's own C implementation, which departs from the published algorithm that
PyStemmer's "porter" implements in two step-2 rules: "-logi" -> "-log" ("technology" -> "technolog",
not "technologi") and "-bli" -> "-ble" instead of "-abli" -> "-able" ("possibly" -> "possibl").
Keeping FTS5's stems keeps English keyword ranking as it was measured (README "Search quality").
"""

from __future__ import annotations


def _consonant(w: str, i: int) -> bool:
    c = w[i]
    if c in "aeiou":
        return False
    if c == "y":
        return i == 0 or not _consonant(w, i - 1)
    return True


def _measure(w: str) -> int:
    """Porter's m: the number of vowel-consonant sequences in `w`."""
    m, after_vowel = 0, False
    for i in range(len(w)):
        cons = _consonant(w, i)
        if cons and after_vowel:
            m += 1
        after_vowel = not cons
    return m


def _cvc(w: str) -> bool:
    return (
        len(w) >= 3
        and _consonant(w, -3 % len(w))
        and not _consonant(w, len(w) - 2)
        and _consonant(w, len(w) - 1)
        and w[-1] not in "wxy"
    )


def as_fts5_porter(stem: str) -> str:
    """PyStemmer's Porter stem of a word, made what FTS5's porter gives for that word."""
    if stem.endswith("logi") and _measure(stem[:-4]) > 0:
        return stem[:-1]
    if stem.endswith("bli") and not stem.endswith("abli") and _measure(stem[:-3]) > 0:
        w = stem[:-3] + "ble"
        # Steps 4 and 5, which the published algorithm never ran on this ending.
        if w.endswith("ible") and _measure(w[:-4]) > 1:
            return w[:-4]
        m = _measure(w[:-1])
        return w[:-1] if m > 1 or (m == 1 and not _cvc(w[:-1])) else w
    return stem
