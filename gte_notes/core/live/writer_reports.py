"""What the writer tells the engine's listener (its state, progress, notes indexed, notices, errors),
and the state and problem it last told, which any thread may read."""

from __future__ import annotations

import logging
import time
import traceback
from typing import Any

from gte_notes.core.index.progress import Progress, ReconcileStats
from gte_notes.core.live.engine_state import EngineState, Phase

log = logging.getLogger(__name__)


class WriterReports:
    """The writer's voice. Called from the writer's threads; a listener callback that fails is logged
    and never stops the writer. `state`, `problem` and `progress` are read by any thread."""

    def __init__(self, listener: Any) -> None:
        self._listener = listener
        self._state = EngineState(Phase.STOPPED)
        self._problem = ""  # a known error the user is being shown (folder missing, disk full)
        self._progress: Progress | None = None
        self._progress_at = 0.0
        self._told: set[str] = set()  # notes whose batches were announced during this reconcile

    @property
    def state(self) -> EngineState:
        """What the writer is doing (EngineListener.on_state)."""
        return self._state

    @property
    def problem(self) -> str:
        """The known error being shown, "" when there is none."""
        return self._problem

    @property
    def progress(self) -> Progress | None:
        """The last reconcile's progress (None before the first)."""
        return self._progress

    def set_state(self, state: EngineState) -> None:
        if state != self._state:
            self._state = state
            self._emit("on_state", state)

    def notice(self, text: str) -> None:
        self._emit("on_notice", text)

    def files(self, files: list[tuple[str, str, str]]) -> None:
        """(path, status, reason) of files whose status changed."""
        self._emit("on_files", files)

    def known(self, message: str, *, as_error: bool = True) -> None:
        """A problem the user can fix: the state says it until `clear_problem`; `as_error`: it is also
        sent as an error (else the caller words its own notice)."""
        self._problem = message
        self.set_state(EngineState.error(message))
        if as_error:
            self._emit("on_error", message, False, "")

    def clear_problem(self) -> None:
        self._problem = ""

    def error(self, message: str) -> None:
        """An error the user is told of once, that leaves no lasting problem (an ANN save that failed)."""
        self._emit("on_error", message, False, "")

    def bug(self, message: str, err: BaseException) -> None:
        details = "".join(traceback.format_exception(err))
        log.error("%s\n%s", message, details)
        self._emit("on_error", f"{message}: {err!r}", True, details)

    def reconcile_started(self) -> None:
        self._told = set()

    def indexed(self, paths: list[str]) -> None:
        """These notes were committed: views showing them (a query's results) refresh."""
        self._told.update(paths)
        self._emit("on_indexed", paths)

    def reconciled(self, stats: ReconcileStats) -> None:
        """A reconcile finished: the files it changed, and the notes its batches did not announce yet
        (each note is announced once)."""
        if stats.changed:
            self.files(list(stats.changed))
        untold = [p for p in dict.fromkeys(stats.indexed) if p not in self._told]
        if untold:
            self._emit("on_indexed", untold)

    def batch_done(self, stats: ReconcileStats, full: bool) -> None:
        """The reconcile's stats, once the writer has done with it."""
        self._emit("on_batch", stats, full)

    def progress_made(self, p: Progress) -> None:
        self._progress = p
        now = time.monotonic()
        # Per-file progress would flood a GUI's event queue on a big folder; ten a second is smooth.
        if p.done in (0, p.total) or now - self._progress_at >= 0.1:
            self._progress_at = now
            self._emit("on_progress", p)

    def _emit(self, name: str, *args: object) -> None:
        callback = getattr(self._listener, name, None)
        try:
            if callback is not None:
                callback(*args)
        except Exception:
            log.exception("listener %s failed", name)
