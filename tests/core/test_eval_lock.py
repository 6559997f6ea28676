"""An evaluation never scores an index another process is still writing."""

from __future__ import annotations

from pathlib import Path

import pytest

from gte_notes.core.live.workspace import Workspace
from gte_notes.eval import __main__ as eval_main
from gte_notes.eval.harness import IndexBusyError, index_folder, write_notes
from tests.fakes import FakeEmbedder


def test_a_folder_being_indexed_elsewhere_fails_instead_of_scoring_half_an_index(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    write_notes(folder, [(f"d{i}.md", f"# Doc {i}\n\nabout thing {i}\n") for i in range(5)])
    other = Workspace(folder, home=tmp_path / "home")
    # The lock is what another evaluation, or the app indexing this folder, holds.
    with other.lock, pytest.raises(IndexBusyError, match="half-built"):
        index_folder(folder, tmp_path / "home", FakeEmbedder(), quiet=True)
    ix = index_folder(folder, tmp_path / "home", FakeEmbedder(), quiet=True)  # free again: it indexes
    assert ix.embedded > 0
    ix.close()


def test_the_eval_command_exits_with_an_error_and_no_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def busy(_args: object) -> int:
        raise IndexBusyError("/some/folder is being indexed by another process")

    monkeypatch.setattr(eval_main, "_run", busy)
    assert eval_main.main(["--json", "stsb"]) == 2
    out = capsys.readouterr()
    assert out.out == "" and "being indexed by another process" in out.err
