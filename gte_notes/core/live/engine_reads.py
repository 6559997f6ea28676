"""The engine's read side: searches, related notes, previews and status, from any thread.

Each calling thread gets its own read connection (SQLite WAL: readers never wait for the writer), and
all of them share the worker's ANN, which serialises its own calls. Nothing here writes.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path, PurePosixPath
from typing import Any

from gte_notes.core.errors import KnownError, StoreError
from gte_notes.core.files.notes import read_note
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.status import folder_status
from gte_notes.core.index.store import Store
from gte_notes.core.live.workspace import Workspace
from gte_notes.core.markdown.links import LinkIndex
from gte_notes.core.search.results import Hit
from gte_notes.core.search.search import Searcher


class EngineReads:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._ann: AnnIndex | None = None
        self._embedder: Any = None
        self._local = threading.local()
        self._readers: list[Store] = []
        self._readers_lock = threading.Lock()
        self._links: tuple[int, LinkIndex] | None = None

    def _reader(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.ws.db_path, create=False, check=False)  # the writer checked it at start
            self._local.store = store
            with self._readers_lock:
                self._readers.append(store)
        return store

    def close_readers(self) -> None:
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for store in readers:
            with contextlib.suppress(Exception):  # closing at shutdown is best effort
                store.close()
        self._local = threading.local()

    def _search(self, query: str, limit: int) -> list[Hit]:
        assert self._ann is not None
        return Workspace.searcher(self._reader(), self._ann, self._embedder).search(query, limit)

    def _keyword_search(self, query: str, limit: int) -> list[Hit]:
        """FTS5 alone: the keyword index is on disk and needs neither the model nor the ANN, so a
        restarted app answers from it while the model loads."""
        return Searcher(self._reader(), None, _no_model).search(query, limit, mode="keyword")  # type: ignore[arg-type]

    def _related(self, path: str, limit: int) -> list[Hit]:
        assert self._ann is not None
        store = self._reader()
        if store.note(path) is None:
            return []
        # One Related per reading thread, kept while its connection, the ANN and the model stay the
        # same: it keeps every note's title vector per index generation (related.py).
        key = (id(store), id(self._ann), self._embedder.model_id)
        kept = getattr(self._local, "related", None)
        if kept is None or kept[0] != key:
            kept = (key, Workspace.related(store, self._ann, self._embedder))
            self._local.related = kept
        return kept[1].related(path, limit)

    def _note_path(self, path: str) -> Path:
        rel = PurePosixPath(path)
        if rel.is_absolute() or ".." in rel.parts:
            raise KnownError(f"{path} is not a note inside {self.ws.folder}")
        return self.ws.folder / rel

    def note_text(self, path: str) -> str:
        """The note's text for a preview ("" when it cannot be read as text); never writes."""
        read = read_note(self._note_path(path), self.ws.max_bytes)
        return read.text or ""

    def note_links(self, path: str) -> set[str]:
        """Relpaths of the indexed notes this note links to (resolved), for "unlinked only"."""
        store = self._reader()
        note = store.note(path)
        if note is None or not note.links:
            return set()
        index = self._link_index(store)
        found = {index.resolve(target, path) for target in note.links}
        return {p for p in found if p is not None and p != path}

    def _link_index(self, store: Store) -> LinkIndex:
        generation = store.generation()
        cached = self._links
        if cached is None or cached[0] != generation:
            paths = store.all_paths()
            cached = (generation, LinkIndex(paths, self.ws.filter.extensions))
            self._links = cached
        return cached[1]

    def _read_status(self) -> dict[str, Any]:
        try:
            return folder_status(self.ws, self._reader())
        except StoreError:
            return {"folder": str(self.ws.folder), "index_dir": str(self.ws.dir), "counts": {}, "files": [],
                    "files_total": 0, "chunks": 0, "vectors": 0}


def _no_model(_text: str) -> Any:
    raise RuntimeError("a keyword-only search asked for a query vector")
