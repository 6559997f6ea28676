"""The command line on a real vault (a copy of dendron-site) with the real stand-in model.

The tests in this module run in order on one indexed copy: index, re-index, rename, edit, search,
related, status — the way a user would go through them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gte_notes.cli import main

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory, dendron_vault: Path, minilm_path: Path):
    root = tmp_path_factory.mktemp("cli")
    notes = root / "dendron"
    shutil.copytree(dendron_vault, notes)
    (notes / "broken.md").write_bytes(b"\x00\x01\x02binary" * 100)
    return {"notes": notes, "args": ["--model", str(minilm_path), "--data-dir", str(root / "data")]}


def run(vault: dict, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*vault["args"], *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def embedded(summary: str) -> int:
    return int(re.search(r"(\d+) chunks embedded", summary).group(1))


def test_index_indexes_every_readable_note(vault: dict, capsys) -> None:
    code, out, _ = run(vault, capsys, "index", str(vault["notes"]))
    assert code == 0
    assert embedded(out) > 1000
    code, out, _ = run(vault, capsys, "status", str(vault["notes"]), "--json")
    status = json.loads(out)
    on_disk = sorted(p.relative_to(vault["notes"]).as_posix() for p in vault["notes"].rglob("*.md"))
    assert sorted(f["path"] for f in status["files"]) == on_disk  # every file accounted for
    by_path = {f["path"]: f for f in status["files"]}
    assert by_path["broken.md"]["status"] == "binary" and by_path["broken.md"]["reason"]
    counts = status["counts"]
    assert counts["indexed"] > 800 and counts["indexed"] + counts["empty"] + counts["binary"] == len(on_disk)
    assert all(f["status"] in ("indexed", "empty") for p, f in by_path.items() if p != "broken.md")
    assert status["chunks"] == status["ann"]["count"] > 1000


def test_second_index_embeds_nothing(vault: dict, capsys) -> None:
    code, out, _ = run(vault, capsys, "index", str(vault["notes"]))
    assert code == 0 and embedded(out) == 0


def test_renaming_a_note_embeds_nothing(vault: dict, capsys) -> None:
    notes = vault["notes"]
    (notes / "dendron.topic.sidebar.calendar-view.md").rename(notes / "calendar sidebar (renamed).md")
    code, out, _ = run(vault, capsys, "index", str(notes))
    assert code == 0 and embedded(out) == 0 and "1 new" in out and "1 removed" in out


def test_editing_one_paragraph_embeds_only_that_chunk(vault: dict, capsys) -> None:
    note = vault["notes"] / "dendron.topic.note-reference.concepts.block-anchors.md"
    text = note.read_text()
    note.write_text(text.replace("or you can add in custom anchors.", "or you can type your own anchors."))
    code, out, _ = run(vault, capsys, "index", str(vault["notes"]))
    assert code == 0 and embedded(out) == 1 and "1 changed" in out


@pytest.mark.parametrize(
    "query, expected",
    [
        (
            "how do I keep a note for every day",
            {
                "journal.daily.md",
                "dendron.topic.special-notes.daily-journal-note.md",
                "tags.feature.daily-journal.md",
            },
        ),
        (
            "reference one particular paragraph from another note",
            {
                "dendron.topic.links.block-link.md",
                "dendron.topic.note-reference.md",
                "dendron.topic.note-reference.concepts.block-anchors.md",
            },
        ),
        (
            "jobs and open positions at the company",
            {
                "careers.md",
                "careers.head-of-growth.md",
                "careers.product-manager.md",
                "careers.what-we-offer.md",
            },
        ),
    ],
)
def test_search_finds_notes_by_meaning(vault: dict, capsys, query: str, expected: set[str]) -> None:
    code, out, _ = run(vault, capsys, "search", str(vault["notes"]), query, "--limit", "5", "--json")
    hits = json.loads(out)
    assert code == 0 and len(hits) == 5
    assert expected & {h["path"] for h in hits}, [h["path"] for h in hits]
    assert len({h["path"] for h in hits}) == 5  # one row per note
    for h in hits:
        assert {"path", "title", "score", "passage", "line"} <= set(h)
        lines = (vault["notes"] / h["path"]).read_text().splitlines()
        assert h["passage"].splitlines()[0].strip() in lines[h["line"] - 1]


def test_related_never_lists_the_note_itself(vault: dict, capsys) -> None:
    note = "dendron.topic.special-notes.daily-journal-note.md"
    code, out, _ = run(vault, capsys, "related", str(vault["notes"]), note, "--json")
    hits = json.loads(out)
    assert code == 0 and hits
    assert note not in {h["path"] for h in hits}
    assert any("journal" in h["path"] for h in hits)  # e.g. tags.feature.daily-journal.md
    assert all(h["source_passage"] for h in hits)


def test_missing_model_says_what_to_do(vault: dict, tmp_path: Path) -> None:
    """A fresh process, an empty Hugging Face cache, the default model: exit 2, no traceback."""
    env = {
        "HF_HOME": str(tmp_path / "hf"),
        "HF_HUB_OFFLINE": "1",
        "PATH": "/usr/bin:/bin",
        "GTE_NOTES_CONFIG": str(tmp_path / "cfg"),
    }
    out = subprocess.run(
        [sys.executable, "-m", "gte_notes", "--data-dir", str(tmp_path / "d"), "index", str(vault["notes"])],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 2
    assert "gte-notes model download" in out.stderr and "Traceback" not in out.stderr


def test_search_before_index_says_so(tmp_path: Path, capsys, minilm_path: Path) -> None:
    (tmp_path / "n").mkdir()
    code = main(
        ["--model", str(minilm_path), "--data-dir", str(tmp_path / "d"), "search", str(tmp_path / "n"), "x"]
    )
    assert code == 1 and "gte-notes index" in capsys.readouterr().err


def test_missing_folder_is_a_clear_error(tmp_path: Path, capsys) -> None:
    code = main(["--data-dir", str(tmp_path / "d"), "index", str(tmp_path / "nope")])
    err = capsys.readouterr().err
    assert code != 0 and "nope" in err and "Traceback" not in err
