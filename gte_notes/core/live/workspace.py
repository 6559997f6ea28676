"""Everything about one notes folder: where its index lives, its database, ANN and writer lock."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from gte_notes.core.files.lock import WriterLock
from gte_notes.core.files.notes import NoteFilter, check_folder
from gte_notes.core.files.paths import data_home, index_dir
from gte_notes.core.files.private_files import tighten
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.store import Store
from gte_notes.core.search.caches import IndexCaches
from gte_notes.core.search.related import Related
from gte_notes.core.search.search import Searcher

if TYPE_CHECKING:  # the indexing code loads on the writer's thread: searches need none of it
    from gte_notes.core.index.indexer import EmbedderLike, Indexer


class Workspace:
    """Opens the parts of one folder's index. The writer (index, watch, GUI) takes the lock;
    readers (search, related, status from another process) do not need it."""

    def __init__(
        self,
        folder: str | Path,
        *,
        home: str | Path | None = None,
        flt: NoteFilter | None = None,
        max_bytes: int = 10 * 1024 * 1024,
        check: bool = True,
    ) -> None:
        # check=False: a reader answering from the index of a folder that is missing (an unmounted drive)
        self.folder = check_folder(Path(folder)) if check else Path(folder).expanduser().resolve()
        self.home = data_home(home)
        self.dir = index_dir(self.folder, self.home)
        self.db_path = self.dir / "index.db"
        self.filter = (flt or NoteFilter()).for_folder(self.folder)  # reads the folder's own ignore rules
        self.max_bytes = max_bytes
        self.lock = WriterLock(self.dir, self.folder)

    def open_store(self, *, create: bool = True) -> Store:
        tighten(self.dir)
        store = Store(self.db_path, create=create)
        if create and not store.get_meta("folder"):
            with store.transaction():
                store.set_meta("folder", str(self.folder))
        return store

    def open_ann(self, store: Store, embedder: EmbedderLike, *, rebuild: bool = True) -> AnnIndex:
        """rebuild=False: for a reader, which cannot save a rebuilt graph (AnnIndex.load)."""
        ann = AnnIndex(self.dir, embedder.dim, embedder.model_id)
        ann.load(store, rebuild=rebuild)
        return ann

    def indexer(self, store: Store, ann: AnnIndex, embedder: EmbedderLike) -> Indexer:
        from gte_notes.core.index.indexer import Indexer

        return Indexer(self.folder, store, ann, embedder, self.filter, self.max_bytes)

    @staticmethod
    def searcher(
        store: Store, ann: AnnIndex, embedder: EmbedderLike, caches: IndexCaches | None = None, **options: Any
    ) -> Searcher:
        """The app's searcher for this embedder: its cosine scale and its dictionary of real words
        (spelling) filled in; `caches` are the index's (shared by its readers, fresh if None); `options`
        go to Searcher as they are."""
        caches = caches if caches is not None else IndexCaches()
        known = getattr(embedder, "known_words", None)
        if "scale" not in options:  # not setdefault: its argument, 32 query encodings, would run anyway
            options["scale"] = caches.dense_scale(embedder.model_id, embedder.encode_query)  # type: ignore[attr-defined]
        options.setdefault("known_words", known() if known else frozenset())
        return Searcher(store, ann, embedder.encode_query, caches=caches, **options)  # type: ignore[attr-defined]

    @staticmethod
    def related(
        store: Store, ann: AnnIndex, embedder: EmbedderLike, caches: IndexCaches | None = None
    ) -> Related:
        return Related(store, ann, embedder.model_id, embedder.dim, caches=caches)
