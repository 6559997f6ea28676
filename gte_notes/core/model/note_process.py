"""Notes embedded in a process of their own, so the app gives the model's memory back when idle.

The app answers queries with the saved query encoder (query_encoder.py: ONNX Runtime and `tokenizers`,
~0.4 GB with a 100k-passage index). Embedding notes needs the full model: torch, transformers and
sentence-transformers hold 0.7-1.1 GB once loaded, and a Python process cannot give imported modules
back. So the app embeds notes through `NoteProcess`: a child process that loads the model when notes
first need it, embeds the batches sent over a pipe, and is stopped after IDLE_EXIT_S without work; its
memory goes with it. The next change starts it again: the same seconds a restart's model load takes
(the precision check is cached), spent on the indexing thread while search goes on.

The child loads the model at normal priority (the user may be waiting for it on a first start) and
embeds at the background priority of thread_priority.py, so searches typed meanwhile get the cores
first. It is started with "spawn", never fork (the app has Qt and threads); a frozen app supports that
through multiprocessing.freeze_support() in packaging/entry.py.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gte_notes.core.errors import Cancelled, KnownError
from gte_notes.core.model.embedder import BATCH_TOKENS, MAX_BATCH_ROWS, plan_batches  # imports no torch
from gte_notes.core.model.model_catalog import CodeConsent
from gte_notes.core.offline import stay_offline

log = logging.getLogger(__name__)

# Not tuned on any query set: a trade between memory and the first save after a pause, which waits
# for the child to load the model again (4-8 s more before it is searchable, instead of ~1 s). Five
# minutes keep an editing session's saves fast; an app left open gives the memory back soon after.
IDLE_EXIT_S = 300.0
_POLL_S = 0.1


class NoteProcess:
    """The full model in a child process: `encode` like Embedder.encode, started on first use and
    again after it stopped (idle for `idle_exit_s`, or `close`). Thread-safe."""

    def __init__(
        self,
        name: str,
        precision: str,
        data_dir: Path,
        consent: CodeConsent | None,
        idle_exit_s: float | None = None,
    ) -> None:
        self._args = (name, precision, str(data_dir), consent)
        self.idle_exit_s = IDLE_EXIT_S if idle_exit_s is None else idle_exit_s
        self.expected_model_id: str | None = None  # a model changed on disk must not mix its vectors in
        self.ready: dict[str, Any] = {}  # what the child said when it last started
        self.starts = 0
        self._lock = threading.Lock()
        self._proc: Any = None
        self._conn: Any = None
        self._last_used = 0.0
        self._killed: Any = None  # the child `close` ended: waiting on it is cancelled, not an error
        self._wake = threading.Event()
        self._watcher: threading.Thread | None = None

    # ---- the parent's side -------------------------------------------------------------------

    def start(self, save_encoder: bool = False) -> dict[str, Any]:
        """Start the child now (if it is not running) and return what it reported once loaded.
        `save_encoder`: it also saves the query encoder (a first start). Raises the load's KnownError."""
        with self._lock:
            return self._ensure(save_encoder)

    def encode(
        self, texts: Sequence[str], token_counts: Sequence[int], cancel: Callable[[], bool] | None = None
    ) -> np.ndarray:
        """As Embedder.encode, with the batches planned here (so `cancel` lands between them)."""
        with self._lock:
            ready = self._ensure(False)
            out = np.zeros((len(texts), int(ready["dim"])), dtype=np.float32)
            lengths = [min(max(int(n), 2), int(ready["max_tokens"])) for n in token_counts]
            try:
                for batch in plan_batches(lengths, BATCH_TOKENS, MAX_BATCH_ROWS):
                    if cancel is not None and cancel():
                        raise Cancelled()
                    self._send(("encode", [texts[i] for i in batch], [lengths[i] for i in batch]))
                    out[batch] = self._receive()
            finally:
                self._last_used = time.monotonic()
            return out

    @property
    def running(self) -> bool:
        proc = self._proc
        return proc is not None and proc.is_alive()

    def close(self) -> None:
        """Stop the child at once, from any thread (an encode waiting on it raises Cancelled); a later
        `encode` starts another."""
        proc = self._proc
        if proc is not None and proc.is_alive():
            self._killed = proc
            proc.terminate()
        self._wake.set()

    def _ensure(self, save_encoder: bool) -> dict[str, Any]:
        if self.running:
            return self.ready
        self._stop_child(graceful=False)
        context = multiprocessing.get_context("spawn")
        here, there = context.Pipe()
        proc = context.Process(
            target=serve, args=(there, *self._args, save_encoder), daemon=True, name="gte-notes model"
        )
        proc.start()
        there.close()  # so the child's end closing (its exit) reaches this side as EOF
        self._proc, self._conn = proc, here
        self.starts += 1
        self._last_used = time.monotonic()
        try:
            self.ready = self._receive()
        except BaseException:
            self._stop_child(graceful=False)
            raise
        expected = self.expected_model_id
        if expected is not None and self.ready["model_id"] != expected:
            self._stop_child(graceful=False)
            raise KnownError(
                f"The model in {self.ready['path']} changed while gte-notes was running; "
                "restart gte-notes to use it."
            )
        self._watch_idle()
        return self.ready

    def _send(self, message: Any) -> None:
        try:
            self._conn.send(message)
        except (OSError, ValueError) as err:  # the child is gone; _receive says why
            log.debug("sending to the model's process failed: %r", err)

    def _receive(self) -> Any:
        conn, proc = self._conn, self._proc
        while True:
            try:
                if conn.poll(_POLL_S):
                    kind, value = conn.recv()  # EOFError when the child has ended
                    break
                if proc.is_alive():
                    continue
            except (EOFError, OSError):
                pass
            if proc is self._killed:
                raise Cancelled()
            proc.join(1.0)
            raise KnownError(
                f"The process that embeds notes stopped unexpectedly (exit code {proc.exitcode}, "
                "perhaps out of memory); indexing tries again shortly."
            )
        if kind == "error":
            raise value
        return value

    def _stop_child(self, graceful: bool) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if proc is None:
            return
        if graceful:
            with contextlib.suppress(OSError, ValueError):
                conn.send(None)
            proc.join(5.0)
        if proc.is_alive():
            proc.terminate()
            proc.join(2.0)
        if proc.is_alive():
            proc.kill()
            proc.join(2.0)
        with contextlib.suppress(OSError):
            conn.close()

    def _watch_idle(self) -> None:
        """A thread per child, ending with it: it stops the child once idle for `idle_exit_s`."""
        self._wake.set()
        if self._watcher is None:  # set back to None, under the lock, by the thread as it ends
            self._watcher = threading.Thread(target=self._idle_loop, name="gte-notes model idle", daemon=True)
            self._watcher.start()

    def _idle_loop(self) -> None:
        while True:
            self._wake.clear()  # before reading the state: a change after this sets it again
            if not self._lock.acquire(timeout=1.0):
                self._wake.wait(1.0)  # encoding: look again later
                continue
            try:
                wait = self._last_used + self.idle_exit_s - time.monotonic()
                if not self.running or wait <= 0:
                    if self.running:
                        log.info("the model's process was idle for %.0f s: stopping it", self.idle_exit_s)
                    self._stop_child(graceful=self.running)  # or reap one close() ended, or that died
                    self._watcher = None
                    return
            finally:
                self._lock.release()
            self._wake.wait(wait)


