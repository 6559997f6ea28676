"""Index health of one folder: counts per status, the model, and every file with its reason."""

from __future__ import annotations

from typing import Any

from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.store import Store


def folder_status(ws: Any, store: Store) -> dict[str, Any]:
    """Reads only the database and the ANN manifest: no model is loaded for a status."""
    manifest = AnnIndex(ws.dir, 0, "").read_manifest()
    # The indexer records the model it embedded with; an index last written before it did so names
    # the model in its ANN manifest.
    model_id = store.get_meta("model_id") or (manifest.model_id if manifest else "")
    files = store.note_statuses()
    return {
        "folder": str(ws.folder),
        "index_dir": str(ws.dir),
        "model": model_id,
        "pipeline": store.get_meta("pipeline"),
        "counts": store.status_counts(),
        "files_total": len(files),
        "chunks": store.chunk_count(),
        "vectors": store.vectors.count(model_id) if model_id else 0,
        "ann": {"count": manifest.count, "generation": manifest.generation} if manifest else None,
        "generation": store.generation(),
        "files": files,
    }
