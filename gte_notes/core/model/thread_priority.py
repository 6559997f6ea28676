"""Background work at a lower CPU priority than the user's searches.

Indexing keeps both cores busy for minutes at first start; a query typed meanwhile must not wait for
a core behind it. On Linux the nice value is per thread and threads inherit it when they are made,
so lowering the indexing thread before it runs the model also lowers the OpenMP workers torch makes
for it (a pool per calling thread), while the search thread and its workers keep normal priority.
Measured with tests/bench/gui_latency.py: see README "The desktop app".
"""

from __future__ import annotations

import os
import sys
import threading

BACKGROUND_NICENESS = 10


def lower_this_thread(increment: int = BACKGROUND_NICENESS) -> bool:
    """Make the calling thread (and threads it makes later) yield the CPU to others; False where the
    platform has no per-thread priority this can set (macOS and Windows: the whole process would)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + increment))
    except OSError:
        return False
    return True
