"""Starting without a model, and closing while indexing."""

from __future__ import annotations

import threading
from pathlib import Path

from gte_notes.core.errors import ModelMissingError
from gte_notes.core.live.engine import Engine
from gte_notes.core.live.engine_state import Phase
from gte_notes.core.model import embedder as embedder_module
from gte_notes.gui.settings import model_dialog
from tests.fakes import FakeEmbedder
from tests.gui.conftest import WAIT_MS, result_paths, type_query, wait_idle, write_notes


def test_missing_model_shows_a_dialog_then_downloads_and_works(
    qtbot, make_window, notes_dir: Path, monkeypatch
) -> None:
    available = threading.Event()

    def load_embedder(name: str, precision: str = "auto", data_dir=None, consent=None):
        if not available.is_set():
            raise ModelMissingError(f'Model "{name}" is not on this computer.')
        return FakeEmbedder()

    def download(name: str, progress):
        progress(35_000_000, 70_000_000)
        progress(70_000_000, 70_000_000)
        available.set()
        return f"/cache/{name}"

    monkeypatch.setattr(embedder_module, "load_embedder", load_embedder)
    monkeypatch.setattr(model_dialog, "_download", download)
    bugs: list[str] = []
    window = make_window(notes_dir)
    window.reporter.bug.connect(lambda summary, _details: bugs.append(summary))
    # The dialog and the engine's state arrive as two queued signals: wait for both.
    qtbot.waitUntil(
        lambda: dialog_shown(window) and "not on this computer" in window.health.activity.text(),
        timeout=WAIT_MS,
    )

    dialog = window.config.model_dialog
    assert "thenlper/gte-small" in dialog.details.text() and "not on this computer" in dialog.details.text()
    assert dialog.download.isEnabled()
    dialog.download.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    wait_idle(qtbot, window)
    type_query(qtbot, window, "tomatoes")
    assert "garden/tomatoes.md" in result_paths(window)
    assert bugs == []


def test_a_model_folder_that_is_not_a_model_is_explained(
    qtbot, make_window, notes_dir: Path, tmp_path: Path
) -> None:
    window = make_window(notes_dir, model=str(tmp_path / "no-such-model"))
    qtbot.waitUntil(lambda: dialog_shown(window), timeout=WAIT_MS)
    dialog = window.config.model_dialog
    assert "does not exist" in dialog.details.text()
    assert not dialog.download.isEnabled()  # a folder cannot be downloaded; choosing one can
    assert dialog.choose.isEnabled()
    assert "Traceback" not in dialog.details.text()


def dialog_shown(window) -> bool:
    return window.config.model_dialog is not None and window.config.model_dialog.isVisible()


class SlowEmbedder(FakeEmbedder):
    """Embeds like the fake one, but takes a while per batch, like a real model on a slow CPU."""

    def __init__(self) -> None:
        super().__init__()
        self.batch_size = 4
        self.first_batch = threading.Event()
        self._pace = threading.Event()

    def encode(self, texts, token_counts=None, cancel=None):
        out = []
        for start in range(0, len(texts), self.batch_size):
            self.first_batch.set()
            self._pace.wait(0.02)
            out.append(super().encode(texts[start : start + self.batch_size], cancel=cancel))
        import numpy as np

        return np.concatenate(out) if out else np.zeros((0, self.dim), dtype=np.float32)


def test_closing_the_window_while_indexing_exits_cleanly(qtbot, make_window, tmp_path: Path) -> None:
    folder = write_notes(
        tmp_path / "many",
        {f"n{i:03}.md": f"# Note {i}\n\nAbout topic {i % 17} and item {i}.\n" for i in range(400)},
    )
    slow = SlowEmbedder()
    bugs: list[str] = []
    window = make_window(folder, embedder=slow)
    window.reporter.bug.connect(lambda summary, _details: bugs.append(summary))
    window.bridge.error.connect(lambda message, is_bug, _d: is_bug and bugs.append(message))
    qtbot.waitUntil(
        lambda: window.engine_state.phase in (Phase.SCANNING, Phase.INDEXING) and slow.first_batch.is_set(),
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(lambda: window.progress is not None, timeout=WAIT_MS)
    assert window.health.bar.isVisible()
    engine = window.bridge.engine
    thread = engine.writer.thread

    window.close()

    assert window.bridge.engine is None
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=WAIT_MS)  # the cancel lands between batches
    assert bugs == []
    # The writer lock is free and the index is usable: the next start carries on where this one stopped.
    again = Engine(folder, home=tmp_path / "data", embedder=FakeEmbedder(), watch=False)
    again.start()
    try:
        assert again.wait_idle(WAIT_MS / 1000)
        assert again.status().counts.get("indexed") == 400
    finally:
        again.stop()


def test_first_start_asks_for_the_folder_and_remembers_it(
    qtbot, make_window, notes_dir: Path, monkeypatch, fake_embedder
) -> None:
    from gte_notes.core.files.config import Settings
    from gte_notes.gui.settings import config_flow

    monkeypatch.setattr(config_flow.QFileDialog, "getExistingDirectory", lambda *a, **k: str(notes_dir))
    window = make_window(None, embedder=fake_embedder)
    qtbot.waitUntil(lambda: window.bridge.folder == str(notes_dir), timeout=WAIT_MS)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: Settings.load().folders == [str(notes_dir)], timeout=WAIT_MS)
