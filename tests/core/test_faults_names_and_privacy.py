"""File names that are not valid UTF-8 (and other awkward names) through store, search, related, status
and open (fault case 34, issue 11 item 1); the index kept private to its owner (issue 11 item 2).

Real folders, real SQLite and hnswlib, real `gte-notes` processes where the output is the point; the
fake embedder (tests/fakes.py), since the model is not.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import unicodedata
from pathlib import Path

import pytest

from gte_notes.core.files.config import Settings
from gte_notes.core.files.path_text import ESC, display, from_db, to_db
from gte_notes.core.live.workspace import Workspace
from tests.core.live_helpers import check_consistent, fake_cli, fake_env, live_factory, write

make_live = pytest.fixture(live_factory)

BAD = os.fsdecode(b"bad-\xff-penguin.md")  # how Python names a file whose name is not UTF-8
AWKWARD = [
    BAD,
    os.fsdecode(b"old archive \xe9t\xe9/caf\xe9 penguin.md"),  # Latin-1 folder and file names
    "with spaces penguin.md",
    "emoji 📝 penguin 🎉.md",
    unicodedata.normalize("NFC", "café penguin.md"),
    unicodedata.normalize("NFD", "café penguin.md"),
    "line\nbreak penguin.md",
    "p" * 252 + ".md",  # 255 bytes
    f"escape {ESC}dcff penguin.md",  # spelled like the database's escape of BAD's byte: must stay apart
]


def _folder(tmp_path: Path) -> Path:
    notes = tmp_path / "notes"
    write(notes, "a.md", "# A\n\nhello there, ordinary note about gardens\n")
    for i, name in enumerate(AWKWARD):
        path = notes / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# Awkward {i}\n\npenguin colony number{i} on the ice\n", encoding="utf-8")
    return notes


def _utf8_env(tmp_path: Path) -> dict[str, str]:
    # A UTF-8 locale makes stdout strict: an undecodable name printed raw is a UnicodeEncodeError.
    env = fake_env(tmp_path)
    env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
    env.pop("PYTHONIOENCODING", None)
    return env


def _run(tmp_path: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        fake_cli(home, *args),
        env=_utf8_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_path_text_round_trips_every_awkward_name_and_displays_as_utf8() -> None:
    for name in [*AWKWARD, ESC, ESC + ESC, f"{ESC}zz", "\udcff" + ESC + "00ff"]:
        assert from_db(to_db(name)) == name
        to_db(name).encode("utf-8")  # storable
        display(name).encode("utf-8")  # printable
    assert len({to_db(n) for n in AWKWARD}) == len(AWKWARD)
    assert to_db("plain/café.md") == "plain/café.md"  # ordinary names are stored as before


def test_34_undecodable_and_awkward_names_through_index_search_related_status_and_json(
    tmp_path: Path,
) -> None:
    notes, home = _folder(tmp_path), tmp_path / "home"
    indexed = _run(tmp_path, home, "index", str(notes))
    assert indexed.returncode == 0, indexed.stderr
    assert f"{len(AWKWARD) + 1} new" in indexed.stdout and "0 failed" in indexed.stdout
    db = Workspace(notes, home=home).db_path
    assert check_consistent(db)["notes"] == len(AWKWARD) + 1

    # Every awkward note is found by its own words, listed under a printable name ...
    for i, name in enumerate(AWKWARD):
        found = _run(tmp_path, home, "search", str(notes), f"penguin colony number{i}", "--json")
        assert found.returncode == 0, found.stderr
        top = json.loads(found.stdout)[0]
        assert top["path"] == display(name)
        # ... and scripts get the exact bytes back, so the file can be opened.
        exact = base64.b64decode(top["path_bytes"]) if "path_bytes" in top else top["path"].encode()
        assert (os.fsencode(notes) + b"/" + exact) == os.fsencode(notes / name)
        assert Path(os.fsdecode(os.fsencode(notes) + b"/" + exact)).read_text().startswith(f"# Awkward {i}")

    text = _run(tmp_path, home, "search", str(notes), "penguin colony number0")
    assert text.returncode == 0 and "bad-\ufffd-penguin.md" in text.stdout

    # related takes the name as the shell passes it (bytes, decoded by Python as BAD) ...
    rel = _run(tmp_path, home, "related", str(notes), BAD, "--json")
    assert rel.returncode == 0, rel.stderr
    assert {h["path"] for h in json.loads(rel.stdout)} >= {display(n) for n in AWKWARD[1:4]}
    # ... and as a path given from the current directory.
    rel_text = _run(tmp_path, home, "related", str(notes), str(notes / BAD))
    assert rel_text.returncode == 0 and "penguin" in rel_text.stdout

    status = _run(tmp_path, home, "status", str(notes), "--json", "--all")
    assert status.returncode == 0, status.stderr
    files = {f["path"]: f for f in json.loads(status.stdout)["files"]}
    assert files[display(BAD)]["status"] == "indexed"
    assert base64.b64decode(files[display(BAD)]["path_bytes"]) == b"bad-\xff-penguin.md"
    shown = _run(tmp_path, home, "status", str(notes), "--all")
    assert shown.returncode == 0 and "bad-\ufffd-penguin.md" in shown.stdout

    # A path: filter spelled with the undecodable byte reaches the note too.
    filtered = _run(tmp_path, home, "search", str(notes), f"path:{BAD}", "penguin", "--json")
    assert filtered.returncode == 0 and [h["path"] for h in json.loads(filtered.stdout)] == [display(BAD)]


def test_34_undecodable_name_never_stops_the_live_index_and_opens(tmp_path: Path, make_live) -> None:
    notes = _folder(tmp_path)
    live = make_live().start()
    assert not live.rec.errors, live.rec.errors
    live.settle()  # every readable note, whatever its name, is indexed with its content
    write(notes, "penguin.md", "# Penguin\n\nemperor penguins huddle in winter\n")  # next to the bad name
    live.wait_indexed("penguin.md")
    assert live.search_paths("penguin colony number0", 1) == [BAD]
    related = [h.path for h in live.engine.related(BAD, 20)]
    assert BAD not in related and "penguin.md" in related
    assert live.engine.note_text(BAD).startswith("# Awkward 0")  # the preview opens it
    assert (
        live.folder / live.engine.search("penguin colony number0", 1)[0].path
    ).is_file()  # so does an editor
    files = {f.path: f.status for f in live.engine.status_files().files}
    assert files[BAD] == "indexed"
    (notes / BAD).unlink()  # a deleted file leaves the index, under its exact name
    live.settle()
    assert BAD not in live.paths() and live.search_paths("penguin colony number0", 1) != [BAD]


# ---- privacy: the index holds the full text of every note ---------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_index_is_created_owner_only_even_with_a_permissive_umask(tmp_path: Path, make_live) -> None:
    _folder(tmp_path)
    home = tmp_path / "home"
    old = os.umask(0o022)
    try:
        live = make_live(home=home).start()
        ws = live.engine.ws
        # While it runs: the WAL and shared-memory files exist and are private too.
        for name in ("index.db", "index.db-wal", "index.db-shm", "writer.lock"):
            assert _mode(ws.dir / name) == 0o600, name
        live.stop()
        Settings(folders=[str(live.folder)]).save(tmp_path / "config" / "settings.json")
    finally:
        os.umask(old)
    for folder in (home, home / "indexes", ws.dir, tmp_path / "config"):
        assert _mode(folder) == 0o700, folder
    for name in ("index.db", "ann.bin", "ann.json", "writer.lock"):
        assert _mode(ws.dir / name) == 0o600, name
    assert _mode(tmp_path / "config" / "settings.json") == 0o600


def test_an_existing_world_readable_index_is_tightened_on_open(tmp_path: Path) -> None:
    notes, home = _folder(tmp_path), tmp_path / "home"
    assert _run(tmp_path, home, "index", str(notes)).returncode == 0
    ws = Workspace(notes, home=home)
    for path in [ws.dir.parent, ws.dir]:
        path.chmod(0o755)
    for path in ws.dir.iterdir():
        path.chmod(0o644)
    status = _run(tmp_path, home, "status", str(notes))  # a reader is enough
    assert status.returncode == 0, status.stderr
    assert _mode(ws.dir) == 0o700 and _mode(ws.dir.parent) == 0o700
    assert {p.name: _mode(p) for p in ws.dir.iterdir()} == {p.name: 0o600 for p in ws.dir.iterdir()}


# ---- the same names with the real tokenizer (issue 23 item 1) -----------------------------------


@pytest.mark.model
def test_34_undecodable_name_is_indexed_and_found_with_the_real_model(
    tmp_path: Path, capsys, minilm_path: Path
) -> None:
    # The fake embedder takes any str; the real (Rust) tokenizer raises TypeError on a lone surrogate,
    # so the title made from the file name must reach it as valid text.
    from gte_notes.cli import main

    notes = tmp_path / "notes"
    write(notes, BAD, "# A\n\nabout lighthouses on rocky coasts\n")
    write(notes, os.fsdecode(b"caf\xe9/menu.md"), "# Menu\n\nespresso and croissants\n")
    write(notes, "plain.md", "# Plain\n\ngardening in spring\n")
    base = ["--model", str(minilm_path), "--precision", "fp32", "--data-dir", str(tmp_path / "d")]
    code = main([*base, "index", str(notes)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "3 new" in out and "0 failed" in out and "Traceback" not in err
    assert main([*base, "search", str(notes), "lighthouses", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["path"] == display(BAD)
    assert main([*base, "search", str(notes), "coffee and pastries", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["path"] == display(os.fsdecode(b"caf\xe9/menu.md"))
    assert main([*base, "status", str(notes), "--json", "--all"]) == 0
    files = {f["path"]: f for f in json.loads(capsys.readouterr().out)["files"]}
    assert files[display(BAD)]["status"] == "indexed", files[display(BAD)]


@pytest.mark.model
def test_34_undecodable_name_added_while_watching_is_indexed_with_the_real_model(
    tmp_path: Path, make_live, minilm_embedder
) -> None:
    notes = tmp_path / "notes"
    write(notes, "plain.md", "# Plain\n\ngardening in spring\n")
    live = make_live(embedder=minilm_embedder).start()
    write(notes, BAD, "# A\n\nabout lighthouses on rocky coasts\n")
    live.wait_indexed(BAD)
    assert live.paths()[BAD] == "indexed" and not live.rec.errors
    assert live.search_paths("lighthouses", 1) == [BAD]
