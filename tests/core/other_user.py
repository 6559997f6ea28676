"""Running part of a test as another user: root reads everything, so "permission denied" needs one."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

NOBODY = 65534
# Set by CI, which runs as root (.ci/run): there a test that needs root or a mount must run, so not
# being able to is a failure, not a skip nobody reads.
PRIVILEGED = os.environ.get("GTE_NOTES_PRIVILEGED_TESTS") == "1"


def cannot_run(reason: str) -> NoReturn:
    """Skip a test that needs root, another user or a mount, saying why (pytest -rs prints it);
    fail instead where GTE_NOTES_PRIVILEGED_TESTS=1 says it must run."""
    if PRIVILEGED:
        pytest.fail(f"GTE_NOTES_PRIVILEGED_TESTS=1 but {reason}")
    pytest.skip(reason)


def shared_tmp_dir() -> Iterator[Path]:
    """Fixture body: a temporary folder another user can enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="gte-notes-perm-"))
    path.chmod(0o777)
    try:
        yield path
    finally:
        for p in [path, *path.rglob("*")]:
            if not p.is_symlink():
                p.chmod(0o755 if p.is_dir() else 0o644)
        shutil.rmtree(path)


def as_nobody(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`work()` in a forked child that has dropped to `nobody`; its JSON-able result, or
    {"child_error": ...}. A fork, not an exec: the interpreter may live where `nobody` cannot reach it."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.close(read_end)
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.write(write_end, json.dumps(work()).encode())
            code = 0
        except BaseException as err:  # noqa: BLE001 - anything must reach the parent, not a traceback
            os.write(write_end, json.dumps({"child_error": repr(err)}).encode())
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        out = pipe.read()
    os.waitpid(pid, 0)
    result: dict[str, Any] = json.loads(out)
    return result
