"""Boilerplate: lines repeated across many notes (templates, link footers, sign-offs, "## Summary").

Such lines say nothing about what a note is about, yet a passage made mostly of them sits near every
other note built from the same template. Related notes therefore leave those passages out. Counts are
taken over the whole index and cached; they are refreshed when the index changed and the cache is a
little old, since a few notes more or less barely move them.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from gte_notes.core.index.store import Store

# A line is boilerplate when this many notes contain it, or this share of all notes, whichever is more.
MIN_NOTES = 5
MIN_SHARE = 0.005
REFRESH_AFTER_S = 60.0
_SPACE = re.compile(r"\s+")
_WORDISH = re.compile(r"\w")


def _lines(text: str) -> list[str]:
    """Normalised lines that carry words (lines of only punctuation or markup do not matter)."""
    out = []
    for raw in text.splitlines():
        line = _SPACE.sub(" ", raw).strip().lower()
        if line and _WORDISH.search(line):
            out.append(line)
    return out


@dataclass
class BoilerplateCounts:
    """The boilerplate lines of one index, shared by every Boilerplate reading it (search/caches.py)."""

    common: set[int] = field(default_factory=set)  # hashes of boilerplate lines
    generation: int = -1
    built_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Boilerplate:
    """Which lines are boilerplate in one index; thread-safe, computed lazily. `counts` shares what was
    counted with the other readers of the index (made with the same thresholds); a fresh one if None."""

    def __init__(
        self,
        store: Store,
        min_notes: int = MIN_NOTES,
        min_share: float = MIN_SHARE,
        counts: BoilerplateCounts | None = None,
    ) -> None:
        self.store = store
        self.min_notes = min_notes
        self.min_share = min_share
        self._counts = counts if counts is not None else BoilerplateCounts()

    def _common(self) -> set[int]:
        c = self._counts
        with c.lock:
            generation = self.store.generation()
            stale = generation != c.generation
            if stale and (c.generation < 0 or time.monotonic() - c.built_at >= REFRESH_AFTER_S):
                c.common = self._count()
                c.generation = generation
                c.built_at = time.monotonic()
            return c.common

    def _count(self) -> set[int]:
        # Hashes, not strings, and one note at a time: memory stays small on a large index.
        per_note: list[np.ndarray] = []
        note, lines = None, set()
        rows = self.store.chunk_texts_by_note()
        for note_id, text in itertools.chain(rows, [(None, "")]):
            if note_id != note:
                if lines:
                    per_note.append(np.fromiter(lines, dtype=np.int64, count=len(lines)))
                note, lines = note_id, set()
            lines.update(hash(line) for line in _lines(text))
        if not per_note:
            return set()
        threshold = max(self.min_notes, int(self.min_share * len(per_note) + 0.999))
        values, counts = np.unique(np.concatenate(per_note), return_counts=True)
        return set(values[counts >= threshold].tolist())

    def share(self, text: str) -> float:
        """The share of `text`'s wordy characters that sit on boilerplate lines (0..1)."""
        return self.shares([text])[0]

    def shares(self, texts: Iterable[str]) -> list[float]:
        known = self._common()
        out = []
        for text in texts:
            lines = _lines(text)
            total = sum(len(line) for line in lines)
            common = sum(len(line) for line in lines if hash(line) in known)
            out.append(common / total if total else 1.0)
        return out
