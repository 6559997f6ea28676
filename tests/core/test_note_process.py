"""Notes embedded in a process of their own (note_process.py), with the real stand-in model: the app's
process never holds the full model, and the child's memory goes when it is idle, killed or stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from gte_notes.core.errors import Cancelled, KnownError, ModelMissingError
from gte_notes.core.model.embedder import Embedder, load_embedder
from gte_notes.core.model.note_process import NoteProcess
from gte_notes.core.model.query_encoder import ENCODER_DIR, QuickEmbedder
from gte_notes.core.model.serving import open_embedder
from tests.core.live_helpers import wait_until, write

pytestmark = pytest.mark.model

REPO = Path(__file__).resolve().parents[2]
NOTES = [
    "# Growing tomatoes\n\nStake the tomato plants early; water them in the morning.",
    "SQLite keeps the whole index in one file.",
    "short",
]
LONG_NOTES = [" ".join(f"word{i} about gardens and databases" for i in range(60))] * 400


@pytest.fixture(scope="module")
def reference(minilm_path: Path) -> Embedder:
    return load_embedder(str(minilm_path), "fp32")


@pytest.fixture(scope="module")
def saved(minilm_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose first start (notes apart) saved the query encoder."""
    data = tmp_path_factory.mktemp("data")
    first = open_embedder(str(minilm_path), "fp32", data, notes_apart=True)
    try:
        assert isinstance(first, QuickEmbedder) and first._full is None and first._notes is not None
        assert first._notes.running  # the child that loaded the model stays, to embed the notes
        assert list((data / ENCODER_DIR).glob("*.onnx"))
        assert "start a process for the model (Python and its imports)" in first.load_times
    finally:
        first.close()
    return data


def test_a_first_start_with_notes_apart_never_imports_torch_here(
    minilm_path: Path, reference: Embedder, tmp_path: Path
) -> None:
    code = (
        f"import sys, json; sys.path.insert(0, {str(REPO)!r})\n"
        "from gte_notes.core.model.serving import open_embedder\n"
        "if __name__ == '__main__':\n"
        f"    e = open_embedder({str(minilm_path)!r}, 'fp32', {str(tmp_path)!r}, notes_apart=True)\n"
        f"    vectors = e.encode({NOTES!r})\n"
        "    query = e.encode_query('tomatoes')\n"
        "    print(json.dumps([type(e).__name__, 'torch' in sys.modules, vectors.tolist(),"
        " query.tolist()]))\n"
    )
    script = tmp_path / "first_start.py"  # a file: the child re-imports the parent's main module by path
    script.write_text(code)
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=300
    )
    kind, has_torch, vectors, query = json.loads(out.stdout.strip().splitlines()[-1])
    assert (kind, has_torch) == ("QuickEmbedder", False)
    assert np.allclose(vectors, reference.encode(NOTES), atol=1e-5)
    assert np.allclose(query, reference.encode_query("tomatoes"), atol=1e-5)


def test_a_restart_starts_the_child_on_the_first_note_and_stops_it_when_idle(
    minilm_path: Path, saved: Path, reference: Embedder
) -> None:
    quick = open_embedder(str(minilm_path), "fp32", saved, notes_apart=True)
    notes = quick._notes
    assert notes is not None and not notes.running and quick.encode([]).shape == (0, quick.dim)
    assert not notes.running  # nothing to embed is no reason to start it
    notes.idle_exit_s = 0.5
    try:
        assert np.allclose(quick.encode(NOTES), reference.encode(NOTES), atol=1e-5)
        assert notes.starts == 1
        wait_until(lambda: not notes.running, 30, "the idle child to stop")
        assert np.allclose(quick.encode(NOTES[:1]), reference.encode(NOTES[:1]), atol=1e-5)
        assert notes.starts == 2  # started again for the next change
    finally:
        quick.close()


