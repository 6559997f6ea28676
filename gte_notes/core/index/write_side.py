"""The writer's sqlite-utils view of a connection: rows written as records, tables changed by transform().

sqlite-utils is imported here, on the first write, never at module import: its import costs 130-340 ms,
and the reader path (CLI search, the GUI's first results after a restart) only reads, in raw SQL, so it
never pays for it (tests/core/test_reader_skips_sqlite_utils.py). See ARCHITECTURE.md, "The database".
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database


def write_db(conn: sqlite3.Connection) -> Database:
    """`conn` wrapped by sqlite-utils, leaving the connection as it was: no recursive_triggers pragma,
    no plugins loaded (they would run code from any installed package). Writes made through it join the
    caller's open transaction (sqlite-utils uses a savepoint inside one), so Store.transaction() still
    makes a note all or nothing."""
    from sqlite_utils import Database

    return Database(conn, recursive_triggers=False, execute_plugins=False)
