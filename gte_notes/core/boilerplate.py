"""Boilerplate: lines repeated across many notes (templates, link footers, sign-offs, "## Summary").

Such lines say nothing about what a note is about, yet a passage made mostly of them sits near every
other note built from the same template. Related notes therefore leave those passages out. Counts are
taken over the whole index and cached; they are refreshed when the index changed and the cache is a
little old, since a few notes more or less barely move them.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterable

from gte_notes.core.store import Store

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


class Boilerplate:
    """How many notes each repeated line occurs in; thread-safe, computed lazily."""

    def __init__(self, store: Store, min_notes: int = MIN_NOTES, min_share: float = MIN_SHARE) -> None:
        self.store = store
        self.min_notes = min_notes
        self.min_share = min_share
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._threshold = 1 << 30
        self._generation = -1
        self._built_at = 0.0

    def _refresh(self) -> None:
        generation = self.store.generation()
        if generation == self._generation:
            return
        if self._generation >= 0 and time.monotonic() - self._built_at < REFRESH_AFTER_S:
            return
        per_note: dict[int, set[str]] = {}
        for note_id, text in self.store.conn.execute("SELECT note_id, text FROM chunks"):
            per_note.setdefault(note_id, set()).update(_lines(text))
        counts: Counter[str] = Counter()
        for lines in per_note.values():
            counts.update(lines)
        self._threshold = max(self.min_notes, int(self.min_share * len(per_note) + 0.999))
        self._counts = {line: n for line, n in counts.items() if n >= self._threshold}
        self._generation = generation
        self._built_at = time.monotonic()

    def share(self, text: str) -> float:
        """The share of `text`'s wordy characters that sit on boilerplate lines (0..1)."""
        return self.shares([text])[0]

    def shares(self, texts: Iterable[str]) -> list[float]:
        with self._lock:
            self._refresh()
            counts = self._counts
        out = []
        for text in texts:
            lines = _lines(text)
            total = sum(len(line) for line in lines)
            common = sum(len(line) for line in lines if line in counts)
            out.append(common / total if total else 1.0)
        return out

    def strip(self, text: str) -> str:
        """`text` without its boilerplate lines (for embedding what is left)."""
        with self._lock:
            self._refresh()
            counts = self._counts
        kept = [raw for raw in text.splitlines() if _SPACE.sub(" ", raw).strip().lower() not in counts]
        return "\n".join(kept).strip()