def test_a_child_killed_mid_batch_is_a_known_error_and_the_next_batch_starts_another(
    minilm_path: Path, saved: Path, reference: Embedder
) -> None:
    quick = open_embedder(str(minilm_path), "fp32", saved, notes_apart=True)
    notes = quick._notes
    try:
        quick.encode(NOTES[:1])
        errors: list[BaseException] = []

        def index() -> None:
            try:
                quick.encode(LONG_NOTES)  # many batches: seconds of work
            except BaseException as err:  # noqa: BLE001 - what the writer would see
                errors.append(err)

        worker = threading.Thread(target=index)
        worker.start()
        time.sleep(0.5)
        os.kill(notes._proc.pid, signal.SIGKILL)  # as the kernel's out-of-memory killer would
        worker.join(60)
        assert len(errors) == 1 and isinstance(errors[0], KnownError)
        assert "stopped unexpectedly" in str(errors[0])
        assert np.allclose(quick.encode(NOTES), reference.encode(NOTES), atol=1e-5)
        assert notes.starts == 2
        # One that dies while idle is simply replaced by the next batch.
        os.kill(notes._proc.pid, signal.SIGKILL)
        wait_until(lambda: not notes.running, 10, "the killed child to be gone")
        assert np.allclose(quick.encode(NOTES), reference.encode(NOTES), atol=1e-5)
        assert notes.starts == 3
    finally:
        quick.close()


def test_close_cancels_a_waiting_encode_at_once(minilm_path: Path, saved: Path) -> None:
    quick = open_embedder(str(minilm_path), "fp32", saved, notes_apart=True)
    notes = quick._notes
    quick.encode(NOTES[:1])
    threading.Timer(0.3, quick.close).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        quick.encode(LONG_NOTES)  # many batches: seconds of work
    assert time.monotonic() - started < 10
    wait_until(lambda: not notes.running, 10, "the child to end")


def test_the_childs_known_errors_reach_the_app_as_they_are(tmp_path: Path) -> None:
    notes = NoteProcess(str(tmp_path / "no-such-model"), "fp32", tmp_path, None)
    with pytest.raises(ModelMissingError):
        notes.start()
    assert not notes.running


def test_a_model_changed_on_disk_is_refused(minilm_path: Path, saved: Path) -> None:
    quick = open_embedder(str(minilm_path), "fp32", saved, notes_apart=True)
    quick._notes.expected_model_id = "another:model"
    with pytest.raises(KnownError, match="changed while gte-notes was running"):
        quick.encode(NOTES)
    assert not quick._notes.running


def test_the_engine_indexes_through_the_child_and_stopping_ends_it(
    minilm_path: Path, saved: Path, tmp_path: Path
) -> None:
    from gte_notes.core.live.engine import Engine

    notes_dir = tmp_path / "notes"
    write(
        notes_dir,
        "garden/tomatoes.md",
        "# Tomatoes\n\nStake the plants early and water them in the morning.\n",
    )
    write(notes_dir, "tech/db.md", "# Databases\n\nSQLite keeps the whole index in one file.\n")
    engine = Engine(
        notes_dir,
        home=tmp_path / "home",
        watch=False,
        embedder_factory=lambda: open_embedder(str(minilm_path), "fp32", saved, notes_apart=True),
    )
    engine.start()
    try:
        assert engine.wait_idle(180)
        quick = engine.writer.embedder
        assert quick._full is None and quick._notes.starts == 1  # embedded in the child
        hits, mode = engine.search_with_mode("growing vegetables in the garden", 2)
        assert mode == "hybrid" and hits[0].path == "garden/tomatoes.md"
    finally:
        started = time.monotonic()
        engine.stop()
    assert time.monotonic() - started < 5
    wait_until(lambda: not quick._notes.running, 10, "the child to end with the engine")


def test_stopping_while_a_first_start_loads_the_model_is_quick_and_no_error(
    minilm_path: Path, tmp_path: Path
) -> None:
    import multiprocessing

    from gte_notes.core.live.engine import Engine
    from tests.core.live_helpers import Recorder

    write(tmp_path / "notes", "a.md", "# A\n\nabout kites\n")
    rec = Recorder()
    engine = Engine(
        tmp_path / "notes",
        home=tmp_path / "home",
        watch=False,
        listener=rec.listener(),
        embedder_factory=lambda: open_embedder(str(minilm_path), "fp32", tmp_path / "data", notes_apart=True),
    )
    engine.start()
    wait_until(
        lambda: [p for p in multiprocessing.active_children() if p.name == "gte-notes model"],
        30,
        "the model's process to start",
    )
    started = time.monotonic()
    engine.stop()  # waits up to 2 s for the writer, which is still waiting for the model
    assert time.monotonic() - started < 5
    # The load finishes for nobody (the app itself exits at once); then the writer stops the process.
    wait_until(
        lambda: not [p for p in multiprocessing.active_children() if p.name == "gte-notes model"],
        120,
        "the model's process to end",
    )
    engine.writer.thread.join(30)
    assert rec.errors == []  # quitting during the load is no error
