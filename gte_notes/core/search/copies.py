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

import numpy as np

from gte_notes.core.index.store import NoteRow, Store
from gte_notes.core.search.query import normalize_title

NOTE_SIMILARITY = 0.9
# Candidates looked at for copies, per row shown: the copies of a row rank next to it.
LOOK_AHEAD = 2


class CopyFinder:
    """Groups a ranking's notes into rows and their copies (see the module docstring)."""

    def __init__(self, store: Store, model_id: str, dim: int) -> None:
        self.store, self.model_id, self.dim = store, model_id, dim
        self._vectors: dict[int, np.ndarray] = {}

    def rows(
        self, note_ids: Sequence[int], chunk_ids: Sequence[int], limit: int
    ) -> list[tuple[int, tuple[int, ...]]]:
        """(position of each row to show, positions of its copies), at most `limit` rows, in ranking
        order; a copy is listed under the best-ranked note it copies. Notes no longer in the database
        are left out."""
        window = min(len(note_ids), max(limit * LOOK_AHEAD, limit))
        notes = self.store.notes_by_id([int(n) for n in note_ids[:window]])
        hashes = self.store.chunk_hashes([int(c) for c in chunk_ids[:window]])
        found = [
            (pos, notes[int(note_ids[pos])], hashes.get(int(chunk_ids[pos])))
            for pos in range(window)
            if int(note_ids[pos]) in notes
        ]
        rows: list[tuple[tuple[int, NoteRow, str | None], list[tuple[int, NoteRow, str | None]]]] = []
        for entry in found:
            group = next((members for lead, members in rows if self._in_group(entry, [lead, *members])), None)
            if group is not None:
                group.append(entry)
            elif len(rows) < limit:
                rows.append((entry, []))
        return [(lead[0], tuple(m[0] for m in members)) for lead, members in rows]

    def _in_group(
        self, entry: tuple[int, NoteRow, str | None], group: list[tuple[int, NoteRow, str | None]]
    ) -> bool:
        _, note, passage = entry
        return any(
            self.copies(note, other, same_passage=passage is not None and passage == p)
            for _, other, p in group
        )

    def copies(self, a: NoteRow, b: NoteRow, *, same_passage: bool = False) -> bool:
        """Whether `a` and `b` are copies of one note; `same_passage`: the passages that matched are the
        same text."""
        if a.id == b.id:
            return False
        if a.content_hash and a.content_hash == b.content_hash:
            return True
        if normalize_title(a.title) != normalize_title(b.title):
            return False
        return same_passage or self.similarity(a.id, b.id) >= NOTE_SIMILARITY

    def similarity(self, a: int, b: int) -> float:
        """How much two notes say the same: the mean over both notes' passages of each one's best cosine
        with the other note's passages (1.0 for the same passages, whatever their order)."""
        va, vb = self._note_vectors(a), self._note_vectors(b)
        if not va.size or not vb.size:
            return 0.0
        sims = va @ vb.T
        return float(np.concatenate([sims.max(axis=1), sims.max(axis=0)]).mean())

    def _note_vectors(self, note_id: int) -> np.ndarray:
        if note_id not in self._vectors:
            chunk_ids = self.store.chunk_ids_of([note_id]).get(note_id, [])
            _, vecs = self.store.vectors.of_chunks(self.model_id, self.dim, chunk_ids=chunk_ids)
            norms = np.linalg.norm(vecs, axis=1, keepdims=True) if vecs.size else 1.0
            self._vectors[note_id] = vecs / np.maximum(norms, 1e-12)
        return self._vectors[note_id]
