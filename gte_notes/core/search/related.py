"""Notes related to one note: its passages' nearest neighbours, aggregated per note, boilerplate left out.

Passage level, because a long note is about several things and each can have its own neighbours;
aggregated per note because the user wants notes, each shown with the pair of passages that relate.
Passages made mostly of lines repeated across many notes (templates, link footers) neither ask nor
answer: otherwise every note built from one template would be "related" to all the others.
"""

from __future__ import annotations

import numpy as np

from gte_notes.core.errors import KnownError
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.boilerplate import Boilerplate
from gte_notes.core.index.store import Store
from gte_notes.core.markdown.links import LinkIndex
from gte_notes.core.search.aliases import Aliases
from gte_notes.core.search.caches import IndexCaches
from gte_notes.core.search.copies import CopyFinder
from gte_notes.core.search.fusion import Ranked, best_per_note
from gte_notes.core.search.results import Hit

NEIGHBOURS_PER_CHUNK = 24
# A passage with at least this share of boilerplate characters is left out.
BOILERPLATE_SHARE = 0.5
# How much relating to the whole note counts against the single best passage pair (see _rank).
COVERAGE = 0.5
# How much of its note's title vector each passage vector gets before passages are compared (see
# _in_context). Chosen on dendron-site's links (0, 0.3, 0.6, 0.8, 1.0 tried: recall@10 34.9, 37.4,
# 38.0, 37.7, 36.9); vaultofknowledge's are only reported (README "Search quality").
TITLE_CONTEXT = 0.6
# How much naming counts: a note's score gains TITLE_MENTION times the best cosine between this note's
# passages and the other note's title ("this note talks about what that note is named for", which is
# what a person links). Chosen on dendron-site's links (0, 0.3, 0.5, 0.7, 1.0 tried: recall@10 38.0,
# 43.2, 45.5, 46.2, see README); vaultofknowledge's are only reported.
TITLE_MENTION = 0.7
# Notes whose titles this note's passages name best join the candidates even when none of their
# passages is a near neighbour (a short concept note rarely is). 0 and 10 tried on dendron-site
# (42.3 and 46.2 at TITLE_MENTION 0.7); 30 adds nothing.
MENTION_CANDIDATES = 10
# A passage that names another note's alias (front matter `aliases:`) word for word names that note:
# its mention counts as this cosine, the most a title vector can get. No shared vault has aliases, so
# this changes nothing there (gte_notes/eval/README.md, issue 26).
ALIAS_MENTION = 1.0


