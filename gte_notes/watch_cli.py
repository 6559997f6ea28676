"""`gte-notes watch FOLDER`: keep a folder's index live until Ctrl+C or SIGTERM, saying what it does."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from typing import TextIO

from gte_notes.cli_embedder import embedder_for
from gte_notes.cli_output import ProgressBar, drop_stdout
from gte_notes.core import Engine, EngineListener, EngineState, Progress, ReconcileStats, Settings, display

STOP_TIMEOUT_S = 2.0


class _Printer:
    """Turns engine callbacks into lines on stdout (errors on stderr), one event per line."""

    def __init__(self, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> None:
        self.out = out
        self.err = err
        self.bar = ProgressBar(err)
        self._lock = threading.Lock()
        self._last_state = ""
        self.gone = threading.Event()  # stdout's reader went away (a closed pipe)

    def line(self, text: str, stream: TextIO | None = None) -> None:
        with self._lock:
            if self.gone.is_set():
                return
            stream = stream or self.out
            try:
                stream.write(f"{time.strftime('%H:%M:%S')} {display(text)}\n")  # a name may not be UTF-8
                stream.flush()
            except BrokenPipeError:  # `watch | head -1`: the reader went away; run_watch stops
                drop_stdout()
                self.gone.set()

    def state(self, state: EngineState) -> None:
        # Batches print their own summary; "idle" is worth a line only after something else was shown.
        text = str(state)
        if state.working or text == self._last_state:
            return
        self._last_state = text
        self.line(text)

    def progress(self, p: Progress) -> None:
        self.bar.update(p)

    def files(self, changed: list[tuple[str, str, str]]) -> None:
        for path, status, reason in changed:
            self.line(f"  {status:<11} {path}{'  — ' + reason if reason else ''}")

    def batch(self, stats: ReconcileStats, full: bool) -> None:
        if self.bar.enabled and full:
            self.bar.close()
        if not full and not (stats.added or stats.updated or stats.removed or stats.skipped or stats.failed):
            return
        kind = "Scanned" if full else "Updated"
        self.line(
            f"{kind} {stats.scanned} files in {stats.seconds:.2f} s: {stats.added} new, "
            f"{stats.updated} changed, {stats.removed} removed, {stats.unchanged} unchanged, "
            f"{stats.skipped} skipped, {stats.failed} failed; {stats.embedded_chunks} chunks embedded, "
            f"{stats.reused_chunks} reused."
        )

    def error(self, message: str, is_bug: bool, details: str) -> None:
        self.line(f"error: {message}", self.err)
        if is_bug and details:
            with self._lock:
                self.err.write(details)
                self.err.flush()

    def notice(self, text: str) -> None:
        self.line(f"note: {text}")

    def listener(self) -> EngineListener:
        return EngineListener(
            on_state=self.state,
            on_progress=self.progress,
            on_files=self.files,
            on_error=self.error,
            on_notice=self.notice,
            on_batch=self.batch,
        )


def run_watch(args: argparse.Namespace, settings: Settings) -> int:
    printer = _Printer()
    engine = Engine(
        args.folder,
        home=args.data_dir,
        settings=settings,
        embedder_factory=lambda: embedder_for(args, settings),
        listener=printer.listener(),
    )
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        engine.start()  # AlreadyRunningError reaches cli.main, which prints it
        printer.line(f"Watching {engine.ws.folder} (index in {engine.ws.dir}). Press Ctrl+C to stop.")
        # A timed wait, so the signal handler runs promptly on every platform.
        while not stop.wait(0.5) and not printer.gone.is_set():
            if not engine.running:  # the worker ended by itself: the model could not be loaded
                engine.stop(STOP_TIMEOUT_S)
                return 1
        printer.line("Stopping: finishing the current write and saving the index…")
        engine.stop(STOP_TIMEOUT_S)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if printer.gone.is_set():
        return 141  # as cli.main for a closed pipe: 128 + SIGPIPE
    printer.line("Stopped.")
    return 0
