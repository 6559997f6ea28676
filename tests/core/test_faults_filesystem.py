"""Fault cases 12-25 (file-system behaviour) against the live engine with a real watchdog observer.

Each test does to a real folder what an editor, a sync tool or the system does, then waits (polling a
condition, with a generous timeout) for the index to agree with the disk.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from watchdog.observers import Observer

from gte_notes.core.live import watcher as watcher_module
from gte_notes.core.live.engine_state import Phase
from tests.core.live_helpers import check_consistent, live_factory, note_text, wait_until, write
from tests.core.other_user import cannot_run

make_live = pytest.fixture(live_factory)
NEW = "# Revised\n\nthe revised note now talks about harbour cranes\n"


def _folder(tmp_path: Path, n: int = 20) -> Path:
    notes = tmp_path / "notes"
    for i in range(n):
        write(notes, f"n/{i:04}.md", note_text(i))
    return notes


def _started(make_live, tmp_path: Path, n: int = 20, **kw):
    _folder(tmp_path, n)
    return make_live(**kw).start()


# ---- 12-15: editors' save dances ----------------------------------------------------------------


@pytest.mark.parametrize("temp_name", ["0003.md.tmp", ".goutputstream-Q1W2E3", ".0003.md.swp"])
def test_12_atomic_save_is_indexed_once_and_the_temp_file_never(tmp_path: Path, make_live, temp_name) -> None:
    live = _started(make_live, tmp_path)
    note = live.folder / "n/0003.md"
    before = live.rec.times_indexed("n/0003.md")
    tmp = note.with_name(temp_name)
    tmp.write_text(NEW)
    os.replace(tmp, note)
    live.wait_indexed("n/0003.md")
    live.settle()
    assert live.rec.times_indexed("n/0003.md") == before + 1
    assert set(live.paths()) == {f"n/{i:04}.md" for i in range(20)}
    assert live.search_paths("harbour cranes", 1) == ["n/0003.md"]


@pytest.mark.parametrize("keep_backup", [True, False], ids=["backup-kept", "writebackup"])
def test_13_vim_save_dance_is_indexed_once_and_the_backup_never(
    tmp_path: Path, make_live, keep_backup
) -> None:
    live = _started(make_live, tmp_path)
    note = live.folder / "n/0003.md"
    before = live.rec.times_indexed("n/0003.md")
    probe = note.with_name("4913")  # vim checks it may create files in the folder
    probe.write_text("")
    probe.unlink()
    backup = note.with_name("0003.md~")
    os.rename(note, backup)
    note.write_text(NEW)
    if not keep_backup:
        backup.unlink()
    live.wait_indexed("n/0003.md")
    live.settle()
    assert live.rec.times_indexed("n/0003.md") == before + 1
    assert ("n/0003.md", "removed", "") not in live.rec.files  # never dropped in between
    assert "n/0003.md~" not in live.paths() and "n/4913" not in live.paths()


def test_14_jetbrains_safe_write_indexes_the_final_content_and_ignores_its_temps(
    tmp_path: Path, make_live
) -> None:
    live = _started(make_live, tmp_path)
    note = live.folder / "n/0003.md"
    tmp, old = note.with_name("0003.md___jb_tmp___"), note.with_name("0003.md___jb_old___")
    tmp.write_text(NEW)
    os.rename(note, old)
    os.rename(tmp, note)
    old.unlink()
    live.wait_indexed("n/0003.md")
    live.settle()
    assert live.search_paths("harbour cranes", 1) == ["n/0003.md"]
    assert not [p for p in live.paths() if "___jb_" in p]


def test_15_emacs_lock_symlink_and_autosave_are_ignored_without_errors(tmp_path: Path, make_live) -> None:
    live = _started(make_live, tmp_path)
    lock = live.folder / "n/.#0003.md"
    os.symlink("someone@laptop.4242:1700000000", lock)  # dangling, as emacs makes it
    autosave = live.folder / "n/#0003.md#"
    autosave.write_text(NEW)
    (live.folder / "n/0003.md").write_text(NEW)
    live.wait_indexed("n/0003.md")
    lock.unlink()
    autosave.unlink()
    live.settle()
    assert not live.rec.errors
    assert set(live.paths()) == {f"n/{i:04}.md" for i in range(20)}


# ---- 16-17: floods and lost events --------------------------------------------------------------


def test_16_five_thousand_files_at_once_take_a_bounded_number_of_flushes(tmp_path: Path, make_live) -> None:
    live = _started(make_live, tmp_path, 10)
    for i in range(5000):  # what a git checkout or a sync does
        write(live.folder, f"bulk/d{i % 25}/{i}.md", note_text(10_000 + i))
    live.settle(timeout=180)
    counts = check_consistent(live.engine.ws.db_path)
    assert counts["notes"] == 5010
    assert live.engine.writer.ann.count == counts["chunks"]
    # One batch per burst (a few more on a slow machine, where writing 5,000 files outlasts the
    # 5 s cap), never one per file.
    assert 1 <= len(live.rec.partial_batches()) <= 10, [s.scanned for s in live.rec.partial_batches()]
    assert live.search_paths("word14321", 1) == ["bulk/d21/4321.md"]


def test_17_observer_thread_dead_is_noticed_restarted_and_reconciled(tmp_path: Path, make_live) -> None:
    live = _started(make_live, tmp_path)
    watcher = live.engine.writer.watcher
    assert watcher is not None and watcher.alive
    watcher._observer.stop()  # what a crash of watchdog's thread looks like from outside
    watcher._observer.join(5)
    write(live.folder, "while-dead.md", NEW)  # no event will ever come for this
    wait_until(lambda: any("file watcher stopped" in n for n in live.rec.notices), 30, "the notice")
    live.settle()
    assert live.engine.writer.watcher.alive
    write(live.folder, "after.md", "# After\n\nwatching again: tidal pools\n")
    live.wait_indexed("after.md")


def test_17_dropped_events_with_an_overflow_report_trigger_a_full_reconcile(
    tmp_path: Path, make_live, monkeypatch
) -> None:
    live = _started(make_live, tmp_path)
    monkeypatch.setattr(watcher_module._Handler, "_record", lambda self, event: None)  # the kernel drops all
    write(live.folder, "dropped.md", NEW)
    (live.folder / "n/0001.md").unlink()
    logging.getLogger("watchdog.observers.inotify_c").warning(
        "Inotify queue overflowed; filesystem events were lost"
    )  # what watchdog says when that happens
    live.settle()
    assert any(full for _, full in live.rec.batches[1:])


def test_17_lost_events_without_any_sign_are_caught_by_the_periodic_rescan(
    tmp_path: Path, make_live, monkeypatch
) -> None:
    _folder(tmp_path)
    live = make_live()
    live.engine.queue.rescan_s = 1.0
    live.start()
    monkeypatch.setattr(watcher_module._Handler, "_record", lambda self, event: None)
    write(live.folder, "dropped.md", NEW)
    (live.folder / "n/0001.md").unlink()
    live.settle()
    assert "dropped.md" in live.paths() and "n/0001.md" not in live.paths()


# ---- 18-21: renames, moves, delete + re-create ----------------------------------------------------


def test_18_renamed_note_and_renamed_folder_keep_their_vectors(tmp_path: Path, make_live) -> None:
    live = _started(make_live, tmp_path)
    write(live.folder, "n/deep/inner.md", "# Inner\n\nthe inner note is about beekeeping\n")
    live.wait_indexed("n/deep/inner.md")
    live.settle()  # the batch's stats reach the listener after its commit: count them before the renames
    embedded = live.rec.embedded()
    os.rename(live.folder / "n/0003.md", live.folder / "n/three renamed.md")
    live.settle()
    os.rename(live.folder / "n", live.folder / "m")
    live.settle()
    assert live.rec.embedded() == embedded  # 0 chunks embedded for either rename
    paths = live.paths()
    assert "m/three renamed.md" in paths and "m/deep/inner.md" in paths
    assert not [p for p in paths if p.startswith("n/")] and len(paths) == 21
    assert live.search_paths("beekeeping", 1) == ["m/deep/inner.md"]
    check_consistent(live.engine.ws.db_path)


def test_19_folder_moved_out_leaves_the_index(tmp_path: Path, make_live) -> None:
    live = _started(make_live, tmp_path)
    for i in range(5):
        write(live.folder, f"projects/p{i}.md", f"# P{i}\n\nproject {i} is about windmills\n")
    live.settle()
    outside = tmp_path / "outside"
    outside.mkdir()
    os.rename(live.folder / "projects", outside / "projects")
    live.settle()
    assert not [p for p in live.paths() if p.startswith("projects/")]
    assert "projects/p0.md" not in {h for h in live.search_paths("windmills", 10)}


def test_20_folder_moved_in_is_indexed_and_later_edits_are_seen(tmp_path: Path, make_live) -> None:
    live = _started(make_live, tmp_path)
    outside = tmp_path / "outside"
    write(outside, "proj/a.md", "# A\n\nabout kites\n")
    write(outside, "proj/deep/b.md", "# B\n\nabout gliders\n")
    os.rename(outside / "proj", live.folder / "proj")
    live.wait_indexed("proj/deep/b.md")
    (live.folder / "proj/deep/b.md").write_text("# B\n\nnow about hot air balloons\n")
    live.wait_indexed("proj/deep/b.md")
    write(live.folder, "proj/deep/c.md", "# C\n\nabout parachutes\n")
    live.wait_indexed("proj/deep/c.md")
    live.settle()


@pytest.mark.parametrize("same_content", [False, True], ids=["new-content", "same-content"])
def test_21_delete_and_recreate_within_a_second_is_a_change(tmp_path: Path, make_live, same_content) -> None:
    live = _started(make_live, tmp_path)
    note = live.folder / "n/0003.md"
    text = note.read_text() if same_content else note.read_text().replace("few", "dew")  # same size
    batches = len(live.rec.partial_batches())
    note.unlink()
    note.write_text(text)
    wait_until(lambda: len(live.rec.partial_batches()) > batches, 30, "the events to be handled")
    live.settle()
    assert ("n/0003.md", "removed", "") not in live.rec.files
    assert live.paths()["n/0003.md"] == "indexed"  # settle() checked it holds the new content's hash
    assert live.search_paths("word3 dew" if not same_content else "word3", 1) == ["n/0003.md"]


# ---- 22: inotify limits ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("err", "sysctl"),
    [(errno.ENOSPC, "fs.inotify.max_user_watches"), (errno.EMFILE, "fs.inotify.max_user_instances")],
)
def test_22_inotify_limit_falls_back_to_polling_and_says_how_to_raise_it(
    tmp_path: Path, make_live, monkeypatch, err, sysctl
) -> None:
    class LimitReached(Observer):
        def start(self) -> None:
            raise OSError(err, os.strerror(err))

    monkeypatch.setattr(watcher_module, "Observer", LimitReached)
    live = _started(make_live, tmp_path, poll_interval=0.3)
    assert live.engine.status().watching == "polling"
    notice = next(n for n in live.rec.notices if sysctl in n)
    assert "sudo sysctl --system" in notice and "every 0.3 s" in notice
    write(live.folder, "polled.md", NEW)
    live.wait_indexed("polled.md")
    (live.folder / "n/0002.md").unlink()
    live.settle()


# ---- 23: missing, emptied, unmounted --------------------------------------------------------------


def test_23_missing_folder_keeps_the_index_says_so_and_recovers(tmp_path: Path, make_live) -> None:
    live = _started(make_live, tmp_path, folder_retry_s=0.5)
    before = live.paths()
    os.rename(live.folder, tmp_path / "away")
    wait_until(lambda: live.engine.status().folder_missing, 30, "the status to say the folder is missing")
    assert live.engine.state.phase is Phase.ERROR and "does not exist" in live.engine.state.problem
    assert any("index is kept" in n or "existing index" in n for n in live.rec.notices)
    assert live.paths() == before
    assert live.search_paths("word5", 1) == ["n/0005.md"]
    os.rename(tmp_path / "away", live.folder)
    wait_until(lambda: live.engine.state.phase is Phase.IDLE, 30, "recovery")
    assert live.paths() == before
    write(live.folder, "n/0005.md", NEW)
    live.wait_indexed("n/0005.md")


# watchdog warns that it re-registers the watch of a folder moved back in; harmless here.
@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")
def test_23_emptied_folder_is_not_mass_deleted(tmp_path: Path, make_live) -> None:
    live = _started(make_live, tmp_path, folder_retry_s=0.5)
    before = live.paths()
    away = tmp_path / "away"
    away.mkdir()
    for entry in live.folder.iterdir():  # a sync client emptying the folder, one event at a time
        shutil.move(str(entry), away / entry.name)
    wait_until(lambda: "empty or unreachable" in live.engine.status().problem, 30, "the empty-folder warning")
    assert live.paths() == before
    for entry in away.iterdir():
        shutil.move(str(entry), live.folder / entry.name)
    wait_until(lambda: live.engine.state.phase is Phase.IDLE, 30, "recovery")
    assert live.paths() == before
    live.settle()


def test_23_unmounted_drive_is_not_mass_deleted(tmp_path: Path, make_live) -> None:
    mount_point = tmp_path / "drive"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        cannot_run(
            "mounting a file system needs root (CAP_SYS_ADMIN); the emptied-folder test covers "
            f"what an unmount looks like: {mounted.stderr.decode().strip()}"
        )
    try:
        for i in range(10):
            write(mount_point, f"n/{i}.md", note_text(i))
        live = make_live(folder=mount_point, folder_retry_s=0.5).start()
        before = live.paths()
        umount = subprocess.run(["umount", str(mount_point)], capture_output=True, check=False)
        if umount.returncode != 0:
            subprocess.run(["umount", "-l", str(mount_point)], check=True)
        wait_until(lambda: live.engine.status().problem, 30, "the warning")
        assert live.paths() == before and len(before) == 10
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, check=False)


# ---- 24-25: sync conflicts, symlinks --------------------------------------------------------------


def test_24_sync_conflict_copies_are_indexed_as_ordinary_notes(tmp_path: Path, make_live) -> None:
    live = _started(make_live, tmp_path)
    copies = [
        "n/0003.sync-conflict-20240101-123456-ABCDEFG.md",  # Syncthing
        "n/0003 (conflicted copy 2024-01-01).md",  # Dropbox
        "n/0003 (Case Conflict).md",
        "n/0003 2.md",
    ]  # iCloud
    for i, rel in enumerate(copies):
        write(live.folder, rel, f"# Copy\n\nconflict copy {i} mentions zeppelin{i}\n")
    live.settle()
    assert all(live.paths().get(rel) == "indexed" for rel in copies)
    assert live.search_paths("zeppelin2", 1) == [copies[2]]


@pytest.mark.parametrize("polling", [False, True], ids=["inotify", "polling"])
def test_25_symlink_loops_and_links_out_are_not_followed(tmp_path: Path, make_live, polling) -> None:
    notes = _folder(tmp_path, 5)
    outside = tmp_path / "outside"
    write(outside, "secret.md", "# Secret\n\nprivate diary about submarines\n")
    os.symlink(".", notes / "loop")
    os.symlink("..", notes / "n" / "up")
    os.symlink(outside, notes / "outside-link")
    os.symlink(outside / "secret.md", notes / "link.md")
    live = make_live(force_polling=polling, poll_interval=0.3).start()
    assert live.engine.status().watching == ("polling" if polling else "inotify")
    os.symlink("../n", notes / "n" / "again")  # a new loop while watching
    write(live.folder, "n/new.md", "# New\n\nabout lanterns\n")
    live.wait_indexed("n/new.md")
    live.settle()
    indexed = {p for p, status in live.paths().items() if status == "indexed"}
    assert indexed == {f"n/{i:04}.md" for i in range(5)} | {"n/new.md"}
    assert not [p for p in live.paths() if "secret" in p or p.startswith(("loop", "outside"))]
    assert not live.rec.errors
    # Not followed, and not silently missing either: the link named like a note is listed, with why.
    files = {f.path: f for f in live.engine.status_files().files}
    assert (files["link.md"].status, files["link.md"].reason) == (
        "not_regular",
        "symbolic link, not followed",
    )
    assert set(files) == indexed | {"link.md"}


def _deep_folder(top: Path, levels: int) -> str:
    """Folders nested past PATH_MAX (made through directory descriptors: no path that long can be
    opened); a note at the bottom. The relative path of the deepest folder."""
    name = "d" * 200
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(levels):
            os.mkdir(name, dir_fd=fd)
            nxt = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        note = os.open("deep.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(note, b"# Deep\n\nfar down\n")
        os.close(note)
    finally:
        os.close(fd)
    return "/".join([name] * levels)


def test_a_subtree_past_the_path_limit_gets_an_unreadable_row(tmp_path: Path, make_live) -> None:
    notes = _folder(tmp_path, 3)
    deep = _deep_folder(notes, 22)  # 22 x 201 bytes: past Linux's 4,096
    live = make_live().start()
    rows = {f.path: f for f in live.engine.status_files().files}
    too_long = [p for p, f in rows.items() if f.status == "unreadable"]
    assert len(too_long) == 1 and deep.startswith(too_long[0].rstrip("/")), too_long
    assert "longer than this system allows" in rows[too_long[0]].reason
    assert {p for p, f in rows.items() if f.status == "indexed"} == {f"n/{i:04}.md" for i in range(3)}
    assert not live.rec.errors
