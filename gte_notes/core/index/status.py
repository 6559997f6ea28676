"""Index health of one folder: counts per status, the model, and every file with its reason."""

from __future__ import annotations

from typing import Any

from gte_notes.core.files.path_text import from_db
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.store import Store


def folder_status(ws: Any, store: Store) -> dict[str, Any]:
    """Reads only the database and the ANN manifest: no model is loaded for a status."""
    pipeline = store.get_meta("pipeline")
    model_id = pipeline.split("; ")[1] if pipeline.count("; ") >= 1 else ""
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
        "pipeline": pipeline,
        "counts": store.status_counts(),
        "files_total": len(files),
        "chunks": store.chunk_count(),
        "vectors": store.vector_count(model_id) if model_id else 0,
        "ann": {"count": manifest.count, "generation": manifest.generation} if manifest else None,
        "generation": store.generation(),
        "files": files,
    }
