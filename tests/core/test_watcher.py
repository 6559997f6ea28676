"""The watcher (a real watchdog observer on a real folder), the debounce and the work queue."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest
from watchdog.observers import Observer

from gte_notes.core.files.note_filter import NoteFilter
from gte_notes.core.live import watcher as watcher_module
from gte_notes.core.live.debounce import Debouncer
from gte_notes.core.live.watcher import FolderWatcher
from gte_notes.core.live.work_queue import Job, WorkQueue, collapse
from tests.core.live_helpers import wait_until, write


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# ---- debounce -----------------------------------------------------------------------------------


def test_a_burst_is_one_batch_after_a_quiet_second() -> None:
    clock = Clock()
    d = Debouncer(1.0, 5.0, clock)
    d.add(["a.md"])
    clock.now += 0.5
    d.add(["a.md", "b.md"])
    clock.now += 0.9
    assert d.take() == set()  # 0.9 s since the last event: not quiet yet
    clock.now += 0.2
    assert d.take() == {"a.md", "b.md"}
    assert d.take() == set() and d.due() is None


def test_a_folder_that_never_goes_quiet_is_flushed_every_five_seconds() -> None:
    clock = Clock()
    d = Debouncer(1.0, 5.0, clock)
    batches = []
    for step in range(100):  # an event every 0.2 s for 20 s
        d.add([f"{step}.md"])
        clock.now += 0.2
        if got := d.take():
            batches.append(len(got))
    assert len(batches) == 4 and sum(batches) <= 100


# ---- work queue ---------------------------------------------------------------------------------


def test_collapse_keeps_a_folder_and_drops_what_is_inside_it() -> None:
    assert collapse(["a/b.md", "a", "ab.md", "c/d/e.md", "c/d", "/x/"]) == {"a", "ab.md", "c/d", "x"}


def test_a_full_scan_swallows_queued_paths_and_retries() -> None:
    clock = Clock()
    q = WorkQueue(quiet=1.0, max_wait=5.0, clock=clock)
    q.add_dirty(["a.md"])
    q.add_now(["b.md"])
    q.retry_later(Job(frozenset({"c.md"}), "disk full"), 10.0)
    q.request_full("start-up")
    job = q.take()
    assert job is not None and job.full and job.reason == "start-up"
    assert q.take() is None and q.pending() == 0
    clock.now += 11
    assert q.take() == Job(frozenset({"c.md"}), "changes")


def test_explicit_paths_run_at_once_and_debounced_ones_after_quiet() -> None:
    clock = Clock()
    q = WorkQueue(quiet=1.0, max_wait=5.0, clock=clock)
    q.add_dirty(["later.md"])
    q.add_now(["now.md"])
    assert q.take() == Job(frozenset({"now.md"}), "changes")
    assert q.pending() == 1 and q.deadline() == pytest.approx(101.0)
    clock.now += 1.0
    assert q.take() == Job(frozenset({"later.md"}), "changes")


def test_periodic_rescan_comes_due() -> None:
    clock = Clock()
    q = WorkQueue(rescan_s=600, clock=clock)
    q.full_done()
    assert q.take() is None and q.deadline() == pytest.approx(700.0)
    clock.now += 600
    job = q.take()
    assert job is not None and job.full and job.reason == "periodic rescan"


# ---- the watcher on a real folder --------------------------------------------------------------


class Sink:
    def __init__(self) -> None:
        self.paths: list[str] = []
        self.lost: list[str] = []
        self.notices: list[str] = []
        self.lock = threading.Lock()

    def on_paths(self, paths: list[str]) -> None:
        with self.lock:
            self.paths.extend(paths)

    def on_lost(self, reason: str) -> None:
        self.lost.append(reason)

    def has(self, *paths: str) -> bool:
        with self.lock:
            return set(paths) <= set(self.paths)


@pytest.fixture
def watched(tmp_path: Path):
    folder = tmp_path / "notes"
    write(folder, "sub/a.md", "a")
    sink = Sink()
    w = FolderWatcher(
        folder,
        NoteFilter(),
        on_paths=sink.on_paths,
        on_lost=sink.on_lost,
        on_notice=sink.notices.append,
        poll_interval=0.2,
    )
    w.start()
    yield folder, sink, w
    w.stop()


def test_moves_report_both_ends_and_temp_files_are_ignored(watched) -> None:
    folder, sink, w = watched
    assert w.mode == "inotify"
    os.rename(folder / "sub/a.md", folder / "sub/b.md")
    os.rename(folder / "sub", folder / "moved")
    for name in ("4913", "b.md~", ".#b.md", "b.md.swp", "x.md___jb_tmp___", "c.tmp", "picture.png"):
        (folder / "moved" / name).write_text("temp")
    write(folder, ".git/objects/ab/cdef", "blob")
    write(folder, "moved/c.md", "c")
    wait_until(lambda: sink.has("sub/a.md", "sub/b.md", "sub", "moved", "moved/c.md"), 10, "the events")
    assert {p for p in sink.paths if not p.endswith(".md") and p not in ("sub", "moved")} == set()
    assert not [p for p in sink.paths if p.endswith(("~", "4913")) or ".git" in p or "#" in p]


def test_a_failing_consumer_never_kills_the_observer(watched) -> None:
    folder, sink, w = watched
    calls = []

    def broken(paths: list[str]) -> None:
        calls.append(paths)
        if len(calls) == 1:
            raise RuntimeError("consumer bug")
        sink.on_paths(paths)

    w._handler.on_paths = broken
    write(folder, "one.md", "1")
    wait_until(lambda: sink.lost, 10, "the failure to be reported as lost events")
    write(folder, "two.md", "2")
    wait_until(lambda: sink.has("two.md"), 10, "later events")
    assert w.alive


def test_deleting_the_watched_folder_reports_lost_events(watched) -> None:
    folder, sink, w = watched
    (folder / "sub/a.md").unlink()
    (folder / "sub").rmdir()
    folder.rmdir()
    wait_until(lambda: sink.lost, 10, "the lost-events report")
    wait_until(lambda: not w.alive, 10, "the watch to end")


def test_inotify_limit_falls_back_to_polling_with_advice(tmp_path: Path, monkeypatch) -> None:
    class LimitReached(Observer):
        def start(self) -> None:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(watcher_module, "Observer", LimitReached)
    folder = tmp_path / "notes"
    folder.mkdir()
    sink = Sink()
    w = FolderWatcher(
        folder,
        NoteFilter(),
        on_paths=sink.on_paths,
        on_lost=sink.on_lost,
        on_notice=sink.notices.append,
        poll_interval=0.2,
    )
    w.start()
    try:
        assert w.mode == "polling" and w.alive
        assert "fs.inotify.max_user_watches" in sink.notices[0]
        write(folder, "polled.md", "p")
        wait_until(lambda: sink.has("polled.md"), 10, "a polled change")
    finally:
        w.stop()
    assert not w.alive and w.mode == "off"
