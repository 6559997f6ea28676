"""The faces' public core API (gte_notes/core/__init__.py): every name it lists is there, and importing it is
cheap, so the command line's fast path and the app's first window pay only for the names they use."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import gte_notes.core as core

HEAVY = ("torch", "transformers", "sentence_transformers", "onnxruntime", "sqlite_utils", "PySide6", "numpy")


def test_importing_the_core_and_a_light_name_loads_no_heavy_library() -> None:
    script = (
        "import sys, gte_notes.core as core\n"
        "core.Settings, core.KnownError, core.data_home\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
        "print(sorted(m for m in sys.modules if m.startswith('gte_notes.core.') and '.files' not in m"
        " and m != 'gte_notes.core.errors'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    heavy, others = done.stdout.splitlines()
    assert heavy == "[]", done.stdout  # not even numpy: a name imports only its own module
    assert others == "[]", done.stdout  # no search, index, model or live module came along


def test_every_public_name_is_there_and_an_unknown_one_is_an_attribute_error() -> None:
    # In a fresh interpreter: importing every core module here would change the timing of the tests after it.
    script = (
        "import gte_notes.core as core\n"
        "print([n for n in core.__all__ if getattr(core, n, None) is None or n not in dir(core)])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
    with pytest.raises(AttributeError, match="no_such_name"):
        core.no_such_name  # noqa: B018


def test_the_lazy_table_the_type_checking_imports_and_all_agree() -> None:
    # import-linter and type checkers read the TYPE_CHECKING imports; the faces get names through the table.
    tree = ast.parse(Path(core.__file__).read_text(encoding="utf-8"))
    guarded = next(n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    imported = {
        f"{n.module.removeprefix('gte_notes.core.')}:{a.name}"
        for n in guarded.body
        if isinstance(n, ast.ImportFrom) and n.module
        for a in n.names
    }
    table = {f"{module}:{name}" for name, module in core._HOME.items()}
    assert imported == table
    assert sorted(core.__all__) == sorted(core._HOME) and len(core.__all__) == len(set(core.__all__))
