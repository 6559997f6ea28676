"""Notes related to one note: its chunks' nearest neighbours, aggregated per note."""

from __future__ import annotations

from gte_notes.core.ann import AnnIndex
from gte_notes.core.errors import KnownError
from gte_notes.core.results import Hit
from gte_notes.core.store import Store

NEIGHBOURS_PER_CHUNK = 24


class Related:
    def __init__(self, store: Store, ann: AnnIndex, model_id: str, dim: int) -> None:
        self.store = store
        self.ann = ann
        self.model_id = model_id
        self.dim = dim

    def related(self, path: str, limit: int = 10) -> list[Hit]:
        note = self.store.note(path)
        if note is None:
            raise KnownError(f"{path} is not in the index (is it a note inside the folder, and indexed?)")
        chunks = {r["id"]: r for r in self.store.chunks_of(note.id)}
        ids, vecs = self.store.chunk_vectors(self.model_id, self.dim, chunk_ids=list(chunks))
        # note id -> (best similarity, its chunk id, the source chunk id)
        best: dict[int, tuple[float, int, int]] = {}
        k = NEIGHBOURS_PER_CHUNK + len(chunks)
        for src, vec in zip(ids.tolist(), vecs):
            labels, sims = self.ann.query(vec, k)
            rows = self.store.chunks_by_id(labels.tolist())
            for cid, sim in zip(labels.tolist(), sims.tolist()):
                row = rows.get(cid)
                if row is None or row["note_id"] == note.id:
                    continue
                if sim > best.get(row["note_id"], (-2.0, 0, 0))[0]:
                    best[row["note_id"]] = (sim, cid, src)
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])[:limit]
        notes = self.store.notes_by_id(n for n, _ in ranked)
        targets = self.store.chunks_by_id([v[1] for _, v in ranked])
        hits = []
        for note_id, (sim, cid, src) in ranked:
            other, row, source = notes.get(note_id), targets.get(cid), chunks[src]
            if other is None or row is None:
                continue
            hits.append(Hit(
                path=other.path, title=other.title, score=float(sim), passage=row["text"], line=row["line"],
                start=row["start"], end=row["end"], heading=row["heading"], chunk_id=cid,
                source_passage=source["text"], source_line=source["line"],
            ))
        return hits
