"""Faults found by attacking the real CLI (issue 11): a damaged hnswlib file of a big index, a real
full disk, a partly overwritten database, a missing folder, a deleted writer.lock, unreadable folders.

Real folders, SQLite, hnswlib and `gte-notes` processes; a real tmpfs for the full disk (skipped where
mounting is not permitted); the fake embedder (tests/fakes.py), which makes a 21,000-vector index cheap.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gte_notes.core.errors import StoreError
from gte_notes.core.index.ann import EXACT_BELOW, AnnIndex
from gte_notes.core.index.indexer import Indexer
from gte_notes.core.index.status import index_files
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
from tests.core.other_user import NOBODY, as_nobody, cannot_run, shared_tmp_dir
from tests.fakes import FakeEmbedder

make_live = pytest.fixture(live_factory)
BIG_NOTES, PARAS = 1000, 21  # 21,000 chunks: past EXACT_BELOW, so the saved file is an hnswlib graph


def _run(tmp_path: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        fake_cli(home, *args),
        env=fake_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def _top(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)[0]["path"]


# ---- a big index whose saved file is a real hnswlib graph ---------------------------------------


@pytest.fixture(scope="module")
def big_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A notes folder of 1,000 notes x 21 paragraphs, indexed once (about half a minute)."""
    root = tmp_path_factory.mktemp("big")
    words = [f"w{i}" for i in range(5000)]
    for n in range(BIG_NOTES):
        paras = [
            " ".join(words[(k * 7 + j * 13) % 5000] for j in range(90)) + f" uniq{k}."
            for k in range(n * PARAS, (n + 1) * PARAS)
        ]
        write(root / "notes", f"d{n // 100}/n{n:04}.md", f"# Note {n}\n\n" + "\n\n".join(paras))
    ws = Workspace(root / "notes", home=root / "home")
    store, emb = ws.open_store(), FakeEmbedder()
    with ws.lock:
        ann = ws.open_ann(store, emb)
        ws.indexer(store, ann, emb).reconcile()
        ann.save(store)
    assert ann.kind == "hnsw" and ann.count == BIG_NOTES * PARAS > EXACT_BELOW
    store.close()
    return root


