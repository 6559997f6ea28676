"""Changing the model without losing search: the old model answers until the new one's vectors are
complete, then searches switch at once; cancelling or a restart mid-change loses nothing.

Fast tests use the fake embedder (tests/fakes.py; the model is not the point): model A, and model B
with another vector size and a smaller token limit, so B cuts notes into other passages than A.
The last test changes the real stand-in model's vector size end to end."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from gte_notes.core.errors import Cancelled
from gte_notes.core.live.chosen_model import ModelChoice
from gte_notes.core.live.engine import Engine, EngineListener
from gte_notes.core.live.engine_state import Phase
from gte_notes.core.model.dims import with_dims
from tests.core.live_helpers import check_consistent, note_text, wait_until, write
from tests.fakes import FakeEmbedder

A = ModelChoice("fake-a", "fp32")
B = ModelChoice("fake-b", "fp32")
QUERIES = ["word3 topic1", "tomato plants", "word7 word8", "topic4 garden"]


class GatedEmbedder(FakeEmbedder):
    """Embeds only while the test lets it: `allow(n)` lets n more encode calls through."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.permits = threading.Semaphore(0)
        self.waiting = threading.Event()
        self.passages = 0  # texts embedded by `encode` (queries not counted)

    def allow(self, n: int = 1_000_000) -> None:
        for _ in range(n):
            self.permits.release()

    def encode(self, texts, token_counts=None, cancel=None):
        while not self.permits.acquire(timeout=0.05):
            self.waiting.set()
            if cancel is not None and cancel():
                raise Cancelled()
        self.waiting.clear()
        self.passages += len(texts)
        return super().encode(texts, token_counts, cancel)


def model_a() -> FakeEmbedder:
    return FakeEmbedder(model_id="fake-a:0:fp32:384")


def model_b(cls=FakeEmbedder) -> FakeEmbedder:
    return cls(dim=256, max_tokens=48, model_id="fake-b:0:fp32:256")


def _folder(tmp_path: Path) -> Path:
    notes = tmp_path / "notes"
    for i in range(120):
        write(notes, f"n/{i:04}.md", note_text(i) + "\n\n" + note_text(i + 100))
    write(notes, "garden/tomatoes.md", "# Tomatoes\n\nStake the tomato plants early and water them.\n")
    return notes


def _engine(
    notes: Path, home: Path, choice: ModelChoice, opened: dict[str, object], notices: list[str]
) -> Engine:
    def open_model(c: ModelChoice) -> object:
        return opened[c.name]

    return Engine(
        notes,
        home=home,
        choice=choice,
        embedder_factory=lambda: opened[choice.name],
        open_model=open_model,
        watch=False,
        listener=EngineListener(on_notice=notices.append),
    )


def _results(engine: Engine) -> list[list[tuple[str, float]]]:
    out = []
    for q in QUERIES:
        hits, mode = engine.search_with_mode(q, 8)
        assert mode == "hybrid"
        out.append([(h.path, round(h.score, 5)) for h in hits])
    return out


def _vectors(engine: Engine) -> dict[str, int]:
    with sqlite3.connect(engine.ws.db_path) as conn:
        return dict(conn.execute("SELECT model_id, COUNT(*) FROM vectors GROUP BY model_id"))


def _fresh_results(notes: Path, tmp_path: Path) -> list[list[tuple[str, float]]]:
    """What B alone answers on the same folder: an index built with B from scratch."""
    engine = _engine(notes, tmp_path / "fresh-home", B, {"fake-b": model_b()}, [])
    engine.start()
    try:
        assert engine.wait_idle(60)
        return _results(engine)
    finally:
        engine.stop()


@pytest.fixture()
def indexed(tmp_path: Path):
    notes, home = _folder(tmp_path), tmp_path / "home"
    notices: list[str] = []
    engine = _engine(notes, home, A, {"fake-a": model_a()}, notices)
    engine.start()
    assert engine.wait_idle(60)
    yield notes, home, engine, notices
    engine.stop()


