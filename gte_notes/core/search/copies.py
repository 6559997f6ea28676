"""Near-identical notes as one result row: the best of them, carrying the others' paths as its copies.

A vault often holds several versions of one note (dendron-site has four "Taking Notes": a tutorial kept
in three places and an older draft); each is a row of its own and together they push other notes off
the list. Two results are copies when
- their notes' texts are identical, or
- their titles are the same (as title search compares them) and either the passages that matched are
  the same text, or the notes as a whole say the same: each passage of one has a near-identical
  passage in the other (the mean of each passage's best cosine, both ways, at least NOTE_SIMILARITY).
Notes that are merely related never pass the title test, or have passages of their own: on dendron-site
the notes sharing a title that are not copies ("Commands", "Config", "Tutorial" in different
hierarchies) score at most 0.86; the copies 0.90 and more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gte_notes.core.index.store import NoteRow, Store
from gte_notes.core.search.query import normalize_title

NOTE_SIMILARITY = 0.9
# Candidates looked at for copies, per row shown: the copies of a row rank next to it.
LOOK_AHEAD = 2
CACHED_NOTES = 2000  # notes whose passage vectors are kept between searches (same index generation)


@dataclass(frozen=True)
class _Entry:
    pos: int  # in the ranking
    note: NoteRow
    passage: str | None  # the hash of the passage that matched
    title: str  # normalized


class CopyFinder:
    """Groups a ranking's notes into rows and their copies (see the module docstring). Keep one per
    reader: it remembers notes' passage vectors until the index changes."""

    def __init__(self, store: Store, model_id: str, dim: int) -> None:
        self.store, self.model_id, self.dim = store, model_id, dim
        self._generation = -1
        self._vectors: dict[int, np.ndarray] = {}
        self._similar: dict[tuple[int, int], float] = {}

    def rows(
        self, note_ids: Sequence[int], chunk_ids: Sequence[int], limit: int
    ) -> list[tuple[int, tuple[int, ...]]]:
        """(position of each row to show, positions of its copies), at most `limit` rows, in ranking
        order; a copy is listed under the best-ranked note it copies. Notes no longer in the database
        are left out."""
        generation = self.store.generation()
        if generation != self._generation or len(self._vectors) > CACHED_NOTES:
            self._generation, self._vectors, self._similar = generation, {}, {}
        window = min(len(note_ids), max(limit * LOOK_AHEAD, limit))
        notes = self.store.notes_by_id([int(n) for n in note_ids[:window]])
        hashes = self.store.chunk_hashes([int(c) for c in chunk_ids[:window]])
        rows: list[list[_Entry]] = []  # the row's note first, then its copies
        # Only notes with the same text or the same title can be copies: each row is found by those.
        by_key: dict[tuple[str, str], list[int]] = {}
        for pos in range(window):
            note = notes.get(int(note_ids[pos]))
            if note is None:
                continue
            entry = _Entry(pos, note, hashes.get(int(chunk_ids[pos])), normalize_title(note.title))
            keys = [("title", entry.title)] + ([("text", note.content_hash)] if note.content_hash else [])
            candidates = sorted({r for key in keys for r in by_key.get(key, ())})
            row = next((r for r in candidates if any(self._copies(entry, e) for e in rows[r])), None)
            if row is None and len(rows) >= limit:
                continue
            if row is None:
                row = len(rows)
                rows.append([])
            rows[row].append(entry)
            for key in keys:
                if row not in by_key.setdefault(key, []):
                    by_key[key].append(row)
        return [(row[0].pos, tuple(e.pos for e in row[1:])) for row in rows]

    def _copies(self, a: _Entry, b: _Entry) -> bool:
        if a.note.id == b.note.id:
            return False
        if a.note.content_hash and a.note.content_hash == b.note.content_hash:
            return True
        if a.title != b.title:
            return False
        same_passage = a.passage is not None and a.passage == b.passage
        return same_passage or self.similarity(a.note.id, b.note.id) >= NOTE_SIMILARITY

    def similarity(self, a: int, b: int) -> float:
        """How much two notes say the same: the mean over both notes' passages of each one's best cosine
        with the other note's passages (1.0 for the same passages, whatever their order)."""
        key = (min(a, b), max(a, b))
        if key not in self._similar:
            va, vb = self._note_vectors(a), self._note_vectors(b)
            if not va.size or not vb.size:
                self._similar[key] = 0.0
            else:
                sims = va @ vb.T
                self._similar[key] = float(np.concatenate([sims.max(axis=1), sims.max(axis=0)]).mean())
        return self._similar[key]

    def _note_vectors(self, note_id: int) -> np.ndarray:
        if not self.model_id:  # no vectors to compare (a keyword-only searcher)
            return np.zeros((0, max(self.dim, 1)), dtype=np.float32)
        if note_id not in self._vectors:
            chunk_ids = self.store.chunk_ids_of([note_id]).get(note_id, [])
            _, vecs = self.store.vectors.of_chunks(self.model_id, self.dim, chunk_ids=chunk_ids)
            norms = np.linalg.norm(vecs, axis=1, keepdims=True) if vecs.size else 1.0
            self._vectors[note_id] = vecs / np.maximum(norms, 1e-12)
        return self._vectors[note_id]
