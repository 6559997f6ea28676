"""gte_notes.core must work with PySide6 not installed: import every core module with Qt blocked."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import gte_notes.core

BLOCK_QT = """
import importlib, sys
class BlockQt:
    def find_spec(self, name, path=None, target=None):
        qt = ("PySide6", "shiboken6", "PyQt5", "PyQt6")
        if name.split(".")[0] in qt or name.startswith("gte_notes.gui"):
            raise ImportError(f"core imported {name}")
sys.meta_path.insert(0, BlockQt())
for name in sys.argv[1:]:
    importlib.import_module(name)
print("ok")
"""


def test_every_core_module_imports_without_qt() -> None:
    modules = [m.name for m in pkgutil.walk_packages(gte_notes.core.__path__, "gte_notes.core.")]
    assert len(modules) > 10
    out = subprocess.run(
        [sys.executable, "-c", BLOCK_QT, *modules], capture_output=True, text=True, timeout=300, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
