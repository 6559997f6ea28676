"""The next model of a model change: loaded, then its vectors for every note embedded a batch at a time.

How a change works, without losing search: the model the index was built with keeps answering while the
next one embeds every note, a batch at a time on the writer's thread between the folder's own indexing
work (an edit made meanwhile is indexed at once, by the model that is serving). Vectors are stored per
model id, so the next model's vectors go into the same table without touching what search reads; the
chunks stay the serving model's. When every note has the next model's vectors, the writer builds its ANN
and swaps model and ANN in one assignment: a search runs wholly on the old pair or wholly on the new.
Cancelling drops the next model's vectors and nothing else.

The index records the choice it serves (`model_choice` in its meta), so a restart in the middle of a
change serves the recorded model again and carries on where the change stopped: vectors already embedded
are kept."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from gte_notes.core.files.notes import read_note
from gte_notes.core.index.indexer import EMBED_BATCH_CHUNKS
from gte_notes.core.index.note_texts import note_texts
from gte_notes.core.index.store import NoteRow, Store
from gte_notes.core.live.chosen_model import ModelChoice
from gte_notes.core.live.engine_state import EngineState
from gte_notes.core.live.model_load import load_model
from gte_notes.core.model.dims import cut_of, truncate
from gte_notes.core.model.model_catalog import model_display_name
from gte_notes.core.search.caches import IndexCaches

log = logging.getLogger(__name__)


class NextModel:
    """The next model's vectors for every indexed note, embedded one batch per `step`."""

    def __init__(self, choice: ModelChoice, factory: Callable[[], Any], root: Path, max_bytes: int) -> None:
        self.choice = choice
        self.shown_name = model_display_name(choice.name)  # as every face names it (the status bar here)
        self.factory = factory
        self.root = root
        self.max_bytes = max_bytes
        self.embedder: Any = None
        self.rows: list[NoteRow] | None = None
        self.done = 0  # notes whose texts have the next model's vectors
        self.embedded = 0  # texts embedded for it (the rest were already there, or cut)
        self.cut_count = 0  # vectors made by cutting the serving model's
        # Whether the next model cuts every note into the passages it has now. Then the swap needs no
        # re-chunking; else a full reconcile after it re-chunks, with the vectors already here.
        self.same_chunks = True
        self.rechecked = False
        self.cut: tuple[str, int] = ("", 0)  # (the serving model id, the size to cut its vectors to)

    @property
    def total(self) -> int:
        return len(self.rows) if self.rows is not None else 0

    @property
    def label(self) -> EngineState:
        return EngineState.changing_model(self.shown_name, self.done, self.total)

    @property
    def finished(self) -> bool:
        return self.rows is not None and self.done >= len(self.rows)

    def recheck(self, store: Store) -> bool:
        """Once, when every note is done: notes indexed by the serving model meanwhile lack the next
        model's vectors; queue them. True if there is more to do."""
        if self.rechecked or not self.finished:
            return False
        self.rechecked = True
        lacking = set(store.vectors.notes_lacking(self.embedder.model_id))
        more = [r for r in store.notes().values() if r.id in lacking and r.status == "indexed"]
        assert self.rows is not None
        self.rows += sorted(more, key=lambda r: r.path)
        return bool(more)

    def complete(self, store: Store) -> bool:
        """Every chunk and title of the index has the next model's vector, and the next model cuts the
        notes as they are cut now: it can serve this index as it is."""
        return self.same_chunks and not store.vectors.notes_lacking(self.embedder.model_id)

    def load(self, store: Store, caches: IndexCaches, serving_id: str) -> None:
        """Load the next model (KnownError when it cannot be) and list the notes it must embed."""
        self.embedder, _ = load_model(None, self.factory, caches)
        # Only the vector size changes: the serving model's vectors, cut, are the next one's. No model runs.
        self.cut = (serving_id, cut_of(self.embedder.model_id, serving_id))
        self.rows = sorted((r for r in store.notes().values() if r.status == "indexed"), key=lambda r: r.path)

    def step(self, store: Store, cancel: Callable[[], bool]) -> None:
        """Embed the next batch (after `load`); Cancelled leaves the batch to be embedded again."""
        assert self.rows is not None and self.embedder is not None
        end = self.done
        texts: dict[str, str] = {}
        tokens: dict[str, int] = {}
        while end < len(self.rows) and len(texts) < EMBED_BATCH_CHUNKS:
            wanted = self._texts_of(store, self.rows[end])
            missing = store.vectors.missing(wanted, self.embedder.model_id)
            for h in missing:
                texts[h] = wanted[h][0]
                tokens[h] = wanted[h][1]
            end += 1
        if texts and self.cut[1]:
            have = store.vectors.by_hash(self.cut[0], texts)
            if have:
                with store.transaction():
                    store.vectors.put(
                        self.embedder.model_id,
                        zip(have, truncate(np.stack(list(have.values())), self.cut[1]), strict=True),
                    )
                texts = {h: t for h, t in texts.items() if h not in have}
                self.cut_count += len(have)
        if texts:
            hashes = list(texts)
            # Cancelled: nothing of this batch is kept, `done` stays, and the batch is embedded again later.
            matrix = self.embedder.encode(
                [texts[h] for h in hashes], [tokens[h] for h in hashes], cancel=cancel
            )
            with store.transaction():
                store.vectors.put(self.embedder.model_id, zip(hashes, matrix, strict=True))
            self.embedded += len(hashes)
        self.done = end

    def _texts_of(self, store: Store, row: NoteRow) -> dict[str, tuple[str, int]]:
        """hash -> (text, tokens) of what the next model embeds for this note as it is on disk now.
        A note that cannot be read now gets nothing: the folder's next reconcile deals with it."""
        read = read_note(self.root / row.path, self.max_bytes)
        if read.status != "ok":
            return {}
        try:
            planned = note_texts(read.text or "", row.path, self.embedder)
        except Exception:  # a bug in chunking costs this note's head start, not the change
            log.exception("could not chunk %s for the next model", row.path)
            self.same_chunks = False
            return {}
        if read.content_hash == row.content_hash:  # an edited note is re-chunked by its own reconcile anyway
            stored = [c["text_hash"] for c in store.chunks_of(row.id)]
            if stored != [c.text_hash for c in planned.chunks]:
                self.same_chunks = False
        return {h: (t, planned.tokens[h]) for h, t in planned.texts.items()}
