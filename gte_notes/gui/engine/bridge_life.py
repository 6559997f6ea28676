"""The engine's life in the bridge: starting it on a folder, its model, pausing, and stopping it.

Why apart from the queries: starting and stopping an engine blocks (the writer lock, the database, a
model load), so it runs on the bridge's control thread, and each start is a new engine incarnation whose
callbacks and answers are dropped once another has replaced it. The queries only read `engine`.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from gte_notes.core import (
    EngineState,
    KnownError,
    ModelChoice,
    ModelMissingError,
    Phase,
    Settings,
    choice_key,
    data_home,
)
from gte_notes.gui.desktop.tasks import Task
from gte_notes.gui.engine.bridge_jobs import BridgeJobs
from gte_notes.gui.engine.engine_events import engine_listener

if TYPE_CHECKING:  # imported on the control thread as the engine starts, while the window shows
    from PySide6.QtCore import SignalInstance

    from gte_notes.core import Engine

STOP_TIMEOUT_S = 5.0  # switching folders: the old engine must free its folder before the new one starts
# Quitting waits this long for the worker to finish its batch and save the ANN. After that the process
# may exit anyway: the running batch was never committed, and the next start catches up from SQLite.
QUIT_WAIT_S = 0.5


class BridgeLife(BridgeJobs):
    """Part of EngineBridge (bridge.py), which sets these attributes in its __init__."""

    settings: Settings
    home: str | Path | None
    model: str
    precision: str
    watch: bool
    folder: str | None
    missing_message: str
    control_pool: ThreadPoolExecutor
    _search_pool: ThreadPoolExecutor
    _read_pool: ThreadPoolExecutor
    _preview_pool: ThreadPoolExecutor
    started: SignalInstance
    state_changed: SignalInstance
    model_missing: SignalInstance
    _given_embedder: object | None
    _loaded: tuple[str, str, object] | None
    _token: int
    _inflight: int
    _model_label: tuple[str, str]
    refresh_status: Callable[[], None]  # bridge_facts.py

    def open(self, folder: str) -> None:
        """(Re)start the engine on `folder`; `started` or `error` follows."""
        self._token += 1
        token = self._token
        self.missing_message = ""
        self.folder = folder
        self.state_changed.emit(EngineState(Phase.STARTING))
        Task(self._start_engine, folder, token).on_done(self._engine_started).on_error(
            self._start_failed
        ).start(self.control_pool)

    def is_current(self, token: int) -> bool:
        """The engine incarnation `token` is the one running (not replaced, not closed)."""
        return token == self._token and not self._closed

    def _start_engine(self, folder: str, token: int) -> Engine | None:
        from gte_notes.core import Engine

        old, self.engine = self.engine, None
        if old is not None:
            old.stop(STOP_TIMEOUT_S)
        if not self.is_current(token):
            return None
        engine = Engine(
            folder,
            home=self.home,
            settings=self.settings,
            embedder=self._embedder_for_start(),
            embedder_factory=lambda: self._load_embedder(token),
            listener=engine_listener(self, token),
            watch=self.watch,
            choice=self.choice(),
            follow=True,
        )  # beside `gte-notes index`
        engine.start()
        if not self.is_current(token):
            # Quit (or another folder) came while it started: shutdown no longer waits for this thread.
            engine.stop(STOP_TIMEOUT_S)
            return None
        self.engine = engine
        return engine

    def _engine_started(self, engine: Engine | None) -> None:
        if engine is not None and self.folder is not None and not self._closed:
            self.started.emit(self.folder)
            self.refresh_status()

    def _start_failed(self, err: BaseException) -> None:
        if isinstance(err, KnownError):
            self.state_changed.emit(EngineState.error(str(err)))
            self.error.emit(str(err), False, "")
        else:
            self._bug("The index could not be opened", err)

    def _embedder_for_start(self) -> object | None:
        if self._given_embedder is not None:
            return self._given_embedder
        if self._loaded is not None and self._loaded[:2] == (
            self.model,
            choice_key(self.settings, self.precision),
        ):
            return self._loaded[2]
        return None

    def _load_embedder(self, token: int) -> object:
        from gte_notes.core import open_for_settings  # with the model, after the window

        try:
            embedder = open_for_settings(
                self.settings, data_home(self.home), model=self.model, precision=self.precision
            )
        except ModelMissingError as err:
            if self.is_current(token):
                self.missing_message = str(err)
                self.model_missing.emit(str(err))
            raise
        self._loaded = (self.model, choice_key(self.settings, self.precision), embedder)
        return embedder

    @property
    def model_name(self) -> str:
        """The model in use as every face names it (model_catalog.model_display_name), once a status has been
        read on a worker; until then a stand-in that reads nothing."""
        return self._model_label[1] if self._model_label[0] == self.model else ModelChoice(self.model).label

    @property
    def model_dim(self) -> int:
        """Dimensions of the model in use before any cut (0 until it has loaded): Settings warns with it."""
        loaded = self._loaded[2] if self._loaded and self._loaded[0] == self.model else self._given_embedder
        return int(getattr(loaded, "full_dim", 0) or getattr(loaded, "dim", 0) or 0)

    def set_model(self, model: str) -> None:
        """Use `model` (a name or folder) from the next `open`."""
        self.model = model

    def choice(self) -> ModelChoice:  # the settings, with a --model given at start in force
        return ModelChoice.of_settings(self.settings, self.model, self.precision)

    def change_model(self) -> bool:
        """Move the running engine to `choice()` without a restart: it re-embeds in the background while
        the current model keeps answering. False when no engine runs (`open` then starts one on the
        choice)."""
        engine, token = self.engine, self._token
        if (
            engine is None or not engine.running
        ):  # none, or its model never loaded: a restart loads the new one
            return False
        engine.change_model(self.choice(), lambda: self._load_embedder(token))
        return True

    def pause(self) -> None:
        if self.engine is not None:
            self.engine.pause()

    def resume(self) -> None:
        if self.engine is not None:
            self.engine.resume()

    def reindex(self) -> None:
        if self.engine is not None:
            self.engine.reindex()

    @property
    def busy(self) -> bool:
        """Requests are on their way (the screenshot mode waits for none)."""
        return self._inflight > 0

    def shutdown(self, wait_s: float = QUIT_WAIT_S) -> bool:
        """Stop answering and stop the engine (cancels its batch, saves the ANN, frees the lock), waiting
        at most `wait_s`: a read stuck on a slow disk or a forward pass must not hold up quitting.
        True if the engine's worker ended in that time."""
        self._closed = True
        self._token += 1
        for pool in (self._search_pool, self._read_pool, self._preview_pool, self.control_pool):
            pool.shutdown(wait=False, cancel_futures=True)
        engine, self.engine = self.engine, None
        return engine.stop(wait_s) if engine is not None else True
