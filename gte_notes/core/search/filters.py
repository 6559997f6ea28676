"""Which chunks a query's filters let through: "quoted phrases", tag: and path:."""

from __future__ import annotations

import numpy as np

from gte_notes.core.files.path_text import to_db
from gte_notes.core.index.store import Store, like_escape
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
        where, params = [], []
        for tag in q.tags:
            where.append("EXISTS (SELECT 1 FROM json_each(n.tags) t WHERE lower(t.value) = ? "
                         "OR lower(t.value) LIKE ? ESCAPE '\\')")
            params += [tag, like_escape(tag) + "/%"]
        for part in q.paths:
            where.append("(instr(lower(n.path), ?) > 0 OR instr(n.path, ?) > 0)")
            params += [to_db(part).lower(), to_db(part)]  # paths are stored escaped (path_text.py)
        rows = store.conn.execute(
            f"SELECT c.id FROM chunks c JOIN notes n ON n.id = c.note_id WHERE {' AND '.join(where)}", params
        ).fetchall()
        by_note = np.unique(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))
        ids = by_note if ids is None else np.intersect1d(ids, by_note)
    return ids
