"""What indexing reports: progress while it runs, and what one reconcile did. Kept apart from the
indexer so the faces (the status bar, `watch`) can show them without importing the indexing code."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Progress:
    done: int
    total: int
    current: str
    eta_s: float | None
    embedded: int
    reused: int
    # The size of the files to look at and of those looked at: what the time left follows (notes differ
    # in size many times over). 0 when not known.
    bytes_done: int = 0
    bytes_total: int = 0


@dataclass
class ReconcileStats:
    scanned: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    embedded_chunks: int = 0
    embedded_titles: int = 0  # titles embedded for related notes (new or renamed notes only)
    reused_chunks: int = 0
    seconds: float = 0.0
    cancelled: bool = False
    warnings: list[str] = field(default_factory=list)
    # (path, status, reason) for every file whose status changed, for per-file status views
    changed: list[tuple[str, str, str]] = field(default_factory=list)
    # every note whose chunks were written or dropped (committed), so views showing it can refresh
    indexed: list[str] = field(default_factory=list)
