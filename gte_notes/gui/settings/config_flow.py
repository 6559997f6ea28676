"""Changing what the app runs on: the notes folder, the model, the settings. Each change is saved
(off the GUI thread) and, when it needs one, restarts the engine through the window."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Protocol

from PySide6.QtWidgets import QFileDialog, QWidget

from gte_notes.core import Settings
from gte_notes.gui.desktop.tasks import Task
from gte_notes.gui.engine.bridge import EngineBridge
from gte_notes.gui.settings.model_dialog import ModelMissingDialog
from gte_notes.gui.settings.settings_dialog import SettingsDialog, needs_restart


class ConfigHost(Protocol):
    """What the flow asks of the window (MainWindow's public methods); it touches none of its widgets."""

    def open_folder(self, folder: str) -> None: ...
    def no_folder(self) -> None: ...
    def refresh_results(self) -> None: ...
    def known_error(self, message: str) -> None: ...
    def show_problem(self, message: str) -> None: ...
    def set_result_count(self, count: int) -> None: ...
    def close(self) -> bool: ...


class ConfigFlow:
    def __init__(self, window: ConfigHost, parent: QWidget, settings: Settings, bridge: EngineBridge) -> None:
        self.window = window
        self.parent = parent  # of the dialogs
        self.settings = settings
        self.bridge = bridge
        self.model_dialog: ModelMissingDialog | None = None
        self.settings_dialog: SettingsDialog | None = None
        self._before_change: Settings | None = None  # the saved settings a model change started from

    def save(self) -> None:
        Task(self.settings.save).on_error(
            lambda err: self.window.known_error(f"Settings could not be saved: {err}")
        ).start(self.bridge.control_pool)

    def choose_folder(self) -> None:
        start = self.bridge.folder or str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self.parent, "Choose your notes folder", start)
        if chosen:
            self.remember_folder(chosen)
            self.window.open_folder(chosen)
        elif not self.bridge.folder:
            self.window.no_folder()  # cancelled at first start: say so, and how to choose one later

    def remember_folder(self, folder: str) -> None:
        self.settings.folders = [folder] + [f for f in self.settings.folders if f != folder]
        self.save()

    def model_missing(self, message: str) -> None:
        if self.model_dialog is not None and self.model_dialog.isVisible():
            return
        dialog = ModelMissingDialog(self.bridge.model, message, self.parent, settings=self.settings)
        dialog.model_ready.connect(self._model_chosen)
        dialog.rejected.connect(self.window.close)
        self.model_dialog = dialog
        # The specific message (not a generic one): the engine's error state may arrive before or after this.
        self.window.show_problem(message or "The embedding model is missing")
        dialog.open()

    def _model_chosen(self, model: str) -> None:
        self.settings.model = model
        self.save()
        self.bridge.set_model(model)
        self.window.show_problem("")
        if self.bridge.folder:
            self.window.open_folder(self.bridge.folder)

    def edit_settings(self) -> None:
        dialog = SettingsDialog(
            self.settings,
            self.parent,
            model_in_use=self.bridge.model,
            model_name=self.bridge.model_name,
            model_dim=self.bridge.model_dim,
        )
        dialog.accepted.connect(lambda: self.apply_settings(dialog.edited()))
        dialog.finished.connect(dialog.deleteLater)
        self.settings_dialog = dialog
        dialog.open()

    def apply_settings(self, new: Settings) -> None:
        restart = needs_restart(self.settings, new)
        model_only = restart and not needs_restart(_with_model_of(self.settings, new), new)
        before = dataclasses.replace(self.settings)
        if new.model != self.settings.model:  # else a --model given at start stays in force
            self.bridge.set_model(new.model_name())
        for field in vars(new):
            setattr(self.settings, field, getattr(new, field))
        self.window.set_result_count(new.result_count)
        self.save()
        if model_only and self.bridge.change_model():
            self._before_change = self._before_change or before
            return  # re-embedded in the background; search keeps the current model until then
        if restart and new.folders:
            self.window.open_folder(new.folders[0])
        else:
            self.window.refresh_results()

    def cancel_model_change(self) -> None:
        """Back to the model answering searches: the settings say it again, so a restart keeps it."""
        engine = self.bridge.engine
        if engine is None:
            return
        engine.cancel_model_change()  # only leaves a note for the engine's writer: never blocks
        serving = engine.serving_choice
        if serving is None:
            return
        self.bridge.set_model(serving.name)
        self.bridge.precision = serving.precision
        before, self._before_change = self._before_change, None
        # The saved settings as they were: the serving model may be a --model given at start, a one-off
        # that cancelling must not make permanent.
        back = before if before is not None else serving
        self.settings.model = back.model if before is not None else serving.name
        self.settings.precision, self.settings.dims = back.precision, back.dims
        self.settings.passage_tokens = back.passage_tokens
        self.save()


def _with_model_of(old: Settings, new: Settings) -> Settings:
    """`old` with `new`'s model fields: what is left to differ needs a restart of its own."""
    return dataclasses.replace(
        old, model=new.model, precision=new.precision, dims=new.dims, passage_tokens=new.passage_tokens
    )
