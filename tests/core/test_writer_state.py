"""The writer's state is written by its own thread only: what other threads read of it (the engine's
status and searches, the follower, the model changer) cannot be assigned from outside, where a stray
assignment would quietly make a second value the writer never sees. Uses the fake embedder (no model
runs; the writer is not started)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gte_notes.core.live.engine import Engine
from gte_notes.core.live.writer import IndexWriter
from tests.fakes import FakeEmbedder

READ_ACROSS_THREADS = [
    "state",
    "problem",
    "progress",
    "model_note",
    "load_times",
    "batches",
    "ann",
    "embedder",
    "pair",
    "store",
    "follower",
    "thread",
    "watcher",
    "paused",
    "busy",
    "folder_problem",
    "changer",
    "reports",
]


@pytest.fixture
def writer(tmp_path: Path) -> IndexWriter:
    folder = tmp_path / "notes"
    folder.mkdir()
    return Engine(folder, home=tmp_path / "home", embedder=FakeEmbedder(), watch=False).writer


@pytest.mark.parametrize("name", READ_ACROSS_THREADS)
def test_state_read_across_threads_cannot_be_assigned_from_outside(writer, name: str) -> None:
    before = getattr(writer, name)
    with pytest.raises(AttributeError):
        setattr(writer, name, object())
    assert getattr(writer, name) is before


def test_the_tunables_may_still_be_set_before_start(writer) -> None:
    writer.poll_interval, writer.folder_retry_s, writer.follow = 0.3, 0.5, True
    writer.saver.min_s = 0.0
    assert (writer.poll_interval, writer.folder_retry_s, writer.follow, writer.saver.min_s) == (
        0.3,
        0.5,
        True,
        0.0,
    )


def test_the_paused_state_is_changed_through_the_writer(writer) -> None:
    writer.set_paused(True)
    assert writer.paused
    writer.set_paused(False)
    assert not writer.paused