class Related:
    def __init__(
        self,
        store: Store,
        ann: AnnIndex,
        model_id: str,
        dim: int,
        *,
        boilerplate: Boilerplate | None = None,
        coverage: float = COVERAGE,
        boilerplate_share: float = BOILERPLATE_SHARE,
        title_context: float = TITLE_CONTEXT,
        title_mention: float = TITLE_MENTION,
        caches: IndexCaches | None = None,
    ) -> None:
        """`caches`: the index's boilerplate counts shared with its other readers (fresh ones if None)."""
        self.store = store
        self.ann = ann
        self.model_id = model_id
        self.dim = dim
        counts = caches.boilerplate if caches is not None else None
        self.aliases = caches.aliases if caches is not None else Aliases()
        self.boilerplate = boilerplate or Boilerplate(store, counts=counts)
        self.coverage = coverage
        self.boilerplate_share = boilerplate_share
        self.title_context = title_context
        self.title_mention = title_mention
        # Every note's title vector, read once per index generation: a long-lived Related (one per
        # reading thread) answers the next note without reading them again (86 ms for 2,453 titles).
        self._titles: tuple[int, np.ndarray, np.ndarray] | None = None
        self._link_index: tuple[int, LinkIndex] | None = None  # the notes' names, per index generation
        self._copy_finder = CopyFinder(store, model_id, dim)  # copies share a row (copies.py)

    def related(self, path: str, limit: int = 10) -> list[Hit]:
        note = self.store.note(path)
        if note is None:
            raise KnownError(f"{path} is not in the index (is it a note inside the folder, and indexed?)")
        chunks = {r["id"]: r for r in self.store.chunks_of(note.id)}
        ids, vecs = self.store.vectors.of_chunks(self.model_id, self.dim, chunk_ids=list(chunks))
        if not ids.size or limit <= 0:
            return []
        shares = np.asarray(self.boilerplate.shares(chunks[i]["text"] for i in ids.tolist()))
        keep = shares < self.boilerplate_share
        if keep.any():  # a note that is all template still gets its template siblings
            ids, vecs = ids[keep], vecs[keep]
        src, tgt, sims, floors = self._neighbours(ids, vecs, NEIGHBOURS_PER_CHUNK + len(chunks))
        knn_pairs = sims.size
        mentions, named = self._mentions(note.id, vecs)
        self._alias_mentions(note.id, [chunks[i]["text"] for i in ids.tolist()], mentions, named)
        src, tgt, sims = self._add_named(named, ids, vecs, src, tgt, sims)
        rows = self.store.chunks_by_id(sorted(set(tgt.tolist())))
        note_of = np.array([rows[c]["note_id"] if c in rows else -1 for c in tgt.tolist()], dtype=np.int64)
        sims, floors = self._in_context(note.id, ids, vecs, src, tgt, note_of, sims, floors, knn_pairs)
        ok = (note_of >= 0) & (note_of != note.id)
        src, tgt, sims, note_of = src[ok], tgt[ok], sims[ok], note_of[ok]
        tgt_ids = sorted(set(tgt.tolist()))
        tgt_share = dict(zip(tgt_ids, self.boilerplate.shares(rows[c]["text"] for c in tgt_ids), strict=True))
        ok = np.array([tgt_share[c] < self.boilerplate_share for c in tgt.tolist()], dtype=bool)
        src, tgt, sims, note_of = src[ok], tgt[ok], sims[ok], note_of[ok]
        ranked = self._named_first(self._rank(src, note_of, sims, floors), mentions)
        # `chunk_ids` of the ranking hold the index of the note's best (source, target) pair.
        all_notes, pairs = ranked.note_ids.tolist(), ranked.chunk_ids.tolist()
        shown = self._copy_finder.rows(all_notes, [int(tgt[p]) for p in pairs], limit)
        notes = self.store.notes_by_id([all_notes[i] for pos, copies in shown for i in (pos, *copies)])
        linked = self._links_of(note.path, note.links)
        hits = []
        for pos, copies in shown:
            note_id, p, sim = all_notes[pos], pairs[pos], float(ranked.scores[pos])
            other, row, source = notes.get(note_id), rows.get(int(tgt[p])), chunks[int(src[p])]
            if other is None or row is None:
                continue
            hits.append(
                Hit.of(
                    other,
                    row,
                    int(tgt[p]),
                    sim,
                    source_passage=source["text"],
                    source_line=source["line"],
                    linked=other.path in linked,
                    copies=tuple(notes[all_notes[i]].path for i in copies if all_notes[i] in notes),
                )
            )
        return hits

    def _links_of(self, path: str, links: tuple[str, ...]) -> set[str]:
        """The notes the note at `path` links to, resolved against the index's notes."""
        if not links:
            return set()
        generation = self.store.generation()
        if self._link_index is None or self._link_index[0] != generation:
            self._link_index = (generation, LinkIndex(self.store.all_paths()))
        index = self._link_index[1]
        return {p for p in (index.resolve(t, path) for t in links) if p is not None and p != path}

    def _mentions(self, note_id: int, vecs: np.ndarray) -> tuple[dict[int, float], list[int]]:
        """Every other note's title against this note's passages (the best cosine per note), and the
        MENTION_CANDIDATES notes this note names best."""
        if self.title_mention <= 0 or not vecs.size:
            return {}, []
        note_ids, titles = self._all_titles()
        if not note_ids.size:
            return {}, []
        best = (vecs @ titles.T).max(axis=0)
        best[note_ids == note_id] = -np.inf
        named = [
            int(n) for n in note_ids[np.argsort(-best, kind="stable")[:MENTION_CANDIDATES]] if n != note_id
        ]
        return dict(zip(note_ids.tolist(), best.tolist(), strict=True)), named

    def _alias_mentions(
        self, note_id: int, texts: list[str], mentions: dict[int, float], named: list[int]
    ) -> None:
        """Notes whose alias these passages name count as named (and join the candidates)."""
        if self.title_mention <= 0:
            return
        for other in sorted(self.aliases.table(self.store).mentioned_in(texts) - {note_id}):
            mentions[other] = max(mentions.get(other, 0.0), ALIAS_MENTION)
            if other not in named:
                named.append(other)

    def _all_titles(self) -> tuple[np.ndarray, np.ndarray]:
        generation = self.store.generation()
        if self._titles is None or self._titles[0] != generation:
            self._titles = (generation, *self.store.vectors.all_titles(self.model_id, self.dim))
        return self._titles[1], self._titles[2]

    def _add_named(
        self,
        named: list[int],
        ids: np.ndarray,
        vecs: np.ndarray,
        src: np.ndarray,
        tgt: np.ndarray,
        sims: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pairs of every source passage with every passage of the named notes not already paired."""
        chunk_ids = [c for cs in self.store.chunk_ids_of(named).values() for c in cs]
        fresh = np.setdiff1d(np.asarray(chunk_ids, dtype=np.int64), tgt)
        held, held_vecs = self.ann.vectors_of(fresh)
        if not held.size:
            return src, tgt, sims
        pair_sims = (vecs @ held_vecs.T).astype(np.float32)  # sources x named passages
        return (
            np.concatenate([src, np.repeat(ids, held.size)]),
            np.concatenate([tgt, np.tile(held, ids.size)]),
            np.concatenate([sims, pair_sims.ravel()]),
        )

    def _named_first(self, ranked: Ranked, mentions: dict[int, float]) -> Ranked:
        """The ranking with each note's TITLE_MENTION share added, on the same 0..1 scale."""
        if not mentions or not ranked.note_ids.size:
            return ranked
        named = np.array(
            [max(mentions.get(int(n), 0.0), 0.0) for n in ranked.note_ids.tolist()], dtype=np.float32
        )
        score = (ranked.scores + self.title_mention * named) / (1 + self.title_mention)
        order = np.argsort(-score, kind="stable")
        return Ranked(ranked.note_ids[order], score[order], ranked.chunk_ids[order])

    def _in_context(
        self,
        note_id: int,
        ids: np.ndarray,
        vecs: np.ndarray,
        src: np.ndarray,
        tgt: np.ndarray,
        note_of: np.ndarray,
        sims: np.ndarray,
        floors: dict[int, float],
        knn_pairs: int | None = None,
    ) -> tuple[np.ndarray, dict[int, float]]:
        """Each pair's cosine with both passages read in their note's context: a passage vector plus
        TITLE_CONTEXT times its note's title vector (the note's place and name in the folder).

        This is what embedding "title + passage" together would measure, without embedding it: the
        title has a vector of its own, so a rename costs one short title, never the note. Floors (a
        source's k-th neighbour) are taken over the first `knn_pairs` pairs, the nearest neighbours.
        """
        if self.title_context <= 0 or not sims.size:
            return sims, floors
        # Only the titles of the notes in play: this note and its passages' neighbours' notes.
        titles = self.store.vectors.of_titles(
            self.model_id, self.dim, [note_id, *set(note_of.tolist()) - {-1}]
        )
        own = titles.get(note_id)
        if own is None:
            return sims, floors
        src_vec = {
            int(i): _unit(v + self.title_context * own) for i, v in zip(ids.tolist(), vecs, strict=True)
        }
        held, held_vecs = self.ann.vectors_of(np.unique(tgt))
        note_by_chunk = dict(zip(tgt.tolist(), note_of.tolist(), strict=True))
        tgt_vec = {}
        for c, v in zip(held.tolist(), held_vecs, strict=True):
            title = titles.get(note_by_chunk.get(c, -1))
            if title is not None:
                tgt_vec[c] = _unit(v + self.title_context * title)
        out = sims.copy()
        for n, (s, t) in enumerate(zip(src.tolist(), tgt.tolist(), strict=True)):
            if t in tgt_vec:
                out[n] = float(src_vec[s] @ tgt_vec[t])
        knn = slice(0, sims.size if knn_pairs is None else knn_pairs)
        new_floors = {
            s: float(out[knn][src[knn] == s].min()) if (src[knn] == s).any() else f for s, f in floors.items()
        }
        return out, new_floors

    def _rank(
        self, src: np.ndarray, note_of: np.ndarray, sims: np.ndarray, floors: dict[int, float]
    ) -> Ranked:
        """Notes by their best passage pair, blended with how well they match the whole note.

        For each source passage, a candidate note's match is its best passage's cosine (or, if none of
        its passages is among that source's neighbours, the source's k-th neighbour cosine, an upper
        bound). A note's score is (1 - COVERAGE) * best match + COVERAGE * mean match over the source
        passages: one shared paragraph matters, and so does relating to the note as a whole.
        """
        pair = np.arange(sims.size, dtype=np.int64)
        best = best_per_note(note_of, pair, sims.astype(np.float32))  # the pair to show per note
        if self.coverage <= 0 or not sims.size:
            return best
        sources = sorted(floors)
        row = {s: i for i, s in enumerate(sources)}
        col = {int(n): j for j, n in enumerate(best.note_ids.tolist())}
        floor = np.array([floors[s] for s in sources], dtype=np.float32)
        match = np.repeat(floor[:, None], len(col), axis=1)
        r = np.array([row[int(s)] for s in src.tolist()], dtype=np.int64)
        c = np.array([col[int(n)] for n in note_of.tolist()], dtype=np.int64)
        np.maximum.at(match, (r, c), sims.astype(np.float32))
        score = (1 - self.coverage) * match.max(axis=0) + self.coverage * match.mean(axis=0)
        order = np.argsort(-score, kind="stable")
        return Ranked(best.note_ids[order], score[order], best.chunk_ids[order])

    def _neighbours(
        self, ids: np.ndarray, vecs: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, float]]:
        """(source chunk, neighbour chunk, cosine) for every source passage's k nearest, and each
        source's smallest neighbour cosine."""
        src, tgt, sims, floors = [], [], [], {}
        for chunk_id, vec in zip(ids.tolist(), vecs, strict=True):
            labels, s = self.ann.query(vec, k)
            src.append(np.full(labels.size, chunk_id, dtype=np.int64))
            tgt.append(labels)
            sims.append(s)
            floors[chunk_id] = float(s[-1]) if s.size else 0.0
        if not src:
            z = np.zeros(0, dtype=np.int64)
            return z, z.copy(), np.zeros(0, dtype=np.float32), floors
        return np.concatenate(src), np.concatenate(tgt), np.concatenate(sims), floors


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)
