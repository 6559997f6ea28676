"""A note's tokens counted between character positions, and a block too big for one passage cut at
its best boundary: the sizing under chunking.py, which tokenizes a note once and then works on offsets
with bisect, so a 1 MB single-line note is cut in about the time one tokenization takes."""

from __future__ import annotations

import re
from bisect import bisect_left

LONG_TOKEN_CHARS = 24
# Where to cut an oversized block, best first: each is searched for its last match in the window.
_CUTS = (
    (re.compile(r"\n[ \t]*(?:\r\n?|\n)"), 0),  # paragraph break: cut before it
    (re.compile(r"\r\n?|\n"), 0),  # line break
    # Sentence end, cut after it; CJK full stops need no space after them.
    (
        re.compile(r"[.!?\u2026][)\"'\]\u00bb\u201d\u2019]*(?=\s)|[\u3002\uff01\uff1f][\u300d\u300f\uff09]*"),
        1,
    ),
    (re.compile(r"[;:,][)\"'\]]*(?=\s)"), 1),  # clause end
    (re.compile(r"\s"), 0),  # any space
)


class TokenSpans:
    """Token offsets of the whole note, counted between char positions with bisect.

    A token longer than LONG_TOKEN_CHARS (BERT turns any word over 100 chars, such as a base64 blob,
    into one [UNK]) is counted as several, so such a blob is cut into passages of readable size
    instead of becoming one megabyte-long "passage" of three tokens. Counts are then only an upper
    bound, so `inexact` makes every chunk of the note be measured for real.
    """

    def __init__(self, offsets: list[tuple[int, int]], shift: int) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.inexact = False
        for s, e in offsets:
            s, e = s + shift, e + shift
            if e - s > LONG_TOKEN_CHARS:
                self.inexact = True
                cuts = range(s, e, LONG_TOKEN_CHARS)
                self.starts += cuts
                self.ends += [min(c + LONG_TOKEN_CHARS, e) for c in cuts]
            else:
                self.starts.append(s)
                self.ends.append(e)

    def count(self, a: int, b: int) -> int:
        return bisect_left(self.starts, b) - bisect_left(self.starts, a)


def split_span(text: str, tokens: TokenSpans, a: int, b: int, budget: int) -> list[tuple[int, int]]:
    """Cut text[a:b] into pieces of at most `budget` tokens at the best boundaries available."""
    starts, ends = tokens.starts, tokens.ends
    i, j = bisect_left(starts, a), bisect_left(starts, b)
    pieces: list[tuple[int, int]] = []
    piece_start = a
    budget = max(1, budget)
    while j - i > budget:
        hard = i + budget  # first token that cannot be in this piece
        k = hard
        cut = _best_cut(text, starts[i + budget // 2], ends[hard - 1])
        if cut is not None:
            k = max(i + 1, min(hard, bisect_left(starts, cut, i + 1, hard + 1)))
        # Tokens sharing a char (byte-level BPE) cannot be separated inside a Python str.
        while k > i + 1 and starts[k] == starts[k - 1]:
            k -= 1
        piece_end = min(ends[k - 1], starts[k])
        pieces.append((piece_start, max(piece_end, piece_start + 1)))
        i = k
        piece_start = starts[i]
    pieces.append((piece_start, b))
    return pieces


def _best_cut(text: str, lo: int, hi: int) -> int | None:
    window = text[lo:hi]
    for pattern, after in _CUTS:
        matches = list(pattern.finditer(window))  # the window is one chunk long, so this stays small
        last = matches[-1] if matches else None
        if last is not None and (last.end() if after else last.start()) > 0:
            return lo + (last.end() if after else last.start())
    return None
