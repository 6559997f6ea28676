"""The Engine service (what the GUI and `gte-notes watch` run on): its API, its threads, its CLI face."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gte_notes.core.errors import KnownError, ModelMissingError
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.live.engine import Engine, EngineListener
from gte_notes.core.live.engine_state import Phase
from gte_notes.core.live.workspace import Workspace
from tests.core.live_helpers import (
    REPO,
    LineReader,
    check_consistent,
    cli_env,
    count_rows,
    fake_cli,
    fake_env,
    live_factory,
    note_text,
    sha256,
    wait_until,
    write,
)
from tests.fakes import FakeEmbedder

make_live = pytest.fixture(live_factory)


def _notes(tmp_path: Path, n: int = 20) -> Path:
    notes = tmp_path / "notes"
    for i in range(n):
        write(notes, f"n/{i:04}.md", note_text(i))
    write(notes, "links/hub.md", "# Hub\n\nSee [[0003]] and [five](../n/0005.md) and [[nowhere]].\n")
    return notes


def test_start_indexes_then_search_related_preview_and_status_work(tmp_path: Path, make_live) -> None:
    _notes(tmp_path)
    live = make_live().start()
    engine = live.engine
    assert engine.ready and engine.state.phase is Phase.IDLE
    assert [s.phase for s in live.rec.states[:2]] == [Phase.LOADING_MODEL, Phase.SCANNING]
    assert engine.search("word7", 3)[0].path == "n/0007.md"
    assert engine.related("n/0007.md") and all(h.path != "n/0007.md" for h in engine.related("n/0007.md"))
    assert engine.related("not/indexed.md") == []
    assert "word7" in engine.note_text("n/0007.md")
    assert engine.note_links("links/hub.md") == {"n/0003.md", "n/0005.md"}
    with pytest.raises(KnownError):
        engine.note_text("../outside.md")
    status = engine.status()
    assert status.counts["indexed"] == 21 and status.watching == "inotify" and status.queue == 0
    assert status.model_note == "fp32 (fake embedder)" and status.state.phase is Phase.IDLE
    assert set(live.rec.indexed) == set(live.paths())


def test_an_edit_is_committed_announced_and_searchable(tmp_path: Path, make_live) -> None:
    _notes(tmp_path)
    live = make_live().start()
    write(live.folder, "n/0004.md", "# Four\n\nnow about origami cranes\n")
    live.wait_indexed("n/0004.md")
    wait_until(lambda: "n/0004.md" in live.rec.indexed[21:], 10, "on_indexed")
    assert live.engine.search("origami cranes", 1)[0].path == "n/0004.md"
    assert Phase.INDEXING in [s.phase for s in live.rec.states]


def test_search_never_waits_for_an_indexing_batch(tmp_path: Path, make_live, monkeypatch) -> None:
    _notes(tmp_path)
    live = make_live().start()
    store = live.engine.writer.store
    inside, release = threading.Event(), threading.Event()
    original = store.replace_chunks

    def held(*args, **kwargs):  # the worker stops inside its write transaction
        inside.set()
        release.wait(60)
        return original(*args, **kwargs)

    monkeypatch.setattr(store, "replace_chunks", held)
    write(live.folder, "n/0004.md", "# Four\n\nnow about origami cranes\n")
    assert inside.wait(30)
    answers: list[object] = []
    reader = threading.Thread(
        target=lambda: answers.extend(
            [live.engine.search("word9", 1), live.engine.related("n/0009.md", 3), live.engine.status()]
        )
    )
    reader.start()
    reader.join(20)
    release.set()
    assert not reader.is_alive() and len(answers) == 3, "a search waited for the indexing batch"
    assert answers[0][0].path == "n/0009.md"
    live.wait_indexed("n/0004.md")


class GatedEmbedder(FakeEmbedder):
    """Stops in encode until released, so a test can act while a batch is being embedded."""

    def __init__(self) -> None:
        super().__init__()
        self.inside, self.release = threading.Event(), threading.Event()
        self.release.set()

    def encode(self, texts, token_counts=None, cancel=None):
        self.inside.set()
        self.release.wait(60)
        return super().encode(texts, token_counts, cancel)


def test_pause_cancels_the_batch_and_resume_finishes_it(tmp_path: Path, make_live) -> None:
    _notes(tmp_path)
    embedder = GatedEmbedder()
    live = make_live(embedder=embedder).start()
    embedder.inside.clear()
    embedder.release.clear()
    write(live.folder, "n/0004.md", "# Four\n\nnow about origami cranes\n")
    assert embedder.inside.wait(30)
    live.engine.pause()
    embedder.release.set()
    wait_until(lambda: live.engine.state.phase is Phase.PAUSED, 30, "the paused state")
    assert live.engine.wait_idle(30)
    write(live.folder, "n/0006.md", "# Six\n\nnow about paper boats\n")
    wait_until(lambda: live.engine.queue.pending(), 30, "the event to be queued while paused")
    assert live.indexed_hashes()["n/0004.md"] != sha256(live.folder / "n/0004.md")  # nothing while paused
    live.engine.resume()
    live.wait_indexed("n/0004.md")
    live.wait_indexed("n/0006.md")
    live.settle()


def test_reindex_paths_or_everything_on_request(tmp_path: Path, make_live) -> None:
    _notes(tmp_path)
    live = make_live().start()
    batches = len(live.rec.batches)
    live.engine.reindex(["n/0003.md"])
    wait_until(lambda: len(live.rec.batches) > batches, 10, "the requested batch")
    stats, full = live.rec.batches[-1]
    assert not full and stats.scanned == 1 and stats.embedded_chunks == 0
    live.engine.reindex()
    wait_until(lambda: live.rec.batches[-1][1], 10, "the requested full reconcile")


def test_a_failing_listener_does_not_stop_indexing(tmp_path: Path) -> None:
    notes = _notes(tmp_path, 5)

    def broken(*args: object) -> None:
        raise ValueError("GUI bug")

    engine = Engine(
        notes,
        home=tmp_path / "home",
        embedder=FakeEmbedder(),
        listener=EngineListener(on_state=broken, on_files=broken, on_indexed=broken),
    )
    engine.start()
    try:
        assert engine.wait_idle(30)
        write(notes, "late.md", "# Late\n\nabout comets\n")
        wait_until(
            lambda: engine.search("comets", 1) and engine.search("comets", 1)[0].path == "late.md",
            30,
            "indexing to go on",
        )
    finally:
        engine.stop()


def test_stop_saves_the_ann_and_releases_the_folder(tmp_path: Path, make_live) -> None:
    _notes(tmp_path)
    live = make_live().start()
    write(live.folder, "n/0004.md", "# Four\n\nnow about origami cranes\n")
    live.wait_indexed("n/0004.md")
    live.stop()
    assert (
        not live.engine.running
        and live.engine.state.phase is Phase.STOPPED
        and live.engine.search("word4") == []
    )
    ann = AnnIndex(live.engine.ws.dir, 384, FakeEmbedder().model_id)
    manifest, problem = ann.verify()
    assert manifest is not None and manifest.count == check_consistent(live.engine.ws.db_path)["chunks"], (
        problem
    )
    again = make_live().start()  # the lock is free
    assert again.engine.status().ann_event == "loaded"


def test_missing_model_is_reported_and_releases_the_folder(tmp_path: Path) -> None:
    notes = _notes(tmp_path, 3)
    errors: list[tuple[str, bool, str]] = []

    def missing() -> object:
        raise ModelMissingError(
            "The model thenlper/gte-small is not on this computer. Run: gte-notes model download"
        )

    engine = Engine(
        notes,
        home=tmp_path / "home",
        embedder_factory=missing,
        listener=EngineListener(on_error=lambda *e: errors.append(e)),
    )
    engine.start()
    assert engine.wait_idle(30)
    wait_until(lambda: not engine.running, 30, "the worker to end")
    assert errors == [(errors[0][0], False, "")] and "model download" in errors[0][0]
    assert engine.state.phase is Phase.ERROR and not engine.ready and engine.search("x") == []
    other = Engine(notes, home=tmp_path / "home", embedder=FakeEmbedder())
    other.start()
    other.stop()


# ---- the CLI face: gte-notes watch --------------------------------------------------------------


def test_watch_prints_what_it_does_and_sigterm_exits_cleanly_with_the_ann_saved(tmp_path: Path) -> None:
    notes, home = _notes(tmp_path, 10), tmp_path / "home"
    proc = subprocess.Popen(
        fake_cli(home, "watch", str(notes)),
        env=fake_env(tmp_path),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out = LineReader(proc)
    try:
        wait_until(lambda: out.has("idle"), 60, "the watcher to be ready")
        assert out.has("Watching") and out.has("Scanned 11 files")
        write(notes, "fresh.md", "# Fresh\n\nabout kayaks\n")
        wait_until(lambda: out.has("fresh.md"), 30, "the change to be printed")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    wait_until(lambda: out.has("Stopped."), 10, "the last line")
    db = Workspace(notes, home=home).db_path
    manifest, problem = AnnIndex(db.parent, 384, FakeEmbedder().model_id).verify()
    assert manifest is not None and manifest.count == count_rows(db, "SELECT COUNT(*) FROM chunks"), problem


def test_ctrl_c_during_indexing_stops_cleanly_and_the_next_run_finishes(tmp_path: Path) -> None:
    notes, home = tmp_path / "notes", tmp_path / "home"
    for i in range(600):
        write(notes, f"n/{i:04}.md", note_text(i))
    db = Workspace(notes, home=home).db_path
    proc = subprocess.Popen(
        fake_cli(home, "watch", str(notes)),
        env=fake_env(tmp_path, 0.3),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out = LineReader(proc)
    try:
        wait_until(lambda: 0 < count_rows(db, "SELECT COUNT(*) FROM notes") < 600, 60, "indexing under way")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    wait_until(lambda: out.has("Stopped."), 10, "the last line")
    check_consistent(db)
    done = subprocess.run(
        fake_cli(home, "index", str(notes)),
        env=fake_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and check_consistent(db)["notes"] == 600


# ---- another process sees what the watcher committed (the real stand-in model) -------------------


@pytest.mark.model
def test_search_from_another_process_sees_what_the_watcher_committed(
    tmp_path: Path, make_live, minilm_embedder, minilm_path
) -> None:
    notes = tmp_path / "notes"
    write(notes, "garden.md", "# Garden\n\nTomatoes need sun and water every morning.\n")
    write(notes, "bikes.md", "# Bike repair\n\nFix a flat tyre with a patch kit and a pump.\n")
    live = make_live(embedder=minilm_embedder).start()
    write(
        notes,
        "bread.md",
        "# Sourdough\n\nFeed the starter with flour and water, then bake the loaf in a very hot oven.\n",
    )
    (notes / "bikes.md").unlink()
    live.wait_indexed("bread.md")
    wait_until(lambda: "bikes.md" not in live.paths(), 30, "the delete to be committed")

    def search(query: str) -> list[str]:
        found = subprocess.run(
            [
                sys.executable,
                "-m",
                "gte_notes",
                "--model",
                str(minilm_path),
                "--precision",
                "fp32",
                "--data-dir",
                str(live.home),
                "search",
                str(notes),
                query,
                "--json",
            ],
            cwd=REPO,
            env=cli_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert found.returncode == 0, found.stderr
        return [hit["path"] for hit in json.loads(found.stdout)]

    found = search("how do I bake bread at home")  # one process: loading the model is the slow part
    assert found[0] == "bread.md" and "bikes.md" not in found and "garden.md" in found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority is a Linux feature")
def test_indexing_runs_at_a_lower_priority_than_searches(tmp_path: Path, make_live) -> None:
    """The indexer thread (and the threads it makes) yield the CPU to searches typed meanwhile."""
    import os

    _notes(tmp_path, 3)
    live = make_live().start()
    worker = live.engine.writer.thread
    assert worker is not None and worker.native_id is not None
    ours = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    if ours >= 19:
        pytest.skip("the tests already run at the lowest priority")
    assert os.getpriority(os.PRIO_PROCESS, worker.native_id) == min(19, ours + 10)
