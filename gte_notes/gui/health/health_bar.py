"""The status bar: what the indexer is doing, how far it is, the counts per status, a pause button, and
a cancel button while the model changes."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QSizePolicy, QStatusBar, QToolButton, QWidget

from gte_notes.core import EngineState, IndexStatus, ModelChangeState, Phase, Progress
from gte_notes.gui.engine.model_name import short_model_name
from gte_notes.gui.health.index_progress import SessionProgress
from gte_notes.gui.results.empty_states import reading_text

STATE_TEXT = {
    Phase.STARTING: "Opening the index…",
    Phase.LOADING_MODEL: "Keyword-only results while the model loads…",
    Phase.READING: "Reading your notes for the first time… (keyword-only results while the model loads)",
    Phase.SCANNING: "Looking for changed notes…",
    Phase.INDEXING: "Indexing…",
    Phase.IDLE: "Up to date",
    Phase.FOLLOWING: "Another gte-notes process is indexing this folder; results follow it…",
    Phase.PAUSED: "Indexing paused",
    Phase.STOPPED: "Stopped",
    Phase.NO_FOLDER: "No notes folder open",
}


def eta_text(seconds: float | None) -> str:
    if seconds is None or seconds <= 0:
        return ""
    if seconds < 60:
        return "less than a minute left"
    minutes = round(seconds / 60)
    return f"about {minutes} min left" if minutes < 90 else f"about {minutes / 60:.1f} h left"


def counts_text(counts: dict[str, int], total: int) -> str:
    if not total:
        return ""  # nothing known yet: "0/0 notes" only puzzles
    indexed = counts.get("indexed", 0)
    parts = [f"{indexed:,}/{total:,} notes indexed"]
    other = {k: v for k, v in counts.items() if k != "indexed" and v}
    parts += [f"{v:,} {k.replace('_', ' ')}" for k, v in sorted(other.items())]
    return " · ".join(parts)


class HealthBar(QStatusBar):
    pause_toggled = Signal(bool)
    show_files = Signal()
    cancel_model_change = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.state = EngineState(Phase.STARTING)
        self.activity = QLabel(STATE_TEXT[Phase.STARTING])
        self.activity.setTextFormat(Qt.TextFormat.PlainText)
        self.activity.setMinimumWidth(120)
        self.activity.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.bar = QProgressBar()
        self.bar.setFixedWidth(160)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.bar.hide()
        self.counts = QToolButton()
        self.counts.setAutoRaise(True)
        self.counts.setText("")
        self.counts.setToolTip("Every file with its status and reason (Ctrl+I)")
        self.counts.clicked.connect(self.show_files.emit)
        self.pause = QToolButton()
        self.pause.setAutoRaise(True)
        self.pause.setCheckable(True)
        self.pause.setText("Pause")
        self.pause.setToolTip("Pause or resume indexing (searching keeps working)")
        self.pause.toggled.connect(self._paused)
        self.cancel_change = QToolButton()
        self.cancel_change.setAutoRaise(True)
        self.cancel_change.setText("Cancel model change")
        self.cancel_change.setToolTip("Keep the current model; what was embedded for the new one is dropped")
        self.cancel_change.clicked.connect(self.cancel_model_change.emit)
        self.cancel_change.hide()
        self.addWidget(self.activity, 1)
        self.addPermanentWidget(self.bar)
        self.addPermanentWidget(self.counts)
        self.addPermanentWidget(self.cancel_change)
        self.addPermanentWidget(self.pause)
        self._problem = ""
        self.session = SessionProgress()
        self._status_text = ""

    def _paused(self, on: bool) -> None:
        self.pause.setText("Resume" if on else "Pause")
        self.pause_toggled.emit(on)

    def set_state(self, state: EngineState) -> None:
        self.state = state
        phase = state.phase
        self.cancel_change.setVisible(state.change is not None)
        if state.change is not None:
            self._model_change(state.change)
            return
        if phase is Phase.ERROR:
            self._problem = state.problem
        elif phase in (Phase.IDLE, Phase.INDEXING, Phase.SCANNING):
            self._problem = ""
        if not state.working:
            self.bar.hide()
        self.pause.setVisible(phase is not Phase.NO_FOLDER)  # nothing to pause
        if phase is Phase.PAUSED:
            self.session.pause()
        elif not state.working:
            self.session.reset()  # up to date, stopped or restarting: the next indexing is a new session
        self._show_counts()
        if phase is Phase.PAUSED and not self.pause.isChecked():
            self.pause.blockSignals(True)
            self.pause.setChecked(True)
            self.pause.setText("Resume")
            self.pause.blockSignals(False)
        self._show(STATE_TEXT.get(phase, ""))

    def _model_change(self, change: ModelChangeState) -> None:
        """The engine embeds every note for another model; search keeps the current one meanwhile."""
        model, done, total = change.name, change.done, change.total
        if done is not None and total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
            self.bar.show()
            where = f"{done:,}/{total:,} notes"
        else:
            self.bar.hide()
            where = "loading the model"
        self._show(
            f"Re-embedding for {short_model_name(model)}: {where} · search uses the current model until it "
            "is done"
        )

    def set_progress(self, p: Progress) -> None:
        if self.state.phase is Phase.READING and p.total > 0:
            self.bar.setRange(0, p.total)
            self.bar.setValue(p.done)
            self.bar.setVisible(p.done < p.total)
            self._show(f"{reading_text(p)} · keyword-only results while the model loads")
            return
        if not self.state.working or p.total <= 0:
            return
        self.session.update(p)
        done, total = self.session.done, self.session.total
        if done >= total:
            self.bar.hide()
            self._show_counts()
            return
        self.bar.setRange(0, total)
        self.bar.setValue(done)
        self.bar.show()
        parts = [f"Indexing {done:,}/{total:,}"]
        if p.current:
            parts.append(p.current)
        eta = eta_text(self.session.eta_s)
        if eta:
            parts.append(eta)
        self._show(" · ".join(parts))
        self._show_counts()

    def set_status(self, status: IndexStatus) -> None:
        self._status_text = counts_text(status.counts, status.files_total)
        self._show_counts()

    def _show_counts(self) -> None:
        # While indexing, the index's own counts lag the indexer (notes are written in batches, and
        # files not reached yet are not in it), so the button says what the bar says.
        if self.session.active and self.session.done < self.session.total:
            self.counts.setText(f"{self.session.done:,}/{self.session.total:,} files looked at")
        else:
            self.counts.setText(self._status_text)

    def show_problem(self, message: str) -> None:
        """A known error (folder missing, disk full, no model) stays in view until the state moves on."""
        self._problem = message
        self._show("")

    def _show(self, text: str) -> None:
        if self._problem:
            self.activity.setText(f"⚠ {self._problem}")
            self.activity.setToolTip(self._problem)
        else:
            self.activity.setText(text)
            self.activity.setToolTip(text)
