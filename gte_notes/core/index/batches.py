"""`… IN (?, ?, …)` over any number of values: SQLite binds at most 999 parameters per statement."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence

BATCH = 900  # leaves room for the statement's other parameters


def rows_in(
    conn: sqlite3.Connection, sql: str, values: Iterable[object], before: Sequence[object] = ()
) -> Iterator[sqlite3.Row]:
    """The rows of `sql` run once per batch of `values`: its `{marks}` becomes the batch's
    placeholders, bound after the `before` parameters."""
    values = list(values)
    for start in range(0, len(values), BATCH):
        part = values[start : start + BATCH]
        yield from conn.execute(sql.format(marks=",".join("?" * len(part))), [*before, *part])
