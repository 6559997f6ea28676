"""Query -> ranked notes, one row per note with the passage that matched best.

Hybrid by default: the dense side (ANN over chunk vectors) and the keyword side (FTS5 BM25) each
bring their best chunks; the side that did not find a candidate scores it too (its vector from
SQLite, its BM25 restricted to those rows), and `fusion.fuse` ranks notes on both. Rules the user
can rely on, applied after the fusion: a note whose title is exactly the query comes first, and a
"quoted phrase" filters (every result contains it), as do tag: and path:.
Uses its own Store (a read connection), so it never waits behind the indexing writer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np

from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.store import Store
from gte_notes.core.model.calibration import DenseScale
from gte_notes.core.search.caches import IndexCaches
from gte_notes.core.search.copies import CopyFinder
from gte_notes.core.search.filters import allowed_chunks
from gte_notes.core.search.fusion import (
    DEFAULT_PARAMS,
    Candidates,
    FusionParams,
    QueryStats,
    Ranked,
    best_per_note,
    close_match_score,
    fuse,
)
from gte_notes.core.search.highlight import highlight
from gte_notes.core.search.keyword import KeywordIndex
from gte_notes.core.search.query import Query, normalize_title, parse_query, words
from gte_notes.core.search.results import Hit, Hits, QueryWords
from gte_notes.core.search.spelling import MIN_LENGTH, Speller

MODES = ("hybrid", "dense", "keyword")
# Chunks each side brings, at least; more when more notes are asked for.
MIN_CANDIDATES = 100
CANDIDATES_PER_RESULT = 3
# A filtered search scores every allowed chunk exactly up to this many; beyond it the ANN is asked
# for more neighbours and they are filtered.
EXACT_FILTER_MAX = 50_000


class Searcher:
    """Hybrid search over one folder's index."""

    def __init__(
        self,
        store: Store,
        ann: AnnIndex,
        encode_query: Callable[[str], np.ndarray],
        *,
        params: FusionParams = DEFAULT_PARAMS,
        keyword_weights: tuple[float, float, float] | None = None,
        prefix_last: bool = True,
        scale: DenseScale | None = None,
        known_words: frozenset[str] = frozenset(),
        spelling: bool = True,
        caches: IndexCaches | None = None,
        copies: bool = True,
    ) -> None:
        """`caches`: what reading this index has learned, shared with its other readers
        (a fresh set if None). `copies`: near-identical notes share one row (copies.py)."""
        self.caches = caches if caches is not None else IndexCaches()
        self.store = store
        self.ann = ann
        self.encode_query = encode_query
        self.params = params
        self.keyword = KeywordIndex(store, keyword_weights, freqs=self.caches.doc_freqs)
        self.prefix_last = prefix_last
        self.scale = scale  # the model's cosine scale; measured on first use when not given
        self.known_words = known_words  # real words never "corrected" (spelling.py)
        self.spelling = spelling
        self.copies = copies
        self._copy_finder: CopyFinder | None = None  # made on first use; remembers notes' vectors

    def search(self, query: str, limit: int = 10, mode: str = "hybrid") -> Hits:
        """Up to `limit` notes, best first. `mode` "dense" or "keyword" uses one side only.

        The list also says whether a misspelling was corrected and whether the best row is a close
        match, for the "Showing results for" and "No close match" lines above it."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        q = parse_query(query)
        if q.is_empty or limit <= 0:
            return Hits()
        spelled = self._spelled(q) if self.spelling else q
        corrected, q = (spelled.text if spelled is not q else None), spelled
        allowed = allowed_chunks(self.store, self.keyword, q)
        if not q.text:  # filters only: list what they let through
            hits = self._listing(q, allowed, limit)
            hits.words, hits.mode = QueryWords.of(q), mode
            return hits
        cands = self.candidates(q, limit, mode, allowed)
        named_by: dict[int, str] = {}
        ranked = self._titles_first(q, fuse(cands, self.params, mode), allowed, named_by)
        hits = self._hits(q, ranked, limit, named_by, collapse=self.copies)
        hits.words, hits.mode = QueryWords.of(q), mode  # the words as searched: a correction's, if any
        hits.corrected = corrected
        hits.close = not hits or mode == "keyword" or hits[0].score >= close_match_score()
        matching = (
            len(ranked.note_ids) if mode == "keyword" else int((ranked.scores >= close_match_score()).sum())
        )
        folded = sum(len(h.copies) for h in hits)  # rows count as one note with their copies
        hits.matching = max(matching - folded, len(hits) if hits.close else 0)
        return hits

    def _spelled(self, q: Query) -> Query:
        """`q` with each word that no note contains replaced by the note word it most likely meant
        (`q` itself when nothing was corrected)."""
        phrase_words = {w for p in q.phrases for w in p}
        fixes = {}
        speller = None
        for n, term in enumerate(q.terms):
            if term in phrase_words or len(term) < MIN_LENGTH or self.keyword.word_freq(term):
                continue
            if q.open_end and n == len(q.terms) - 1 and self.keyword.word_freq(term, prefix=True):
                continue  # still being typed, and a word of the notes starts with it
            speller = speller or Speller(
                self.store.fts,
                self.caches.vocabulary,
                self.store.generation(),
                self.keyword.row_count(),
                self.keyword.languages(),
            )
            if (fix := speller.correct(term, self.known_words)) is not None:
                fixes[term] = fix
        if not fixes:
            return q
        return parse_query(re.sub(r"\w+", lambda m: fixes.get(m.group(0).lower(), m.group(0)), q.raw))

    # ---- candidates ---------------------------------------------------------------------------

    def candidates(
        self, q: Query, limit: int, mode: str = "hybrid", allowed: np.ndarray | None = None
    ) -> Candidates:
        """Chunk candidates from both sides with both scores filled in (the tuning harness uses this)."""
        k = max(MIN_CANDIDATES, limit * CANDIDATES_PER_RESULT)
        expr = (
            self.keyword.expression(q.terms, q.phrases, prefix_last=q.open_end and self.prefix_last)
            if mode != "dense"
            else ""
        )
        qvec = None
        d_ids = np.zeros(0, dtype=np.int64)
        d_sims = np.zeros(0, dtype=np.float32)
        if mode != "keyword":
            qvec = np.asarray(self.encode_query(q.text), dtype=np.float32)
            d_ids, d_sims = self._dense(qvec, k, allowed)
        k_ids = np.zeros(0, dtype=np.int64)
        k_scores = np.zeros(0, dtype=np.float32)
        if mode != "dense" and expr:
            if allowed is None:
                k_ids, k_scores = self.keyword.search(expr, k)
            else:
                k_ids, k_scores = self.keyword.search(expr, None)
                keep = np.isin(k_ids, allowed)
                k_ids, k_scores = k_ids[keep][:k], k_scores[keep][:k]
        if mode == "dense":
            ids, dense, kw = d_ids, d_sims, np.zeros(d_ids.size, dtype=np.float32)
        elif mode == "keyword":
            ids, dense, kw = k_ids, np.zeros(k_ids.size, dtype=np.float32), k_scores
        else:
            ids, dense, kw = self._fill(qvec, d_ids, d_sims, k_ids, k_scores)
        note_of = self._note_ids(ids)
        present = note_of >= 0
        return Candidates(ids[present], note_of[present], dense[present], kw[present], self._stats(q, qvec))

    def _stats(self, q: Query, qvec: np.ndarray | None) -> QueryStats:
        """The model's cosine scale and the query's full keyword score: they make scores absolute."""
        full = self.keyword.full_score(q.terms, prefix_last=q.open_end and self.prefix_last)
        return QueryStats(self.dense_scale() if qvec is not None else DenseScale(0.0, 1.0), full)

    def dense_scale(self) -> DenseScale:
        if self.scale is None:
            self.scale = self.caches.dense_scale(self.ann.model_id, self.encode_query)
        return self.scale

    def _dense(self, qvec: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        if allowed is None:
            return self.ann.query(qvec, k)
        if allowed.size <= EXACT_FILTER_MAX:
            ids, vecs = self.store.vectors.of_chunks(
                self.ann.model_id, self.ann.dim, chunk_ids=allowed.tolist()
            )
            sims = vecs @ qvec
            top = np.argsort(-sims, kind="stable")[:k]
            return ids[top], sims[top].astype(np.float32)
        ids, sims = self.ann.query(qvec, k * 20)
        keep = np.isin(ids, allowed)
        return ids[keep][:k], sims[keep][:k]

    def _fill(
        self,
        qvec: np.ndarray | None,
        d_ids: np.ndarray,
        d_sims: np.ndarray,
        k_ids: np.ndarray,
        k_scores: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The union of both sides' candidates, each scored by both."""
        only_kw = k_ids[~np.isin(k_ids, d_ids)]
        ids = np.concatenate([d_ids, only_kw])
        dense = np.concatenate([d_sims, np.zeros(only_kw.size, dtype=np.float32)])
        if only_kw.size and qvec is not None:
            # From the ANN's memory; a database read only for chunks it does not hold yet.
            got, vecs = self.ann.vectors_of(only_kw)
            missing = only_kw[~np.isin(only_kw, got)]
            if missing.size:
                more, more_vecs = self.store.vectors.of_chunks(
                    self.ann.model_id, self.ann.dim, chunk_ids=missing.tolist()
                )
                got, vecs = np.concatenate([got, more]), np.concatenate([vecs, more_vecs])
            order = np.argsort(ids)
            dense[order[np.searchsorted(ids, got, sorter=order)]] = vecs @ qvec
        kw = np.zeros(ids.size, dtype=np.float32)
        pos_of = {int(c): n for n, c in enumerate(ids.tolist())}
        for c, s in zip(k_ids.tolist(), k_scores.tolist(), strict=True):
            kw[pos_of[c]] = s
        # Dense candidates that BM25 did not bring keep 0: scoring them would make FTS5 evaluate the
        # whole expression once per row, and they are below the keyword side's k-th score anyway.
        return ids, dense, kw

    def _note_ids(self, chunk_ids: np.ndarray) -> np.ndarray:
        """The note of each chunk; -1 for chunks no longer in the database (the ANN may lag it)."""
        out = np.full(chunk_ids.size, -1, dtype=np.int64)
        if not chunk_ids.size:
            return out
        ids = chunk_ids.tolist()
        found = self.store.note_ids_of_chunks(ids)
        for n, c in enumerate(ids):
            out[n] = found.get(c, -1)
        return out

    # ---- rules on top of the fusion -----------------------------------------------------------

    def _titles_first(
        self, q: Query, ranked: Ranked, allowed: np.ndarray | None, named_by: dict[int, str]
    ) -> Ranked:
        """Notes titled exactly as the query, or with an alias that is, go first, whatever the fusion
        thought. `named_by` gets the alias of each note that is first by an alias alone."""
        want = normalize_title(q.text)
        matches = [
            n for n, title in self.keyword.title_candidates(words(q.text)) if normalize_title(title) == want
        ]
        for note_id, alias in self.caches.aliases.table(self.store).exact(q.text):
            if note_id not in matches:
                matches.append(note_id)
                named_by[note_id] = alias
        if not matches:
            return ranked
        first_chunk = self._first_chunks(matches, allowed)
        top_notes = [n for n in matches if n in first_chunk]
        if not top_notes:
            return ranked
        pos = {int(n): i for i, n in enumerate(ranked.note_ids.tolist())}
        # Among several notes with that title, keep the fusion's order.
        top_notes.sort(key=lambda n: pos.get(n, len(pos)))
        chunks = [int(ranked.chunk_ids[pos[n]]) if n in pos else first_chunk[n] for n in top_notes]
        rest = ~np.isin(ranked.note_ids, top_notes)
        best = float(ranked.scores.max()) if ranked.scores.size else 1.0
        return Ranked(
            np.concatenate([np.asarray(top_notes, dtype=np.int64), ranked.note_ids[rest]]),
            np.concatenate([np.full(len(top_notes), max(best, 1.0), dtype=np.float32), ranked.scores[rest]]),
            np.concatenate([np.asarray(chunks, dtype=np.int64), ranked.chunk_ids[rest]]),
        )

    def _first_chunks(self, note_ids: list[int], allowed: np.ndarray | None) -> dict[int, int]:
        out: dict[int, int] = {}
        allowed_set = None if allowed is None else set(allowed.tolist())
        for note_id, chunk_ids in self.store.chunk_ids_of(note_ids).items():
            first = next((c for c in chunk_ids if allowed_set is None or c in allowed_set), None)
            if first is not None:
                out[note_id] = first
        return out

    def _listing(self, q: Query, allowed: np.ndarray | None, limit: int) -> Hits:
        """Filters without words: the notes they let through, by path, each with its first passage."""
        if allowed is None or not allowed.size:
            return Hits()
        note_of = self._note_ids(allowed)
        present = note_of >= 0
        # Chunk ids grow in reading order within a note, so the lowest passing id is its first passage.
        firsts = best_per_note(note_of[present], allowed[present], -allowed[present].astype(np.float64))
        notes = self.store.notes_by_id(firsts.note_ids.tolist())
        order = sorted(
            range(firsts.note_ids.size),
            key=lambda i: notes[int(firsts.note_ids[i])].path if int(firsts.note_ids[i]) in notes else "",
        )[:limit]
        sel = np.asarray(order, dtype=np.int64)
        ranked = Ranked(firsts.note_ids[sel], np.zeros(sel.size, dtype=np.float32), firsts.chunk_ids[sel])
        return self._hits(q, ranked, limit)  # every note the filters let through, copies too

    # ---- results ------------------------------------------------------------------------------

    def _hits(
        self,
        q: Query,
        ranked: Ranked,
        limit: int,
        named_by: dict[int, str] | None = None,
        *,
        collapse: bool = False,
    ) -> Hits:
        """The first `limit` rows of `ranked`; with `collapse`, copies of a note share its row."""
        all_notes, all_chunks = ranked.note_ids.tolist(), ranked.chunk_ids.tolist()
        if collapse:
            # A keyword-only searcher (the model still loading) has no vectors: copies are then the
            # same text or the same passage under the same title only.
            vectors = (self.ann.model_id, self.ann.dim) if self.ann is not None else ("", 0)
            finder = self._copy_finder
            if finder is None or (finder.model_id, finder.dim) != vectors:
                finder = self._copy_finder = CopyFinder(self.store, *vectors)
            shown = finder.rows(all_notes, all_chunks, limit)
        else:
            shown = [(pos, ()) for pos in range(min(limit, len(all_notes)))]
        positions = [pos for pos, _ in shown]
        note_ids = [all_notes[p] for p in positions]
        chunk_ids = [all_chunks[p] for p in positions]
        # One read for the rows' notes and their copies.
        notes = self.store.notes_by_id([all_notes[p] for pos, ps in shown for p in (pos, *ps)])
        copies_of = {
            all_notes[pos]: tuple(notes[all_notes[p]].path for p in ps if all_notes[p] in notes)
            for pos, ps in shown
        }
        scores = [float(ranked.scores[p]) for p in positions]
        rows = self.store.chunks_by_id(chunk_ids)
        # Rarer words weigh more when choosing the sentence to mark (document frequencies are cached).
        weights = {t: math.log1p(self.keyword.probe_limit / (1 + self.keyword.word_freq(t))) for t in q.terms}
        languages = self.keyword.languages()
        prefix = q.terms[-1] if q.open_end and self.prefix_last and q.terms else ""
        if prefix and self.keyword.word_freq(prefix):
            prefix = ""  # already a word of the notes: "plan" marks plan, not every "planning" too
        hits = Hits()
        for note_id, chunk_id, score in zip(note_ids, chunk_ids, scores, strict=True):
            note, row = notes.get(note_id), rows.get(chunk_id)
            if note is None or row is None:
                continue
            spans, sentence = highlight(
                row["text"], q.terms, q.phrases, weights, prefix, lang=row["lang"], languages=languages
            )
            hits.append(
                Hit.of(
                    note,
                    row,
                    chunk_id,
                    score,
                    highlights=spans,
                    sentence=sentence,
                    alias=(named_by or {}).get(note_id, ""),
                    copies=copies_of.get(note_id, ()),
                )
            )
        return hits
