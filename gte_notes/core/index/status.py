"""Index health of one folder: counts per status, the model, and every file with its reason."""

from __future__ import annotations

from typing import Any

from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.ann_files import Manifest
from gte_notes.core.index.store import Store
from gte_notes.core.model.dims import dims_of


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


def folder_status(ws: Any, store: Store) -> dict[str, Any]:
    """Reads only the database and the ANN manifest: no model is loaded for a status."""
    manifest = AnnIndex(ws.dir, 0, "").read_manifest()
    model_id = index_model_id(store, manifest)
    files = store.note_statuses()
    excluded = store.excluded()  # left out by a rule: never notes rows, listed so the user sees why
    counts = store.status_counts()
    if excluded:  # all of them, though only the first EXCLUDED_KEPT are listed
        counts["excluded"] = int(store.get_meta("excluded_total", "0") or 0) or len(excluded)
    return {
        "folder": str(ws.folder),
        "index_dir": str(ws.dir),
        "model": model_id,
        "dims": dims_of(model_id) if model_id else None,  # the vector size stored (dims.py)
        "pipeline": store.get_meta("pipeline"),
        "counts": counts,
        "files_total": len(files),
        "chunks": store.chunk_count(),
        "vectors": store.vectors.count(model_id) if model_id else 0,
        "ann": {"count": manifest.count, "generation": manifest.generation} if manifest else None,
        "generation": store.generation(),
        "files": files + excluded,
    }
