"""Settings: notes folder, model (with the known models' facts), vector and passage size,
include/exclude globs, open-in-editor command, result count."""

from __future__ import annotations

import dataclasses
import html
import os
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gte_notes.core import (
    DEFAULT_MODEL,
    DEFAULT_TARGET_TOKENS,
    KNOWN_MODELS,
    MIN_DIMS,
    MIN_PASSAGE_TOKENS,
    Settings,
    canonical_name,
    known,
    quality_warning,
)
from gte_notes.gui.desktop.editor import OBSIDIAN, obsidian_vault
from gte_notes.gui.desktop.style import quiet
from gte_notes.gui.settings.model_facts import facts_text

# Changing one of these means another index (folder) or re-embedding/re-filtering (model, globs).
RESTART_FIELDS = (
    "folders",
    "model",
    "precision",
    "include",
    "exclude",
    "vault_rules",
    "max_file_mb",
    "dims",
    "passage_tokens",
)


def _globs(edit: QPlainTextEdit) -> list[str]:
    return [line.strip() for line in edit.toPlainText().splitlines() if line.strip()]


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        model_in_use: str = "",
        model_name: str = "",
        model_dim: int = 0,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self._original = settings
        # The model running now may have come from --model or $GTE_NOTES_MODEL rather than the saved
        # settings: show that one, and keep the saved setting unless the user edits the field.
        self._in_use = model_in_use or settings.model
        self._in_use_name, self._in_use_dim = model_name or self._in_use, model_dim

        self.folder = QLineEdit(settings.folders[0] if settings.folders else "")
        self.model = QLineEdit(self._in_use)
        self.model.setPlaceholderText(DEFAULT_MODEL)
        self.known = QComboBox()  # fills the field above with a known model's name
        self.known.addItem("Known models…", "")
        for facts in KNOWN_MODELS:
            self.known.addItem(
                f"{facts.key} ({facts.languages}, approx. {facts.download_mb} MB)", facts.repo_id
            )
        self.known.activated.connect(self._pick_known)
        self.facts = self._hint("")
        self.model.textChanged.connect(lambda text: self.facts.setText(facts_text(text or DEFAULT_MODEL)))
        self.facts.setText(facts_text(self._in_use))
        self.dims = QSpinBox()
        self.dims.setRange(0, 8192)
        self.dims.setSpecialValueText("all (the model's own size)")
        self.dims.setValue(settings.dims)
        self.passage = QSpinBox()
        self.passage.setRange(0, 8192)
        self.passage.setSingleStep(64)
        self.passage.setSpecialValueText(f"default ({DEFAULT_TARGET_TOKENS} tokens)")
        self.passage.setValue(settings.passage_tokens)
        self.dims_note = self._hint("")
        self.dims.valueChanged.connect(self._update_dims_note)
        self.model.textChanged.connect(self._update_dims_note)
        self._update_dims_note()
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.include = QPlainTextEdit("\n".join(settings.include))
        self.include.setPlaceholderText(
            "every .md, .markdown and .txt file\n(one glob a line, e.g. journal/**)"
        )
        self.exclude = QPlainTextEdit("\n".join(settings.exclude))
        self.exclude.setPlaceholderText(
            "nothing besides hidden folders\n(one glob a line, e.g. templates/**)"
        )
        for edit in (self.include, self.exclude):
            edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 4 + 12)
        self.vault_rules = QCheckBox(
            "Skip what the folder's .gitignore files and Obsidian's “Excluded files” leave out"
        )
        self.vault_rules.setChecked(settings.vault_rules)
        self.editor = QLineEdit(settings.editor_command)
        self.editor.setPlaceholderText("the system's default application")
        self.use_obsidian = QPushButton("Obsidian")
        self.use_obsidian.setToolTip("Open notes in Obsidian (obsidian://open), for a folder that is a vault")
        self.use_obsidian.clicked.connect(lambda: self.editor.setText(OBSIDIAN))
        self.folder.textChanged.connect(self._offer_obsidian)
        self._offer_obsidian()
        self.results = QSpinBox()
        self.results.setRange(5, 200)
        self.results.setValue(settings.result_count)

        form = QFormLayout()
        form.addRow("Notes folder", self._with_button(self.folder, "Choose…", self._choose_folder))
        form.addRow("Model", self._with_button(self.model, "Folder…", self._choose_model))
        form.addRow("", self.known)
        form.addRow("", self.facts)
        in_use = html.escape(model_name or self._in_use)
        given = (
            ""
            if self._in_use == settings.model
            else f" (given at start; the saved setting is {html.escape(settings.model)})"
        )
        form.addRow(
            "",
            self._hint(
                f"In use now: <b>{in_use}</b>{given}. A Hugging Face model name "
                "(downloaded once) or a sentence-transformers model folder. Changing it "
                "re-embeds every note in the background; until that is done, search "
                "keeps using the current model."
            ),
        )
        form.addRow("Vector size", self.dims)
        form.addRow("", self.dims_note)
        form.addRow(
            "",
            self._hint(
                "Keep only the first dimensions (from 128): a smaller index. Made smaller, "
                "the vectors are cut at once, with no model run; made larger, every note "
                "is re-embedded in the background."
            ),
        )
        form.addRow("Passage size", self.passage)
        form.addRow(
            "",
            self._hint(
                "Tokens per passage, capped at the model's own limit. Longer passages "
                "give fewer, broader results. Changing it re-reads every note."
            ),
        )
        form.addRow("Include", self.include)
        form.addRow("Exclude", self.exclude)
        form.addRow("", self.vault_rules)
        editor_row = QWidget()
        row = QHBoxLayout(editor_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.editor, 1)
        row.addWidget(self.use_obsidian)
        form.addRow("Open notes with", editor_row)
        form.addRow(
            "",
            self._hint(
                "A command with {path} and {line}, e.g. "
                "<code>code -g {path}:{line}</code> or <code>gvim +{line} {path}</code>. "
                "With shell syntax (<code>| &gt; &amp;&amp; $</code>) it runs through "
                "<code>sh -c</code>, the path quoted for it; else it runs directly. "
                "If it fails, its error is shown in the window. "
                "<code>obsidian</code> opens notes in Obsidian."
            ),
        )
        form.addRow("Results shown", self.results)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    @staticmethod
    def _hint(text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        quiet(label)
        return label

    @staticmethod
    def _with_button(edit: QLineEdit, text: str, slot: object) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit, 1)
        button = QPushButton(text)
        button.clicked.connect(slot)
        row.addWidget(button)
        return box

    def _offer_obsidian(self) -> None:
        """The Obsidian choice is offered when the notes folder is (inside) an Obsidian vault."""
        folder = self.folder.text().strip()
        self.use_obsidian.setVisible(bool(folder) and obsidian_vault(Path(folder) / "x") is not None)

    def _model_dim(self) -> tuple[str, int]:
        """The model in the field by its readable name, and its full vector size (0: not known here)."""
        text = self.model.text().strip() or DEFAULT_MODEL
        facts = known(canonical_name(text))
        if facts is not None:
            return canonical_name(text), facts.dim
        if text == self._in_use:
            return self._in_use_name, self._in_use_dim
        return text, 0

    def _update_dims_note(self) -> None:
        name, full = self._model_dim()
        dims = self.dims.value()
        warning = ""
        if dims and full:
            warning = quality_warning(name, dims, full)
        elif dims:  # a model folder not loaded yet: its size is not known here, so no numbers
            warning = (
                f"{name} may not have been trained for shorter vectors: cut to {dims} dimensions, "
                "search quality can drop."
            )
        self.dims_note.setText(f"⚠ {html.escape(warning, quote=False)}" if warning else "")
        self.dims_note.setVisible(bool(warning))

    def _pick_known(self, index: int) -> None:
        repo_id = self.known.itemData(index)
        if repo_id:
            self.model.setText(repo_id)

    def folder_problem(self) -> str:
        """Why the folder typed cannot be the notes folder ("" when it can): a stray "128" saved as a
        relative folder left the window saying "The index is not ready yet" for good."""
        text = self.folder.text().strip()
        if not text or text == (self._original.folders[0] if self._original.folders else ""):
            return ""  # unchanged: an unmounted drive must not block saving the other settings
        path = Path(os.path.expanduser(text))
        if not path.is_absolute():
            return f"⚠ Notes folder “{text}” is not a full path: choose the folder with “Choose…”."
        if not path.exists():
            return f"⚠ Notes folder {path} does not exist."
        if not path.is_dir():
            return f"⚠ Notes folder {path} is a file, not a folder."
        return ""

    def accept(self) -> None:
        # Checked here so a wrong folder or size is fixed in the dialog, not found later as a failed start.
        if problem := self.folder_problem():
            self.problem.setText(html.escape(problem, quote=False))
            return
        dims, passage = self.dims.value(), self.passage.value()
        full = self._model_dim()[1]
        if dims and (dims < MIN_DIMS or full and dims > full):
            top = full or "the model's size"
            self.problem.setText(
                f"⚠ Vector size {dims} is not possible: choose from {MIN_DIMS} to {top}, or “all”."
            )
            return
        if passage and passage < MIN_PASSAGE_TOKENS:
            self.problem.setText(
                f"⚠ Passage size {passage} is too small: at least {MIN_PASSAGE_TOKENS} tokens."
            )
            return
        super().accept()

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Choose your notes folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def _choose_model(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Choose a sentence-transformers model folder")
        if chosen:
            self.model.setText(chosen)

    def _edited_model(self) -> str:
        text = self.model.text().strip()
        if text == self._in_use:
            return self._original.model  # untouched: an override given at start is not saved
        return text or DEFAULT_MODEL

    def edited(self) -> Settings:
        """The settings as edited (a copy; the original is untouched)."""
        folder = self.folder.text().strip()
        if folder and not self.folder_problem():
            folder = os.path.normpath(os.path.expanduser(folder))  # "~/notes/" saved as the folder it names
        folders = list(self._original.folders)
        if folder:
            folders = [folder] + [f for f in folders if f != folder]
        return dataclasses.replace(
            self._original,
            folders=folders,
            model=self._edited_model(),
            include=_globs(self.include),
            exclude=_globs(self.exclude),
            vault_rules=self.vault_rules.isChecked(),
            editor_command=self.editor.text().strip(),
            result_count=self.results.value(),
            dims=self.dims.value(),
            passage_tokens=self.passage.value(),
        )


def needs_restart(old: Settings, new: Settings) -> bool:
    return any(getattr(old, f) != getattr(new, f) for f in RESTART_FIELDS)
