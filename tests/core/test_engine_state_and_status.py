"""What the faces read from the engine, as typed values: its state (a phase, the problem, a model change),
its status (counts, no file list), the files a page at a time, and links resolved by the engine.

The engine runs on a real folder, SQLite and hnswlib with the fake embedder (tests/fakes.py): these tests
are about what the engine hands over, not about embeddings."""

from __future__ import annotations

from pathlib import Path

import pytest

from gte_notes.core.index.status import FileStatus, page_of
from gte_notes.core.live.engine_state import EngineState, ModelChangeState, Phase
from gte_notes.core.live.engine_status import IndexStatus
from tests.core.live_helpers import live_factory, note_text, wait_until, write

make_live = pytest.fixture(live_factory)


def test_a_state_carries_its_problem_and_model_change_as_fields_and_reads_as_before() -> None:
    error = EngineState.error("The notes folder /x does not exist.")
    assert error.phase is Phase.ERROR and error.problem == "The notes folder /x does not exist."
    assert str(error) == "error: The notes folder /x does not exist."  # what `gte-notes watch` prints
    changing = EngineState.changing_model("thenlper/gte-small", 2, 7)
    assert changing.change == ModelChangeState("thenlper/gte-small", 2, 7)
    assert str(changing) == "re-embedding for thenlper/gte-small: 2/7"
    assert str(EngineState.changing_model("m")) == "re-embedding for m: loading the model"
    assert str(EngineState(Phase.LOADING_MODEL)) == "loading model"
    assert EngineState(Phase.INDEXING).working and not EngineState(Phase.PAUSED).working


def test_a_page_of_files_is_filtered_then_cut_and_says_how_many_matched() -> None:
    files = [FileStatus(f"n/{i:02}.md", "indexed") for i in range(10)]
    files.append(FileStatus("big.md", "too_large", "too large (300 MB)"))
    page = page_of(files, offset=4, limit=3)
    assert [f.path for f in page.files] == ["n/04.md", "n/05.md", "n/06.md"] and page.total == 11
    assert page_of(files, 10, 5).files == (files[10],)  # the last, short page
    assert page_of(files, 20, 5).files == () and page_of(files, 20, 5).total == 11
    only = page_of(files, 0, 5, "  TOO LARGE ")  # the reason, any case, spaces around ignored
    assert only.files == (files[10],) and only.total == 1


def test_status_has_counts_and_the_files_come_a_page_at_a_time(tmp_path: Path, make_live) -> None:
    notes = tmp_path / "notes"
    for i in range(12):
        write(notes, f"n/{i:04}.md", note_text(i))
    write(notes, "empty.md", "")
    live = make_live().start()

    status = live.engine.status()
    assert isinstance(status, IndexStatus) and not hasattr(status, "files")
    assert status.state == EngineState(Phase.IDLE) and status.files_total == 13
    assert status.counts == {"indexed": 12, "empty": 1}

    page = live.engine.status_files(offset=5, limit=4)
    assert [f.path for f in page.files] == [f"n/{i:04}.md" for i in range(4, 8)]  # by path: empty.md first
    assert page.total == 13 and all(f.status == "indexed" for f in page.files)
    empty = live.engine.status_files(0, 10, "EMPTY")
    assert [(f.path, f.status) for f in empty.files] == [("empty.md", "empty")] and empty.total == 1


def test_while_paused_the_notes_not_indexed_yet_are_listed_as_waiting(tmp_path: Path, make_live) -> None:
    write(tmp_path / "notes", "a.md", note_text(1))
    live = make_live(quiet=0.05).start()
    live.engine.pause()
    wait_until(lambda: live.engine.state.phase is Phase.PAUSED, 30, "the paused state")
    write(live.folder, "b.md", note_text(2))
    wait_until(lambda: live.engine.queue.pending(), 30, "the new note to be queued")
    files = {f.path: f.status for f in live.engine.status_files().files}
    assert files == {"a.md": "indexed", "b.md": "waiting"}
    live.engine.resume()
    wait_until(lambda: live.engine.status_files(0, 10, "b.md").files[0].status == "indexed", 30, "b indexed")


def test_the_engine_resolves_a_link_and_writes_one(tmp_path: Path, make_live) -> None:
    notes = tmp_path / "notes"
    write(notes, "projects/alpha.md", "# Alpha\n\nSee [[beta]] and [the plan](../plans/plan.md).\n")
    write(notes, "projects/beta.md", "# Beta\n\nBeta notes.\n")
    write(notes, "archive/beta.md", "# Old beta\n\nAn older beta.\n")
    write(notes, "plans/plan.md", "# Plan\n\nThe plan.\n")
    live = make_live().start()
    engine = live.engine

    assert engine.resolve_link("beta", "projects/alpha.md") == "projects/beta.md"  # beside the note wins
    assert engine.resolve_link("../plans/plan.md", "projects/alpha.md") == "plans/plan.md"
    assert engine.resolve_link("Plan", "archive/beta.md") == "plans/plan.md"  # a note that links nowhere
    assert engine.resolve_link("nowhere", "projects/alpha.md") is None
    assert engine.note_title("plans/plan.md") == "Plan" and engine.note_title("nowhere.md") == ""

    assert engine.link_text("plans/plan.md", "Plan").wikilink == "[[plan]]"
    links = engine.link_text("projects/beta.md", "Beta", "plans/plan.md")
    assert links.wikilink == "[[projects/beta]]"  # two notes named beta: the path tells them apart
    assert links.markdown == "[Beta](../projects/beta.md)"


def test_a_stopped_engine_answers_empty_not_half(tmp_path: Path, make_live) -> None:
    write(tmp_path / "notes", "a.md", note_text(1))
    live = make_live().start()
    live.stop()
    assert live.engine.status().counts == {} and live.engine.status().state.phase is Phase.STOPPED
    assert live.engine.status_files().total == 0
    assert live.engine.resolve_link("a", "") is None
