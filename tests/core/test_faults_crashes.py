"""Fault cases 1-11 (crashes and damaged index files) against the live engine and real processes.

Real folders, real SQLite, real hnswlib/watchdog; the fake embedder, since the model is not the point.
A crash is a real `kill -9` of a real `gte-notes index` / `watch` process where the fault is a crash;
where the fault is a damaged file, the file is damaged the way a crash or a bad disk leaves it.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gte_notes.core.errors import AlreadyRunningError
from gte_notes.core.index.store import Store
from gte_notes.core.live.engine_state import Phase
from gte_notes.core.live.workspace import Workspace
from tests.core.live_helpers import (
    REPO,
    LineReader,
    Live,
    ann_matches_exact,
    check_consistent,
    count_rows,
    fake_cli,
    fake_env,
    live_factory,
    note_text,
    snapshot,
    wait_until,
    write,
)
from tests.fakes import FakeEmbedder

make_live = pytest.fixture(live_factory)
N_NOTES = 600  # about five embedding batches: a kill lands between two of them
SLOW_BATCH_S = 0.3


def _folder(tmp_path: Path, n: int = N_NOTES, version: str = "") -> Path:
    notes = tmp_path / "notes"
    for i in range(n):
        write(notes, f"n/{i:04}.md", note_text(i, version))
    return notes


def _kill_when(proc: subprocess.Popen, db: Path, sql: str, total: int) -> set[str]:
    """SIGKILL the process once some but not all of `total` rows are committed; the committed paths."""
    try:
        wait_until(lambda: 0 < count_rows(db, sql) < total, 120, "part of the work to be committed", 0.005)
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            committed = {r[0] for r in conn.execute("SELECT path FROM notes")}
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, "the process ended before the kill: the test proves nothing"
    return committed


def _each_note_is_one_version(db: Path, versions: dict[str, dict[str, str]]) -> dict[str, int]:
    """Every note row holds exactly one version of its file: hash, and chunk texts cut from that text."""
    seen = {"old": 0, "new": 0}
    conn = sqlite3.connect(db)
    try:
        for note_id, path, content_hash in conn.execute("SELECT id, path, content_hash FROM notes"):
            which = [k for k, texts in versions.items() if sha256_text(texts[path]) == content_hash]
            assert len(which) == 1, f"{path} has a content hash of neither version"
            text = versions[which[0]][path]
            for start, end, chunk in conn.execute(
                'SELECT start, "end", text FROM chunks WHERE note_id = ?', (note_id,)
            ):
                assert text[start:end] == chunk, f"{path}: a chunk of the other version"
            seen[which[0]] += 1
    finally:
        conn.close()
    return seen


def sha256_text(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


# ---- 1 and 7: kill -9 mid-run, restart; the WAL left behind is recovered -----------------------


def test_1_7_kill_9_during_index_then_restart_finishes_the_work(tmp_path: Path) -> None:
    notes, home = _folder(tmp_path), tmp_path / "home"
    db = Workspace(notes, home=home).db_path
    proc = subprocess.Popen(
        fake_cli(home, "index", str(notes)),
        env=fake_env(tmp_path, SLOW_BATCH_S),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    committed = _kill_when(proc, db, "SELECT COUNT(*) FROM notes", N_NOTES)

    assert Path(f"{db}-wal").exists()  # fault 7: the killed writer's WAL is left behind ...
    after_kill = check_consistent(db)
    with sqlite3.connect(db) as conn:  # ... and everything it had committed is recovered from it
        assert committed <= {r[0] for r in conn.execute("SELECT path FROM notes")}
    texts = {"new": {f"n/{i:04}.md": note_text(i) for i in range(N_NOTES)}}
    assert _each_note_is_one_version(db, texts)["new"] == after_kill["notes"]

    done = subprocess.run(
        fake_cli(home, "index", str(notes)),
        env=fake_env(tmp_path),
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # The next start finishes the work: only the notes the killed run had not committed are new.
    assert f"{N_NOTES - after_kill['notes']} new" in done.stdout
    assert check_consistent(db, FakeEmbedder().model_id)["notes"] == N_NOTES
    manifest = json.loads((db.parent / "ann.json").read_text())
    assert manifest["count"] == count_rows(db, "SELECT COUNT(*) FROM chunks")
    found = subprocess.run(
        fake_cli(home, "search", str(notes), "word417", "--json"),
        env=fake_env(tmp_path),
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(found.stdout)[0]["path"] == "n/0417.md"


def test_1_kill_9_while_rewriting_notes_leaves_each_note_old_or_new_never_a_mix(tmp_path: Path) -> None:
    notes, home = _folder(tmp_path), tmp_path / "home"
    db = Workspace(notes, home=home).db_path
    first = subprocess.run(
        fake_cli(home, "index", str(notes)),
        env=fake_env(tmp_path),
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first.returncode == 0, first.stderr
    old = {f"n/{i:04}.md": note_text(i) for i in range(N_NOTES)}
    new = {p: t.replace("text about", "revised text about") for p, t in old.items()}
    for path, text in new.items():
        (notes / path).write_text(text)

    proc = subprocess.Popen(
        fake_cli(home, "index", str(notes)),
        env=fake_env(tmp_path, SLOW_BATCH_S),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _kill_when(proc, db, "SELECT COUNT(*) FROM chunks WHERE text LIKE '%revised%'", N_NOTES)

    check_consistent(db)
    seen = _each_note_is_one_version(db, {"old": old, "new": new})
    assert seen["old"] and seen["new"] and seen["old"] + seen["new"] == N_NOTES

    again = subprocess.run(
        fake_cli(home, "index", str(notes)),
        env=fake_env(tmp_path),
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert _each_note_is_one_version(db, {"old": old, "new": new}) == {"old": 0, "new": N_NOTES}


def test_1_kill_9_of_watch_mid_batch_then_the_engine_converges(tmp_path: Path, make_live) -> None:
    notes, home = tmp_path / "notes", tmp_path / "home"
    notes.mkdir()
    db = Workspace(notes, home=home).db_path
    proc = subprocess.Popen(
        fake_cli(home, "watch", str(notes)),
        env=fake_env(tmp_path, SLOW_BATCH_S),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out = LineReader(proc)
    try:
        wait_until(lambda: out.has("idle"), 60, "the watcher to be ready")
    except AssertionError:
        proc.kill()
        raise
    _folder(tmp_path)
    _kill_when(proc, db, "SELECT COUNT(*) FROM notes", N_NOTES)
    check_consistent(db)

    live = make_live().start()
    live.settle()
    counts = check_consistent(db, FakeEmbedder().model_id)
    assert counts["notes"] == N_NOTES
    assert live.engine.writer.ann.count == counts["chunks"]
    assert live.search_paths("word123", 1) == ["n/0123.md"]


# ---- 2-5: the ANN file killed mid-save, damaged, deleted or out of step -------------------------


def _indexed(make_live, tmp_path: Path, n: int = 60) -> Live:
    _folder(tmp_path, n)
    live = make_live().start()
    live.stop()
    return live


def _restart_and_check(make_live, expect: str) -> Live:
    live = make_live().start()
    assert live.engine.status().ann_event.startswith(expect), live.engine.status().ann_event
    for query in ("word7 topic0", "topic3 plain words", "word42"):
        assert ann_matches_exact(live, query)
    assert live.search_paths("word42", 1) == ["n/0042.md"]
    return live


_SAVE_LOOP = textwrap.dedent("""
    import sys
    sys.path.insert(0, {repo!r})
    from gte_notes.core.live.workspace import Workspace
    from tests.fakes import FakeEmbedder
    ws = Workspace({notes!r}, home={home!r})
    store = ws.open_store()
    ann = ws.open_ann(store, FakeEmbedder())
    print("saving", flush=True)
    while True:
        ann.dirty = True
        ann.save(store)
