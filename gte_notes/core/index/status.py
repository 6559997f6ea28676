"""Index health of one folder: counts per status and the model (IndexStatus), and, only when asked, a page
of the files with their status and reason (FilePage): a status is read up to once a second while indexing,
the file list only when someone looks at it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.ann_files import Manifest
from gte_notes.core.index.store import Store
from gte_notes.core.model.dims import dims_of


@dataclass(frozen=True)
class FileStatus:
    """One file's status: indexed, waiting, a skip ("binary", "too_large", "excluded", …) or a failure."""

    path: str
    status: str
    reason: str = ""
    warning: str = ""
    title: str = ""

    def matches(self, text: str) -> bool:
        """`text` (lower case) in its path, status, reason or warning: the health view's filter box."""
        return not text or text in " ".join((self.path, self.reason, self.warning, self.status)).lower()


@dataclass(frozen=True)
class FilePage:
    """`files[offset:offset+limit]` of the files that matched, by path; `total` of them matched."""

    files: tuple[FileStatus, ...]
    total: int
    offset: int = 0


@dataclass(frozen=True)
class IndexFacts:
    """What the index holds, read from its database and ANN manifest (no file list: see FilePage).
    The engine's IndexStatus (core/live/engine_status.py) adds what the engine is doing."""

    folder: str
    index_dir: str
    model: str = ""  # the model id the vectors were made with ("" before the first index)
    dims: int | None = None  # the vector size stored (dims.py)
    pipeline: str | None = None
    counts: dict[str, int] = field(default_factory=dict)  # files per status
    files_total: int = 0
    chunks: int = 0
    vectors: int = 0
    ann_count: int | None = None  # None: no ANN manifest
    ann_generation: int | None = None
    generation: int = 0


def index_model_id(store: Store, manifest: Manifest | None = None) -> str:
    """The model id the index's vectors were made with ("" before the first index).

    The indexer records the model it embedded with; an index last written before it did so names the
    model in its ANN manifest (read from the database's folder when `manifest` is not given).
    """
    recorded = store.get_meta("model_id")
    if recorded:
        return recorded
    if manifest is None:
        manifest = AnnIndex(store.path.parent, 0, "").read_manifest()
    return manifest.model_id if manifest else ""


def read_facts(folder: str, index_dir: str, store: Store) -> IndexFacts:
    """Reads only the database and the ANN manifest: no model is loaded, no file listed."""
    manifest = AnnIndex(store.path.parent, 0, "").read_manifest()
    model_id = index_model_id(store, manifest)
    counts = store.status_counts()
    notes = sum(counts.values())
    # Left out by a rule: never notes rows, counted (all of them, though only EXCLUDED_KEPT are listed)
    # so the user sees why. An index written before the total was kept has the list only.
    excluded = int(store.get_meta("excluded_total", "0") or 0) or len(store.excluded())
    if excluded:
        counts["excluded"] = excluded
    return IndexFacts(
        folder=folder,
        index_dir=index_dir,
        model=model_id,
        dims=dims_of(model_id) if model_id else None,
        pipeline=store.get_meta("pipeline"),
        counts=counts,
        files_total=notes,
        chunks=store.chunk_count(),
        vectors=store.vectors.count(model_id) if model_id else 0,
        ann_count=manifest.count if manifest else None,
        ann_generation=manifest.generation if manifest else None,
        generation=store.generation(),
    )


def index_files(store: Store) -> list[FileStatus]:
    """Every note row by path, then the files a rule left out (as far as kept), as `status` lists them."""
    return [FileStatus(**row) for row in (*store.note_statuses(), *store.excluded())]


def page_of(files: Iterable[FileStatus], offset: int, limit: int | None, filter_text: str = "") -> FilePage:
    """The files matching `filter_text` (case-insensitive), from `offset`, at most `limit` (None: all)."""
    text = filter_text.strip().lower()
    matching = [f for f in files if f.matches(text)]
    offset = max(offset, 0)
    end = None if limit is None else offset + max(limit, 0)
    return FilePage(tuple(matching[offset:end]), len(matching), offset)
