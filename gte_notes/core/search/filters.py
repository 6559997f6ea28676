"""Which chunks a query's filters let through: "quoted phrases", tag: and path:."""

from __future__ import annotations

import numpy as np

from gte_notes.core.index.store import Store
from gte_notes.core.search.keyword import KeywordIndex
from gte_notes.core.search.query import Query


def allowed_chunks(store: Store, keyword: KeywordIndex, q: Query) -> np.ndarray | None:
    """Sorted chunk ids that pass every filter of `q`; None when it has no filters.

    A phrase must occur in the chunk (in its text, heading or its note's title), so the passage a
    result shows is one that contains it. A tag also matches its sub-tags (tag:project finds
    #project/alpha); a path filter is a case-insensitive substring of the note's relative path.
    """
    if not q.has_filters:
        return None
    ids: np.ndarray | None = None
    if q.phrases:
        ids = np.unique(keyword.matching_ids(keyword.phrase_filter(q.phrases)))
    if q.tags or q.paths:
        rows = store.chunks_passing(q.tags, q.paths)
        by_note = np.unique(np.asarray(rows, dtype=np.int64))
        ids = by_note if ids is None else np.intersect1d(ids, by_note)
    return ids
