"""The engine's read side: searches, related notes, links and status, from any thread.

Each reading thread gets a `Reader` of its own: a read connection (SQLite WAL: readers never wait for
the writer) and the Searcher and Related that use it, made once and kept. A connection is not shared
between threads because SQLite serialises calls on one connection and the spelling probe keeps temp
tables per connection; what is worth sharing, the counts that reading the index teaches (document
frequencies, vocabulary, boilerplate, the cosine scale), is in one IndexCaches that every Reader of
the engine uses, locked inside. The ANN is the writer's, which serialises its own calls.

`close` drains: it stops new reads (they raise ReadsClosed), waits for the reads in flight, then
closes the idle connections. A read still running when the wait runs out keeps its connection and
closes it itself on the way out, so no thread's connection is ever closed under it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any

from gte_notes.core.errors import KnownError
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.store import Store, read_error
from gte_notes.core.live.workspace import Workspace
from gte_notes.core.markdown.link_text import NoteLinks, note_links
from gte_notes.core.markdown.links import LinkIndex
from gte_notes.core.search.caches import IndexCaches
from gte_notes.core.search.related import Related
from gte_notes.core.search.search import Searcher


class ReadsClosed(KnownError):
    """The engine was stopped: this folder's index answers no more reads."""


class Reader:
    """One thread's read connection and the long-lived objects that use it."""

    def __init__(self, store: Store, caches: IndexCaches) -> None:
        self.store = store
        self.caches = caches
        self.depth = 0  # reads of this thread in flight (a read may call another)
        self.closed = False
        self._searcher: Searcher | None = None
        self._made_for: tuple[int, int] = (0, 0)  # ids of the ANN and the model _searcher was made for
        self._keyword: Searcher | None = None
        self._related: Related | None = None

    def searcher(self, ann: AnnIndex, embedder: Any) -> Searcher:
        """Kept while the ANN and the model stay the same."""
        if self._searcher is None or self._made_for != (id(ann), id(embedder)):
            self._searcher = Workspace.searcher(self.store, ann, embedder, self.caches)
            self._made_for = (id(ann), id(embedder))
        return self._searcher

    def keyword_searcher(self) -> Searcher:
        """FTS5 alone: the keyword index is on disk and needs neither the model nor the ANN."""
        if self._keyword is None:
            self._keyword = Searcher(self.store, None, _no_model, caches=self.caches)  # type: ignore[arg-type]
        return self._keyword

    def related(self, ann: AnnIndex, embedder: Any) -> Related:
        """Kept while the ANN and the model stay the same: it keeps every note's title vector per
        index generation (related.py)."""
        if (
            self._related is None
            or self._related.ann is not ann
            or self._related.model_id != embedder.model_id
        ):
            self._related = Workspace.related(self.store, ann, embedder, self.caches)
        return self._related

    def close(self) -> None:
        self.closed = True
        with contextlib.suppress(sqlite3.Error):  # read-only: nothing is lost if closing fails
            self.store.close()


class Readers:
    def __init__(self, ws: Workspace, caches: IndexCaches) -> None:
        self.ws = ws
        self.caches = caches
        self._local = threading.local()
        self._all: list[Reader] = []
        self._gate = threading.Condition()
        self._inflight = 0
        self._closed = False
        self._links: tuple[int, LinkIndex] | None = None
        self.served = threading.Event()  # set when the first read has ended (the writer waits for it briefly)

    @contextlib.contextmanager
    def reading(self) -> Iterator[Reader]:
        """This thread's Reader for one read. ReadsClosed once `close` began; StoreError when the
        database cannot be opened."""
        with self._gate:
            if self._closed:
                raise ReadsClosed(f"The index of {self.ws.folder} was closed.")
            self._inflight += 1
        reader: Reader | None = getattr(self._local, "reader", None)
        try:
            if reader is None:
                # Opened outside the gate (it may take a while); `close` waits for it as for any read.
                reader = Reader(
                    Store(self.ws.db_path, create=False, check=False), self.caches
                )  # checked at start
                self._local.reader = reader
                with self._gate:
                    self._all.append(reader)
            reader.depth += 1
            try:
                with reader.store.snapshot():
                    yield reader
            except sqlite3.DatabaseError as err:  # damaged, or its -wal file deleted: say what to do
                raise read_error(self.ws.db_path, err) from err
            finally:
                reader.depth -= 1
        finally:
            self.served.set()
            with self._gate:
                self._inflight -= 1
                own = reader is not None and self._closed and reader.depth == 0 and not reader.closed
                if own:
                    reader.closed = True  # claimed here, under the gate: `close` skips it
                self._gate.notify_all()
            if own:
                assert reader is not None
                reader.close()

    def close(self, timeout: float) -> bool:
        """Refuse new reads, wait up to `timeout` for those in flight, close the idle connections.
        True when every read had ended."""
        deadline = time.monotonic() + max(timeout, 0.0)
        with self._gate:
            self._closed = True
            drained = self._gate.wait_for(lambda: self._inflight == 0, max(deadline - time.monotonic(), 0.0))
            idle = [r for r in self._all if r.depth == 0 and not r.closed]
            for reader in idle:
                reader.closed = True
            self._all = []
        for reader in idle:
            reader.close()
        return drained

    # ---- reads that need no model -------------------------------------------------------------

    def note_links(self, path: str) -> set[str]:
        """Relpaths of the indexed notes this note links to (resolved), for "unlinked only"."""
        with self.reading() as reader:
            store = reader.store
            note = store.note(path)
            if note is None or not note.links:
                return set()
            index = self._link_index(store)
            found = {index.resolve(target, path) for target in note.links}
            return {p for p in found if p is not None and p != path}

    def resolve_link(self, target: str, from_path: str) -> str | None:
        """The note a link in `from_path` points at: among the notes it links to as the indexer
        understood them first, then among every note in the index."""
        with self.reading() as reader:
            store = reader.store
            index = self._link_index(store)
            note = store.note(from_path)
            if note is not None and note.links:
                own = {found for t in note.links if (found := index.resolve(t, from_path)) is not None}
                found = LinkIndex(sorted(own), self.ws.filter.extensions).resolve(target, from_path)
                if found is not None:
                    return found
            return index.resolve(target, from_path)

    def link_text(self, path: str, title: str, from_path: str = "") -> NoteLinks:
        """The links to `path` as written from `from_path`, shortest forms among the indexed notes."""
        with self.reading() as reader:
            return note_links(self._link_index(reader.store), path, title, from_path)

    def _link_index(self, store: Store) -> LinkIndex:
        generation = store.generation()
        cached = self._links
        if cached is None or cached[0] != generation:
            cached = (generation, LinkIndex(store.all_paths(), self.ws.filter.extensions))
            self._links = cached
        return cached[1]


def _no_model(_text: str) -> Any:
    raise RuntimeError("a keyword-only search asked for a query vector")