# ---- the child's side ---------------------------------------------------------------------------


def serve(
    conn: Any, name: str, precision: str, data_dir: str, consent: CodeConsent | None, save_encoder: bool
) -> None:
    """The child process: load the model, say so, then embed what is sent until told to stop (None),
    or the parent is gone (EOF)."""
    stay_offline()  # inherited from the parent too; set again before this process imports the model
    threading.Thread(
        target=_exit_with_parent, args=(os.getppid(),), name="gte-notes parent watch", daemon=True
    ).start()
    loaded: dict[str, Any] = {}
    loader = threading.Thread(
        target=_load,
        args=(loaded, name, precision, Path(data_dir), consent, save_encoder),
        name="gte-notes model load",
    )
    loader.start()  # at normal priority: see the module's docstring
    loader.join()
    if "error" in loaded:
        _reply(conn, "error", loaded["error"])
        return
    embedder = loaded["embedder"]
    from gte_notes.core.model.thread_priority import lower_this_thread

    lower_this_thread()  # before this thread first runs the model: torch's workers for it inherit it
    _reply(conn, "ready", loaded["ready"])
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        _, texts, counts = message
        try:
            _reply(conn, "vectors", embedder.encode(texts, counts))
        except Exception as err:  # noqa: BLE001 - the parent reports it; this batch is retried
            _reply(conn, "error", _portable(err))


def _load(
    box: dict[str, Any],
    name: str,
    precision: str,
    data_dir: Path,
    consent: CodeConsent | None,
    save_encoder: bool,
) -> None:
    try:
        from gte_notes.core.model.embedder import load_embedder
        from gte_notes.core.model.heap import release_freed_memory

        embedder = load_embedder(name, precision, data_dir, consent=consent)
        saved = False
        if save_encoder:
            from gte_notes.core.model.query_encoder import save_query_encoder

            mark = time.perf_counter()
            try:
                saved = save_query_encoder(embedder, precision, data_dir)
            except Exception:  # the app then loads the model itself for queries
                log.exception("could not save the query encoder")
            release_freed_memory(cycles=True)
            embedder.load_times["trace, check and save the query encoder (first start)"] = (
                time.perf_counter() - mark
            )
        box["embedder"] = embedder
        box["ready"] = {
            "model_id": embedder.model_id,
            "dim": embedder.dim,
            "max_tokens": embedder.max_tokens,
            "path": str(embedder.path),
            "precision_note": embedder.precision_note,
            "load_times": dict(embedder.load_times),
            "saved": saved,
        }
    except BaseException as err:  # noqa: BLE001 - handed to the parent, which reports it
        box["error"] = _portable(err)


def _portable(err: BaseException) -> BaseException:
    """`err` as the parent can unpickle it: a KnownError keeps its class and words (the app shows
    them); anything else becomes a RuntimeError carrying the child's traceback, for the bug report."""
    if isinstance(err, KnownError) and type(err)(*err.args).args == err.args:
        return err
    text = "".join(traceback.format_exception(type(err), err, err.__traceback__))
    return RuntimeError(f"in the process that embeds notes: {type(err).__name__}: {err}\n{text}")


def _reply(conn: Any, kind: str, value: Any) -> None:
    try:
        conn.send((kind, value))
    except OSError:  # the app is gone (its end of the pipe closed): nothing left to do
        os._exit(0)
    except Exception as err:  # an unpicklable error: send its words instead
        if kind != "error":
            raise
        conn.send((kind, RuntimeError(f"in the process that embeds notes: {err!r}")))


def _exit_with_parent(parent: int) -> None:
    """End with the app even mid-batch: the app ends with os._exit (gui/window/app.py), which stops no child,
    and a model load or a long batch would otherwise run on for seconds for nobody."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
