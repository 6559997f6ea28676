"""Only the index layer (gte_notes/core/index) speaks SQL: everything else asks the Store by name."""

from __future__ import annotations

import ast
from pathlib import Path

import gte_notes

PACKAGE = Path(gte_notes.__file__).parent
INDEX_LAYER = PACKAGE / "core" / "index"
SQL_CALLS = {"execute", "executemany", "executescript"}


def _sql_calls(path: Path) -> list[str]:
    """`x.execute(…)`-like calls, `sqlite3.connect(…)` and uses of a `.conn` attribute in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner, name = node.func.value, node.func.attr
            if name in SQL_CALLS or (
                name == "connect" and isinstance(owner, ast.Name) and owner.id == "sqlite3"
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{name}(")
        if isinstance(node, ast.Attribute) and node.attr == "conn":
            found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .conn")
    return found


def test_no_module_outside_the_index_layer_executes_sql() -> None:
    outside = [p for p in PACKAGE.rglob("*.py") if INDEX_LAYER not in p.parents]
    assert len(outside) > 50
    assert [call for path in outside for call in _sql_calls(path)] == []
    # The check itself sees SQL where there is some.
    assert _sql_calls(INDEX_LAYER / "store.py")
