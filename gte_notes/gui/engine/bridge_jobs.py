"""What every part of the bridge does with a worker's job: report its failure and hand its answer back.

Why a module of its own: the bridge's parts (bridge_life.py, bridge_queries.py, bridge_facts.py) all run
engine calls on workers and share these few steps, so they import them from here rather than from
bridge.py, which imports them.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from typing import TYPE_CHECKING, Any

from gte_notes.core import KnownError

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from gte_notes.core import Engine

log = logging.getLogger("gte_notes.gui.engine.bridge")  # the name the bridge's messages always had


class BridgeJobs:
    """Part of EngineBridge (bridge.py), which sets these attributes in its __init__."""

    engine: Engine | None
    error: SignalInstance  # message, is_bug, details
    _closed: bool  # shut down: no answer is delivered any more

    def _emit_result(self, signal: Any, *args: object) -> None:
        if self._closed:
            return
        with contextlib.suppress(RuntimeError):  # the bridge was deleted while this worker ran (app closing)
            signal.emit(*args)

    def _guarded(self, what: str, fn: Any, default: Any) -> Any:
        try:
            return fn()
        except KnownError as err:
            if not self._closed:
                self.error.emit(str(err), False, "")
        except Exception as err:  # noqa: BLE001 - a failed read is reported; the GUI keeps working
            if not self._closed:
                self._bug(what, err)
        return default

    def _bug(self, what: str, err: BaseException) -> None:
        details = "".join(traceback.format_exception(err))
        log.error("%s\n%s", what, details)
        self.error.emit(f"{what}: {err!r}", True, details)
