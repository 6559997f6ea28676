"""Owner-only permissions for everything gte-notes keeps: the index holds the full text of every note.

With the usual umask (022) new files are readable by every local user, so a 0600 note in a 0700
folder would leak through `strings index.db`. Folders are made 0700 and files 0600 when created, and
an index made by an older version is tightened the next time it is opened. SQLite gives the -wal and
-shm files the mode of the database file, so creating that one 0600 covers them.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create `path` and any missing parents as 0700 (os.makedirs gives parents the umask's mode)."""
    missing: list[Path] = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.mkdir(folder, DIR_MODE)
        with contextlib.suppress(OSError):  # a umask such as 0o277 narrows even 0700
            os.chmod(folder, DIR_MODE)
    return path


def private_file(path: Path) -> None:
    """Create `path` empty as 0600 if missing, else narrow it to 0600."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    except FileExistsError:
        narrow(path)
    except OSError:
        pass  # no space or no permission: the caller's own open reports it in its own words
    else:
        os.close(fd)


def narrow(path: Path) -> None:
    """Take away group and other access; someone else's file, or a read-only disk, is left alone."""
    with contextlib.suppress(OSError):
        st = os.lstat(path)
        if st.st_uid == os.geteuid() and not stat.S_ISLNK(st.st_mode) and stat.S_IMODE(st.st_mode) & 0o077:
            os.chmod(path, stat.S_IMODE(st.st_mode) & 0o700)


def tighten(index_dir: Path) -> None:
    """Make an existing index folder, the folder of indexes, and every file in it owner-only:
    indexes made by older versions were not."""
    if not index_dir.is_dir():
        return
    narrow(index_dir.parent)
    tighten_folder(index_dir)


def tighten_folder(folder: Path) -> None:
    """Make `folder` (created 0700 if missing) and every file directly in it owner-only: the config
    folder of an older version was left 0755 with its files 0644."""
    private_dir(folder)
    narrow(folder)
    with contextlib.suppress(OSError), os.scandir(folder) as it:
        for entry in it:
            if entry.is_file(follow_symlinks=False):
                narrow(Path(entry.path))
