"""Keyword first, then meaning: a first start reads the notes and makes them searchable by their words
while the model still loads; the model then embeds them and search by meaning joins.

The notes are cut by the stand-in model's real tokenizer (model_tokenizer.py reads it from its folder,
no torch); the model that then embeds them is the fake embedder, held back by the test, since its load
is what is being waited for, not its vectors."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from gte_notes.core.index.keyword_pass import KEYWORDS_ONLY
from gte_notes.core.live.chosen_model import ModelChoice
from gte_notes.core.live.engine import Engine, EngineListener
from gte_notes.core.live.engine_state import EngineState, Phase
from gte_notes.core.model.model_tokenizer import model_max_tokens, open_model_tokenizer
from tests.core.live_helpers import check_consistent, wait_until, write
from tests.fakes import FakeEmbedder

NOTES = {
    f"journal/2024-05-{d:02d}.md": f"# Daily journal {d}\n\nWatered the tomatoes on day {d}.\n"
    for d in range(1, 31)
}
NOTES.update({f"topics/topic-{n:02d}.md": f"# Topic {n}\n\nFacts about subject {n}.\n" for n in range(40)})


def test_the_models_tokenizer_loads_alone_and_cuts_as_the_model_does(minilm_path: Path) -> None:
    tok = open_model_tokenizer(str(minilm_path))
    assert tok is not None and tok.max_tokens == model_max_tokens(minilm_path) == 256
    # WordPiece, as the model sees it: em ##bed ##ding ##s grow (no padding, no special tokens)
    assert tok.token_offsets("Embeddings grow") == [(0, 2), (2, 5), (5, 9), (9, 10), (11, 15)]
    assert tok.count_tokens("Embeddings grow") == 7
    assert open_model_tokenizer(str(minilm_path.parent / "no-such-model")) is None


def test_a_damaged_tokenizer_file_costs_the_keyword_head_start_and_is_logged(
    minilm_path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = tmp_path / "model"
    model.mkdir()
    for file in minilm_path.iterdir():
        (model / file.name).symlink_to(file)
    (model / "tokenizer.json").unlink()
    (model / "tokenizer.json").write_text('{"model": {"type": "WordPiece", "vocab":', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="gte_notes.core.model.model_tokenizer"):
        assert open_model_tokenizer(str(model)) is None  # the model's own load says what is wrong
    assert [r.exc_info is not None for r in caplog.records] == [True]


def test_a_first_start_finds_notes_by_their_words_before_the_model_loads(
    tmp_path: Path, minilm_path: Path
) -> None:
    folder = tmp_path / "notes"
    for rel, text in NOTES.items():
        write(folder, rel, text)
    release = threading.Event()
    states: list[EngineState] = []

    def slow_model() -> FakeEmbedder:
        assert release.wait(60), "the test never let the model load"
        return FakeEmbedder()

    engine = Engine(
        folder,
        home=tmp_path / "data",
        embedder_factory=slow_model,
        watch=False,
        choice=ModelChoice(str(minilm_path)),
        listener=EngineListener(on_state=states.append),
    )
    engine.start()
    try:
        # Every note is read while the model is still loading: searchable by its words.
        def ten_found() -> tuple[list, str] | None:
            found = engine.search_with_mode("tomatoes", 50)
            return found if len(found[0]) >= 10 else None

        hits, mode = wait_until(ten_found, what="keyword results before the model")
        assert mode == "keyword" and not engine.ready
        assert all(h.path.startswith("journal/") for h in hits)
        wait_until(lambda: engine.status().counts.get(KEYWORDS_ONLY) == len(NOTES), what="every note read")
        assert EngineState(Phase.READING) in states and not engine.ready

        release.set()
        assert engine.wait_idle(60)
        hits, mode = engine.search_with_mode("watered tomatoes", 50)
        assert mode == "hybrid" and {p for p in NOTES if p.startswith("journal/")} <= {h.path for h in hits}
        counts = engine.status().counts
        assert counts == {"indexed": len(NOTES)}  # every note embedded: none left keyword-only
        model_id = engine.writer.embedder.model_id
    finally:
        release.set()
        engine.stop()
    assert check_consistent(engine.ws.db_path, model_id)["notes"] == len(NOTES)


def test_a_first_start_stopped_while_reading_is_finished_by_the_next(
    tmp_path: Path, minilm_path: Path
) -> None:
    # Quit while the notes are being read and the model never loaded: the next start embeds every note
    # the first one read, and reads the rest; nothing is left keyword-only or twice in the index.
    folder = tmp_path / "notes"
    for rel, text in NOTES.items():
        write(folder, rel, text)
    never = threading.Event()

    def stuck_model() -> FakeEmbedder:
        never.wait(60)
        return FakeEmbedder()

    first = Engine(
        folder,
        home=tmp_path / "data",
        embedder_factory=stuck_model,
        watch=False,
        choice=ModelChoice(str(minilm_path)),
    )
    first.start()
    try:
        wait_until(lambda: first.status().counts.get(KEYWORDS_ONLY, 0) >= 10, what="some notes read")
    finally:
        first.stop()
        never.set()  # the load the writer waits in returns; the writer ends and frees the folder
        assert first.writer.thread is not None
        first.writer.thread.join(60)
    write(
        folder,
        "journal/2024-05-01.md",
        "# Daily journal 1\n\nChanged after the first start: planted beans.\n",
    )

    embedder = FakeEmbedder()
    second = Engine(folder, home=tmp_path / "data", embedder=embedder, watch=False)
    second.start()
    try:
        assert second.wait_idle(60)
        assert second.status().counts == {"indexed": len(NOTES)}
        hits = second.search("planted beans", 5)  # the note changed since it was read: its new text
        assert any(h.path == "journal/2024-05-01.md" and "planted beans" in h.passage for h in hits)
    finally:
        second.stop()
    assert check_consistent(second.ws.db_path, embedder.model_id)["notes"] == len(NOTES)
