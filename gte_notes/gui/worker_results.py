"""What the bridge's workers do to engine results before the GUI thread sees them (Qt-free, off the GUI
thread): files still waiting added to the status, hits newest first, the search's notes kept on copies."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from gte_notes.core.files.notes import scan_folder
from gte_notes.core.search.results import Hits

if TYPE_CHECKING:
    from gte_notes.core.live.engine import Engine


def add_waiting_files(status: dict[str, Any], engine: Engine) -> None:
    """While indexing or paused, the index knows only the files done so far: list the others as waiting, so
    Index health shows every file in the folder from the start (a folder listing, on this worker)."""
    known = {f["path"] for f in status.get("files", ())}
    waiting = [
        {"path": rel, "status": "waiting", "reason": "not indexed yet", "warning": "", "title": ""}
        for rel, _st in scan_folder(engine.ws.folder, engine.ws.filter)
        if rel not in known
    ]
    if waiting:
        status["files"] = sorted([*status.get("files", ()), *waiting], key=lambda f: f["path"])
        status["files_total"] = len(status["files"])
        status["counts"] = {**status.get("counts", {}), "waiting": len(waiting)}


def with_notes_of(found: list[Any], hits: list[Any]) -> list[Any]:
    """`hits` (display copies of `found`) keeping what the search said of the list as a whole."""
    return found.with_rows(hits) if isinstance(found, Hits) else hits


def newest_first(hits: list[Any], folder: Path) -> list[Any]:
    """The same hits, most recently modified first (a stat per hit, on the search worker)."""

    def mtime(hit: Any) -> float:
        try:
            return (folder / PurePosixPath(hit.path)).stat().st_mtime
        except OSError:
            return 0.0

    return sorted(hits, key=mtime, reverse=True)
