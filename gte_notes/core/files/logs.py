"""Logs that outlive a crash: a rotating log file and a faulthandler file in the data dir's `logs/`.

A menu launch throws stderr away, so without these a bug in the installed app leaves no trace. Both files
sit beside the indexes (owner-only, like them: a traceback can quote a note's path or words) and never in
the notes folder.
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from gte_notes.core.files.paths import data_home
from gte_notes.core.files.private_files import private_dir, private_file

LOG_BYTES = 1_000_000  # per file; three old ones are kept, so a log never grows past ~4 MB
LOG_BACKUPS = 3
FORMAT = "%(asctime)s %(process)d %(threadName)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True)
class LogFiles:
    """Where this process writes: `log` for warnings and bugs, `crash` for a hard crash's stacks."""

    log: Path
    crash: Path


_started: LogFiles | None = None
_crash_stream: IO[str] | None = None  # kept open: faulthandler writes to its descriptor when the process dies


def log_dir(home: str | os.PathLike[str] | None = None) -> Path:
    return data_home(home) / "logs"


def start_logging(
    face: str, home: str | os.PathLike[str] | None = None, *, quiet: bool = False
) -> LogFiles | None:
    """Send this process's log records to `logs/<face>.log` and a hard crash's stacks to `logs/crash.log`.

    Called once per process by a face (the GUI, the CLI). Returns None, and logs only to stderr as
    before, when the data dir cannot be written: a read-only home must not stop the app (`quiet`: and
    says nothing of it, for a command whose output is read by a script)."""
    global _started, _crash_stream
    if _started is not None:
        return _started
    try:
        folder = private_dir(log_dir(home))
        files = LogFiles(log=folder / f"{face}.log", crash=folder / "crash.log")
        private_file(files.log)
        private_file(files.crash)
        handler = logging.handlers.RotatingFileHandler(
            files.log, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
        crash_stream = open(files.crash, "a", encoding="utf-8")  # noqa: SIM115 - must stay open
    except OSError as err:
        if not quiet:
            print(f"gte-notes: no log file ({err}); messages go to the terminal only", file=sys.stderr)
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    # Only warnings and worse reach stderr, as before: the file takes the INFO lines.
    if not any(
        isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler) for h in root.handlers
    ):
        console = logging.StreamHandler()
        console.setLevel(logging.WARNING)
        console.setFormatter(logging.Formatter("%(message)s"))  # as Python's last-resort handler printed them
        root.addHandler(console)
    faulthandler.enable(file=crash_stream, all_threads=True)
    _crash_stream = crash_stream
    _started = files
    logging.getLogger(__name__).info(
        "gte-notes %s started (pid %d, Python %s)", face, os.getpid(), sys.version.split()[0]
    )
    return files


def current_logs() -> LogFiles | None:
    """The files `start_logging` chose for this process, or None before it (or when it could not)."""
    return _started
