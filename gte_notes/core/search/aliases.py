"""Notes' other names (front matter `aliases:`), read once per index generation.

Search treats an alias typed exactly like the note's title (it goes first, shown "Title (alias)"), and
related notes count a passage that names another note's alias as naming that note, the way Obsidian's
"unlinked mentions" do.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from gte_notes.core.index.store import Store
from gte_notes.core.search.query import normalize_title

# Aliases shorter than this are not looked for in other notes' text: "AI" or "Go" would be "named"
# by every note that uses the word.
MIN_MENTION_CHARS = 3


@dataclass(frozen=True)
class AliasTable:
    generation: int
    by_name: dict[str, list[tuple[int, str]]] = field(
        default_factory=dict
    )  # normalized alias -> (note, alias)
    mention: re.Pattern[str] | None = None  # any alias as a whole word or phrase, case-insensitive
    by_lower: dict[str, set[int]] = field(default_factory=dict)  # casefolded alias -> its notes

    def exact(self, text: str) -> list[tuple[int, str]]:
        """(note id, alias) of the notes with an alias equal to `text` as titles compare."""
        return self.by_name.get(normalize_title(text), [])

    def mentioned_in(self, texts: list[str]) -> set[int]:
        """The notes whose alias one of these texts names."""
        if self.mention is None:
            return set()
        found: set[int] = set()
        for text in texts:
            for m in self.mention.finditer(text):
                found |= self.by_lower.get(" ".join(m.group(0).split()).casefold(), set())
        return found


class Aliases:
    """Shared by the index's readers (IndexCaches); rebuilt when the index changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._table: AliasTable | None = None

    def table(self, store: Store) -> AliasTable:
        generation = store.generation()
        with self._lock:
            if self._table is not None and self._table.generation == generation:
                return self._table
        table = _build(generation, store.aliases())
        with self._lock:
            self._table = table
        return table


def _build(generation: int, rows: list[tuple[int, tuple[str, ...]]]) -> AliasTable:
    by_name: dict[str, list[tuple[int, str]]] = {}
    by_lower: dict[str, set[int]] = {}
    for note_id, aliases in rows:
        for alias in aliases:
            key = normalize_title(alias)
            if key:
                by_name.setdefault(key, []).append((note_id, alias))
            if len(alias) >= MIN_MENTION_CHARS:
                by_lower.setdefault(" ".join(alias.split()).casefold(), set()).add(note_id)
    mention = None
    if by_lower:
        # Longest first, so "machine learning ops" wins over "machine learning"; spaces match any run of
        # whitespace, as a phrase wraps across lines.
        names = sorted(by_lower, key=len, reverse=True)
        alternation = "|".join(r"\s+".join(re.escape(w) for w in n.split()) for n in names)
        mention = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)
    return AliasTable(generation, by_name, mention, by_lower)
