"""Run a function off the GUI thread and get its result back on the GUI thread.

    Task(save_settings, settings).on_done(self._saved).on_error(self._failed).start(pool)

reads like a sentence at the call site (the shape of Anki's QueryOp). The function runs on a worker;
its result or exception comes back through a queued signal, so callbacks always run on the GUI thread
and may touch widgets. A KnownError goes to `on_error`; with no `on_error`, it and any other
exception go to `sys.excepthook`, which the app turns into a status message or a bug dialog.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal


class _Relay(QObject):
    """Lives on the GUI thread; a signal emitted from a worker is delivered there (queued)."""

    delivered = Signal(object, object)  # callback, argument

    def __init__(self) -> None:
        super().__init__()
        self.delivered.connect(self._call, Qt.ConnectionType.QueuedConnection)

    def _call(self, callback: Callable[[Any], None], arg: object) -> None:
        callback(arg)


_relay: _Relay | None = None


def relay() -> _Relay:
    """The relay must be created on the GUI thread; the first Task (made there) does it."""
    global _relay
    if _relay is None:
        _relay = _Relay()
    return _relay


def call_in_gui(callback: Callable[[Any], None], arg: object = None) -> None:
    """Run `callback(arg)` on the GUI thread (from any thread)."""
    relay().delivered.emit(callback, arg)


def _report(err: BaseException) -> None:
    sys.excepthook(type(err), err, err.__traceback__)


class Task:
    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        relay()
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._done: Callable[[Any], None] | None = None
        self._error: Callable[[BaseException], None] | None = None

    def on_done(self, callback: Callable[[Any], None]) -> Task:
        self._done = callback
        return self

    def on_error(self, callback: Callable[[BaseException], None]) -> Task:
        self._error = callback
        return self

    def start(self, pool: Executor) -> None:
        pool.submit(self._run)

    def _run(self) -> None:
        try:
            result = self._fn(*self._args, **self._kwargs)
        except BaseException as err:  # noqa: BLE001 - every failure is delivered, none is lost in the pool
            call_in_gui(self._error or _report, err)
            return
        if self._done is not None:
            call_in_gui(self._done, result)


class NewThread(Executor):
    """Runs each task on a fresh daemon thread: for long jobs (a download) that must not keep the
    process alive when the user quits, as a pool's threads would."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        threading.Thread(target=fn, args=args, kwargs=kwargs, name="gte-notes long task", daemon=True).start()
        return None
