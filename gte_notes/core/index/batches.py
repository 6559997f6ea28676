"""`… IN (…)` over any number of values, in one statement with one parameter.

The list goes in as one JSON array that `{marks}` reads back (`SELECT value FROM json_each(?)`): no
placeholder per value, so no statement is over SQLite's limit on bound parameters (999 in older
builds) and none has to be run once per batch, and every list length makes the same SQL text, which
sqlite3's statement cache prepares once. Values are ints or strings (ids, text hashes): JSON keeps
their types, so `id IN (…)` still compares integers with integers and uses the key.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence

MARKS = "SELECT value FROM json_each(?)"


def rows_in(
    conn: sqlite3.Connection, sql: str, values: Iterable[object], before: Sequence[object] = ()
) -> Iterator[sqlite3.Row]:
    """The rows of `sql` whose `{marks}` stands for `values`, bound after the `before` parameters."""
    values = list(values)
    if values:
        yield from conn.execute(sql.format(marks=MARKS), [*before, json.dumps(values)])