@pytest.fixture
def big(big_index: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "big"
    shutil.copytree(big_index, copy, symlinks=True)
    # The index folder is named after the notes folder's path, which the copy changed.
    old = Workspace(big_index / "notes", home=copy / "home").dir
    old.rename(Workspace(copy / "notes", home=copy / "home").dir)
    return copy


def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "flip":
        data[len(data) // 2] ^= 0x01
    elif how == "truncate":
        data = data[: len(data) // 3]
    else:
        data = bytearray(len(data))
    path.write_bytes(bytes(data))


def test_3_4_damaged_hnswlib_file_is_answered_exactly_by_a_reader_and_rebuilt_by_the_writer(
    big: Path, tmp_path: Path
) -> None:
    ws = Workspace(big / "notes", home=big / "home")
    _damage(ws.dir / "ann.bin", "truncate")
    damaged = (ws.dir / "ann.bin").read_bytes()
    first = _run(tmp_path, big / "home", "search", str(big / "notes"), "uniq12345", "--json")
    assert _top(first) == "d5/n0587.md"
    assert "answered exactly from the database" in first.stderr and "gte-notes index" in first.stderr
    assert (ws.dir / "ann.bin").read_bytes() == damaged  # a reader never saves the index (issue 23)
    assert _run(tmp_path, big / "home", "index", str(big / "notes")).returncode == 0  # the writer rebuilds it
    again = _run(tmp_path, big / "home", "search", str(big / "notes"), "uniq20999", "--json")
    assert _top(again) == "d9/n0999.md" and again.stderr == ""  # loaded, not rebuilt again
    assert AnnIndex(ws.dir, 384, FakeEmbedder().model_id).verify()[0] is not None
    assert not (ws.dir / "ann.bin.tmp").exists()


@pytest.mark.parametrize("how", ["flip", "zero", "short_with_matching_manifest"])
def test_3_damaged_hnswlib_file_is_never_handed_to_hnswlib(big: Path, how: str) -> None:
    ws = Workspace(big / "notes", home=big / "home")
    ann_file = ws.dir / "ann.bin"
    if how == "short_with_matching_manifest":
        # What an unchecked save on a full disk used to leave: a short file its manifest vouches for.
        ann_file.write_bytes(ann_file.read_bytes()[: ann_file.stat().st_size // 2])
        manifest = json.loads((ws.dir / "ann.json").read_text())

        manifest.update(
            size=ann_file.stat().st_size, sha256=hashlib.sha256(ann_file.read_bytes()).hexdigest()
        )
        (ws.dir / "ann.json").write_text(json.dumps(manifest))
    else:
        _damage(ann_file, how)
    store, emb = ws.open_store(create=False), FakeEmbedder()
    ann = AnnIndex(ws.dir, emb.dim, emb.model_id)
    ann.load(store, rebuild=False)  # a reader: exact from SQLite at once, never the damaged graph
    assert ann.needs_rebuild and ann.last_event.startswith("exact from the database")
    assert ann.count == BIG_NOTES * PARAS
    for chunk_id in (1, 777, 20_999):  # exact: each stored vector finds its own chunk first
        _, vecs = store.vectors.of_chunks(emb.model_id, emb.dim, chunk_ids=[chunk_id])
        ids, sims = ann.query(vecs[0], 3)
        assert int(ids[0]) == chunk_id and sims[0] > 0.999
    store.close()


def test_4_reader_beside_a_running_writer_answers_exactly_and_says_so(tmp_path: Path, make_live) -> None:
    for i in range(60):
        write(tmp_path / "notes", f"n/{i:04}.md", note_text(i))
    live = make_live().start()
    (live.engine.ws.dir / "ann.bin").write_bytes(b"\0" * 100)
    found = _run(tmp_path, live.home, "search", str(live.folder), "word42", "--json")
    assert _top(found) == "n/0042.md"
    assert "answered exactly from the database" in found.stderr


# ---- a real full disk ---------------------------------------------------------------------------


@pytest.fixture
def small_disk() -> Iterator[Any]:
    """Mount a tmpfs of a given size (root only); skip where mounting is not permitted."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        where = Path(tempfile.mkdtemp(prefix="gte-notes-full-"))
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            where.rmdir()
            cannot_run(f"cannot mount a small tmpfs to fill (needs root): {done.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], check=False)
        with contextlib.suppress(OSError):
            where.rmdir()


def _fill(disk: Path, leave: int) -> Path:
    """Take all of the disk's space but `leave` bytes."""
    st = os.statvfs(disk)
    filler = disk / "filler"
    with open(filler, "wb") as f, contextlib.suppress(OSError):
        f.write(b"\0" * max(st.f_bavail * st.f_frsize - leave, 0))
    return filler


def test_9_index_on_a_really_full_disk_says_so_and_catches_up_after(tmp_path: Path, small_disk) -> None:
    disk = small_disk("16m")  # room for the index once the filler is gone, titles included
    notes, home = tmp_path / "notes", disk / "home"
    for i in range(400):
        write(notes, f"n/{i:04}.md", note_text(i) * 3)
    filler = _fill(disk, 256 * 1024)
    full = _run(tmp_path, home, "index", str(notes))
    assert full.returncode != 0 and "disk is full" in full.stderr and "Nothing was lost" in full.stderr, (
        full.stderr
    )
    ws = Workspace(notes, home=home)
    assert not list(ws.dir.glob("*.tmp"))
    filler.unlink()
    done = _run(tmp_path, home, "index", str(notes))
    assert done.returncode == 0, done.stderr
    assert check_consistent(ws.db_path, FakeEmbedder().model_id)["notes"] == 400
    assert _top(_run(tmp_path, home, "search", str(notes), "word321", "--json")) == "n/0321.md"


def test_9_saving_an_hnswlib_graph_on_a_really_full_disk(big: Path, small_disk) -> None:
    """hnswlib reports no error when the disk fills: the short file must still be caught."""
    src = Workspace(big / "notes", home=big / "home")
    need = (
        sum(p.stat().st_size for p in src.dir.iterdir()) + (src.dir / "ann.bin").stat().st_size
    )  # + a new copy
    disk = small_disk(f"{need // (1 << 20) + 8}m")
    shutil.copytree(big / "home", disk / "home")
    ws = Workspace(big / "notes", home=disk / "home")
    store, emb = ws.open_store(), FakeEmbedder()
    ann = ws.open_ann(store, emb)
    assert ann.last_event == "loaded" and ann.kind == "hnsw"
    before = (ws.dir / "ann.bin").read_bytes()
    filler = _fill(disk, 2 << 20)
    ann.dirty = True
    with pytest.raises(StoreError, match="disk is full.*Nothing was lost"):
        ann.save(store)
    assert not (ws.dir / "ann.bin.tmp").exists() and not (ws.dir / "ann.json.tmp").exists()
    assert (ws.dir / "ann.bin").read_bytes() == before and ann.verify()[0] is not None  # the old one is kept
    filler.unlink()
    ann.save(store)
    again = AnnIndex(ws.dir, emb.dim, emb.model_id)
    again.load(store)
    assert again.last_event == "loaded" and again.count == BIG_NOTES * PARAS
    store.close()


def test_9_disk_full_while_the_running_app_saves_its_ann_warns_keeps_the_old_one_and_goes_on(
    tmp_path: Path, small_disk, make_live
) -> None:
    # A real full disk under the real AnnIndex.save (was: save replaced by a function that raised).
    disk = small_disk("8m")
    for i in range(10):
        write(tmp_path / "notes", f"n/{i:04}.md", note_text(i))
    live = make_live(home=disk / "home")
    live.engine.writer.saver.min_s = 0.0  # save whenever the ANN changed
    live.start()
    ws, writer = live.engine.ws, live.engine.writer
    wait_until(lambda: ws.dir.joinpath("ann.json").exists() and not writer.ann.dirty, 30, "the first save")
    saved = (ws.dir / "ann.bin").read_bytes()

    filler = _fill(disk, 0)
    writer.ann.dirty = True  # as after a batch: the next idle turn saves, onto a disk with no room
    live.engine.queue.wake.set()
    wait_until(lambda: live.rec.errors, 30, "the failed save to be reported")
    message, is_bug, _ = live.rec.errors[0]
    assert not is_bug and "disk is full" in message and "Nothing was lost" in message, message
    assert not list(ws.dir.glob("*.tmp"))  # the half-written temporary files are gone
    assert (ws.dir / "ann.bin").read_bytes() == saved and writer.ann.verify()[0] is not None  # old one kept
    assert live.search_paths("word7", 1) == ["n/0007.md"]  # searching goes on

    filler.unlink()
    write(live.folder, "extra.md", "# Extra\n\nabout lighthouses\n")
    wait_until(lambda: live.search_paths("lighthouses", 1) == ["extra.md"], 30, "indexing to go on")
    wait_until(lambda: not writer.ann.dirty, 30, "the ANN to be saved once there is room")
    live.stop()
    again = make_live(home=disk / "home").start()
    assert again.engine.status().ann_event == "loaded"  # the saved file is whole and current
    assert again.search_paths("lighthouses", 1) == ["extra.md"]


# ---- a partly overwritten database, a missing folder --------------------------------------------


def test_6_partly_overwritten_database_tells_the_user_to_run_index_which_repairs_it(tmp_path: Path) -> None:
    notes, home = tmp_path / "notes", tmp_path / "home"
    for i in range(300):
        write(notes, f"n/{i:04}.md", note_text(i) * 4)
    assert _run(tmp_path, home, "index", str(notes)).returncode == 0
    db = Workspace(notes, home=home).db_path
    size = db.stat().st_size
    with open(db, "r+b") as f:  # a few KB of garbage in the middle, as a bad sector or a stray write
        f.seek(size // 2)
        f.write(os.urandom(6 * 1024))
    found = _run(tmp_path, home, "search", str(notes), "word17")
    assert found.returncode == 1 and "damaged" in found.stderr and "gte-notes index" in found.stderr
    repaired = _run(tmp_path, home, "index", str(notes))
    assert repaired.returncode == 0 and "moved aside" in repaired.stderr
    assert _top(_run(tmp_path, home, "search", str(notes), "word17", "--json")) == "n/0017.md"


def test_6_empty_database_file_is_damage_a_search_never_writes_and_index_repairs(tmp_path: Path) -> None:
    notes, home = tmp_path / "notes", tmp_path / "home"
    for i in range(20):
        write(notes, f"n/{i:04}.md", note_text(i))
    assert _run(tmp_path, home, "index", str(notes)).returncode == 0
    db = Workspace(notes, home=home).db_path
    db.write_bytes(b"")  # emptied by a failed copy or a truncating tool
    for part in (db.with_name("index.db-wal"), db.with_name("index.db-shm")):
        part.unlink(missing_ok=True)
    for command in (("search", str(notes), "word7"), ("status", str(notes))):
        found = _run(tmp_path, home, *command)
        assert found.returncode == 1 and "damaged" in found.stderr and "gte-notes index" in found.stderr
        assert db.stat().st_size == 0  # a reader wrote no schema into it
    repaired = _run(tmp_path, home, "index", str(notes))
    assert repaired.returncode == 0 and "moved aside" in repaired.stderr and "20 new" in repaired.stdout
    assert _top(_run(tmp_path, home, "search", str(notes), "word7", "--json")) == "n/0007.md"


def test_7_wal_deleted_under_a_running_watch_readers_get_advice_and_nothing_is_lost(tmp_path: Path) -> None:
    notes, home = tmp_path / "notes", tmp_path / "home"
    for i in range(20):
        write(notes, f"n/{i:04}.md", note_text(i))
    db = Workspace(notes, home=home).db_path
    proc = subprocess.Popen(
        fake_cli(home, "watch", str(notes)),
        env=fake_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out = LineReader(proc)
    try:
        wait_until(lambda: out.has("idle"), 60, "the watch to index the folder")
        write(notes, "n/late.md", "# Late\n\nword555 committed to the WAL only\n")
        wait_until(
            lambda: _run(tmp_path, home, "search", str(notes), "word555", "--json").stdout.count("late"),
            30,
            "the watch to index the late note",
        )
        db.with_name("index.db-wal").unlink()
        found = _run(tmp_path, home, "search", str(notes), "word7")
        assert found.returncode == 1 and "-wal file may have been deleted" in found.stderr, found.stderr
        assert 'stop "gte-notes watch"' in found.stderr
        proc.send_signal(signal.SIGTERM)  # as advised
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (
        _top(_run(tmp_path, home, "search", str(notes), "word555", "--json")) == "n/late.md"
    )  # nothing lost
    assert check_consistent(db)["notes"] == 21


def test_23_search_and_status_answer_from_the_index_while_the_folder_is_missing(tmp_path: Path) -> None:
    notes, home = tmp_path / "notes", tmp_path / "home"
    for i in range(20):
        write(notes, f"n/{i:04}.md", note_text(i))
    assert _run(tmp_path, home, "index", str(notes)).returncode == 0
    notes.rename(tmp_path / "unmounted")
    found = _run(tmp_path, home, "search", str(notes), "word7", "--json")
    assert _top(found) == "n/0007.md" and "missing or unreachable" in found.stderr
    status = _run(tmp_path, home, "status", str(notes))
    assert (
        status.returncode == 0 and "20 indexed" in status.stdout and "missing or unreachable" in status.stdout
    )
    assert not notes.exists()  # nothing was created in its place


# ---- the writer lock ----------------------------------------------------------------------------


def test_8_deleting_writer_lock_does_not_let_a_second_writer_in(tmp_path: Path, make_live) -> None:
    write(tmp_path / "notes", "a.md", "# A\n\nsome text\n")
    live = make_live().start()
    (live.engine.ws.dir / "writer.lock").unlink()
    for command in ("index", "watch"):
        other = _run(tmp_path, live.home, command, str(live.folder))
        assert other.returncode == 1 and "already indexing" in other.stderr
    live.stop()
    assert _run(tmp_path, live.home, "index", str(live.folder)).returncode == 0  # released with the writer


# ---- files and folders that cannot be read (run as a non-root user), files deleted mid-read ------


def _reconcile_as_nobody(notes: Path, home: Path) -> dict[str, Any]:
    """Reconcile as `nobody` (root reads everything); the status of every file afterwards."""

    def work() -> dict[str, Any]:
        ws = Workspace(notes, home=home)
        store, emb = ws.open_store(), FakeEmbedder()
        stats = ws.indexer(store, ws.open_ann(store, emb), emb).reconcile()
        files = {f.path: [f.status, f.reason] for f in index_files(store)}
        return {"files": files, "failed": stats.failed}

    return as_nobody(work)


shared_tmp = pytest.fixture(shared_tmp_dir)


def test_5_31_unreadable_file_and_folder_show_in_status_and_are_retried_later(shared_tmp: Path) -> None:
    if os.geteuid() != 0:
        cannot_run("needs root to drop to another user; as that user, chmod 000 would not stop root")
    notes, home = shared_tmp / "notes", shared_tmp / "home"
    write(notes, "open.md", "# Open\n\nanyone may read this\n")
    write(notes, "secret.md", "# Secret\n\nprivate words\n")
    write(notes, "locked/inside.md", "# Inside\n\nkept while locked\n")
    for p in [notes, notes / "locked"]:
        p.chmod(0o755)
    home.mkdir(mode=0o777)
    home.chmod(0o777)
    first = _reconcile_as_nobody(notes, home)
    if "child_error" in first:
        cannot_run(f"cannot run as uid {NOBODY}: {first['child_error']}")
    assert {p: s for p, (s, _) in first["files"].items()} == {
        "open.md": "indexed",
        "secret.md": "indexed",
        "locked/inside.md": "indexed",
    }

    (notes / "secret.md").chmod(0o000)
    (notes / "secret.md").touch()  # a changed mtime, so it is looked at again
    (notes / "locked").chmod(0o000)
    second = _reconcile_as_nobody(notes, home)
    assert second["files"]["secret.md"] == ["unreadable", "permission denied"]
    assert (
        second["files"]["locked/"][0] == "unreadable" and "permission denied" in second["files"]["locked/"][1]
    )
    assert second["files"]["locked/inside.md"][0] == "indexed"  # not taken for deleted
    assert second["failed"] == 2

    (notes / "secret.md").chmod(0o644)  # fixed, mtime unchanged: still retried
    (notes / "locked").chmod(0o755)
    third = _reconcile_as_nobody(notes, home)
    assert {p: s for p, (s, _) in third["files"].items()} == {
        "open.md": "indexed",
        "secret.md": "indexed",
        "locked/inside.md": "indexed",
    }


def test_32_file_deleted_while_being_read_leaves_the_index(tmp_path: Path, monkeypatch) -> None:
    notes = tmp_path / "notes"
    for i in range(5):
        write(notes, f"n/{i}.md", note_text(i))
    ws = Workspace(notes, home=tmp_path / "home")
    store, emb = ws.open_store(), FakeEmbedder()
    indexer = ws.indexer(store, ws.open_ann(store, emb), emb)
    indexer.reconcile()
    write(notes, "n/3.md", note_text(3, "edited"))  # changed, so it is read again ...

    import gte_notes.core.index.indexer as indexer_module

    real_read = indexer_module.read_note

    def deleted_first(path: Path, max_bytes: int):  # ... and deleted between the scan and the read
        if path.name == "3.md":
            path.unlink()
        return real_read(path, max_bytes)

    monkeypatch.setattr(indexer_module, "read_note", deleted_first)
    stats = Indexer.reconcile(indexer)
    assert "n/3.md" not in store.notes() and stats.removed == 1
    assert ("n/3.md", "removed", "") in stats.changed
    assert [
        h for h in ws.searcher(store, indexer.ann, emb).search("word3 edited", 5) if h.path == "n/3.md"
    ] == []
    store.close()
