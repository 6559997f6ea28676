"""Reopening an indexed folder: keyword results at once, re-ranked in place when the model is ready."""

from __future__ import annotations

import threading
from pathlib import Path

from gte_notes.core.live.engine import Engine
from gte_notes.core.live.engine_state import EngineState, Phase
from gte_notes.core.model import embedder as embedder_module
from tests.fakes import FakeEmbedder
from tests.gui.conftest import NOTES, WAIT_MS, result_paths, type_query


def _index(folder: Path, home: Path) -> None:
    engine = Engine(folder, home=home, embedder=FakeEmbedder(), watch=False)
    engine.start()
    assert engine.wait_idle(WAIT_MS / 1000)
    engine.stop()


def test_keyword_results_come_before_the_model_and_the_selection_survives_the_rerank(
    qtbot, make_window, notes_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    _index(notes_dir, tmp_path / "data")
    release = threading.Event()

    def slow_model(name: str, precision: str = "auto", data_dir=None, consent=None) -> FakeEmbedder:
        assert release.wait(WAIT_MS / 1000), "the test never let the model load"
        return FakeEmbedder()

    monkeypatch.setattr(embedder_module, "load_embedder", slow_model)
    window = make_window(notes_dir)
    try:
        type_query(qtbot, window, "tomatoes")
        qtbot.waitUntil(lambda: len(result_paths(window)) >= 2, timeout=WAIT_MS)  # once the index is open
        keyword_hits = result_paths(window)
        assert window.engine_state.phase is Phase.LOADING_MODEL and not window.ready
        assert "garden/tomatoes.md" in keyword_hits and len(keyword_hits) >= 2
        assert "keyword-only" in window.health.activity.text().lower()

        window.results.select_row(1)  # the user moves to another result while the model loads
        chosen = window.selected_hit().path
        release.set()
        qtbot.waitUntil(lambda: window.ready, timeout=WAIT_MS)

        assert window.shown_query == "tomatoes"
        assert window.selected_hit() is not None and window.selected_hit().path == chosen
        assert "keyword-only" not in window.health.activity.text().lower()
        # Related notes need the model: the selected note's list fills in once it is there.
        qtbot.waitUntil(
            lambda: window.related.path == chosen and bool(window.related.shown()), timeout=WAIT_MS
        )
    finally:
        release.set()


def test_a_query_no_note_contains_says_meaning_search_is_coming(
    qtbot, make_window, notes_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    _index(notes_dir, tmp_path / "data")
    release = threading.Event()

    def slow_model(name: str, precision: str = "auto", data_dir=None, consent=None) -> FakeEmbedder:
        assert release.wait(WAIT_MS / 1000)
        return FakeEmbedder()

    monkeypatch.setattr(embedder_module, "load_embedder", slow_model)
    window = make_window(notes_dir)
    try:
        qtbot.waitUntil(lambda: window.bridge.engine is not None, timeout=WAIT_MS)
        type_query(qtbot, window, "zzyzx")
        assert result_paths(window) == [] and window.engine_state.phase is Phase.LOADING_MODEL
        assert "joins when the model is loaded" in window.results.placeholder()
    finally:
        release.set()


def test_a_first_start_lists_keyword_results_while_the_model_loads(
    qtbot, make_window, notes_dir: Path, minilm_path: Path, monkeypatch
) -> None:
    """No index yet: the notes are read (with the stand-in model's real tokenizer) and listed by their
    words long before the model is loaded; the list never claims no note holds the words before any
    note was read."""
    from gte_notes.core.live import open_chosen

    release = threading.Event()

    def slow_model(*_args, **_kwargs) -> FakeEmbedder:
        assert release.wait(WAIT_MS / 1000), "the test never let the model load"
        return FakeEmbedder()

    monkeypatch.setattr(open_chosen, "open_for_settings", slow_model)
    window = make_window(notes_dir, model=str(minilm_path), start=False)
    said: list[str] = []
    monkeypatch.setattr(
        window.results,
        "set_placeholder",
        lambda text, real=window.results.set_placeholder: (said.append(text), real(text)),
    )
    states: list[EngineState] = []
    window.bridge.state_changed.connect(states.append)
    try:
        window.start(str(notes_dir), query="tomatoes")  # typed once, at launch
        qtbot.waitUntil(lambda: len(result_paths(window)) >= 3, timeout=WAIT_MS)
        assert not window.ready and window.engine_state.phase in (Phase.READING, Phase.LOADING_MODEL)
        assert "garden/tomatoes.md" in result_paths(window)
        assert EngineState(Phase.READING) in states
        assert not any("No note contains" in text for text in said), said

        release.set()
        qtbot.waitUntil(lambda: window.ready and window.engine_state.phase is Phase.IDLE, timeout=WAIT_MS)
        assert window.shown_query == "tomatoes" and "garden/tomatoes.md" in result_paths(window)
        qtbot.waitUntil(lambda: window.notes_indexed == len(NOTES), timeout=WAIT_MS)
    finally:
        release.set()