def test_search_answers_with_the_old_model_until_the_new_one_is_complete(indexed, tmp_path: Path) -> None:
    notes, _home, engine, notices = indexed
    before = _results(engine)
    b = model_b(GatedEmbedder)
    engine.change_model(B, lambda: b)
    assert b.waiting.wait(30), "the change never started embedding"
    assert engine.state.phase is Phase.CHANGING_MODEL and engine.state.change.name == "fake-b"
    change = engine.status().model_change
    assert change.name == "fake-b" and change.total == 121 and change.done < 121
    b.allow(2)  # two batches in: still not complete, still the old model answering
    wait_until(lambda: b.waiting.is_set() and (engine.status().model_change.done or 0) > 0, 30, "two batches")
    assert _results(engine) == before
    assert engine.serving_choice == A
    b.allow()
    wait_until(lambda: engine.serving_choice == B, 60, "the switch")
    assert engine.wait_idle(60)
    assert _results(engine) == _fresh_results(notes, tmp_path)
    assert set(_vectors(engine)) == {b.model_id}  # the old model's vectors are gone
    check_consistent(engine.ws.db_path, b.model_id)
    assert engine.writer.ann.model_id == b.model_id and engine.writer.ann.count == engine.status().chunks
    assert engine.status().model_change is None
    assert any("Search now uses fake-b" in n for n in notices)


def test_searches_never_go_without_vectors_during_the_change(indexed) -> None:
    _notes, _home, engine, _ = indexed
    b = model_b()
    seen: list[tuple[str, int]] = []
    done = threading.Event()

    def keep_searching() -> None:
        while not done.is_set():
            hits, mode = engine.search_with_mode("tomato plants", 5)
            seen.append((mode, len(hits)))

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        engine.change_model(B, lambda: b)
        wait_until(lambda: engine.serving_choice == B, 60, "the switch")
        assert engine.wait_idle(60)
    finally:
        done.set()
        searcher.join()
    assert len(seen) > 10 and [s for s in seen if s[0] != "hybrid" or s[1] == 0] == []


def test_cancelling_returns_to_the_old_model_with_nothing_lost(indexed) -> None:
    _notes, _home, engine, notices = indexed
    before, vectors = _results(engine), _vectors(engine)
    b = model_b(GatedEmbedder)
    engine.change_model(B, lambda: b)
    b.allow(2)
    wait_until(lambda: b.waiting.is_set() and (engine.status().model_change.done or 0) > 0, 30, "two batches")
    assert _vectors(engine).get(b.model_id, 0) > 0
    engine.cancel_model_change()
    wait_until(lambda: engine.status().model_change is None, 30, "the cancel")
    assert engine.wait_idle(30)
    assert engine.serving_choice == A and _results(engine) == before and _vectors(engine) == vectors
    assert any("cancelled: search keeps using" in n for n in notices)


def test_choosing_the_model_in_use_again_cancels_the_change(indexed) -> None:
    _notes, _home, engine, _ = indexed
    vectors = _vectors(engine)
    b = model_b(GatedEmbedder)
    engine.change_model(B, lambda: b)
    b.allow(1)
    wait_until(lambda: b.waiting.is_set() and _vectors(engine).get(b.model_id), 30, "one batch")
    engine.change_model(A)
    wait_until(lambda: engine.status().model_change is None, 30, "the change to stop")
    assert engine.wait_idle(30) and _vectors(engine) == vectors and engine.serving_choice == A


def test_a_restart_mid_change_serves_the_old_model_and_carries_on(indexed, tmp_path: Path) -> None:
    notes, home, engine, _ = indexed
    before = _results(engine)
    first_b = model_b(GatedEmbedder)
    engine.change_model(B, lambda: first_b)
    first_b.allow(2)
    wait_until(
        lambda: first_b.waiting.is_set() and (engine.status().model_change.done or 0) > 0, 30, "two batches"
    )
    engine.stop()
    kept = _vectors(engine)[first_b.model_id]
    assert kept == first_b.passages
    # The settings now say B: the restarted engine serves A (the index's model) and finishes the change.
    second_b = model_b(GatedEmbedder)
    notices: list[str] = []
    again = _engine(notes, home, B, {"fake-a": model_a(), "fake-b": second_b}, notices)
    again.start()
    try:
        wait_until(lambda: again.ready, 30, "the old model to load")
        assert again.serving_choice == A and _results(again) == before
        second_b.allow()
        wait_until(lambda: again.serving_choice == B, 60, "the switch")
        assert again.wait_idle(60)
        total = _vectors(again)[second_b.model_id]
        assert 0 < kept < total and second_b.passages == total - kept  # nothing embedded twice
        assert _results(again) == _fresh_results(notes, tmp_path)
    finally:
        again.stop()


