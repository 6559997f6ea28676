"""The app started while another process writes its folder's index (issue 23 item 3): it reads what the
other writer commits meanwhile, never writes itself, and takes over as the writer when the other leaves.

The other writer is a real `gte-notes watch` / `index` process holding the real lock; the engine is the
one the GUI runs (follow=True). Real SQLite and hnswlib; the fake embedder (tests/fakes.py) in both
processes, since what is tested is who writes and who sees what, not the model.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from gte_notes.core.errors import AlreadyRunningError
from gte_notes.core.live.workspace import Workspace
from tests.core.live_helpers import (
    LineReader,
    check_consistent,
    fake_cli,
    fake_env,
    live_factory,
    note_text,
    wait_until,
    write,
)
from tests.fakes import FakeEmbedder

make_live = pytest.fixture(live_factory)


def _notes(tmp_path: Path, n: int) -> Path:
    notes = tmp_path / "notes"
    for i in range(n):
        write(notes, f"n/{i:04d}.md", note_text(i))
    return notes


def test_app_beside_a_running_watch_reads_its_commits_then_takes_over(tmp_path: Path, make_live) -> None:
    notes, home = _notes(tmp_path, 12), tmp_path / "home"
    proc = subprocess.Popen(
        fake_cli(home, "watch", str(notes)),
        env=fake_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out = LineReader(proc)
    try:
        wait_until(lambda: out.has("idle"), 60, "the other writer to be ready")
        live = make_live(home=home, follow=True).start()  # no AlreadyRunningError: the app reads along
        status = live.engine.status()
        assert "Another gte-notes process" in status.following and "takes over" in status.following
        assert any("Another gte-notes process" in n for n in live.rec.notices)
        assert live.search_paths("word7", 1) == ["n/0007.md"]  # what the other writer indexed before

        db = live.engine.ws.db_path
        first_ann = live.engine.writer.ann
        # A note the other writer indexes while the app runs: found by the app, keyword and vector side.
        write(notes, "n/new.md", "# New\n\nword900 penguins on an iceberg\n")
        wait_until(lambda: live.search_paths("word900", 1) == ["n/new.md"], 30, "the app to see the commit")
        wait_until(
            lambda: live.engine.writer.ann.count == check_consistent(db)["chunks"],
            30,
            "the app's ANN to follow the database",
        )
        assert "n/new.md" in live.rec.indexed  # so the GUI refreshes its results
        # When the other writer saves its ANN, the app loads that file instead of growing its own.
        wait_until(lambda: live.engine.writer.ann is not first_ann, 30, "the app to load the saved ANN")
        assert live.engine.writer.ann.count == check_consistent(db)["chunks"]
        assert live.engine.status().following  # still only reading
        assert not live.rec.errors, live.rec.errors

        proc.send_signal(signal.SIGTERM)  # the other writer leaves
        assert proc.wait(60) == 0, out.lines
    finally:
        if proc.poll() is None:
            proc.kill()
    wait_until(lambda: any("now keeps" in n for n in live.rec.notices), 30, "the app to take over")
    assert not live.engine.status().following
    write(notes, "n/later.md", "# Later\n\nword901 written after the other process left\n")
    live.wait_indexed("n/later.md")  # the app indexes and watches now
    assert live.search_paths("word901", 1) == ["n/later.md"]
    (notes / "n/0003.md").unlink()
    wait_until(lambda: "n/0003.md" not in live.paths(), 30, "a deleted note to leave the index")
    counts = check_consistent(db, FakeEmbedder().model_id)
    assert counts["notes"] == 13 and live.engine.writer.ann.count == counts["chunks"]
    with pytest.raises(AlreadyRunningError):  # and it holds the lock like any writer
        Workspace(notes, home=home).lock.acquire()


def test_app_started_while_index_runs_indexes_new_notes_after_it_finishes(tmp_path: Path, make_live) -> None:
    notes, home = _notes(tmp_path, 30), tmp_path / "home"
    proc = subprocess.Popen(
        fake_cli(home, "index", str(notes)),
        env=fake_env(tmp_path, 1.0),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        ws = Workspace(notes, home=home)
        wait_until(
            lambda: (ws.dir / "writer.lock").exists() and (ws.dir / "writer.lock").read_text().strip(),
            60,
            "`gte-notes index` to take the lock",
        )
        live = make_live(home=home, follow=True).start()
        assert live.engine.status().following
        assert proc.wait(120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    # Everything the CLI indexed is searchable in the app, which then takes over and indexes new notes.
    wait_until(lambda: live.search_paths("word29", 1) == ["n/0029.md"], 30, "the CLI's notes in the app")
    wait_until(lambda: not live.engine.status().following, 30, "the app to take over")
    write(notes, "n/new.md", "# New\n\nword777 a note written after the CLI finished\n")
    live.wait_indexed("n/new.md")
    assert live.search_paths("word777", 1) == ["n/new.md"]


def test_without_follow_a_second_writer_is_still_refused(tmp_path: Path, make_live) -> None:
    _notes(tmp_path, 3)
    make_live().start()
    with pytest.raises(AlreadyRunningError, match="already indexing"):
        make_live().engine.start()  # `gte-notes watch` and `index` keep refusing (fault case 8)
