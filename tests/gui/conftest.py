"""A live main window on a small notes folder, with the fake embedder unless a test says otherwise.

Settings, window state and the index all live under tmp_path; nothing touches the user's files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings

from gte_notes.core.files.config import Settings
from gte_notes.core.live.engine_state import Phase
from gte_notes.gui.desktop.crash import ErrorReporter
from gte_notes.gui.engine.bridge import EngineBridge
from gte_notes.gui.window.main_window import MainWindow

WAIT_MS = 30_000  # generous: CI machines are slow and other test runs share the CPU

NOTES = {
    "garden/tomatoes.md": "# Growing tomatoes\n\nTomatoes need sun, warm soil and steady water in the "
    "garden.\nStake the tomato plants early. See [[watering]] and [[soil]].\n",
    "garden/watering.md": "# Watering\n\nWater the garden in the morning. Tomatoes and beans need steady "
    "water.\n",
    "garden/soil.md": "# Soil\n\nGood garden soil is loose and rich. Tomatoes like warm soil with compost.\n",
    "garden/compost.md": "# Compost\n\nCompost feeds the garden soil; tomatoes and squash love it.\n",
    "tech/databases.md": "# Databases\n\nSQLite keeps the index in one file. Write-ahead logging lets "
    "readers work while a writer commits.\n",
    "tech/search.md": "# Search engines\n\nAn inverted index maps words to documents; BM25 ranks them.\n",
    "journal/2024-05-01.md": "---\ntitle: May first\ntags: [journal]\n---\n\nPlanted six tomato seedlings "
    "and read about database indexes.\n",
}


def write_notes(root: Path, notes: dict[str, str | bytes]) -> Path:
    for rel, content in notes.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def _private_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GTE_NOTES_CONFIG", str(tmp_path / "config"))
    monkeypatch.delenv("GTE_NOTES_MODEL", raising=False)


@pytest.fixture
def notes_dir(tmp_path: Path) -> Path:
    return write_notes(tmp_path / "notes", NOTES)


@pytest.fixture
def make_window(qtbot, tmp_path: Path) -> Iterator[Callable[..., MainWindow]]:
    made: list[MainWindow] = []

    def make(
        folder: Path | None,
        *,
        embedder: object | None = None,
        model: str | None = None,
        watch: bool = True,
        start: bool = True,
        precision: str = "auto",
    ) -> MainWindow:
        settings = Settings(
            folders=[str(folder)] if folder else [], model=model or "thenlper/gte-small", precision=precision
        )
        bridge = EngineBridge(settings, home=tmp_path / "data", embedder=embedder, watch=watch)
        state = QSettings(str(tmp_path / "config" / "window.ini"), QSettings.Format.IniFormat)
        window = MainWindow(bridge, settings, state=state, reporter=ErrorReporter())
        qtbot.addWidget(window)
        window.show()
        if start:
            window.start(str(folder) if folder else None)
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()


@pytest.fixture
def window(make_window, notes_dir: Path, fake_embedder, qtbot) -> MainWindow:
    """The app on `notes_dir`, fully indexed with the fake embedder."""
    win = make_window(notes_dir, embedder=fake_embedder)
    wait_idle(qtbot, win)
    return win


def wait_idle(qtbot, window: MainWindow, timeout: int = WAIT_MS) -> None:
    qtbot.waitUntil(
        lambda: (
            window.engine_state.phase is Phase.IDLE
            and window.bridge.engine is not None
            and window.bridge.engine.ready
        ),
        timeout=timeout,
    )


def type_query(qtbot, window: MainWindow, text: str, each_key: bool = False) -> None:
    """Type `text` into the search field key by key and wait until its results are on screen; with
    `each_key`, wait for every prefix's results before the next key, as a slow typist would."""
    window.search.clear()
    window.search.setFocus()
    if not each_key:
        qtbot.keyClicks(window.search, text)
    for n in range(1, len(text) + 1) if each_key else ():
        qtbot.keyClicks(window.search, text[n - 1])
        if text[:n].strip():
            qtbot.waitUntil(lambda n=n: window.shown_query == text[:n], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.shown_query == text, timeout=WAIT_MS)


def result_paths(window: MainWindow) -> list[str]:
    return [h.path for h in window.results.hits.hits()]
