"""One writer per notes folder, across processes.

An advisory flock on a file in the index directory: the OS drops it when the process dies, so a
kill -9 never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Self

from gte_notes.core.errors import AlreadyRunningError
from gte_notes.core.private_files import narrow, private_dir


class WriterLock:
    def __init__(self, index_dir: Path, folder: Path) -> None:
        self.path = index_dir / "writer.lock"
        self.folder = folder
        self._fd: int | None = None

    def acquire(self) -> None:
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        narrow(self.path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise AlreadyRunningError(
                f"Another gte-notes process (pid {holder}) is already indexing {self.folder}. "
                "Close it first; search and related work alongside it."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
