"""A restart answers from the keyword index at once; the meaning side joins when the model is ready."""

from __future__ import annotations

import threading
from pathlib import Path

from gte_notes.core.errors import ModelMissingError
from gte_notes.core.live.engine import Engine, EngineListener
from gte_notes.core.live.engine_state import Phase
from tests.core.live_helpers import note_text, wait_until, write
from tests.fakes import FakeEmbedder


def _indexed_folder(tmp_path: Path) -> tuple[Path, Path]:
    notes, home = tmp_path / "notes", tmp_path / "home"
    for i in range(12):
        write(notes, f"n/{i:04}.md", note_text(i))
    write(notes, "garden/tomatoes.md", "# Tomatoes\n\nStake the tomato plants early and water them.\n")
    first = Engine(notes, home=home, embedder=FakeEmbedder(), watch=False)
    first.start()
    assert first.wait_idle(60)
    first.stop()
    return notes, home


def test_a_restart_answers_keyword_searches_while_the_model_loads(tmp_path: Path) -> None:
    notes, home = _indexed_folder(tmp_path)
    release = threading.Event()
    loading = threading.Event()

    def slow_model() -> object:
        loading.set()
        assert release.wait(60), "the test never let the model load"
        return FakeEmbedder()

    engine = Engine(notes, home=home, embedder_factory=slow_model, watch=False)
    engine.start()
    try:
        assert loading.wait(30)
        assert engine.state.phase is Phase.LOADING_MODEL and not engine.ready
        hits, mode = engine.search_with_mode("tomato", 5)
        assert mode == "keyword" and hits and hits[0].path == "garden/tomatoes.md"
        assert engine.search("tomato", 5)[0].path == "garden/tomatoes.md"
        release.set()
        wait_until(lambda: engine.ready, 30, "the model to be ready")
        hits, mode = engine.search_with_mode("tomato", 5)
        assert mode == "hybrid" and hits[0].path == "garden/tomatoes.md"
    finally:
        release.set()
        engine.stop()
    assert engine.search_with_mode("tomato", 5) == ([], "")


def test_keyword_search_keeps_working_when_the_model_is_missing(tmp_path: Path) -> None:
    notes, home = _indexed_folder(tmp_path)
    errors: list[str] = []

    def missing() -> object:
        raise ModelMissingError("The model is not on this computer.")

    engine = Engine(
        notes,
        home=home,
        embedder_factory=missing,
        watch=False,
        listener=EngineListener(on_error=lambda message, *_: errors.append(message)),
    )
    engine.start()
    try:
        wait_until(lambda: not engine.running, 30, "the worker to end")
        assert errors and not engine.ready
        hits, mode = engine.search_with_mode("tomato", 5)
        assert mode == "keyword" and hits[0].path == "garden/tomatoes.md"
    finally:
        engine.stop()
