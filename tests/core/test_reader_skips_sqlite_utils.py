"""sqlite-utils is the writer's alone (ARCHITECTURE.md, "The database"): `gte-notes index` writes its rows
through it, while a fresh `gte-notes search`, `related` or `status` on an indexed folder never imports it,
since its import costs 130-340 ms of the one second the first results may take.

Real processes of the real CLI on a real SQLite index; the fake embedder (tests/fake_model_cli.py), since
what is tested is which modules a command imports, not what the vectors mean.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.live_helpers import FAKE_CLI, fake_env, note_text, write

MARK = "sqlite_utils imported:"
# The fake CLI run as it is, then one line saying whether the process imported sqlite_utils.
PROBE = (
    "import atexit, runpy, sys\n"
    f"atexit.register(lambda: print({MARK!r}, 'sqlite_utils' in sys.modules, file=sys.stderr))\n"
    "sys.argv = sys.argv[1:]\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n"
)


def run(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], bool]:
    argv = [sys.executable, "-c", PROBE, str(FAKE_CLI), "--data-dir", str(tmp_path / "data"), *args]
    done = subprocess.run(
        argv, env=fake_env(tmp_path), capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    said = [line for line in done.stderr.splitlines() if line.startswith(MARK)]
    assert said, done.stderr
    return done, said[-1].endswith("True")


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, bool]:
    root = tmp_path_factory.mktemp("reader")
    notes = root / "notes"
    for n in range(12):
        write(notes, f"n/{n:02d}.md", note_text(n))
    done, imported = run(root, "index", str(notes))
    assert "12" in done.stdout + done.stderr
    return root, notes, imported


def test_the_writer_writes_through_sqlite_utils(indexed: tuple[Path, Path, bool]) -> None:
    assert indexed[2]


@pytest.mark.parametrize(
    "command",
    [("search", "word7 topic0"), ("related", "n/07.md"), ("status",)],
    ids=["search", "related", "status"],
)
def test_a_reading_command_never_imports_sqlite_utils(
    indexed: tuple[Path, Path, bool], command: tuple[str, ...]
) -> None:
    root, notes, _ = indexed
    done, imported = run(root, command[0], str(notes), *command[1:])
    assert "n/" in done.stdout or "12" in done.stdout  # it did read the index: notes found, or counted
    assert not imported


def test_a_restart_with_nothing_changed_writes_nothing_through_it(indexed: tuple[Path, Path, bool]) -> None:
    # The app's restart: its writer reconciles the folder beside the first search. Nothing changed, so
    # nothing is written, and the writer thread does not import sqlite-utils while the user waits.
    root, notes, _ = indexed
    done, imported = run(root, "index", str(notes))
    assert "12" in done.stdout + done.stderr and not imported
