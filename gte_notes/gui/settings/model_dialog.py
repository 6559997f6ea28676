"""Shown when the embedding model is not on this computer: say what is missing, offer to download it
(with progress) or to use a model folder the user already has. Never a traceback."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gte_notes.core import DEFAULT_MODEL, KnownError, Settings, model_display_name
from gte_notes.gui.desktop.style import quiet
from gte_notes.gui.desktop.tasks import NewThread, Task, call_in_gui
from gte_notes.gui.settings.model_facts import allow_code, is_code_refusal

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def _download(name: str, progress: object) -> str:
    from gte_notes.core import download_model

    return str(download_model(name, progress=progress))  # type: ignore[arg-type]


def _check_folder(path: str) -> str:
    from gte_notes.core import resolve_model_path

    return str(resolve_model_path(path))


class ModelMissingDialog(QDialog):
    model_ready = Signal(str)  # the model name or folder to use now

    def __init__(
        self, model: str, message: str, parent: QWidget | None = None, settings: Settings | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        # As every face names it; for a folder this reads its card's first lines (one small file, once,
        # as the dialog opens; a missing folder reads nothing), and the details below give its path.
        self.shown = shown = model_display_name(model)
        self.settings = settings
        self.setWindowTitle("The embedding model is missing")
        self.setMinimumWidth(520)
        size = " (about 70 MB, once)" if model == DEFAULT_MODEL else ""
        intro = QLabel(
            f"<p><b>gte-notes needs the model “{_esc(shown)}” to understand your notes, and it "
            f"is not on this computer.</b></p><p>Download it now{size}, or choose a folder that "
            "already holds a sentence-transformers model. After that gte-notes works offline.</p>"
        )
        intro.setWordWrap(True)
        self.details = QLabel(message)
        self.details.setWordWrap(True)
        quiet(self.details)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.hide()
        self.feedback = QLabel("")
        self.feedback.setWordWrap(True)
        self.feedback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.download = QPushButton("Download")
        self.download.setDefault(True)
        self.download.setEnabled(bool(_REPO_ID.match(model)))
        if not self.download.isEnabled():
            self.download.setToolTip("Only a Hugging Face model name can be downloaded")
        self.choose = QPushButton("Choose model folder…")
        self.quit = QPushButton("Quit")
        # The model is here but would run its own code: the one way on is the user's explicit yes.
        self.run_code = QPushButton("Run its code…")
        self.run_code.setVisible(is_code_refusal(message) and settings is not None)
        if self.run_code.isVisible() or is_code_refusal(message):
            self.setWindowTitle("The model wants to run its own code")
            intro.setText(
                f"<p><b>The model “{_esc(shown)}” ships Python code of its own, and gte-notes "
                "runs such code only when you agree.</b></p><p>Remote code is code: agree only if "
                "you trust where the model came from, or choose another model.</p>"
            )
            self.download.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.quit)
        buttons.addStretch(1)
        buttons.addWidget(self.run_code)
        buttons.addWidget(self.choose)
        buttons.addWidget(self.download)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.details)
        layout.addWidget(self.progress)
        layout.addWidget(self.feedback)
        layout.addLayout(buttons)
        self.download.clicked.connect(self._download)
        self.choose.clicked.connect(self._choose)
        self.run_code.clicked.connect(self._allow_code)
        self.quit.clicked.connect(self.reject)

    def _busy(self, on: bool) -> None:
        self.download.setEnabled(not on and bool(_REPO_ID.match(self.model)))
        self.choose.setEnabled(not on)

    def _download(self) -> None:
        self._busy(True)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.feedback.setText(f"Downloading {self.shown}…")

        def progress(done: int, total: int) -> None:
            call_in_gui(self._progress, (done, total))

        # Once downloaded, the model is found by its name in the cache: keep using the name.
        Task(_download, self.model, progress).on_done(lambda _path: self._ready(self.model)).on_error(
            self._failed
        ).start(NewThread())

    def _progress(self, done_total: tuple[int, int]) -> None:
        done, total = done_total
        if total > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * min(done, total) / total))
            self.feedback.setText(f"Downloading {self.shown}… {done / 1e6:.1f} of {total / 1e6:.1f} MB")
        else:
            self.feedback.setText(f"Downloading {self.shown}… {done / 1e6:.1f} MB")

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a sentence-transformers model folder")
        if not folder:
            return
        self._busy(True)
        self.feedback.setText("Checking the folder…")
        Task(_check_folder, folder).on_done(lambda _path: self._ready(folder)).on_error(self._failed).start(
            NewThread()
        )

    def _allow_code(self) -> None:
        assert self.settings is not None
        try:
            agreed = allow_code(self, self.settings, self.model)
        except KnownError as err:  # the folder vanished meanwhile
            self.feedback.setText(f"⚠ {err}")
            return
        if agreed:
            self._ready(self.model)

    def _ready(self, model: str) -> None:
        self.progress.hide()
        self.model_ready.emit(model)
        self.accept()

    def _failed(self, err: BaseException) -> None:
        self._busy(False)
        self.progress.hide()
        self.feedback.setText(f"⚠ {err}")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
