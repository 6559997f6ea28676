"""What the bridge's workers do to engine results before the GUI thread sees them (Qt-free, off the GUI
thread): hits newest first, the search's notes kept on copies."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from gte_notes.core import Hits


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