def test_a_note_added_during_the_change_is_found_before_and_after_the_switch(indexed) -> None:
    notes, _home, engine, _ = indexed
    b = model_b(GatedEmbedder)
    engine.change_model(B, lambda: b)
    assert b.waiting.wait(30)
    write(notes, "kitchen/bread.md", "# Bread\n\nsourdough loaves need a lively starter\n")
    engine.reindex(["kitchen/bread.md"])
    b.allow()  # the writer indexes the new note with A between B's batches, then B catches it up
    wait_until(lambda: engine.serving_choice == B, 60, "the switch")
    assert engine.wait_idle(60)
    assert engine.search("sourdough starter", 1)[0].path == "kitchen/bread.md"
    check_consistent(engine.ws.db_path, b.model_id)


def test_a_new_model_that_cannot_load_keeps_the_old_one(indexed) -> None:
    _notes, _home, engine, _ = indexed
    errors: list[str] = []
    engine.listener.on_error = lambda message, bug, details: errors.append(message)
    before = _results(engine)

    def missing() -> object:
        from gte_notes.core.errors import ModelMissingError

        raise ModelMissingError("fake-b is not on this computer.")

    engine.change_model(B, missing)
    wait_until(lambda: errors, 30, "the error")
    assert "Could not change the model" in errors[0] and "not on this computer" in errors[0]
    assert engine.wait_idle(30) and engine.serving_choice == A and _results(engine) == before


def test_a_smaller_vector_size_cuts_the_vectors_it_has_instead_of_embedding_again(
    indexed, tmp_path: Path
) -> None:
    notes, _home, engine, notices = indexed
    inner = model_b(GatedEmbedder)  # any encode of a passage would wait here for ever: none may happen
    inner.model_id, inner.dim, inner.max_tokens = "fake-a:0:fp32:384", 384, 128  # model A itself
    small = ModelChoice("fake-a", "fp32", dims=128)
    engine.change_model(small, lambda: with_dims(inner, 128))
    wait_until(lambda: engine.serving_choice == small, 60, "the switch")
    assert engine.wait_idle(60) and inner.passages == 0
    assert any("vectors cut to its size" in n for n in notices)
    fresh = _engine(notes, tmp_path / "fresh-home", small, {"fake-a": with_dims(model_a(), 128)}, [])
    fresh.start()
    try:
        assert fresh.wait_idle(60)
        assert _results(engine) == _results(fresh)
    finally:
        fresh.stop()


def test_changing_the_real_models_vector_size_end_to_end(minilm_path: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    write(notes, "axolotl.md", "# Axolotl\n\nThe axolotl can regrow whole limbs and parts of its heart.\n")
    write(notes, "bread.md", "# Bread\n\nA sourdough loaf rises slowly with a lively starter.\n")
    write(notes, "tax.md", "# Taxes\n\nFile the yearly return before the end of April.\n")
    home = tmp_path / "home"
    full = ModelChoice(str(minilm_path), "fp32")
    small = ModelChoice(str(minilm_path), "fp32", dims=128)
    engine = Engine(notes, home=home, choice=full, watch=False)
    engine.start()
    try:
        assert engine.wait_idle(120)
        assert engine.status().dims == 384
        assert engine.search("salamander that regenerates lost legs", 1)[0].path == "axolotl.md"
        engine.change_model(small)
        wait_until(lambda: engine.serving_choice == small, 120, "the switch")
        assert engine.wait_idle(60)
        assert engine.status().dims == 128
        assert engine.search("salamander that regenerates lost legs", 1)[0].path == "axolotl.md"
        assert set(_vectors(engine)) == {engine.writer.embedder.model_id}
    finally:
        engine.stop()
    shutil.rmtree(home)


def test_a_restart_whose_previous_model_is_gone_embeds_for_the_chosen_one(indexed, tmp_path: Path) -> None:
    notes, home, engine, _ = indexed
    engine.stop()
    from gte_notes.core.errors import ModelMissingError

    def open_model(c: ModelChoice) -> object:
        if c.name == "fake-a":
            raise ModelMissingError("fake-a was deleted.")
        return model_b()

    notices: list[str] = []
    again = Engine(
        notes,
        home=home,
        choice=B,
        embedder_factory=model_b,
        open_model=open_model,
        watch=False,
        listener=EngineListener(on_notice=notices.append),
    )
    again.start()
    try:
        assert again.wait_idle(60)
        assert again.serving_choice == B and again.status().model_change is None
        assert any("could not be opened" in n and "fake-a was deleted" in n for n in notices)
        assert _results(again) == _fresh_results(notes, tmp_path)
    finally:
        again.stop()
