"""`gte-notes watch FOLDER | head -1`: when the reader of its output goes away, watch stops cleanly
(index saved, lock released) with 141 at its next line, instead of a traceback or running on unseen.

A real `watch` process and a real pipe; the fake embedder (tests/fake_model_cli.py), since what is
tested is the output and the stop, not the vectors.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.live.workspace import Workspace
from tests.core.live_helpers import fake_cli, fake_env, note_text, wait_until, write
from tests.fakes import FakeEmbedder


def test_watch_into_a_pipe_closed_early_stops_cleanly_with_141(tmp_path: Path) -> None:
    notes, home = tmp_path / "notes", tmp_path / "home"
    for i in range(5):
        write(notes, f"n{i}.md", note_text(i))
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        fake_cli(home, "watch", str(notes)), env=fake_env(tmp_path), stdout=write_end, stderr=subprocess.PIPE
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as out:
            first = out.readline().decode()  # then the pipe closes, as `head -1` closes it
        assert first.strip()
        db = Workspace(notes, home=home).db_path
        wait_until(lambda: db.exists(), 60, "the index")
        write(notes, "fresh.md", "# Fresh\n\nabout kayaks\n")  # a change: watch prints, into the closed pipe
        code = proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    assert code == 141 and "Traceback" not in err and "Exception ignored" not in err, err
    manifest, problem = AnnIndex(db.parent, 384, FakeEmbedder().model_id).verify()
    assert manifest is not None, problem  # stopped as on Ctrl+C: the index was saved
