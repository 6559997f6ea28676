"""A batch of deletions that looks like an unmount or an emptied sync folder, not like a user."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from gte_notes.core.index.store import Store


def looks_like_mass_delete(store: Store | None, folder: Path, paths: Iterable[str]) -> bool:
    """True when the paths that are gone would drop half the index or more: the writer then looks at the
    whole folder instead, where an empty folder never deletes the index."""
    if store is None:
        return False
    total = store.note_count()
    if not total:
        return False
    gone = 0
    for rel in paths:
        if not os.path.lexists(folder / rel):
            gone += len(store.paths_under(rel))
    return gone > 0 and gone * 2 >= total
