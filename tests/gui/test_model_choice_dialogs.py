"""Settings offers the known models with their facts, checks the vector and passage sizes, and a model
that would run its own code waits for an explicit yes, which is remembered for that code."""

from __future__ import annotations

import json
from pathlib import Path

from gte_notes.core.files.config import Settings
from gte_notes.core.model.model_catalog import RemoteCodeRefused, check_remote_code, code_digest
from gte_notes.gui.settings import model_facts
from gte_notes.gui.settings.model_dialog import ModelMissingDialog
from gte_notes.gui.settings.settings_dialog import SettingsDialog, needs_restart


def test_known_models_show_their_facts_and_sizes_are_checked(qtbot) -> None:
    settings = Settings(folders=["/notes"])
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    assert "MIT license" in dialog.facts.text() and "384 dimensions" in dialog.facts.text()
    index = dialog.known.findData("Alibaba-NLP/gte-multilingual-base")
    dialog.known.setCurrentIndex(index)
    dialog.known.activated.emit(index)
    assert dialog.model.text() == "Alibaba-NLP/gte-multilingual-base"
    for fact in ("cls pooling", "8192 tokens", "128–768 dimensions", "Apache-2.0", "approx. 610 MB"):
        assert fact in dialog.facts.text()

    accepted: list[bool] = []
    dialog.accepted.connect(lambda: accepted.append(True))
    dialog.dims.setValue(50)
    dialog.accept()
    assert not accepted and "128 to 768" in dialog.problem.text()
    dialog.dims.setValue(1000)
    dialog.accept()
    assert not accepted and "not possible" in dialog.problem.text()
    dialog.dims.setValue(256)
    assert not dialog.dims_note.isVisibleTo(dialog)  # trained for it: no warning
    dialog.model.setText("thenlper/gte-small")
    assert "quality drops" in dialog.dims_note.text() and dialog.dims_note.isVisibleTo(dialog)
    dialog.model.setText("Alibaba-NLP/gte-multilingual-base")
    dialog.passage.setValue(1024)
    dialog.accept()
    assert accepted
    edited = dialog.edited()
    assert (edited.model, edited.dims, edited.passage_tokens) == (
        "Alibaba-NLP/gte-multilingual-base",
        256,
        1024,
    )
    assert needs_restart(settings, edited) and settings.dims == 0  # the original is untouched


def _code_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "code-model"
    folder.mkdir()
    (folder / "config.json").write_text(
        json.dumps({"model_type": "x", "auto_map": {"AutoModel": "modeling_x.M"}})
    )
    (folder / "modeling_x.py").write_text("raise SystemExit('never imported by this test')\n")
    return folder


def test_code_runs_only_after_an_explicit_yes(qtbot, tmp_path: Path, monkeypatch) -> None:
    folder = _code_folder(tmp_path)
    settings = Settings()
    try:
        check_remote_code(str(folder), folder, None)
        raise AssertionError("a model with code must be refused without consent")
    except RemoteCodeRefused as err:
        message = str(err)
    answers = [False, True]
    asked: list[str] = []

    def ask(parent, name: str, path: Path) -> bool:
        asked.append(name)
        return answers.pop(0)

    monkeypatch.setattr(model_facts, "ask_to_run_code", ask)
    dialog = ModelMissingDialog(str(folder), message, settings=settings)
    qtbot.addWidget(dialog)
    chosen: list[str] = []
    dialog.model_ready.connect(chosen.append)
    assert dialog.run_code.isVisibleTo(dialog) and not dialog.download.isVisibleTo(dialog)
    assert "remote code is code" in dialog.findChildren(type(dialog.feedback))[0].text().lower()

    dialog.run_code.click()  # "Cancel": nothing is remembered, nothing loads
    assert asked == [str(folder)] and settings.trusted_code == {} and chosen == []
    dialog.run_code.click()  # "Run its code": remembered for this code, and the model is used
    assert settings.trusted_code == {str(folder): code_digest(folder)} and chosen == [str(folder)]
