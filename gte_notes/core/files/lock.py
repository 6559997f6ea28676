"""One writer per notes folder, across processes.

Advisory flocks: the OS drops them when the process dies, so a kill -9 never leaves a stale lock
behind. The lock is held on the index folder itself, not only on `writer.lock`: deleting that file
(a cleanup script, a user tidying up) would otherwise let a second writer create a new one and lock
it. `writer.lock` is still locked too, for older versions, and holds the writer's pid for messages.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Self

from gte_notes.core.errors import AlreadyRunningError
from gte_notes.core.files.private_files import narrow, private_dir


class WriterLock:
    def __init__(self, index_dir: Path, folder: Path) -> None:
        self.path = index_dir / "writer.lock"
        self.folder = folder
        self._fds: list[int] = []

    def acquire(self) -> None:
        private_dir(self.path.parent)
        dir_fd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        if not self._try_lock(dir_fd):
            raise self._busy()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        narrow(self.path)
        if not self._try_lock(fd):
            fcntl.flock(dir_fd, fcntl.LOCK_UN)
            os.close(dir_fd)
            raise self._busy()
        with contextlib.suppress(OSError):  # the pid is only for messages; a full disk must not stop us
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fds = [fd, dir_fd]

    @staticmethod
    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        return True

    @property
    def held(self) -> bool:
        return bool(self._fds)

    def holder(self) -> str:
        """The pid the writer wrote, for messages ("unknown" when it cannot be read)."""
        try:
            return self.path.read_text(errors="replace").strip()[:64] or "unknown"
        except OSError:
            return "unknown"

    def _busy(self) -> AlreadyRunningError:
        holder = self.holder()
        return AlreadyRunningError(
            f"Another gte-notes process (pid {holder}) is already indexing {self.folder}. "
            "Close it first; search and related work alongside it."
        )

    def release(self) -> None:
        fds, self._fds = self._fds, []
        for fd in fds:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
