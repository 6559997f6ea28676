"""The engine's read side: reads in flight when the engine stops, and caches that belong to one engine."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gte_notes.core.index.store import Store
from gte_notes.core.search.keyword import PROBE_LIMIT
from gte_notes.core.search.term_query import word_strings
from tests.core.live_helpers import Live, live_factory, note_text, wait_until, write

make_live = pytest.fixture(live_factory)


class HeldRead:
    """Holds the reads of threads named `thread_name` inside the store (Store.notes_by_id, which every
    search with results calls) until released: a search that is half-way through its database reads."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, thread_name: str) -> None:
        self.thread_name = thread_name
        self.entered = threading.Event()
        self.release = threading.Event()
        self.stores: list[Store] = []
        original = Store.notes_by_id

        def held(store: Store, ids: Any) -> Any:
            if threading.current_thread().name == self.thread_name:
                self.stores.append(store)
                self.entered.set()
                assert self.release.wait(60), "the test never released the read"
            return original(store, ids)

        monkeypatch.setattr(Store, "notes_by_id", held)


def _in_thread(name: str, fn: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = fn()
        except BaseException as err:  # noqa: BLE001 - handed to the test, which asserts on it
            box["error"] = err

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread, box


def _open(store: Store) -> bool:
    try:
        store.conn.execute("SELECT 1")
    except sqlite3.ProgrammingError:  # "Cannot operate on a closed database."
        return False
    return True


@pytest.fixture
def live(make_live: Callable[..., Live], tmp_path: Path) -> Iterator[Live]:
    notes = tmp_path / "notes"
    for i in range(12):
        write(notes, f"n/{i:04}.md", note_text(i))
    yield make_live(watch=False).start()


def test_stop_waits_for_a_search_in_flight_then_closes_its_connection(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = live.engine
    assert engine.search("word3", 5)[0].path == "n/0003.md"
    held = HeldRead(monkeypatch, "held search")
    search, got = _in_thread("held search", lambda: engine.search_with_mode("word3", 5))
    assert held.entered.wait(30), "the search never reached the store"

    stopper, stopped = _in_thread("stopper", lambda: engine.stop(30))
    wait_until(lambda: not engine.running, 30, "the writer to end")
    stopper.join(0.5)
    assert stopper.is_alive(), "stop() returned while a search was still reading"
    assert _open(held.stores[0]), "the search's connection was closed under it"
    assert engine.search_with_mode("word3", 5) == ([], "")  # a new read is refused, not served half-closed

    held.release.set()
    search.join(30)
    stopper.join(30)
    assert "error" not in got, got.get("error")
    hits, mode = got["result"]
    assert mode == "hybrid" and hits[0].path == "n/0003.md"
    assert stopped["result"] is True
    assert not _open(held.stores[0])  # drained, then closed: nothing left open after stop


def test_stop_that_times_out_leaves_the_read_its_connection_until_it_ends(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = live.engine
    held = HeldRead(monkeypatch, "slow search")
    search, got = _in_thread("slow search", lambda: engine.search("word5", 5))
    assert held.entered.wait(30), "the search never reached the store"

    engine.stop(0.2)  # a quitting app does not wait for a read stuck on a slow disk
    assert _open(held.stores[0]), "stop closed a connection another thread was reading from"
    assert engine.note_links("n/0005.md") == set() and engine.related("n/0005.md") == []

    held.release.set()
    search.join(30)
    assert "error" not in got, got.get("error")
    assert got["result"][0].path == "n/0005.md"
    wait_until(lambda: not _open(held.stores[0]), 10, "the read to close its own connection")


def test_status_and_links_during_a_restart_read_the_old_index_or_nothing(
    live: Live, make_live: Callable[..., Live], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The GUI's folder change: the old engine stops while its reads run, the new one starts at once."""
    old = live.engine
    held = HeldRead(monkeypatch, "old search")
    search, got = _in_thread("old search", lambda: old.search("word7", 5))
    assert held.entered.wait(30)
    old.stop(0.2)
    again = make_live(watch=False).start()
    assert again.engine.search("word7", 5)[0].path == "n/0007.md"
    assert old.status_files().files == ()  # the stopped engine answers nothing rather than half
    held.release.set()
    search.join(30)
    assert "error" not in got, got.get("error")
    assert got["result"][0].path == "n/0007.md"


def test_two_engines_in_one_process_keep_their_own_counts(
    make_live: Callable[..., Live], tmp_path: Path
) -> None:
    """Document frequencies, vocabulary and boilerplate live in each engine: a folder where a word is
    everywhere does not change how rare it counts in another folder searched in between."""
    common, rare = tmp_path / "common", tmp_path / "rare"
    for i in range(10):
        write(common, f"c{i}.md", f"# C{i}\n\nThe gardening journal {i} mentions tomatoes again.\n")
        write(rare, f"r{i}.md", f"# R{i}\n\nA travel note {i} about trains and stations.\n")
    write(rare, "tomatoes.md", "# Tomatoes\n\nTomatoes grown on the balcony this summer.\n")
    a = make_live(folder=common, home=tmp_path / "home", watch=False).start()
    b = make_live(folder=rare, home=tmp_path / "home", watch=False).start()
    assert a.engine.caches is not b.engine.caches
    for _ in range(2):  # interleaved, as two windows' searches would be
        hits_a = a.engine.search("tomatoes", 20)
        hits_b = b.engine.search("tomatoes", 20)
    assert len(hits_a) == 10 and hits_b[0].path == "tomatoes.md"
    key = (" AND ".join(word_strings("tomatoes", {"en"})), PROBE_LIMIT)  # as KeywordIndex.word_freq asks
    assert (a.engine.caches.doc_freqs.values[key], b.engine.caches.doc_freqs.values[key]) == (10, 1)
    assert (a.engine.caches.doc_freqs.rows, b.engine.caches.doc_freqs.rows) == (10, 11)


def test_a_restarted_engine_starts_with_fresh_counts(make_live: Callable[..., Live], tmp_path: Path) -> None:
    """The index is rebuilt between two engines on one folder (its database deleted): the new engine
    must not answer from what the old one counted, even where the store generation happens to repeat."""
    notes = tmp_path / "notes"
    for i in range(6):
        write(notes, f"n{i}.md", f"# N{i}\n\nplain words {i} about kettles.\n")
    first = make_live(watch=False).start()
    assert len(first.engine.search("kettles", 10)) == 6
    generation = first.engine.caches.doc_freqs.generation
    first.stop()
    for path in first.engine.ws.dir.glob("*"):
        path.unlink()
    for i in range(3, 6):
        (notes / f"n{i}.md").unlink()
    second = make_live(watch=False).start()
    assert second.engine.caches is not first.engine.caches
    assert len(second.engine.search("kettles", 10)) == 3
    counted = second.engine.caches.doc_freqs
    assert counted.rows == 3, (counted.rows, generation)


def test_a_reading_thread_keeps_its_searcher_and_related_while_the_model_stays(live: Live) -> None:
    """Related keeps every note's title vector per index generation, so it lives as long as its thread's
    connection, the ANN and the model; a new model or ANN gets a new one."""
    engine = live.engine
    writer = engine.writer
    with engine.readers.reading() as reader:
        related, searcher = (
            reader.related(writer.ann, writer.embedder),
            reader.searcher(writer.ann, writer.embedder),
        )
        assert reader.related(writer.ann, writer.embedder) is related
        assert reader.searcher(writer.ann, writer.embedder) is searcher
        other = type(
            "OtherModel",
            (),
            {"model_id": "other:1", "dim": writer.embedder.dim, "encode_query": writer.embedder.encode_query},
        )()
        assert reader.related(writer.ann, other) is not related
        assert reader.searcher(writer.ann, other) is not searcher
