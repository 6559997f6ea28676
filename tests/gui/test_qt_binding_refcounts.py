"""The Qt binding must not leak away references to None/True on each signal.

PySide6 6.12.0 drops one reference to True on every Python `emit()` and one to None on every call of
a Python slot from a C++ signal. On Python 3.11 (where None and True are not immortal) the app then
aborts with "Fatal Python error: none_dealloc" after a few thousand signals: minutes of indexing.
Few signals are sent here, so a bad binding fails this test instead of crashing the test run.
"""

from __future__ import annotations

import sys
import threading

from PySide6.QtCore import QObject, QTimer, Signal

N = 20


class _Sender(QObject):
    value = Signal(object)


def _drift(run) -> tuple[int, int]:
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    run()
    return sys.getrefcount(True) - true_before, sys.getrefcount(None) - none_before


def test_emitting_signals_keeps_references_to_true_and_none(qtbot) -> None:
    sender = _Sender()
    got: list[object] = []
    sender.value.connect(got.append)

    def emit_here() -> None:
        for _ in range(N):
            sender.value.emit(None)

    def emit_from_thread() -> None:
        thread = threading.Thread(target=emit_here)
        thread.start()
        thread.join()
        qtbot.waitUntil(lambda: len(got) == 2 * N)

    for run in (emit_here, emit_from_thread):
        true_drift, none_drift = _drift(run)
        assert true_drift > -N // 2 and none_drift > -N // 2, (true_drift, none_drift)


def test_cpp_signals_calling_python_keep_references_to_none(qapp) -> None:
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(0)

    def tick() -> None:  # returns None to the binding, which must not release it
        ticks.append(1)
        if len(ticks) == N:
            timer.stop()

    timer.timeout.connect(tick)
    before = sys.getrefcount(None)
    timer.start()
    # Plain event processing: pytest-qt's own waiting takes and drops references of its own.
    for _ in range(100_000):
        if len(ticks) == N:
            break
        qapp.processEvents()
    none_drift = sys.getrefcount(None) - before
    assert len(ticks) == N
    assert none_drift > -N // 2, none_drift