""")


def test_2_killed_while_saving_the_ann_the_next_start_loads_or_rebuilds(tmp_path: Path, make_live) -> None:
    live = _indexed(make_live, tmp_path, 300)
    ann_file = live.engine.ws.dir / "ann.bin"
    script = _SAVE_LOOP.format(repo=str(REPO), notes=str(live.folder), home=str(live.home))
    for _ in range(3):  # a few kills at different moments of the save
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "saving"
        before = ann_file.stat().st_mtime_ns
        wait_until(lambda b=before: ann_file.stat().st_mtime_ns != b, 30, "a save to complete", 0.001)
        proc.kill()
        proc.wait(30)
    again = _restart_and_check(make_live, "")
    assert again.engine.status().ann_event.startswith(("loaded", "rebuilt"))


def test_2_crash_between_writing_the_index_and_its_manifest_is_detected(tmp_path: Path, make_live) -> None:
    live = _indexed(make_live, tmp_path)
    manifest = live.engine.ws.dir / "ann.json"
    old_manifest = manifest.read_bytes()
    (live.engine.ws.dir / "ann.bin.tmp").write_bytes(b"half a file")  # the temp a crash leaves behind
    write(live.folder, "later.md", "# Later\n\nquantum knitting circles meet on tuesdays\n")
    make_live().start().stop()  # writes a new ann.bin ...
    manifest.write_bytes(old_manifest)  # ... and "dies" before the new manifest is in place
    again = _restart_and_check(make_live, "rebuilt")
    assert again.search_paths("quantum knitting", 1) == ["later.md"]


@pytest.mark.parametrize("damage", ["flip", "truncate", "zero"])
def test_3_damaged_ann_file_is_detected_before_loading_and_rebuilt(tmp_path: Path, make_live, damage) -> None:
    live = _indexed(make_live, tmp_path)
    ann_file = live.engine.ws.dir / "ann.bin"
    data = bytearray(ann_file.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
    elif damage == "truncate":
        data = data[: len(data) // 3]
    else:
        data = bytearray(len(data))
    ann_file.write_bytes(bytes(data))
    _restart_and_check(make_live, "rebuilt")


@pytest.mark.parametrize("missing", ["ann.bin", "ann.json", "both"])
def test_4_deleted_ann_files_are_rebuilt_with_exact_results(tmp_path: Path, make_live, missing) -> None:
    live = _indexed(make_live, tmp_path)
    for name in ["ann.bin", "ann.json"] if missing == "both" else [missing]:
        (live.engine.ws.dir / name).unlink()
    _restart_and_check(make_live, "rebuilt")


def test_3_4_ann_files_damaged_or_deleted_during_watch(tmp_path: Path, make_live) -> None:
    _folder(tmp_path, 60)
    live = make_live().start()
    ann_dir = live.engine.ws.dir
    (ann_dir / "ann.json").unlink()
    (ann_dir / "ann.bin").write_bytes(b"\0" * 100)
    write(live.folder, "n/0005.md", "# Five\n\nnow about sailing boats and knots\n")
    live.wait_indexed("n/0005.md")
    assert live.search_paths("sailing boats knots", 1) == ["n/0005.md"]  # searching never used the files
    live.stop()  # saves over the damage
    again = _restart_and_check(make_live, "loaded")
    assert again.search_paths("sailing boats knots", 1) == ["n/0005.md"]


def test_5_ann_count_differing_from_the_database_is_rebuilt_or_caught_up(tmp_path: Path, make_live) -> None:
    live = _indexed(make_live, tmp_path)
    manifest_file = live.engine.ws.dir / "ann.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["count"] += 3
    manifest_file.write_text(json.dumps(manifest))
    again = _restart_and_check(make_live, "rebuilt")
    again.stop()

    # Chunks deleted behind the saved index's back (a database newer than the file): never returned.
    store = Store(live.engine.ws.db_path)
    with store.transaction():
        store.delete_notes(["n/0042.md"])
    store.close()
    third = make_live().start()
    assert third.engine.writer.ann.count == check_consistent(live.engine.ws.db_path)["chunks"]
    # The start-up reconcile puts the note back from disk; what matters is that nothing stale is served.
    assert ann_matches_exact(third, "word42 topic0")


# ---- 6: a corrupted database ------------------------------------------------------------------


def test_6_corrupted_database_is_moved_aside_rebuilt_and_the_user_told(tmp_path: Path, make_live) -> None:
    live = _indexed(make_live, tmp_path, 30)
    before = snapshot(live.folder)
    db = live.engine.ws.db_path
    db.write_bytes(b"this is not a database" * 500)
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    again = make_live().start()
    assert any("moved aside" in n for n in again.rec.notices)
    assert list(db.parent.glob("index.db.corrupt-*"))
    again.settle()
    assert again.search_paths("word17", 1) == ["n/0017.md"]
    assert snapshot(live.folder) == before
    check_consistent(db)


# ---- 7: a WAL left by a crash, without a kill ---------------------------------------------------


def test_7_leftover_wal_at_start_is_recovered_without_reembedding(tmp_path: Path, make_live) -> None:
    notes = _folder(tmp_path, 40)
    ws = Workspace(notes, home=tmp_path / "home")
    store = ws.open_store()
    store.conn.execute("PRAGMA wal_autocheckpoint = 0")  # keep every commit in the WAL, as mid-run
    embedder = FakeEmbedder()
    ws.indexer(store, ws.open_ann(store, embedder), embedder).reconcile()
    wal = Path(f"{ws.db_path}-wal")
    assert wal.stat().st_size > 0
    # Copy the files as a crash leaves them (connection still open, nothing checkpointed).
    crashed = tmp_path / "crashed" / "indexes" / ws.dir.name
    crashed.mkdir(parents=True)
    for f in (ws.db_path, wal):
        shutil.copy2(f, crashed / f.name)
    store.close()

    live = make_live(home=tmp_path / "crashed").start()
    assert live.rec.embedded() == 0  # nothing lost: every note and vector came back from the WAL
    assert check_consistent(live.engine.ws.db_path)["notes"] == 40
    assert live.search_paths("word33", 1) == ["n/0033.md"]


# ---- 8: a second instance ---------------------------------------------------------------------


def test_8_second_instance_is_refused_with_a_clear_message(tmp_path: Path, make_live) -> None:
    _folder(tmp_path, 20)
    first = make_live().start()
    second = make_live()
    with pytest.raises(AlreadyRunningError, match="already indexing"):
        second.engine.start()
    for command in ("watch", "index"):
        other = subprocess.run(
            fake_cli(first.home, command, str(first.folder)),
            env=fake_env(tmp_path),
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert other.returncode == 1 and "already indexing" in other.stderr
    write(first.folder, "n/0003.md", "# Three\n\nnow about glaciers\n")
    wait_until(lambda: first.search_paths("glaciers", 1) == ["n/0003.md"], 30, "the first engine to go on")
    check_consistent(first.engine.ws.db_path)


# ---- 9: disk full -----------------------------------------------------------------------------


def test_9_disk_full_rolls_back_keeps_the_index_warns_and_catches_up(
    tmp_path: Path, make_live, monkeypatch
) -> None:
    _folder(tmp_path, 20)
    live = make_live(store_retry_s=(0.3, 1.0)).start()

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "replace_chunks", full)
    write(live.folder, "n/0004.md", "# Four\n\nnow about volcanoes\n")
    wait_until(lambda: live.rec.errors, 30, "a warning")
    message, is_bug, _ = live.rec.errors[0]
    assert "disk is full" in message and not is_bug
    assert live.engine.state.phase is Phase.ERROR
    assert live.search_paths("word4 topic4", 1) == ["n/0004.md"]  # the previous index is kept
    assert live.indexed_hashes()["n/0004.md"] == sha256_text(note_text(4))
    check_consistent(live.engine.ws.db_path)

    monkeypatch.undo()  # space freed: the retry catches up by itself
    wait_until(lambda: live.search_paths("volcanoes", 1) == ["n/0004.md"], 30, "the retry")
    wait_until(lambda: live.engine.state.phase is Phase.IDLE, 30, "the warning to clear")


# ---- 10: the model changes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "other",
    [
        FakeEmbedder(model_id="fake-b:0:fp32:384"),  # another model name
        FakeEmbedder(model_id="fake:0:int8:384"),  # the same model at another precision
        FakeEmbedder(dim=256, model_id="fake:0:fp32:256"),  # another dimension
    ],
    ids=["name", "precision", "dimension"],
)
def test_10_model_change_reembeds_everything_and_never_mixes_vectors(
    tmp_path: Path, make_live, other
) -> None:
    _indexed(make_live, tmp_path, 30)
    live = make_live(embedder=other).start()
    db = live.engine.ws.db_path
    chunks = check_consistent(db, other.model_id)["chunks"]
    distinct = count_rows(db, "SELECT COUNT(DISTINCT text_hash) FROM chunks")
    assert live.rec.embedded() == distinct
    assert live.engine.writer.ann.count == chunks and live.engine.writer.ann.dim == other.dim
    assert ann_matches_exact(live, "word12 topic5")


# ---- 11: an exception inside the worker ---------------------------------------------------------


class ExplodingEmbedder(FakeEmbedder):
    def encode(self, texts, token_counts=None, cancel=None):
        if any("explode" in t for t in texts):
            raise RuntimeError("boom inside the model")
        return super().encode(texts, token_counts, cancel)


def test_11_exception_in_the_worker_is_reported_and_the_worker_carries_on(tmp_path: Path, make_live) -> None:
    _folder(tmp_path, 10)
    live = make_live(embedder=ExplodingEmbedder()).start()
    write(live.folder, "bad.md", "# Bad\n\nthis note will explode the model\n")
    wait_until(lambda: live.rec.errors, 30, "the error report")
    message, is_bug, details = live.rec.errors[0]
    assert (
        is_bug and "boom inside the model" in message and "RuntimeError" in details and "Traceback" in details
    )
    wait_until(lambda: live.engine.state.phase is Phase.IDLE, 30, "the worker to go back to idle")
    assert live.search_paths("word3", 1) == ["n/0003.md"]  # searching still works
    write(live.folder, "good.md", "# Good\n\nsunflowers turn to the light\n")
    wait_until(lambda: live.search_paths("sunflowers light", 1) == ["good.md"], 30, "the next batch")
    assert "bad.md" not in live.indexed_hashes()  # the batch that failed wrote nothing half-way
