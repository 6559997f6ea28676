"""A crash on purpose, so that tests and the frozen app's smoke check (packaging/check_bundle.sh) can
prove that a crash leaves its traces in the log folder.

Test-only: with GTE_NOTES_TEST_CRASH=segv a face (the CLI, the GUI) dies of a segmentation fault once
its log files are set up, as a fault in a native library (Qt, torch, ONNX Runtime) would kill it, and
faulthandler writes every thread's stack to logs/crash.log; with GTE_NOTES_TEST_CRASH=bug it raises a
Python exception instead, which the face reports as a bug (the GUI's dialog names both log files).
The app never sets the variable, and nothing else reads it.
"""

from __future__ import annotations

import faulthandler
import logging
import os

CRASH_ENV = "GTE_NOTES_TEST_CRASH"

log = logging.getLogger(__name__)


class ForcedBug(RuntimeError):
    """The bug GTE_NOTES_TEST_CRASH=bug raises: a Python exception gte-notes did not expect."""


def crash_asked() -> str:
    """What GTE_NOTES_TEST_CRASH asks for: "segv", "bug" or "" (nothing)."""
    asked = os.environ.get(CRASH_ENV, "")
    return asked if asked in ("segv", "bug") else ""


def crash_if_asked(where: str) -> None:
    """Crash now if GTE_NOTES_TEST_CRASH asks for it; `where` names the place in the log."""
    asked = crash_asked()
    if asked == "segv":
        log.warning("%s=segv: crashing on purpose in %s", CRASH_ENV, where)
        faulthandler._sigsegv()  # a real SIGSEGV: the process dies as in a native library's fault
    elif asked == "bug":
        raise ForcedBug(f"{CRASH_ENV}=bug: a bug forced on purpose in {where}")
