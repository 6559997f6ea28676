"""Index health of one folder: counts per status, the model, and every file with its reason."""

from __future__ import annotations

from typing import Any

from gte_notes.core.files.path_text import from_db
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.store import Store
from gte_notes.core.model.dims import dims_of


def index_model_id(store: Store) -> str:
    """The model id the index's vectors were made with ("" before the first index)."""
    pipeline = store.get_meta("pipeline")
    return pipeline.split("; ")[1] if pipeline.count("; ") >= 1 else ""


def folder_status(ws: Any, store: Store) -> dict[str, Any]:
    """Reads only the database and the ANN manifest: no model is loaded for a status."""
    pipeline = store.get_meta("pipeline")
    model_id = index_model_id(store)
    manifest = AnnIndex(ws.dir, 0, model_id).read_manifest()
    files = [
        {"path": from_db(r["path"]), "status": r["status"], "reason": r["reason"], "warning": r["warning"],
         "title": r["title"]}
        for r in store.conn.execute("SELECT path, status, reason, warning, title FROM notes ORDER BY path")
    ]
    return {
        "folder": str(ws.folder),
        "index_dir": str(ws.dir),
        "model": model_id,
        "dims": dims_of(model_id) if model_id else None,  # the vector size stored (dims.py)
        "pipeline": pipeline,
        "counts": store.status_counts(),
        "files_total": len(files),
        "chunks": store.chunk_count(),
        "vectors": store.vector_count(model_id) if model_id else 0,
        "ann": {"count": manifest.count, "generation": manifest.generation} if manifest else None,
        "generation": store.generation(),
        "files": files,
    }
